"""The `glad` command end to end on mnist5k: distill, export, eval, run, buffers, presets, bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch
from glad_distill.cli import main
from glad_eval.artifacts import load_distilled

TINY = [
    "--dataset", "mnist5k", "--iterations", "2", "--batch-real", "8", "--net-width", "8",
    "--channel-base", "256", "--channel-max", "8", "--layer", "12", "--chunk-size", "5", "--no-progress",
]  # fmt: skip


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    assert main(["distill", "--method", "dm", "--ipc", "2", *TINY, "--out", str(out)]) == 0
    return out


def test_distill_writes_a_complete_run(run_dir, capsys):
    assert {p.name for p in run_dir.iterdir()} >= {
        "manifest.json", "latents.safetensors", "images.safetensors", "grid.png", "checkpoint.pt"
    }  # fmt: skip
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["config"]["ipc"] == 2 and manifest["config"]["net"]["width"] == 8
    assert manifest["config"]["generator"]["name"] == "random-stylegan-xl"
    assert manifest["iterations_completed"] == 2 and manifest["status"] == "completed"
    assert load_distilled(run_dir).images.shape == (20, 1, 32, 32)


def test_export_png_is_an_imagefolder_glad_eval_reads(run_dir, tmp_path, capsys):
    out = tmp_path / "png"
    assert main(["export", str(run_dir), "--format", "png", "--out", str(out)]) == 0
    folders = sorted(p.name for p in out.iterdir())
    assert folders == [f"{c}_{c}" for c in range(10)]
    assert all(len(list((out / f).glob("*.png"))) == 2 for f in folders)
    original, exported = load_distilled(run_dir), load_distilled(out)
    assert torch.equal(exported.labels, original.labels)
    assert (exported.images - original.images).abs().max() <= 0.5 / 255 + 1e-6


def test_eval_delegates_to_glad_eval(run_dir, tmp_path, capsys):
    args = ["eval", str(run_dir), "--dataset", "mnist5k", "--models", "convnet", "--seeds", "1",
            "--epochs", "2", "--out", str(tmp_path / "eval")]  # fmt: skip
    assert main(args) == 0
    assert "convnet" in capsys.readouterr().out
    assert (tmp_path / "eval" / "results.json").is_file()


def test_run_distills_evaluates_and_prints_the_table(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["run", "--generator", "pixel", "--layer", "-1", *TINY, "--eval-models", "convnet,mlp",
                 "--eval-seeds", "1", "--eval-epochs", "2", "--out", str(out)])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "mlp" in printed and f"grid: {out / 'grid.png'}" in printed
    results = json.loads((out / "eval" / "results.json").read_text())
    assert set(results["per_model"]) == {"convnet", "mlp"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["files"]["eval"] == "eval"
    # the random-real baseline, evaluated the same way, and the gain per architecture
    baseline = json.loads((out / "eval" / "random-real" / "results.json").read_text())
    assert manifest["baseline"] == {"name": "random-real", "report": baseline}
    assert baseline["config"] == results["config"] and set(baseline["per_model"]) == {"convnet", "mlp"}
    gain = results["per_model"]["mlp"]["mean"] - baseline["per_model"]["mlp"]["mean"]
    row = next(line for line in printed.splitlines() if line.startswith("mlp ") and "+" in line or
               line.startswith("mlp ") and "-" in line)  # fmt: skip
    assert row.split()[-1] == f"{gain:+.2f}"


def test_resume_through_the_cli(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["distill", "--generator", "pixel", "--layer", "-1", *TINY]
    assert main([*args, "--out", str(out)]) == 0
    assert main(["distill", "--resume", "--out", str(out), "--iterations", "3", "--no-progress"]) == 0
    assert json.loads((out / "manifest.json").read_text())["iterations_completed"] == 3


def test_buffers_command_writes_expert_metadata(tmp_path, capsys):
    out = tmp_path / "buffers"
    args = ["buffers", "--dataset", "mnist5k", "--num-experts", "1", "--epochs", "1", "--batch-size", "2000",
            "--net-width", "4", "--dsa", "none", "--no-progress", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    metadata = json.loads((out / "buffers.json").read_text())
    assert (
        metadata["width"] == 4
        and metadata["epochs"] == 1
        and metadata["files"] == ["expert_0000.safetensors"]
    )


def test_preset_list_names_every_paper_setting(capsys):
    assert main(["distill", "--preset", "list"]) == 0
    printed = capsys.readouterr().out
    for family in ("cifar10", "imagenet"):
        for method in ("dc", "dm", "mtt"):
            for space in ("pixel", "glad"):
                for ipc in (1, 10):
                    assert f"{family}-{method}-{space}-ipc{ipc} " in printed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layer", "16"], "layer 16 is out of range"),
        (["--method", "mtt"], "needs expert trajectories"),
        (["--method", "xyz"], "method must be one of dc, dm, mtt"),
        (["--generator", "no-such-generator"], "unknown generator 'no-such-generator'"),
        (["--preset", "no-such-preset"], "unknown preset"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(args, message, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["distill", *TINY, *args, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_console_script_is_installed():
    done = subprocess.run([sys.executable, "-m", "glad_distill", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "distill" in done.stdout and "buffers" in done.stdout
