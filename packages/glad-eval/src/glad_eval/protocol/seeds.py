"""Deprecated: seeding moved to :mod:`glad_eval.seeding`."""

from __future__ import annotations

from .. import seeding as _seeding
from ..deprecation import renamed

__getattr__ = renamed(
    __name__,
    {
        "derive_seed": ("glad_eval.seeding.derive_seed", _seeding.derive_seed),
        "job_generator": ("glad_eval.seeding.job_generator", _seeding.job_generator),
    },
)
