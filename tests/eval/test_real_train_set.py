"""`glad-eval --real-train-set`: the protocol's models trained on the whole real training set."""

from __future__ import annotations

import json

import pytest
from glad_eval.cli import main
from glad_eval.protocol import EvalConfig, evaluate_real_train_set

# an MLP, one epoch of 63 steps: a few seconds on a CPU
FAST = {
    "models": ("mlp",),
    "distill_model": "mlp",
    "lrs": {"mlp": 0.05},
    "batch_size": 64,
    "dsa_strategy": "none",
}


def test_function_trains_on_every_training_image(mnist5k):
    config = EvalConfig(**FAST, num_seeds=1, epochs=1, device="cpu")
    report = evaluate_real_train_set(mnist5k, config, progress=False)
    assert report.num_images == len(mnist5k.train)
    # 4,000 real digits, one epoch: far above the 10% of chance (88% measured)
    assert report.per_model["mlp"].mean > 70.0


def test_cli_writes_results_for_the_real_train_set(tmp_path, mnist5k, capsys):
    out = tmp_path / "whole"
    argv = ["--real-train-set", "--dataset", "mnist5k", "--models", "mlp", "--seeds", "1", "--epochs", "1",
            "--lr", "0.05", "--batch-size", "64", "--dsa", "none", "--device", "cpu",
            "--distill-model", "mlp", "--out", str(out), "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    data = json.loads((out / "results.json").read_text())
    assert data["num_images"] == len(mnist5k.train) and data["config"]["epochs"] == 1
    assert data["per_model"]["mlp"]["mean"] > 70.0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--real-train-set", "--dataset", "mnist5k", "some/run"], "drop PATH 'some/run' or the flag"),
        (["--real-train-set"], "--real-train-set needs --dataset NAME"),
        ([], "give PATH (a distilled set) or --real-train-set --dataset NAME"),
    ],
)
def test_source_must_be_exactly_one(tmp_path, capsys, argv, message):
    out = tmp_path / "results"
    assert main([*argv, "--device", "cpu", "--no-progress", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("glad-eval: error:") and message in err
    assert not out.exists()
