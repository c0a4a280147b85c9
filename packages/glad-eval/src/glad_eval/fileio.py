"""Atomic file writes shared by glad-eval and glad-distill (manifest, checkpoint, safetensors, JSON, PNG).

`atomic_write_with(path, write)` lets `write(tmp)` produce the file at ``.<name>.tmp-<pid>-<k>`` beside the
target (a fresh temporary name per write), fsyncs it, gives it the mode a plain ``open()`` would (``0o666 &
~umask``), then ``os.replace``s it over the target. A crash therefore never leaves a half-written target; at
worst a temporary file whose writer is dead, which `stale_temporaries` finds and the next run removes. A
failed write (full disk, read-only file system) removes its temporary file and raises `OutputError`, leaving
the previous target intact.
"""

from __future__ import annotations

import errno
import itertools
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import OutputError
from .faults import fault_point

_TEMP_NAME = re.compile(r"^\.(?P<target>.+)\.tmp-(?P<pid>\d+)(-\d+)?$")
_WRITES = itertools.count()


def temporary_path(path: str | Path) -> Path:
    """A fresh temporary name for writing `path`: ``<dir>/.<name>.tmp-<pid>-<k>``, k counting this
    process's writes (unique per writer, also for two writers of the same target in one process)."""
    path = Path(path)
    return path.with_name(f".{path.name}.tmp-{os.getpid()}-{next(_WRITES)}")


def default_file_mode() -> int:
    """The mode ``open(path, "w")`` gives a new file: ``0o666 & ~umask``."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def ensure_directory(path: str | Path, *, what: str = "--out") -> Path:
    """Create directory `path` (and parents); OutputError naming the problem if that is impossible."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{what} {path} is an existing file, not a directory; choose another path".lstrip())
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError.from_os_error(exc, path, what=what) from exc
    return path


def atomic_write_with(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call `write(tmp_path)` to produce the file, then atomically move it to `path` (see the module doc)."""
    path = Path(path)
    ensure_directory(path.parent, what="")
    tmp = temporary_path(path)
    point = f"write:{path.name}"
    try:
        fault_point(f"{point}:start")
        write(tmp)
        fault_point(f"{point}:written")
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, default_file_mode())
        fault_point(f"{point}:synced")
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError.from_os_error(exc, path) from exc
    except RuntimeError as exc:  # torch.save: "[enforce fail at inline_container.cc] ... write failed"
        if "inline_container" not in str(exc) and "write failed" not in str(exc):
            raise
        raise OutputError.from_os_error(OSError(errno.ENOSPC, "the write failed"), path) from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    fault_point(f"{point}:replaced")
    return path


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    return atomic_write_with(path, lambda tmp: tmp.write_bytes(data))


def atomic_write_json(path: str | Path, obj: Any) -> Path:
    return atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=False) + "\n").encode())


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def stale_temporaries(folder: str | Path) -> list[Path]:
    """Temporary files ``.<name>.tmp-<pid>`` in `folder` whose writer is gone (its pid is not alive, or is
    this process: we have not started writing there yet). Sorted by name; [] if `folder` does not exist."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    stale = []
    for entry in sorted(folder.iterdir()):
        match = _TEMP_NAME.match(entry.name)
        if match and entry.is_file():
            pid = int(match["pid"])
            if pid == os.getpid() or not _pid_alive(pid):
                stale.append(entry)
    return stale
