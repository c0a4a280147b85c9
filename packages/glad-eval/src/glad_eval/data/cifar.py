"""CIFAR-10 and CIFAR-100 from a local root through torchvision (fetched only when ``download=True``).

``root`` is the folder holding ``cifar-10-batches-py`` / ``cifar-100-python`` (the extracted python-version
archives). Served at 32 px, or resampled to another ``image_size``.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torchvision

from .dataset import Dataset, ImageSet
from .registry import register_dataset
from .stats import CIFAR10_MEAN, CIFAR10_STD, CIFAR100_MEAN, CIFAR100_STD
from .transforms import resize_uint8

DEFAULT_SIZE = 32


def _split(tv_dataset, size: int) -> ImageSet:
    images = (
        torch.from_numpy(tv_dataset.data).permute(0, 3, 1, 2).contiguous()
    )  # [N, 32, 32, 3] -> [N, 3, 32, 32]
    return ImageSet(resize_uint8(images, size), torch.as_tensor(tv_dataset.targets, dtype=torch.int64))


def _load_cifar(
    name: str, tv_class, folder: str, archive: str, mean, std, root, image_size, download
) -> Dataset:
    if root is None:
        raise ValueError(
            f"{name}: pass root (CLI: --data-root DIR), the folder that holds {folder}/ (or where it should "
            "be downloaded with download=True / --download)"
        )
    root = Path(root)
    try:
        train = tv_class(str(root), train=True, download=download)
        test = tv_class(str(root), train=False, download=download)
    except RuntimeError as exc:
        raise FileNotFoundError(
            f"{name}: no usable copy at {root / folder}. Download it with download=True (CLI: --download), "
            f"or extract the python version of the archive ({archive}, from the CIFAR page of the University "
            f"of Toronto) into {root}. ({exc})"
        ) from exc
    size = DEFAULT_SIZE if image_size is None else image_size
    return Dataset(
        name=name,
        num_classes=len(train.classes),
        channels=3,
        image_size=size,
        mean=mean,
        std=std,
        class_names=list(train.classes),
        train=_split(train, size),
        test=_split(test, size),
    )


@register_dataset("cifar10", aliases=("cifar-10",))
def load_cifar10(
    *, root: Path | None = None, image_size: int | None = None, download: bool = False
) -> Dataset:
    return _load_cifar(
        "cifar10",
        torchvision.datasets.CIFAR10,
        "cifar-10-batches-py",
        "cifar-10-python.tar.gz",
        CIFAR10_MEAN,
        CIFAR10_STD,
        root,
        image_size,
        download,
    )


@register_dataset("cifar100", aliases=("cifar-100",))
def load_cifar100(
    *, root: Path | None = None, image_size: int | None = None, download: bool = False
) -> Dataset:
    return _load_cifar(
        "cifar100",
        torchvision.datasets.CIFAR100,
        "cifar-100-python",
        "cifar-100-python.tar.gz",
        CIFAR100_MEAN,
        CIFAR100_STD,
        root,
        image_size,
        download,
    )
