"""Deprecated: the process group moved to :mod:`glad_eval.distributed` (``World`` is ``ProcessGroup``, its
``size`` is ``world_size``)."""

from __future__ import annotations

from dataclasses import dataclass

from .. import distributed as _distributed
from ..deprecation import renamed


@dataclass(frozen=True)
class _World(_distributed.ProcessGroup):
    @property
    def size(self) -> int:
        return self.world_size


__getattr__ = renamed(
    __name__,
    {
        "World": ("glad_eval.distributed.ProcessGroup (size -> world_size)", _World),
        "current_world": ("glad_eval.distributed.current_process_group", _distributed.current_process_group),
        "init_from_env": ("glad_eval.distributed.join_process_group", _distributed.join_process_group),
        "launched_by_torchrun": (
            "glad_eval.distributed.launched_by_torchrun",
            _distributed.launched_by_torchrun,
        ),
        "rank_device": ("glad_eval.distributed.rank_device", _distributed.rank_device),
        "shard": ("glad_eval.distributed.ProcessGroup.shard", lambda jobs, world: world.shard(jobs)),
        "gather": ("glad_eval.distributed.ProcessGroup.gather", lambda items, world: world.gather(items)),
    },
)
