"""Deprecated: atomic file writes live in :mod:`glad_eval.fileio`."""

from __future__ import annotations

from glad_eval import fileio as _fileio
from glad_eval._deprecated import moved_names

__getattr__ = moved_names(
    __name__,
    {
        name: (getattr(_fileio, name), f"glad_eval.fileio.{name}")
        for name in (
            "atomic_write_bytes",
            "atomic_write_json",
            "atomic_write_with",
            "default_file_mode",
            "ensure_directory",
            "stale_temporaries",
        )
    },
)
