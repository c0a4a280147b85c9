"""An architecture that cannot take the image size is skipped with a reason; the rest of the table trains.
ViT takes 28 px digits with a patch that divides 28."""

from __future__ import annotations

import json

import pytest
import torch
from glad_eval import models
from glad_eval.models.registry import _REGISTRY
from glad_eval.protocol import EvalConfig, EvalReport, ModelResult, check_models_fit, evaluate

from .helpers import make_dataset


@pytest.fixture
def picky_model():
    """A model registered by the test that refuses every size but 16 px."""

    @models.register_architecture("picky16")
    def picky16(*, num_classes, channels, image_size):
        if image_size != 16:
            raise models.UnsupportedImageSize(
                f"picky16: image_size={image_size} is not supported (16 px only)"
            )
        return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(channels * 256, num_classes))

    yield "picky16"
    _REGISTRY._items.pop("picky16")


def test_unsupported_model_is_skipped_and_the_others_train(picky_model, tmp_path, capsys):
    dataset = make_dataset(image_size=12, channels=1)
    config = EvalConfig(models=("mlp", picky_model, "lenet"), num_seeds=2, epochs=1, distill_model="mlp")
    report = evaluate(torch.rand(3, 1, 12, 12), torch.arange(3), dataset, config, progress=False)
    assert list(report.per_model) == ["mlp", "lenet"] and len(report.per_model["lenet"].accuracies) == 2
    assert report.skipped == {"picky16": "picky16: image_size=12 is not supported (16 px only)"}
    assert report.cross_arch_models == ["lenet"] and report.cross_arch_mean == report.per_model["lenet"].mean
    err = capsys.readouterr().err
    assert "skipping picky16: image_size=12 is not supported (16 px only)" in err
    table = report.format_table()
    assert any(
        line.split()[:2] == ["picky16", "skipped"] and "16 px only" in line for line in table.splitlines()
    )
    report.write(tmp_path)
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["skipped"] == report.skipped and "picky16" not in data["per_model"]
    assert "picky16" not in (tmp_path / "results.csv").read_text()


def test_other_build_errors_still_abort(picky_model):
    dataset = make_dataset(image_size=16)
    bad = EvalConfig(models=("mlp", "convnet"), model_kwargs={"convnet": {"norm": "bogus"}}, num_seeds=1)
    with pytest.raises(ValueError, match="bogus"):
        check_models_fit(dataset, bad)
    assert check_models_fit(dataset, EvalConfig(models=("mlp", picky_model))) == {}


def test_vit_at_28px_is_unsupported_with_a_fix_and_takes_it_with_patch_4():
    with pytest.raises(models.UnsupportedImageSize, match="--model-option vit.patch=4"):
        models.build_architecture("vit", num_classes=10, channels=1, image_size=28)
    g = torch.Generator().manual_seed(0)
    vit = models.build_architecture("vit", num_classes=10, channels=1, image_size=28, patch=4, generator=g)
    assert vit.pos_embedding.shape == (1, 7 * 7 + 1, 512) and vit(torch.rand(2, 1, 28, 28)).shape == (2, 10)
    cifar = models.build_architecture("vit_cifar", num_classes=10, channels=1, image_size=28)
    assert cifar.pos_embedding.shape == (1, 7 * 7 + 1, 512)
    with pytest.raises(ValueError, match="patch must be a positive int"):
        models.build_architecture("vit", num_classes=10, channels=1, image_size=28, patch=0)


def test_cifar_heads_raise_the_skippable_error():
    for name in ("vgg11_cifar", "resnet18_cifar", "alexnet_cifar"):
        with pytest.raises(models.UnsupportedImageSize, match=f"{name}: image_size=64 is not supported"):
            models.build_architecture(name, num_classes=10, channels=3, image_size=64)


def test_report_without_skips_keeps_its_format():
    report = EvalReport({"convnet": ModelResult([1.0]), "mlp": ModelResult([2.0])}, "convnet", "d", 1, 1)
    assert "skipped" not in report.format_table() and report.to_dict()["skipped"] == {}
