"""``mnist`` and ``fashion-mnist`` from idx files: a handmade root in every accepted layout, serving sizes,
the search order, and a missing or broken root refused with one line saying where we looked."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from glad_eval.data import available_datasets, load_dataset
from glad_eval.data import mnist as mnist_module
from glad_eval.data.idx import write_idx
from glad_eval.data.stats import FASHION_MNIST_MEAN, FASHION_MNIST_STD

DEBIAN = Path("/usr/share/datasets/fashion-mnist")
TRAIN, TEST = 20, 10  # per split, two per class in the test split


def tiny_split(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (n, 28, 28), generator=g, dtype=torch.uint8)
    return images, torch.arange(n, dtype=torch.uint8) % 10


def write_root(folder: Path, *, gz: bool = True) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """The four idx files of a 20 + 10 image dataset in ``folder``; returns what was written."""
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if gz else ""
    data = {"train": tiny_split(TRAIN, 1), "t10k": tiny_split(TEST, 2)}
    for prefix, (images, labels) in data.items():
        write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels)
    return data


@pytest.fixture
def no_system_dirs(monkeypatch):
    """Forget the Debian folder so the tests see only the roots they write."""
    source = dataclasses.replace(mnist_module.SOURCES["fashion-mnist"], system_dirs=())
    monkeypatch.setitem(mnist_module.SOURCES, "fashion-mnist", source)


def test_both_are_registered():
    assert {"mnist", "fashion-mnist"} <= set(available_datasets())


@pytest.mark.parametrize("gz", [True, False])
def test_raw_28px_from_a_flat_root(tmp_path, gz):
    data = write_root(tmp_path, gz=gz)
    ds = load_dataset("mnist", root=tmp_path, image_size=28)
    assert (ds.num_classes, ds.channels, ds.image_size, ds.class_names[3]) == (10, 1, 28, "3")
    assert torch.equal(ds.train.images, data["train"][0].unsqueeze(1))
    assert torch.equal(ds.test.images, data["t10k"][0].unsqueeze(1))
    assert ds.train.labels.dtype == torch.int64 and ds.test.labels.tolist() == list(range(10))


def test_default_is_32px_zero_padded_and_other_sizes_resample(tmp_path, no_system_dirs):
    data = write_root(tmp_path)
    ds = load_dataset("fashion-mnist", root=tmp_path)
    assert ds.image_size == 32 and ds.train.images.shape == (TRAIN, 1, 32, 32)
    assert torch.equal(ds.train.images, F.pad(data["train"][0].unsqueeze(1), (2, 2, 2, 2)))
    assert ds.class_names[0] == "T-shirt/top" and ds.class_names[9] == "Ankle boot"
    assert (ds.mean, ds.std) == (FASHION_MNIST_MEAN, FASHION_MNIST_STD)
    big = load_dataset("fashion_mnist", root=tmp_path, image_size=64)
    assert big.train.images.shape == (TRAIN, 1, 64, 64) and big.name == "fashion-mnist"
    with pytest.raises(ValueError, match="image_size=16 is too small"):
        load_dataset("fashion-mnist", root=tmp_path, image_size=16)


LAYOUTS = [("mnist", "MNIST/raw"), ("fashion-mnist", "FashionMNIST/raw"), ("mnist", "mnist"),
           ("fashion-mnist", "fashion-mnist")]  # fmt: skip


@pytest.mark.parametrize(("name", "sub"), LAYOUTS)
def test_torchvision_and_named_layouts_are_found(tmp_path, name, sub, no_system_dirs):
    data = write_root(tmp_path / sub)
    ds = load_dataset(name, root=tmp_path, image_size=28)
    assert torch.equal(ds.test.images[:, 0], data["t10k"][0])


def test_plain_and_gz_may_mix_in_one_folder(tmp_path):
    write_root(tmp_path, gz=True)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").rename(tmp_path / "held")
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", tiny_split(TEST, 2)[1])
    assert len(load_dataset("mnist", root=tmp_path).test) == TEST


def test_missing_files_say_where_we_looked_and_how_to_get_them(tmp_path, no_system_dirs):
    write_root(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte.gz").unlink()  # three of four files are not enough
    with pytest.raises(FileNotFoundError) as info:
        load_dataset("fashion-mnist", root=tmp_path)
    message = str(info.value)
    assert "\n" not in message and "t10k-images-idx3-ubyte[.gz]" in message
    for where in (tmp_path, tmp_path / "FashionMNIST" / "raw", tmp_path / "fashion-mnist"):
        assert str(where) in message
    assert "apt install dataset-fashion-mnist" in message and "--download" in message
    with pytest.raises(FileNotFoundError, match="mnist: the idx files .* need --data-root DIR"):
        load_dataset("mnist")
    with pytest.raises(ValueError, match="download needs a folder to write into; pass --data-root"):
        load_dataset("mnist", download=True)


def test_mismatched_splits_are_refused(tmp_path):
    write_root(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", torch.zeros(7, dtype=torch.uint8))
    with pytest.raises(ValueError, match="holds \\[7\\] labels for 20 images"):
        load_dataset("mnist", root=tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", torch.full((TRAIN,), 10, dtype=torch.uint8))
    with pytest.raises(ValueError, match="has label 10, outside \\[0, 10\\)"):
        load_dataset("mnist", root=tmp_path)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", torch.zeros(TRAIN, 32, 32, dtype=torch.uint8))
    with pytest.raises(ValueError, match="holds \\[20, 32, 32\\], expected \\[N, 28, 28\\]"):
        load_dataset("mnist", root=tmp_path)


def test_download_goes_through_torchvision_only_when_asked(tmp_path, monkeypatch, no_system_dirs):
    calls = []

    class FakeTorchvision:
        def __init__(self, root, *, train, download):
            calls.append((root, train, download))
            write_root(Path(root) / "FashionMNIST" / "raw")

    source = dataclasses.replace(mnist_module.SOURCES["fashion-mnist"], tv_class=FakeTorchvision)
    monkeypatch.setitem(mnist_module.SOURCES, "fashion-mnist", source)
    with pytest.raises(FileNotFoundError):
        load_dataset("fashion-mnist", root=tmp_path)
    assert calls == []
    ds = load_dataset("fashion-mnist", root=tmp_path, download=True)
    assert calls == [(str(tmp_path), True, True), (str(tmp_path), False, True)] and len(ds.train) == TRAIN
    load_dataset("fashion-mnist", root=tmp_path, download=True)
    assert len(calls) == 2  # files present: no second download


@pytest.mark.skipif(not (DEBIAN / "t10k-images-idx3-ubyte.gz").is_file(),
                    reason=f"Debian's dataset-fashion-mnist is not installed ({DEBIAN})")  # fmt: skip
def test_debian_package_is_found_without_a_root():
    ds = load_dataset("fashion-mnist", image_size=28)
    assert len(ds.train) == 60000 and len(ds.test) == 10000
    assert torch.bincount(ds.test.labels).tolist() == [1000] * 10
