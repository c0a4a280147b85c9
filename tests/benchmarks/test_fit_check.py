"""benchmarks/quality/fit_check.py: glad-eval's protocol with the training curve kept, on a tiny real set."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch
from glad_eval.artifacts import save_distilled
from glad_eval.data import load_dataset
from glad_eval.protocol import EvalConfig, evaluate

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks" / "quality"))
import fit_check  # noqa: E402


@pytest.fixture(scope="module")
def tiny_set(tmp_path_factory):
    """The first mnist5k training image of each class, as a distilled set."""
    dataset = load_dataset("mnist5k", progress=False)
    labels = dataset.train.labels
    first = torch.stack([torch.nonzero(labels == c)[0, 0] for c in range(dataset.num_classes)])
    images = dataset.train.float01(first)
    out = tmp_path_factory.mktemp("tiny") / "set"
    save_distilled(out, images, labels[first], {"dataset": "mnist5k"})
    return out, images, labels[first], dataset


def test_first_model_reproduces_glad_eval_and_records_the_fit(tiny_set, tmp_path, capsys):
    path, images, labels, dataset = tiny_set
    out = tmp_path / "fit.json"
    assert (
        fit_check.main([str(path), "--model", "convnet", "--seeds", "1", "--epochs", "3", "--json", str(out)])
        == 0
    )
    (record,) = json.loads(out.read_text())["records"]
    report = evaluate(
        images, labels, dataset, EvalConfig(models=("convnet",), num_seeds=1, epochs=3), progress=False
    )
    assert record["test_accuracy"] == pytest.approx(report.per_model["convnet"].accuracies[0], abs=0.006)
    assert record["epochs"] == 3 and record["images"] == 10 and record["chance"] == 10.0
    assert 0.0 <= record["set_accuracy"] <= 100.0
    assert record["first_loss"] > 0 and record["last_loss"] > 0
    out = capsys.readouterr().out
    assert "| set | epochs | test accuracy" in out
    assert f"| set | 3 | {record['first_loss']:.3f} → {record['last_loss']:.3f} |" in out


def test_bad_epochs_are_refused(tiny_set, capsys):
    path = tiny_set[0]
    assert fit_check.main([str(path), "--epochs", "0"]) == 2
    assert "fit_check: error: --epochs '0'" in capsys.readouterr().err


def test_an_absent_device_is_refused_before_any_training(tiny_set, capsys):
    assert fit_check.main([str(tiny_set[0]), "--device", "cuda:99"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fit_check: error: ") and "cuda:99" in err and "Traceback" not in err
