"""glad-ops' version: the installed distribution's, local tag included (e.g. '0.1.0+cu130').

`BASE_VERSION` is the release number; the build backend (build_backend/glad_ops_build.py) reads it from this
file and appends the local tag naming what the wheel holds: `+cuXYZ` (CPU + CUDA kernels, nvcc X.Y), `+cpu`
(CPU kernels only) or `+ref` (pure Python).
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

BASE_VERSION = "0.1.0"
DISTRIBUTION = "glad-ops"


def installed_version() -> str | None:
    """The version of the installed glad-ops distribution whose files hold this module, else None.

    A distribution installed elsewhere (this module imported from a source tree through PYTHONPATH) does not
    count: its version would describe other files.
    """
    try:
        dist = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    here = Path(__file__).resolve().parent
    if _dist_holds(dist, here):
        return dist.version
    return None


def _dist_holds(dist: importlib.metadata.Distribution, package_dir: Path) -> bool:
    """Whether `dist` installed `package_dir` (a regular install lists its files; an editable one points at
    the source tree through a .pth file or an import hook, which we accept when its version matches ours)."""
    for file in dist.files or ():
        if file.name == "_version.py" and file.parent.name == "glad_ops":
            try:
                return Path(dist.locate_file(file)).resolve().parent == package_dir
            except OSError:
                return False
    # Editable installs list no package files: accept them when the release number is ours.
    return dist.version.split("+", 1)[0] == BASE_VERSION


def version() -> str:
    """`installed_version()`, or `BASE_VERSION` when this source tree is not an installed distribution."""
    return installed_version() or BASE_VERSION


__version__ = version()
