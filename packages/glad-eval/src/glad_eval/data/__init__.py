"""Datasets by name: ``mnist5k`` (offline, the default), ``mnist``/``fashion-mnist`` (idx files: local root,
Debian's folder, or torchvision download), ``cifar10``/``cifar100`` (local root, torchvision) and the ImageNet
subsets of spec §7 (local ImageNet folder), all served as in-memory uint8 tensors.

>>> ds = load_dataset("mnist5k")            # 1 x 32 x 32, 10 classes, 4000 train / 1000 test
>>> x = ds.real_batch(3, 16, generator=g)    # 16 training digits of class 3, float32 in [0, 1]
>>> ds.normalize(x)                          # (x - mean) / std
"""

from . import cifar, imagenet, mnist, mnist5k  # noqa: F401  (register the built-ins)
from .dataset import Dataset, ImageSet
from .registry import ENTRY_POINT_GROUP, available_datasets, load_dataset, register_dataset

__all__ = [
    "ENTRY_POINT_GROUP",
    "Dataset",
    "ImageSet",
    "available_datasets",
    "load_dataset",
    "register_dataset",
]
