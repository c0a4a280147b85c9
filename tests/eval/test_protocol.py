"""The evaluation protocol: lr schedule and EMA of §12, seeded and reproducible jobs, the report, and a short
real evaluation on mnist5k that must beat chance."""

from __future__ import annotations

import csv
import json
import math

import pytest
import torch
from glad_eval.protocol import (
    EMA,
    EvalConfig,
    EvalReport,
    Job,
    ModelResult,
    build_model,
    ema_decay,
    evaluate,
    lr_factor,
    train_model,
)
from torch import nn

from .helpers import make_dataset, real_subset


@pytest.mark.parametrize(
    ("epoch", "expected"),
    [
        (0, 1e-7),
        (1, 1e-7 + (1 - 1e-7) / 500),
        (250, 1e-7 + (1 - 1e-7) * 0.5),
        (500, 1.0),
        (501, 1.0),
        (502, 0.5 * (1 + math.cos(math.pi / 500))),
        (750, 0.5 * (1 + math.cos(math.pi * 249 / 500))),
        (999, 0.5 * (1 + math.cos(math.pi * 498 / 500))),
    ],
)
def test_schedule_of_1000_epochs(epoch, expected):
    assert lr_factor(epoch, 1000) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_schedule_ends_near_zero_and_handles_short_runs():
    assert lr_factor(999, 1000) == pytest.approx(3.95e-5, rel=0.01)
    assert lr_factor(0, 1) == 1.0
    assert [lr_factor(e, 4) for e in range(4)] == pytest.approx([1e-7, 0.5 + 0.5e-7, 1.0, 1.0])  # H = 2
    assert lr_factor(5, 6) == pytest.approx(0.5 * (1 + math.cos(math.pi / 3)))  # H = 3, e = H + 2
    with pytest.raises(ValueError, match="outside"):
        lr_factor(10, 10)


def test_ema_decay_sequence():
    decays = [ema_decay(n) for n in range(1, 301)]
    assert decays[:4] == [0.0, 0.5, pytest.approx(2 / 3), 0.75]
    assert decays[198] == pytest.approx(1 - 1 / 199)
    assert decays[199:] == [0.995] * 101  # from the 200th update on


def test_ema_is_a_running_mean_then_an_exponential_average():
    live = nn.Linear(1, 1, bias=False)
    ema = EMA(live)
    values = [float(v) for v in range(1, 251)]
    reference = 0.0
    for n, v in enumerate(values, start=1):
        with torch.no_grad():
            live.weight.fill_(v)
        ema.update(live)
        d = min(1 - 1 / n, 0.995)
        reference = d * reference + (1 - d) * v
        if n == 3:
            assert ema.model.weight.item() == pytest.approx(2.0)  # mean of 1, 2, 3
    assert ema.num_updates == 250 and ema.model.weight.item() == pytest.approx(reference, rel=1e-6)
    assert not ema.model.training and not ema.model.weight.requires_grad


def test_training_steps_the_lr_once_per_epoch_and_updates_the_ema_per_epoch(monkeypatch):
    dataset = make_dataset()
    config = EvalConfig(models=("mlp",), num_seeds=1, epochs=6, batch_size=4)
    seen = []
    original = torch.optim.SGD.step

    def spy(self, *args, **kwargs):
        seen.append(self.param_groups[0]["lr"])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.SGD, "step", spy)
    model = build_model(Job("mlp", 0), dataset, config, torch.device("cpu"))
    x = torch.rand(8, 3, 16, 16)  # 8 images, batch 4: two steps per epoch
    ema = train_model(model, x, torch.arange(8) % 3, lr=0.1, config=config, generator=torch.Generator())
    expected = [0.1 * lr_factor(e, 6) for e in range(6) for _ in range(2)]
    assert seen == pytest.approx(expected)
    assert ema.num_updates == 6


def test_sgd_settings_follow_the_protocol(monkeypatch):
    captured = {}
    original = torch.optim.SGD.__init__

    def spy(self, params, **kwargs):
        captured.update(kwargs)
        original(self, params, **kwargs)

    monkeypatch.setattr(torch.optim.SGD, "__init__", spy)
    dataset = make_dataset()
    config = EvalConfig(models=("vgg11",), num_seeds=1, epochs=1)
    assert config.lr_for("vgg11") == 1e-4 and EvalConfig().lr_for("convnet") == 1e-3
    model = build_model(Job("mlp", 0), dataset, config, torch.device("cpu"))
    train_model(model, torch.rand(3, 3, 16, 16), torch.arange(3), lr=config.lr_for("vgg11"), config=config,
                generator=torch.Generator())  # fmt: skip
    assert {k: captured[k] for k in ("lr", "momentum", "weight_decay")} == {
        "lr": 1e-4,
        "momentum": 0.9,
        "weight_decay": 5e-4,
    }


