"""CIFAR-10 and CIFAR-100 from a local root through torchvision (fetched only when ``download=True``).

``root`` is the folder holding ``cifar-10-batches-py`` / ``cifar-100-python`` (the extracted python-version
archives). Served at 32 px, or resampled to another ``image_size``.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    )  # [N, H, W, 3] -> [N, 3, H, W]
    return ImageSet(resize_uint8(images, size), torch.as_tensor(tv_dataset.targets, dtype=torch.int64))


@dataclass(frozen=True)
class CifarSource:
    """Where torchvision keeps one CIFAR variant, and its normalisation statistics."""

    tv_class: type
    folder: str
    archive: str
    mean: tuple[float, ...]
    std: tuple[float, ...]


SOURCES = {
    "cifar10": CifarSource(
        torchvision.datasets.CIFAR10,
        "cifar-10-batches-py",
        "cifar-10-python.tar.gz",
        CIFAR10_MEAN,
        CIFAR10_STD,
    ),
    "cifar100": CifarSource(
        torchvision.datasets.CIFAR100,
        "cifar-100-python",
        "cifar-100-python.tar.gz",
        CIFAR100_MEAN,
        CIFAR100_STD,
    ),
}


def load_cifar(name: str, *, root: Path | None, image_size: int | None, download: bool = False) -> Dataset:
    """CIFAR variant ``name`` (a SOURCES key) from ``root``, served at ``image_size`` px (default 32)."""
    source = SOURCES[name]
    if root is None:
        raise ValueError(
            f"{name}: pass root (CLI: --data-root DIR), the folder that holds {source.folder}/ (or where it "
            "should be downloaded with download=True / --download)"
        )
    root = Path(root)
    try:
        train = source.tv_class(str(root), train=True, download=download)
        test = source.tv_class(str(root), train=False, download=download)
    except RuntimeError as exc:
        raise FileNotFoundError(
            f"{name}: no usable copy at {root / source.folder}. Download it with download=True (CLI: "
            f"--download), or extract the python version of the archive ({source.archive}, from the CIFAR "
            f"page of the University of Toronto) into {root}. ({exc})"
        ) from exc
    size = DEFAULT_SIZE if image_size is None else image_size
    return Dataset(
        name=name,
        num_classes=len(train.classes),
        channels=3,
        image_size=size,
        mean=source.mean,
        std=source.std,
        class_names=list(train.classes),
        train=_split(train, size),
        test=_split(test, size),
    )


def _register_sources() -> None:
    for name in SOURCES:

        def loader(*, root=None, image_size=None, download=False, progress=True, _name=name) -> Dataset:
            return load_cifar(_name, root=root, image_size=image_size, download=download)

        register_dataset(name, aliases=(name.replace("cifar", "cifar-"),))(loader)


_register_sources()
