"""benchmarks/quality/run_quality.py on a tiny setting: rows run by the CLI, records, markdown, resuming."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "quality" / "run_quality.py"
TINY = ["--dataset", "mnist5k", "--ipc", "1", "--rows", "random,pixel-dm", "--iterations", "2",
        "--models", "convnet", "--epochs", "2", "--seeds", "1", "--curve-points", "2", "--curve-epochs", "1",
        "--date", "2000-01-01"]  # fmt: skip


def run(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    argv = [sys.executable, str(SCRIPT), *TINY, "--runs-dir", str(tmp_path / "runs"),
            "--results-dir", str(tmp_path / "results"), *extra]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
    return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tmp_path)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("quality")
    proc = run(tmp)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return tmp, proc


def test_records_hold_every_field_of_the_issue(finished):
    tmp, _ = finished
    data = json.loads((tmp / "results" / "quality_mnist5k_2000-01-01.json").read_text())
    assert data["benchmark"] == "quality" and data["machine"]["device"] == "cpu"
    records = {r["row"]: r for r in data["records"]}
    assert set(records) == {"random", "pixel-dm"}  # one model (convnet): no cross-arch record
    for r in records.values():
        assert r["dataset"] == "mnist5k" and r["ipc"] == 1 and r["model"] == "convnet"
        assert r["num_models"] == 1 and r["epochs"] == 2 and r["device"] == "cpu"
        assert 0.0 <= r["accuracy_mean"] <= 100.0 and r["accuracy_std"] == 0.0
        assert r["published"] is None and r["gap"] is None  # mnist5k has no published numbers
        assert r["eval_s"] > 0 and r["distill_s"] is not None and r["wall_s"]["eval"] > 0
    dm, random = records["pixel-dm"], records["random"]
    assert (dm["method"], dm["generator"], dm["init"], dm["iterations"]) == ("dm", "pixel", "real", 2)
    assert (random["method"], random["generator"], random["iterations"]) == (None, "real", 0)
    # the accuracy-vs-iterations curve: --curve-points 2 over 2 iterations = a ConvNet eval at 1 and 2
    assert [(p["iteration"], p["seeds"], p["epochs"]) for p in dm["curve"]] == [(1, 1, 1), (2, 1, 1)]
    assert random["curve"] == []


def test_markdown_table_and_printout(finished):
    tmp, proc = finished
    text = (tmp / "results" / "quality_mnist5k_2000-01-01.md").read_text()
    assert text in proc.stdout
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("| IPC | row |"))
    assert "convnet" in header and "cross-arch" in header and "published" in header and "gap" in header
    assert any(line.startswith("| 1 | random real | real |") for line in lines)
    assert any(line.startswith("| 1 | pixel DM | pixel |") for line in lines)
    assert any(line.startswith("| 1 | pixel DM | convnet (1 model, 1 ep) | 1: ") for line in lines)


def test_rerun_keeps_finished_rows_and_force_redoes_them(finished):
    tmp, _ = finished
    results = tmp / "runs" / "mnist5k" / "ipc1-pixel-dm" / "eval" / "results.json"
    stamp = results.stat().st_mtime_ns
    again = run(tmp, "--dry-run")
    assert again.returncode == 0 and "row ipc1-pixel-dm: kept" in again.stdout
    assert "$ " not in again.stdout  # nothing to run
    forced = run(tmp, "--dry-run", "--force", "--rows", "random")
    assert "distill --dataset mnist5k --ipc 1 --iterations 0" in forced.stdout
    assert results.stat().st_mtime_ns == stamp  # --force on the random row leaves pixel-dm alone


def test_interrupted_distillation_is_resumed(tmp_path):
    run_dir = tmp_path / "runs" / "mnist5k" / "ipc1-pixel-dm"
    run_dir.mkdir(parents=True)
    (run_dir / "manifest.json").write_text(json.dumps({"status": "running"}))
    proc = run(tmp_path, "--dry-run", "--rows", "pixel-dm")
    assert proc.returncode == 0
    assert f"distill --resume --out {run_dir} --iterations 2" in proc.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--rows", "random,pixel-dn"], "unknown row(s) ['pixel-dn']"),
        (["--iterations", "glad-xx=3"], "--iterations 'glad-xx=3'"),
        (["--ipc", "0"], "--ipc '0'"),
        (["--config", "nowhere.json"], "--config nowhere.json: no such file"),
    ],
)
def test_bad_input_is_refused_with_one_line(tmp_path, extra, message):
    proc = run(tmp_path, *extra)
    assert proc.returncode == 2 and message in proc.stderr
    assert proc.stderr.startswith("run_quality: error:") and not (tmp_path / "runs").exists()
