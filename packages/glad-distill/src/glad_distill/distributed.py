"""Several processes (torchrun): DC and DM split the classes over ranks.

Every rank holds all latents. Rank r renders and matches the classes c with c % world_size == r; the latent
gradients (zero outside a rank's rows) and the losses are summed over ranks, so every rank applies the same
update and holds the same latents, equal to a one-process run (per-class random draws do not depend on the
rank, see seeding.py): bitwise on the CPU when the generator renders one image per chunk, to float rounding
otherwise (a rank's render chunks hold other images). gloo on CPU, nccl on CUDA.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from glad_eval.errors import DeviceUnavailableError


@dataclass(frozen=True)
class ProcessGroup:
    rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def classes_of_rank(self, num_classes: int) -> list[int]:
        """The classes this rank matches (round robin)."""
        return [c for c in range(num_classes) if c % self.world_size == self.rank]

    def sum_(self, tensors: list[torch.Tensor]) -> None:
        """In-place sum over ranks of every tensor (no-op in one process)."""
        if self.distributed:
            for tensor in tensors:
                dist.all_reduce(tensor, op=dist.ReduceOp.SUM)

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()


def join_process_group(device: str) -> ProcessGroup:
    """The current process group: the initialised default group, one started from torchrun's environment
    (WORLD_SIZE > 1), or a single process."""
    if dist.is_available() and dist.is_initialized():
        return ProcessGroup(dist.get_rank(), dist.get_world_size())
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return ProcessGroup()
    backend = "nccl" if torch.device(device).type == "cuda" else "gloo"
    dist.init_process_group(backend=backend)
    return ProcessGroup(dist.get_rank(), dist.get_world_size())


def rank_device(device: str, group: ProcessGroup) -> torch.device:
    """`device`, with "cuda" meaning this rank's GPU (LOCAL_RANK) under torchrun. Under torchrun that GPU
    also becomes the current device, so NCCL's barrier runs on it rather than on GPU 0."""
    resolved = torch.device(device)
    if resolved.type == "cuda" and resolved.index is None and group.distributed:
        resolved = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailableError(
            f"device {device!r} was asked for but CUDA is not available; use --device cpu"
        )
    if resolved.type == "cuda" and group.distributed:
        torch.cuda.set_device(resolved)
    return resolved
