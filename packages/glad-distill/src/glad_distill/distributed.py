"""Deprecated: the process group moved to :mod:`glad_eval.distributed`."""

from __future__ import annotations

from glad_eval import distributed as _distributed
from glad_eval._deprecated import moved_names

__getattr__ = moved_names(
    __name__,
    {
        name: (getattr(_distributed, name), f"glad_eval.distributed.{name}")
        for name in ("ProcessGroup", "join_process_group", "rank_device")
    },
)
