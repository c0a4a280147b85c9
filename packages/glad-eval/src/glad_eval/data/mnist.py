"""``mnist`` (all 70,000 digits) and ``fashion-mnist`` from their original idx files.

The four files ``{train,t10k}-{images-idx3,labels-idx1}-ubyte`` (each plain or ``.gz``) are looked for, in
order, in: ``root`` itself, torchvision's raw layout ``root/MNIST/raw`` / ``root/FashionMNIST/raw``,
``root/mnist`` / ``root/fashion-mnist``, and (Fashion-MNIST) ``/usr/share/datasets/fashion-mnist``, where the
Debian package ``dataset-fashion-mnist`` installs them, so it is found without ``root``. ``download=True``
fetches the files through torchvision into ``root`` (only when asked). Splits: the official 60,000 train /
10,000 test. Served 1-channel at 32 px (28 px zero-padded by 2 on every side) unless another ``image_size`` is
asked for (28: raw; larger: the padded image resampled), exactly as ``mnist5k``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torchvision

from .dataset import Dataset, ImageSet
from .idx import read_idx
from .registry import register_dataset
from .stats import FASHION_MNIST_MEAN, FASHION_MNIST_STD, MNIST_MEAN, MNIST_STD
from .transforms import DIGIT_SIZE, check_digit_size, serve_digits

DEFAULT_SIZE = 32
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

FASHION_CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]


@dataclass(frozen=True)
class IdxSource:
    """Where one idx dataset may live, how to get it, and its statistics and class names."""

    name: str
    tv_class: type  # torchvision dataset used only for download=True
    tv_folder: str  # torchvision's <root>/<tv_folder>/raw
    system_dirs: tuple[Path, ...]  # looked in even without root (OS packages)
    how_to_get: str
    mean: tuple[float, ...]
    std: tuple[float, ...]
    class_names: tuple[str, ...]

    def candidate_dirs(self, root: Path | None) -> list[Path]:
        """The folders searched, in order."""
        dirs = [] if root is None else [root, root / self.tv_folder / "raw", root / self.name]
        return dirs + list(self.system_dirs)


SOURCES = {
    "mnist": IdxSource(
        "mnist",
        torchvision.datasets.MNIST,
        "MNIST",
        (),
        "download them with --download (download=True; torchvision, into --data-root)",
        MNIST_MEAN,
        MNIST_STD,
        tuple(str(c) for c in range(10)),
    ),
    "fashion-mnist": IdxSource(
        "fashion-mnist",
        torchvision.datasets.FashionMNIST,
        "FashionMNIST",
        (Path("/usr/share/datasets/fashion-mnist"),),
        "install them with `apt install dataset-fashion-mnist` (Debian/Ubuntu), or download them with "
        "--download (download=True; torchvision, into --data-root)",
        FASHION_MNIST_MEAN,
        FASHION_MNIST_STD,
        tuple(FASHION_CLASSES),
    ),
}


def find_file(folder: Path, stem: str) -> Path | None:
    """``folder/stem`` or ``folder/stem.gz``, whichever exists (plain first), else None."""
    for path in (folder / stem, folder / f"{stem}.gz"):
        if path.is_file():
            return path
    return None


def find_files(source: IdxSource, root: Path | None) -> dict[str, tuple[Path, Path]]:
    """{split: (images, labels)} from the first candidate folder holding all four files.

    FileNotFoundError (one line) naming every folder looked in and how to get the files when none does.
    """
    looked = source.candidate_dirs(root)
    for folder in looked:
        found = {split: tuple(find_file(folder, stem) for stem in stems) for split, stems in FILES.items()}
        if all(path is not None for pair in found.values() for path in pair):
            return found  # type: ignore[return-value]
    stems = ", ".join(f"{stem}[.gz]" for stems in FILES.values() for stem in stems)
    where = f"are not in {', '.join(str(d) for d in looked)}" if looked else "need --data-root DIR (root=DIR)"
    raise FileNotFoundError(
        f"{source.name}: the idx files ({stems}) {where}; {source.how_to_get}, or copy the four files into "
        "the folder given as --data-root"
    )


def fetch(source: IdxSource, root: Path | None) -> None:
    """Fetch the idx files into ``root/<tv_folder>/raw`` through torchvision (network access)."""
    if root is None:
        raise ValueError(
            f"{source.name}: download needs a folder to write into; pass --data-root DIR (root=DIR)"
        )
    try:
        for train in (True, False):
            source.tv_class(str(root), train=train, download=True)
    except (RuntimeError, OSError) as exc:
        raise FileNotFoundError(
            f"{source.name}: downloading into {root / source.tv_folder / 'raw'} failed ({exc}); check the "
            f"network, or copy the four idx files into {root}"
        ) from exc


def read_split(images_path: Path, labels_path: Path, source: IdxSource) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 [N, 1, 28, 28] images and int64 [N] labels of one split, checked against each other."""
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.dim() != 3 or tuple(images.shape[1:]) != (DIGIT_SIZE, DIGIT_SIZE):
        raise ValueError(
            f"{source.name}: {images_path} holds {list(images.shape)}, expected [N, 28, 28] images"
        )
    if labels.dim() != 1 or labels.shape[0] != images.shape[0]:
        raise ValueError(
            f"{source.name}: {labels_path} holds {list(labels.shape)} labels for {images.shape[0]} images in "
            f"{images_path}; the two files must come from the same split"
        )
    num_classes = len(source.class_names)
    if labels.numel() and int(labels.max()) >= num_classes:
        raise ValueError(
            f"{source.name}: {labels_path} has label {int(labels.max())}, outside [0, {num_classes})"
        )
    return images.unsqueeze(1), labels.long()


def load_idx_dataset(
    name: str, *, root: Path | None = None, image_size: int | None = None, download: bool = False
) -> Dataset:
    """Dataset ``name`` (a SOURCES key) from its idx files, served at ``image_size`` px (default 32)."""
    source = SOURCES[name]
    size = DEFAULT_SIZE if image_size is None else image_size
    check_digit_size(name, size)
    root = None if root is None else Path(root)
    try:
        files = find_files(source, root)
    except FileNotFoundError:
        if not download:
            raise
        fetch(source, root)
        files = find_files(source, root)
    splits = {}
    for split, (images_path, labels_path) in files.items():
        images, labels = read_split(images_path, labels_path, source)
        splits[split] = ImageSet(serve_digits(images, size), labels)
    return Dataset(
        name=name,
        num_classes=len(source.class_names),
        channels=1,
        image_size=size,
        mean=source.mean,
        std=source.std,
        class_names=list(source.class_names),
        train=splits["train"],
        test=splits["test"],
    )


@register_dataset("mnist")
def load_mnist(
    *, root: Path | None = None, image_size: int | None = None, download: bool = False, progress: bool = True
) -> Dataset:
    """Full MNIST (60,000 / 10,000) from idx files under ``root`` (see the module docstring)."""
    return load_idx_dataset("mnist", root=root, image_size=image_size, download=download)


@register_dataset("fashion-mnist", aliases=("fashion_mnist", "fashionmnist"))
def load_fashion_mnist(
    *, root: Path | None = None, image_size: int | None = None, download: bool = False, progress: bool = True
) -> Dataset:
    """Fashion-MNIST (60,000 / 10,000) from idx files under ``root`` or the Debian package's folder."""
    return load_idx_dataset("fashion-mnist", root=root, image_size=image_size, download=download)
