"""Sharding evaluation jobs over torchrun ranks and gathering their results (gloo on CPU, nccl on CUDA)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def current_world() -> World:
    """This process's place in the initialised process group (a single-process world if none)."""
    if dist.is_available() and dist.is_initialized():
        return World(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", 0)))
    return World()


def launched_by_torchrun() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def init_from_env(device: str) -> World:
    """Join the process group torchrun describes in the environment (if any and not yet joined).

    Backend: nccl when ``device`` is CUDA (each rank uses cuda:LOCAL_RANK), else gloo.
    """
    if launched_by_torchrun() and not dist.is_initialized():
        use_cuda = torch.device(device).type == "cuda"
        if use_cuda:
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    return current_world()


def rank_device(device: str, world: World) -> torch.device:
    """The device this rank computes on: 'cuda' becomes cuda:LOCAL_RANK under torchrun."""
    dev = torch.device(device)
    if dev.type == "cuda" and dev.index is None and world.size > 1:
        return torch.device("cuda", world.local_rank)
    return dev


def shard(jobs: list, world: World) -> list:
    """The jobs this rank runs: every world.size-th job starting at its rank."""
    return jobs[world.rank :: world.size]


def gather(items: list, world: World) -> list:
    """Concatenate every rank's ``items`` (picklable) on every rank."""
    if world.size == 1:
        return list(items)
    buckets: list[list | None] = [None] * world.size
    dist.all_gather_object(buckets, items)
    return [item for bucket in buckets for item in bucket]