def test_jobs_are_reproducible_and_seeded_per_architecture_and_index():
    dataset = make_dataset()
    config = EvalConfig(models=("mlp",), num_seeds=2, epochs=2, seed=7)
    weights = lambda job, cfg: next(build_model(job, dataset, cfg, torch.device("cpu")).parameters())  # noqa: E731
    assert torch.equal(weights(Job("mlp", 0), config), weights(Job("mlp", 0), config))
    assert not torch.equal(weights(Job("mlp", 0), config), weights(Job("mlp", 1), config))
    other_seed = EvalConfig(models=("mlp",), num_seeds=2, epochs=2, seed=8)
    assert not torch.equal(weights(Job("mlp", 0), config), weights(Job("mlp", 0), other_seed))
    x, y = torch.rand(6, 3, 16, 16, generator=torch.Generator().manual_seed(0)), torch.arange(6) % 3
    first = evaluate(x, y, dataset, config, progress=False)
    second = evaluate(x, y, dataset, config, progress=False)
    assert first.per_model["mlp"].accuracies == second.per_model["mlp"].accuracies


def test_report_statistics_table_and_files(tmp_path):
    report = EvalReport(
        per_model={"convnet": ModelResult([50.0, 60.0]), "alexnet": ModelResult([20.0, 30.0]),
                   "vit": ModelResult([10.0, 40.0])},
        distill_model="convnet", dataset="mnist5k", num_images=10, num_classes=10, config={"epochs": 3},
    )  # fmt: skip
    assert (
        report.per_model["convnet"].mean == 55.0 and report.per_model["convnet"].std == 5.0
    )  # population std
    assert report.cross_arch_mean == pytest.approx((25.0 + 25.0) / 2)
    assert report.cross_arch_std == pytest.approx(10.0)  # per-seed cross means 15 and 35
    table = report.format_table()
    assert (
        "convnet*" in table and "55.00 ± 5.00" in table and "cross-arch" in table and "alexnet, vit" in table
    )
    json_path, csv_path = report.write(tmp_path / "out")
    data = json.loads(json_path.read_text())
    assert data["per_model"]["vit"]["accuracies"] == [10.0, 40.0] and data["cross_arch_mean"] == 25.0
    assert data["unit"] == "percent" and data["cross_arch_models"] == ["alexnet", "vit"]
    rows = list(csv.reader(csv_path.open()))
    assert rows[0] == ["architecture", "mean", "std", "seed_0", "seed_1"]
    assert rows[1][:3] == ["convnet", "55.0000", "5.0000"] and rows[-1][:2] == ["cross_arch", "25.0000"]


def test_report_without_other_architectures_has_no_cross_mean():
    report = EvalReport({"convnet": ModelResult([1.0])}, "convnet", "d", 1, 1)
    assert report.cross_arch_mean is None
    assert not any(line.startswith("cross-arch") for line in report.format_table().splitlines())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"models": ("convnet", "nope")}, "unknown architecture 'nope'"),
        ({"epochs": 0}, "epochs must be a positive"),
        ({"models": ("mlp",), "lrs": {"vgg11": 0.1}}, r"lrs names \['vgg11'\]"),
        ({"lrs": {"vit": -1.0}}, "positive"),
        ({"dsa_strategy": "color_zoom"}, "zoom"),
        ({"models": ("mlp", "mlp")}, "twice"),
        ({"distill_model": "convnett"}, "distill_model.*unknown architecture 'convnett'"),
        ({"device": "gpu"}, "device='gpu' is not a torch device name"),
        (
            {"device": "cuda:99"},
            "device='cuda:99': (this machine has no usable cuda|index 99 is out of range)",
        ),
    ],
)
def test_bad_configs_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EvalConfig(**kwargs).validate()


def test_short_real_evaluation_beats_chance(mnist5k):
    images, labels = real_subset(mnist5k, per_class=10)
    config = EvalConfig(
        models=("convnet", "mlp"), num_seeds=1, epochs=30, lrs={"convnet": 0.03, "mlp": 0.05},
        model_kwargs={"convnet": {"width": 16}},
    )  # fmt: skip
    report = evaluate(images, labels, mnist5k, config, progress=False)
    for name in ("convnet", "mlp"):
        assert report.per_model[name].mean > 40.0, report.format_table()  # chance is 10 %
    assert report.cross_arch_mean == report.per_model["mlp"].mean


def test_dropout_models_train_identically_whatever_the_global_rng():
    """ViT's dropout draws from the job's generator, so the global RNG state cannot change the result."""
    dataset = make_dataset(image_size=16)
    config = EvalConfig(models=("vit_cifar",), num_seeds=1, epochs=3, seed=3)
    x, y = torch.rand(6, 3, 16, 16, generator=torch.Generator().manual_seed(0)), torch.arange(6) % 3
    job = Job("vit_cifar", 0)
    results = []
    for global_seed in (1, 2):
        torch.manual_seed(global_seed)
        model = build_model(job, dataset, config, torch.device("cpu"))
        ema = train_model(model, x, y, lr=0.01, config=config, generator=torch.Generator().manual_seed(5))
        results.append(torch.cat([p.detach().flatten() for p in ema.model.parameters()]))
    assert torch.equal(results[0], results[1])
