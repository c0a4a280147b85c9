"""Deprecated: the distillation's random streams moved to :mod:`glad_eval.seeding`."""

from __future__ import annotations

from glad_eval import seeding as _seeding
from glad_eval._deprecated import moved_names

__getattr__ = moved_names(
    __name__,
    {
        name: (getattr(_seeding, name), f"glad_eval.seeding.{name}")
        for name in ("StepSeeds", "draw_seed", "NETWORK_STREAM", "CLASS_STREAM", "TRAJECTORY_STREAM")
    },
)
