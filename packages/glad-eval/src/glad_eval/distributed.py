"""The process group under torchrun (gloo on CPU, nccl on CUDA), shared by glad-eval and glad-distill.

glad-eval shards its (architecture, seed) jobs over the ranks and gathers the results; glad-distill splits the
classes over the ranks and sums the latent gradients. Outside torchrun everything is a one-process group
(rank 0 of 1) and every collective is a no-op.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from .errors import DeviceUnavailableError


@dataclass(frozen=True)
class ProcessGroup:
    """This process's place among the ranks: `rank` in [0, world_size), `local_rank` = its GPU on the node."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def classes_of_rank(self, num_classes: int) -> list[int]:
        """The classes this rank handles (round robin: c % world_size == rank)."""
        return [c for c in range(num_classes) if c % self.world_size == self.rank]

    def shard(self, jobs: list) -> list:
        """The jobs this rank runs: every world_size-th job starting at its rank."""
        return jobs[self.rank :: self.world_size]

    def gather(self, items: list) -> list:
        """Every rank's `items` (picklable) concatenated in rank order, on every rank."""
        if not self.distributed:
            return list(items)
        buckets: list[list | None] = [None] * self.world_size
        dist.all_gather_object(buckets, items)
        return [item for bucket in buckets for item in bucket]

    def sum_(self, tensors: list[torch.Tensor]) -> None:
        """In-place sum over ranks of every tensor (no-op in one process)."""
        if self.distributed:
            for tensor in tensors:
                dist.all_reduce(tensor, op=dist.ReduceOp.SUM)

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()


def _local_rank() -> int:
    return int(os.environ.get("LOCAL_RANK", "0"))


def launched_by_torchrun() -> bool:
    """True when torchrun's environment describes more than one process (WORLD_SIZE > 1)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def current_process_group() -> ProcessGroup:
    """The initialised default process group, or a one-process group if none was joined."""
    if dist.is_available() and dist.is_initialized():
        return ProcessGroup(dist.get_rank(), dist.get_world_size(), _local_rank())
    return ProcessGroup()


def join_process_group(device: str) -> ProcessGroup:
    """Join the process group torchrun describes in the environment (if any and not yet joined), and return
    :func:`current_process_group`. Backend: nccl when `device` is CUDA (each rank on cuda:LOCAL_RANK, made
    the current device first), else gloo."""
    if launched_by_torchrun() and not dist.is_initialized():
        use_cuda = torch.device(device).type == "cuda"
        if use_cuda and torch.cuda.is_available():  # else rank_device names the problem
            torch.cuda.set_device(_local_rank())
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    return current_process_group()


def rank_device(device: str, group: ProcessGroup) -> torch.device:
    """The device this rank computes on: `device`, with an index-less "cuda" meaning this rank's GPU
    (cuda:local_rank) in a multi-process group, where that GPU also becomes the current device (so NCCL's
    collectives run on it rather than on GPU 0). DeviceUnavailableError for CUDA without CUDA."""
    resolved = torch.device(device)
    if resolved.type == "cuda" and resolved.index is None and group.distributed:
        resolved = torch.device("cuda", group.local_rank)
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailableError(
            f"device {device!r} was asked for but CUDA is not available; use --device cpu"
        )
    if resolved.type == "cuda" and group.distributed:
        torch.cuda.set_device(resolved)
    return resolved
