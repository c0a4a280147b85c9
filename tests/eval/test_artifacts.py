"""The distilled-set format (safetensors, PNG ImageFolder trees) and the input checks run before training."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from glad_eval.artifacts import DistilledSet, load_distilled, save_distilled, save_image_folder
from glad_eval.errors import OutputError
from glad_eval.images import images01_to_uint8, uint8_to_images01
from glad_eval.protocol import EvalConfig, evaluate
from glad_eval.validation import validate_distilled
from PIL import Image
from safetensors.torch import save_file

from .helpers import make_dataset


def test_safetensors_round_trip(tmp_path):
    images = torch.rand(6, 3, 8, 8, dtype=torch.float64)
    labels = torch.tensor([0, 0, 1, 1, 2, 2], dtype=torch.int32)
    path = save_distilled(tmp_path / "run", images, labels, {"dataset": "cifar10", "ipc": 2})
    assert path == tmp_path / "run" / "images.safetensors"
    for source in (tmp_path / "run", path):
        loaded = load_distilled(source)
        assert loaded.images.dtype == torch.float32 and loaded.labels.dtype == torch.int64
        torch.testing.assert_close(loaded.images, images.float())
        assert loaded.labels.tolist() == labels.tolist() and loaded.meta == {"dataset": "cifar10", "ipc": 2}


@pytest.mark.parametrize(
    ("images", "labels", "error", "message"),
    [
        (torch.rand(2, 3, 4), torch.zeros(2, dtype=torch.long), ValueError, r"\[N, C, H, W\]"),
        (torch.rand(2, 1, 4, 4), torch.zeros(3, dtype=torch.long), ValueError, "one label per image"),
        (torch.rand(2, 1, 4, 4), torch.zeros(2), TypeError, "labels must be an integer tensor"),
        (torch.full((2, 1, 4, 4), float("nan")), torch.zeros(2, dtype=torch.long), ValueError, "NaN/inf"),
        (
            torch.rand(2, 1, 4, 4) * 2 - 1,
            torch.zeros(2, dtype=torch.long),
            ValueError,
            r"must lie in \[0, 1\]",
        ),
        (
            torch.zeros(2, 1, 4, 4, dtype=torch.uint8),
            torch.zeros(2, dtype=torch.long),
            TypeError,
            "float tensor",
        ),
    ],
)
def test_save_refuses_bad_sets_and_writes_nothing(tmp_path, images, labels, error, message):
    with pytest.raises(error, match=message):
        save_distilled(tmp_path / "out", images, labels)
    assert not (tmp_path / "out").exists()


def test_load_refuses_broken_safetensors_files(tmp_path):
    save_file({"images": torch.rand(2, 1, 4, 4)}, str(tmp_path / "no_labels.safetensors"))
    with pytest.raises(ValueError, match=r"missing tensor\(s\) \['labels'\]"):
        load_distilled(tmp_path / "no_labels.safetensors")
    tensors = {"images": torch.rand(2, 1, 4, 4), "labels": torch.zeros(2, dtype=torch.long)}
    save_file(tensors, str(tmp_path / "bad_meta.safetensors"), metadata={"meta": "{not json"})
    with pytest.raises(ValueError, match="'meta' metadata is not valid JSON"):
        load_distilled(tmp_path / "bad_meta.safetensors")
    save_file(tensors, str(tmp_path / "list_meta.safetensors"), metadata={"meta": "[1, 2]"})
    with pytest.raises(ValueError, match="'meta' metadata must be a JSON object, got list"):
        load_distilled(tmp_path / "list_meta.safetensors")
    (tmp_path / "junk.safetensors").write_text("junk")
    with pytest.raises(ValueError, match="junk.safetensors: not a readable safetensors file"):
        load_distilled(tmp_path / "junk.safetensors")
    save_file({**tensors, "labels": torch.zeros(3, dtype=torch.long)}, str(tmp_path / "short.safetensors"))
    with pytest.raises(ValueError, match="one label per image"):
        load_distilled(tmp_path / "short.safetensors")


def test_save_refuses_meta_that_is_not_json(tmp_path):
    with pytest.raises(TypeError):
        save_distilled(
            tmp_path / "out", torch.rand(1, 1, 2, 2), torch.zeros(1, dtype=torch.long), {"x": object()}
        )
    assert not (tmp_path / "out").exists()


def write_png(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def test_image_folder_with_numbered_class_folders(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {}
    for folder in ("002_bird", "000_cat", "001_dog"):
        arrays[folder] = rng.integers(0, 256, (5, 5, 3), dtype=np.uint8)
        write_png(tmp_path / folder / "a.png", arrays[folder])
    loaded = load_distilled(tmp_path)
    assert loaded.images.shape == (3, 3, 5, 5) and loaded.labels.tolist() == [0, 1, 2]
    expected = torch.from_numpy(arrays["002_bird"]).permute(2, 0, 1).float() / 255
    torch.testing.assert_close(loaded.images[2], expected)
    assert loaded.meta["class_folders"] == ["000_cat", "001_dog", "002_bird"]


def test_image_folder_grayscale_and_named_folders(tmp_path):
    for folder in ("zebra", "ant"):
        for k in range(2):
            write_png(tmp_path / folder / f"{k}.png", np.full((4, 4), 60 * k, np.uint8))
    loaded = load_distilled(tmp_path)
    assert loaded.images.shape == (4, 1, 4, 4) and loaded.labels.tolist() == [
        0,
        0,
        1,
        1,
    ]  # ant, ant, zebra...
    assert loaded.images[1].max().item() == pytest.approx(60 / 255)


@pytest.mark.parametrize(
    ("setup", "error", "message"),
    [
        ("alpha", ValueError, "alpha channel"),
        ("mixed", ValueError, "differ in shape"),
        ("empty_class", ValueError, "holds no images"),
        ("nothing", FileNotFoundError, "neither images.safetensors nor class sub-folders"),
        ("not_an_image", ValueError, r"a\.png: cannot read the image"),
    ],
)
def test_image_folder_problems_are_explained(tmp_path, setup, error, message):
    if setup == "alpha":
        write_png(tmp_path / "0" / "a.png", np.zeros((4, 4, 4), np.uint8))
    elif setup == "mixed":
        write_png(tmp_path / "0" / "a.png", np.zeros((4, 4, 3), np.uint8))
        write_png(tmp_path / "1" / "a.png", np.zeros((5, 5, 3), np.uint8))
    elif setup == "empty_class":
        write_png(tmp_path / "0" / "a.png", np.zeros((4, 4, 3), np.uint8))
        (tmp_path / "1").mkdir()
    elif setup == "not_an_image":
        (tmp_path / "0").mkdir()
        (tmp_path / "0" / "a.png").write_text("not a png")
    with pytest.raises(error, match=message):
        load_distilled(tmp_path)


def test_missing_path():
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_distilled("/nonexistent/distilled")


DATASET = make_dataset(num_classes=3, channels=3, image_size=16)
GOOD_X, GOOD_Y = torch.rand(6, 3, 16, 16), torch.tensor([0, 0, 1, 1, 2, 2])


def bad(images=None, labels=None):
    return (GOOD_X if images is None else images), (GOOD_Y if labels is None else labels)


BAD_INPUTS = {
    "rank": (bad(images=torch.rand(6, 16, 16)), r"\[N, C, H, W\]"),
    "channels": (bad(images=torch.rand(6, 1, 16, 16)), "1 channel.*'synthetic' has 3"),
    "resolution": (
        bad(images=torch.rand(6, 3, 32, 32)),
        "32x32 px but dataset 'synthetic' is served at 16 px.*--image-size 32",
    ),
    "not_square": (bad(images=torch.rand(6, 3, 16, 12)), "square"),
    "label_range": (
        bad(labels=torch.tensor([0, 0, 1, 1, 2, 3])),
        r"labels must lie in \[0, 3\).*got \[0, 3\]",
    ),
    "negative_label": (bad(labels=torch.tensor([-1, 0, 1, 1, 2, 2])), r"labels must lie in \[0, 3\)"),
    "empty_class": (bad(labels=torch.tensor([0, 0, 0, 2, 2, 2])), r"class\(es\) \[1\].*no distilled images"),
    "label_count": (bad(labels=torch.tensor([0, 1, 2])), "one label per image"),
    "non_finite": (bad(images=GOOD_X.clone().index_fill_(0, torch.tensor([2]), float("inf"))), "NaN/inf"),
    "out_of_range": (bad(images=GOOD_X * 255), r"must lie in \[0, 1\]"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_every_bad_input_is_refused_before_training(case, monkeypatch):
    (images, labels), message = BAD_INPUTS[case]
    with pytest.raises(ValueError, match=message):
        validate_distilled(images, labels, DATASET)

    def no_training(*args, **kwargs):
        raise AssertionError("training started despite bad input")

    monkeypatch.setattr("glad_eval.protocol.evaluation.run_job", no_training)
    with pytest.raises(ValueError, match=message):
        evaluate(images, labels, DATASET, EvalConfig(models=("mlp",), num_seeds=1, epochs=1), progress=False)


def test_a_pool_where_no_model_takes_the_resolution_is_refused_before_training(monkeypatch):
    monkeypatch.setattr(
        "glad_eval.protocol.evaluation.run_job", lambda *a, **k: pytest.fail("training started")
    )
    dataset = make_dataset(image_size=64)
    config = EvalConfig(models=("resnet18_cifar", "vgg11_cifar"), num_seeds=1, epochs=1)
    with pytest.raises(ValueError, match="no architecture of the pool takes 64 px images: resnet18_cifar: "):
        evaluate(torch.rand(3, 3, 64, 64), torch.arange(3), dataset, config, progress=False)


def test_good_input_passes():
    validate_distilled(GOOD_X, GOOD_Y, DATASET)


def test_image_folder_export_round_trips_through_load(tmp_path):
    images = torch.rand(5, 3, 6, 6, generator=torch.Generator().manual_seed(0))
    labels = torch.tensor([1, 0, 1, 2, 0])
    distilled = DistilledSet(images, labels, {"class_names": ["cat", "dog/wolf", "bird"]})
    out = save_image_folder(distilled, tmp_path / "png")
    assert sorted(p.name for p in out.iterdir()) == ["0_cat", "1_dog_wolf", "2_bird"]
    loaded = load_distilled(out)
    order = torch.tensor([1, 4, 0, 2, 3])  # label order, then index within the class
    assert torch.equal(loaded.labels, labels[order])
    assert torch.equal(loaded.images, uint8_to_images01(images01_to_uint8(images[order])))
    with pytest.raises(OutputError, match="is a non-empty folder; choose another --out or pass --force"):
        save_image_folder(distilled, out)
    save_image_folder(DistilledSet(images[:1], labels[:1]), out, force=True)  # replaces, does not merge
    assert [p.name for p in out.iterdir()] == ["1_class"] and list(tmp_path.glob(".*")) == []


def test_the_old_filename_constant_still_works_and_warns():
    import glad_eval.artifacts as artifacts

    with pytest.warns(DeprecationWarning, match="glad_eval.artifacts.IMAGES_FILE"):
        assert artifacts.FILENAME == artifacts.IMAGES_FILE == "images.safetensors"
