"""benchmarks/eval/phase_timer.py: times glad_eval's training loop from outside, then puts everything back."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import torch
from glad_eval.augment import DSA
from glad_eval.protocol import EMA, EvalConfig, train_model

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "phase_timer_under_test", REPO / "benchmarks/eval/phase_timer.py"
)
phase_timer = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = phase_timer
spec.loader.exec_module(phase_timer)


def test_every_phase_is_seen_and_the_loop_is_restored_afterwards():
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 8 * 8, 3))
    originals = [DSA.sample, DSA.apply, EMA.update, torch.optim.SGD.step, torch.Tensor.backward]
    x, y = torch.rand(6, 3, 8, 8, generator=torch.Generator().manual_seed(0)), torch.arange(6) % 3
    config = EvalConfig(models=("mlp",), num_seeds=1, epochs=2, batch_size=4)
    timer = phase_timer.PhaseTimer("cpu")
    with timer.watch(model):
        train_model(model, x, y, lr=0.1, config=config, generator=torch.Generator())
    assert set(timer.seconds) == set(phase_timer.PHASES)
    assert all(seconds >= 0 for seconds in timer.seconds.values())
    assert [DSA.sample, DSA.apply, EMA.update, torch.optim.SGD.step, torch.Tensor.backward] == originals
    assert "forward" not in vars(model)  # the instance patch is gone, the class method is back
