"""benchmarks/gpu/check.py --dry-run: every phase of the GPU check runs on the CPU with tiny shapes and lands
in gpu_check.json / gpu_check.log, so the script cannot rot between the sessions that have a GPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PHASES = ["environment", "build", "tests", "ops", "generator", "distill"]


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory) -> tuple[dict, str]:
    out = tmp_path_factory.mktemp("gpu-check")
    cmd = [sys.executable, str(REPO / "benchmarks/gpu/check.py"), "--dry-run", "--out", str(out)]
    proc = subprocess.run(cmd, cwd=REPO, env=os.environ, capture_output=True, text=True, timeout=600)
    assert (out / "gpu_check.json").is_file(), proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((out / "gpu_check.json").read_text())
    assert proc.returncode == 0, (json.dumps(report["phases"], indent=1)[-4000:], proc.stderr[-2000:])
    return report, (out / "gpu_check.log").read_text()


@pytest.mark.slow
def test_every_phase_runs_and_is_recorded(dry_run):
    report, log = dry_run
    assert report["dry_run"] is True
    assert list(report["phases"]) == PHASES
    assert all(p["status"] == "ok" for p in report["phases"].values()), report["phases"]
    for key in ("date", "torch", "python", "torch_cuda"):
        assert key in report
    for name in PHASES:
        assert f"== {name}" in log


@pytest.mark.slow
def test_build_phase_builds_and_imports_the_wheel(dry_run):
    build = dry_run[0]["phases"]["build"]
    assert build["wheel"] == "glad_ops-0.1.0+ref-py3-none-any.whl"
    assert build["installed"]["version"] == "0.1.0+ref"  # imported from the folder it was installed to


@pytest.mark.slow
def test_tests_phase_collects_the_cuda_tests(dry_run):
    tests = dry_run[0]["phases"]["tests"]
    assert "tests/ops/test_cuda.py" in tests["files"]
    assert tests["counts"]["tests"] > 0 and tests["counts"]["failures"] == 0


@pytest.mark.slow
def test_benchmark_phases_report_their_figures(dry_run):
    phases = dry_run[0]["phases"]
    ops = phases["ops"]["float32"]["report"]
    assert ops["memory_copy"]["buffer_bytes"] == 2**20
    bias_act = next(r for r in ops["results"] if r["op"].startswith("bias_act"))
    assert bias_act["fraction_of_memory_bandwidth"] > 0 and bias_act["fraction_of_same_size_copy"] > 0
    gen = phases["generator"]["report"]["results"]
    assert {r["precision"] for r in gen} == {"fp32", "bf16", "fp16"}
    assert {r["impl"] for r in gen} == {"native", "ref"}
    assert all(r["images_per_second"] > 0 for r in gen)
    steps = phases["distill"]["steps"]
    assert sorted((s["method"], s["ipc"]) for s in steps) == [("dm", 1), ("dm", 2), ("mtt", 1), ("mtt", 2)]
    assert all(s["seconds_per_step"] > 0 for s in steps)
