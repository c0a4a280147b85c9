"""Under torchrun, DC and DM split the classes over ranks; two gloo processes equal one process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
import torch
from glad_eval.artifacts import load_distilled
from safetensors.torch import load_file

TINY = [
    "--dataset", "mnist5k", "--ipc", "1", "--iterations", "2", "--batch-real", "8", "--net-width", "8",
    "--channel-base", "256", "--channel-max", "8", "--layer", "12", "--no-progress",
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(("method", "chunk_size"), [("dm", 1), ("dc", 1), ("dm", 4)])
def test_two_processes_equal_one(method, chunk_size, tmp_path):
    """Bitwise equal when the generator renders one image per chunk in both runs; with larger chunks a rank's
    chunks hold other images than one process's, and batched matrix products round differently."""
    args = ["distill", "--method", method, "--chunk-size", str(chunk_size), *TINY]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # same thread count in both runs: same reduction order
    single = subprocess.run(
        [sys.executable, "-m", "glad_distill", *args, "--out", str(tmp_path / "one")],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert single.returncode == 0, single.stderr
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
                "--master-addr", "127.0.0.1", "--master-port", str(_free_port())]  # fmt: skip
    double = subprocess.run(
        [*launcher, "-m", "glad_distill", *args, "--out", str(tmp_path / "two")],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert double.returncode == 0, double.stderr[-3000:]

    one, two = load_distilled(tmp_path / "one"), load_distilled(tmp_path / "two")
    latents_one, latents_two = (
        load_file(tmp_path / "one" / "latents.safetensors"),
        load_file(tmp_path / "two" / "latents.safetensors"),
    )
    if chunk_size == 1:
        assert torch.equal(two.images, one.images)
        assert all(torch.equal(latents_two[name], latents_one[name]) for name in ("f", "w"))
    else:  # equal up to float rounding
        torch.testing.assert_close(two.images, one.images, rtol=1e-4, atol=1e-5)
        for name in ("f", "w"):
            torch.testing.assert_close(latents_two[name], latents_one[name], rtol=1e-3, atol=1e-4)
    manifests = [json.loads((tmp_path / run / "manifest.json").read_text()) for run in ("one", "two")]
    assert manifests[1]["environment"]["world_size"] == 2 and len(manifests[1]["loss_history"]) == 2
    assert manifests[1]["loss_history"] == pytest.approx(manifests[0]["loss_history"], rel=1e-5)
