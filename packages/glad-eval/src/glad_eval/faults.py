"""Test-only fault injection at named points of file writes and runs (off unless an env variable is set).

``GLAD_TEST_KILL_AT=POINT[:N]`` kills this process with SIGKILL the N-th time (default: the 1st) it reaches
POINT (``iteration:0`` alone means POINT ``iteration:0``, the first time);
``GLAD_TEST_FAIL_AT=POINT[:N]`` raises ``OSError(ENOSPC)`` there instead (a full disk). Several specs may be
joined with ``,``. Points used by the code:

- ``write:<file name>:start``     before the temporary file is created;
- ``write:<file name>:written``   the temporary file is fully written, not yet synced;
- ``write:<file name>:synced``    synced, just before ``os.replace`` over the target;
- ``write:<file name>:replaced``  right after the rename;
- ``iteration:<i>``               glad-distill, before iteration i (0-based) starts.

Nothing happens when neither variable is set, so production code pays one dict lookup per point.
"""

from __future__ import annotations

import errno
import os
import signal

KILL_ENV = "GLAD_TEST_KILL_AT"
FAIL_ENV = "GLAD_TEST_FAIL_AT"
_hits: dict[str, int] = {}


def _matches(spec_list: str, point: str, count: int) -> bool:
    for spec in (s.strip() for s in spec_list.split(",")):
        name, _, nth = spec.rpartition(":")
        if (spec == point and count == 1) or (name == point and nth.isdigit() and int(nth) == count):
            return True
    return False


def fault_point(point: str) -> None:
    """Mark a named point; kills the process or raises ENOSPC when the environment asks for it here."""
    kill, fail = os.environ.get(KILL_ENV), os.environ.get(FAIL_ENV)
    if not (kill or fail):
        return
    _hits[point] = count = _hits.get(point, 0) + 1
    if kill and _matches(kill, point, count):
        os.kill(os.getpid(), signal.SIGKILL)
    if fail and _matches(fail, point, count):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), point)
