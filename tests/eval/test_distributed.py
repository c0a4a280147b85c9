"""torchrun: two CPU processes shard the (architecture, seed) jobs and give the same table as one process."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

import glad_eval.distributed
import pytest
import torch
from glad_eval.artifacts import save_distilled
from glad_eval.distributed import ProcessGroup, current_process_group, rank_device
from glad_eval.errors import DeviceUnavailableError

from .helpers import real_subset


def test_shard_covers_every_job_once():
    jobs = list(range(7))
    parts = [ProcessGroup(rank, 3).shard(jobs) for rank in range(3)]
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


def test_a_single_process_is_rank_zero_of_one_and_its_collectives_are_no_ops():
    group = current_process_group()
    assert group == ProcessGroup(0, 1, 0) and group.is_main and not group.distributed
    tensor = torch.ones(3)
    group.sum_([tensor])
    group.barrier()
    assert torch.equal(tensor, torch.ones(3)) and group.gather([1, 2]) == [1, 2]
    assert ProcessGroup(1, 3).classes_of_rank(7) == [1, 4]


def test_rank_device_is_this_ranks_gpu_under_torchrun(monkeypatch):
    assert rank_device("cpu", ProcessGroup(1, 2, 1)) == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(DeviceUnavailableError, match="CUDA is not available; use --device cpu"):
        rank_device("cuda", ProcessGroup())
    chosen = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "set_device", chosen.append)
    assert rank_device("cuda", ProcessGroup(3, 4, 1)) == torch.device("cuda", 1)
    assert rank_device("cuda:0", ProcessGroup(3, 4, 1)) == torch.device("cuda", 0)  # an explicit index stays
    assert rank_device("cuda", ProcessGroup()) == torch.device("cuda")  # one process: no current device set
    assert chosen == [torch.device("cuda", 1), torch.device("cuda", 0)]


@pytest.mark.parametrize(
    ("module", "old", "new"),
    [
        ("glad_eval.protocol.distributed", "current_world", "current_process_group"),
        ("glad_eval.protocol.distributed", "init_from_env", "join_process_group"),
        ("glad_eval.protocol.distributed", "rank_device", "rank_device"),
    ],
)
def test_old_process_group_names_still_work_and_warn(module, old, new):
    with pytest.warns(DeprecationWarning, match=f"glad_eval.distributed.{new}"):
        assert getattr(importlib.import_module(module), old) is getattr(glad_eval.distributed, new)


def test_the_old_world_still_works_and_warns():
    import glad_eval.protocol.distributed as old

    with pytest.warns(DeprecationWarning, match="ProcessGroup"):
        world = old.World(1, 3)
    assert world.size == world.world_size == 3 and isinstance(world, ProcessGroup)
    with pytest.warns(DeprecationWarning):
        assert old.shard(list(range(7)), world) == [1, 4]
    with pytest.warns(DeprecationWarning):
        assert old.gather([5], ProcessGroup()) == [5]
