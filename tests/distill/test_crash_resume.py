"""A run directory is always resumable or startable: real `glad distill` processes are killed (SIGKILL) at
injected points of the first iterations, inside the checkpoint and manifest writes included
(GLAD_TEST_KILL_AT, glad_eval.faults), then resumed, or started afresh where nothing complete was written.
Every recovered run ends with latents bitwise equal to an uninterrupted run and no temporary file left.

The processes are forked from one helper (forkserver.py) that imported torch once, so ~25 runs take seconds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

TINY = [
    "distill", "--generator", "pixel", "--layer", "-1", "--dataset", "mnist5k", "--iterations", "4",
    "--checkpoint-every", "1", "--batch-real", "8", "--net-width", "8", "--dsa", "none", "--no-progress",
]  # fmt: skip

# kill point -> whether the directory is resumable afterwards (else a fresh start must be accepted).
# Writes in order: checkpoint.pt #1 (iteration 0), manifest.json #1, then per iteration checkpoint + manifest,
# then latents, images, grid, manifest.json #6.
KILL_POINTS = {
    "write:checkpoint.pt:start:1": False,  # nothing written yet
    "write:checkpoint.pt:written:1": False,  # only .checkpoint.pt.tmp-<pid>
    "write:checkpoint.pt:synced:1": False,  # the temporary file is complete, not yet renamed
    "write:checkpoint.pt:replaced:1": True,  # a checkpoint and no manifest
    "write:manifest.json:written:1": True,  # the dead end: checkpoint + .manifest.json.tmp-<pid>
    "write:manifest.json:synced:1": True,
    "iteration:0": True,
    "write:checkpoint.pt:written:3": True,  # iteration 2's checkpoint half done: resumes from 1
    "write:manifest.json:written:3": True,  # a manifest one checkpoint behind
    "iteration:3": True,
    "write:latents.safetensors:synced:1": True,  # every iteration done, outputs not yet
    "write:images.safetensors:written:1": True,
    "write:manifest.json:synced:6": True,  # the final manifest
}


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name) if folder.is_dir() else []


def run_batch(jobs: list[dict], work: Path) -> list[dict]:
    """Run `glad` jobs ({"argv", "env", "log"}) as forked processes, in order; their exit/signal."""
    spec = work / f"jobs-{len(list(work.glob('jobs-*')))}.json"
    spec.write_text(json.dumps(jobs))
    helper = Path(__file__).with_name("forkserver.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GLAD_TEST_")}
    done = subprocess.run(
        [sys.executable, str(helper), str(spec)], capture_output=True, text=True, timeout=600, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def crashes(tmp_path_factory):
    """Kill a run at every point, then recover it; per point: the kill, the state, the recovery, its log."""
    work = tmp_path_factory.mktemp("crash")
    names = {point: f"k{i}" for i, point in enumerate(KILL_POINTS)}
    jobs = [{"argv": [*TINY, "--out", str(work / "straight")], "log": str(work / "straight.log")}]
    jobs += [
        {
            "argv": [*TINY, "--out", str(work / name)],
            "env": {"GLAD_TEST_KILL_AT": point},
            "log": str(work / f"{name}.kill.log"),
        }
        for point, name in names.items()
    ]
    straight, *kills = run_batch(jobs, work)
    assert straight == {"exit": 0, "signal": None}, (work / "straight.log").read_text()
    states, recoveries = {}, []
    for point, name in names.items():
        out = work / name
        states[point] = {
            "resumable": (out / "checkpoint.pt").is_file(),
            "temporaries": temporaries(out),
            "files": sorted(p.name for p in out.iterdir()) if out.is_dir() else [],
        }
        resume = [*TINY[:1], "--resume", "--out", str(out), "--no-progress"]
        if not states[point]["resumable"]:  # --resume says there is nothing to resume, then a fresh start
            recoveries.append({"argv": resume, "log": str(work / f"{name}.resume.log")})
            resume = [*TINY, "--out", str(out)]
        recoveries.append({"argv": resume, "log": str(work / f"{name}.recover.log")})
    results = iter(run_batch(recoveries, work))
    outcome = {}
    for (point, name), kill in zip(names.items(), kills, strict=True):
        refused = None if states[point]["resumable"] else next(results)
        outcome[point] = {
            "kill": kill,
            "state": states[point],
            "refused_resume": refused,
            "recovery": next(results),
            "dir": work / name,
            "log": (work / f"{name}.recover.log").read_text(),
            "resume_log": (work / f"{name}.resume.log").read_text() if refused else "",
        }
    return work / "straight", outcome


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_killed_run_recovers_to_the_uninterrupted_result(crashes, point):
    straight, outcome = crashes
    result = outcome[point]
    assert result["kill"] == {"exit": None, "signal": signal.SIGKILL}, f"{point} was never reached"
    assert result["state"]["resumable"] == KILL_POINTS[point], result["state"]
    assert result["recovery"] == {"exit": 0, "signal": None}, result["log"]
    out = result["dir"]
    if ":written:" in point or ":synced:" in point:  # killed with a temporary file on disk
        assert result["state"]["temporaries"], result["state"]
    if not KILL_POINTS[point]:  # --resume refuses (exit 3) and names the way out
        assert result["refused_resume"]["exit"] == 3
        assert "nothing to resume" in result["resume_log"] and "without --resume" in result["resume_log"]
    fresh = not KILL_POINTS[point]
    left = [n for n in result["state"]["files"] if ".tmp-" in n or (fresh and n == "manifest.json")]
    if left:  # what the recovery cleared is named
        assert "glad: cleared" in result["log"] and all(n in result["log"] for n in left)
    assert temporaries(out) == []
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "completed" and manifest["iterations_completed"] == 4
    expected = load_file(str(straight / "latents.safetensors"))
    got = load_file(str(out / "latents.safetensors"))
    assert expected.keys() == got.keys()
    for key in expected:
        assert torch.equal(expected[key], got[key]), key
    assert manifest["loss_history"] == json.loads((straight / "manifest.json").read_text())["loss_history"]
