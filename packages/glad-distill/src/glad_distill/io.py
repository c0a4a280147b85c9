"""Atomic file writes (glad_eval.fileio, shared with glad-eval): write to ``.<name>.tmp-<pid>`` beside the
target, fsync, give it the umask's mode, then rename over the target.

A crash (or a NaN stop) can therefore never leave a half-written checkpoint, manifest or tensor file; a failed
write (full disk, read-only file system) raises glad_eval.errors.OutputError and keeps the previous file.
"""

from __future__ import annotations

from glad_eval.fileio import (
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_with,
    default_file_mode,
    ensure_directory,
    stale_temporaries,
)

__all__ = [
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_with",
    "default_file_mode",
    "ensure_directory",
    "stale_temporaries",
]
