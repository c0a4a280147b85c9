"""glad-eval --log tensorboard: every model's training curve as event files in --out."""

from __future__ import annotations

import sys

import pytest
import torch
from glad_eval.artifacts import save_distilled
from glad_eval.cli import main


@pytest.fixture
def distilled(tmp_path):
    images = torch.rand(10, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    save_distilled(tmp_path / "set", images, torch.arange(10), {"dataset": "mnist5k"})
    return tmp_path / "set"


def test_training_curves_and_accuracies_are_logged(distilled, tmp_path):
    pytest.importorskip("tensorboard", reason='tensorboard missing: pip install "glad-eval[tensorboard]"')
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = tmp_path / "out"
    args = [str(distilled), "--models", "mlp", "--seeds", "2", "--epochs", "3", "--device", "cpu"]
    assert main([*args, "--out", str(out), "--log", "tensorboard", "--no-progress"]) == 0
    events = EventAccumulator(str(out), size_guidance={"scalars": 0})
    events.Reload()
    for index in (0, 1):
        curve = events.Scalars(f"train_loss/mlp_{index}")
        assert [e.step for e in curve] == [0, 1, 2] and all(e.value > 0 for e in curve)
        assert len(events.Scalars(f"lr/mlp_{index}")) == 3
    accuracies = [e.value for e in events.Scalars("test_accuracy/mlp")]
    assert len(accuracies) == 2 and all(0 <= a <= 100 for a in accuracies)


def test_log_needs_out_and_tensorboard(distilled, monkeypatch, capsys):
    assert main([str(distilled), "--models", "mlp", "--log", "tensorboard"]) == 2
    assert "pass --out DIR" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    # a missing package: glad_eval.errors.ExitCode.MISSING
    assert main([str(distilled), "--models", "mlp", "--log", "tensorboard", "--out", "x"]) == 3
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and 'pip install "glad-eval[tensorboard]"' in error
