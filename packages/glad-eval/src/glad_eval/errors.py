"""Expected failures and the exit codes of the glad command-line tools (`glad`, `glad-eval`; `glad-generators`
uses the same numbers without importing this module).

Every expected failure ends the command with one line ``<prog>: error: <problem>; <fix>`` on stderr and the
exit code of its class; a traceback is shown only with ``--debug`` or ``GLAD_DEBUG=1``. An unexpected
exception (a bug) still propagates with its traceback.

=====  ====================  ===========================================================================
code   class                 examples
=====  ====================  ===========================================================================
0      ok
2      bad input             an out-of-range flag, a NaN learning rate, an inconsistent config, bad images
3      missing               a dataset, generator, run, checkpoint or Python package that is not there
4      refused file          a pickle that would run code, a file of the wrong kind
5      output / I/O          --out exists or is not a directory, a read-only file system, a full disk
6      device                the asked-for device is absent, or out of memory
7      stopped               the loss or a gradient became NaN/inf (the last good checkpoint is kept)
130    interrupted           Ctrl-C
=====  ====================  ===========================================================================
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

DEBUG_ENV = "GLAD_DEBUG"


class ExitCode(IntEnum):
    OK = 0
    BAD_INPUT = 2
    MISSING = 3
    REFUSED = 4
    OUTPUT = 5
    DEVICE = 6
    STOPPED = 7
    INTERRUPTED = 130


class OutputError(OSError):
    """A path cannot be written (exists, read-only, full disk, ...); ``str()`` is the whole message."""

    _FIXES = {
        errno.ENOSPC: "no space left on the device; free space or choose another --out (files already "
        "written, and a run's last good checkpoint, are intact: continue with --resume)",
        errno.EDQUOT: "the disk quota is exceeded; free space or choose another --out",
        errno.EROFS: "the file system is read-only; choose a writable --out",
        errno.EACCES: "permission denied; choose a writable --out",
        errno.EPERM: "operation not permitted; choose a writable --out",
        errno.EEXIST: "a file of that name exists; choose another --out",
        errno.ENOENT: "a folder on the way is missing or cannot hold folders; choose another --out",
        errno.ENOTDIR: "a parent of it is a file, not a directory; choose another --out",
        errno.EISDIR: "it is a directory; choose a file path",
    }

    @classmethod
    def from_os_error(cls, exc: OSError, path: str | Path, *, what: str = "") -> OutputError:
        if isinstance(exc, OutputError):
            return exc
        fix = cls._FIXES.get(exc.errno or 0, f"{exc.strerror or exc}; check the path and free space")
        error = cls(f"cannot write {(what + ' ') if what else ''}{path}: {fix}")
        error.errno = exc.errno
        return error


class DeviceUnavailableError(ValueError):
    """The asked-for device does not exist on this machine."""


class RefusedFileError(ValueError):
    """A file was refused because loading it could run code or it is of the wrong kind."""


@dataclass(frozen=True)
class FailureClass:
    """An exception type, its exit code and how its message reads (`fix` is appended when given)."""

    kind: type[BaseException]
    code: ExitCode
    fix: str = ""


def _missing_module_fix(exc: BaseException) -> str:
    return f"install the package that provides {getattr(exc, 'name', None) or 'it'} (pip install ...)"


# Most specific first; the first entry the exception is an instance of decides. Extended with `register`.
FAILURES: list[FailureClass] = [
    FailureClass(DeviceUnavailableError, ExitCode.DEVICE),
    FailureClass(RefusedFileError, ExitCode.REFUSED),
    FailureClass(OutputError, ExitCode.OUTPUT),
    FailureClass(ModuleNotFoundError, ExitCode.MISSING),
    FailureClass(FileNotFoundError, ExitCode.MISSING),
    FailureClass(OSError, ExitCode.OUTPUT),
    FailureClass(ValueError, ExitCode.BAD_INPUT),
    FailureClass(TypeError, ExitCode.BAD_INPUT),
]
_FIX_FUNCTIONS: dict[type, Callable[[BaseException], str]] = {ModuleNotFoundError: _missing_module_fix}


def register_failure(kind: type[BaseException], code: ExitCode, fix: str = "") -> None:
    """Classify `kind` (and its subclasses, before every class already listed) as an expected failure with
    exit `code`; `fix` is appended to its message."""
    if not any(entry.kind is kind for entry in FAILURES):
        FAILURES.insert(0, FailureClass(kind, code, fix))


def _device_failures() -> list[FailureClass]:
    import torch

    return [FailureClass(torch.OutOfMemoryError, ExitCode.DEVICE, "lower --chunk-size or the batch sizes")]


def classify(exc: BaseException) -> tuple[ExitCode, str] | None:
    """(exit code, one-line message) for an expected failure, None for anything else."""
    for entry in _device_failures() + FAILURES:
        if isinstance(exc, entry.kind):
            message = _message(exc)
            fix = entry.fix or next((f(exc) for k, f in _FIX_FUNCTIONS.items() if isinstance(exc, k)), "")
            return entry.code, f"{message}; {fix}" if fix else message
    return None


def _message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, OutputError) and exc.strerror:
        target = f" {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}:{target}".rstrip(":")
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())  # one line


def add_debug_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help=f"show the traceback of a failure (also: {DEBUG_ENV}=1)",
    )


def debug_requested(args: argparse.Namespace | None = None) -> bool:
    return bool(getattr(args, "debug", False)) or os.environ.get(DEBUG_ENV, "") not in ("", "0")


def run_guarded(
    prog: str,
    body: Callable[[], int],
    *,
    debug: bool = False,
    register: Callable[[], None] | None = None,
) -> int:
    """Run `body()`; turn an expected failure into ``<prog>: error: <message>`` and its exit code.
    `register()` (called only on a failure, so its imports cost nothing otherwise) may `register_failure`
    more exception classes."""
    try:
        return body()
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except Exception as exc:
        if register is not None:
            register()
        failure = classify(exc)
        if failure is None:
            raise
        code, message = failure
        if debug:
            traceback.print_exc()
        label = "stopped" if code == ExitCode.STOPPED else "error"
        print(f"{prog}: {label}: {message}", file=sys.stderr)
        return int(code)
