"""torchrun: two CPU processes shard the (architecture, seed) jobs and give the same table as one process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from glad_eval.artifacts import save_distilled
from glad_eval.protocol.distributed import World, shard

from .helpers import real_subset


def test_shard_covers_every_job_once():
    jobs = list(range(7))
    parts = [shard(jobs, World(rank, 3)) for rank in range(3)]
    assert parts == [[0, 3, 6], [1, 4], [2, 5]]
    assert sorted(j for part in parts for j in part) == jobs


def test_torchrun_two_processes_match_one_process(tmp_path, mnist5k):
    images, labels = real_subset(mnist5k, per_class=2)
    save_distilled(tmp_path / "set", images, labels, {"dataset": "mnist5k"})
    common = [str(tmp_path / "set"), "--models", "mlp,lenet", "--seeds", "2", "--epochs", "3"]
    common += ["--device", "cpu", "--no-progress", "--lr", "0.01"]
    env = dict(os.environ, OMP_NUM_THREADS="1")  # torchrun's per-rank default; the same for the single run
    single = subprocess.run(
        [sys.executable, "-m", "glad_eval", *common, "--out", str(tmp_path / "one")],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert single.returncode == 0, single.stderr
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2"]
    multi = subprocess.run(
        [*launcher, "-m", "glad_eval", *common, "--out", str(tmp_path / "two")],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert multi.returncode == 0, multi.stderr
    one = json.loads((tmp_path / "one" / "results.json").read_text())
    two = json.loads((tmp_path / "two" / "results.json").read_text())
    assert two["config"].pop("world_size") == 2 and one["config"].pop("world_size") == 1
    for report in (one, two):
        for result in report["per_model"].values():
            result.pop("seconds")
    assert one == two
    table = lambda out: out[out.index(f"{'mnist5k'}:") :].split("\nwrote")[0]  # noqa: E731
    assert table(single.stdout) == table(multi.stdout)
    assert multi.stdout.count("cross-arch") == 1  # only rank 0 prints
