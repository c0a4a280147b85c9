"""Find and load the compiled kernels (`_lib/libglad_ops_cpu.so`, then `_lib/libglad_ops_cuda.so`).

Loading never raises: a missing or broken library is recorded with the reason, and the ops fall back to the
reference path. `native_available(device)` reports the outcome per device. An install running without its
CPU kernels (built with no compiler, or a library that fails to load) warns once, at import: pip hides the
build's own warning.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch

from . import _version

PACKAGE_DIR = Path(__file__).resolve().parent
CPU_LIBRARY = "libglad_ops_cpu.so"
CUDA_LIBRARY = "libglad_ops_cuda.so"
DISABLE_ENV = "GLAD_OPS_DISABLE_NATIVE"


@dataclass(frozen=True)
class NativeStatus:
    """Whether compiled kernels serve a device; truthy iff `available`; `reason` says why (not)."""

    available: bool
    reason: str

    def __bool__(self) -> bool:
        return self.available


@dataclass(frozen=True)
class LoadResult:
    """Outcome of loading the libraries: one status for the CPU library, one for the CUDA library."""

    cpu: NativeStatus
    cuda: NativeStatus


def _schemas_registered() -> bool:
    """Whether some library already defined the glad_ops schemas in this process."""
    try:
        torch._C._dispatch_find_schema_or_throw("glad_ops::bias_act", "")
    except RuntimeError:
        return False
    return True


def installed_version() -> str:
    """The installed distribution's version, e.g. '0.1.0+cu130' (+cpu: no CUDA kernels, +ref: no kernels)."""
    return _version.installed_version() or f"{_version.BASE_VERSION} (a source tree, not installed)"


def _load_one(path: Path) -> NativeStatus:
    if not path.is_file():
        return NativeStatus(
            False,
            f"{path.name} not found in {path.parent}: glad-ops {installed_version()} was installed without "
            "these compiled kernels (+ref: the build fell back to pure Python or GLAD_OPS_NATIVE=OFF; +cpu: "
            "no CUDA); reinstall with a C++ compiler (and nvcc) to build them",
        )
    if path.name == CPU_LIBRARY and _schemas_registered():
        # A second copy would define the glad_ops namespace twice, which kills the process.
        return NativeStatus(
            False, f"not loading {path}: another {CPU_LIBRARY} already registered the glad_ops ops"
        )
    try:
        torch.ops.load_library(str(path))
    except Exception as err:  # noqa: BLE001 - any loader failure means "fall back to ref"
        return NativeStatus(False, f"loading {path} failed: {type(err).__name__}: {err}")
    return NativeStatus(True, f"loaded {path}")


def library_dirs() -> list[Path]:
    """Where the libraries may lie: `_lib/` in each directory of the package (an editable install has two)."""
    import glad_ops

    dirs = [Path(p) / "_lib" for p in getattr(glad_ops, "__path__", [])]
    return dirs or [PACKAGE_DIR / "_lib"]


def find_library(name: str) -> Path:
    """The first `_lib/<name>` that exists (else the first candidate, for the error message)."""
    candidates = [d / name for d in library_dirs()]
    return next((p for p in candidates if p.is_file()), candidates[0])


def _disabled_by_env() -> bool:
    return os.environ.get(DISABLE_ENV, "") not in ("", "0")


def load_libraries() -> LoadResult:
    """Load the CPU library (schemas + CPU kernels), register the Python autograd/fake kernels, then CUDA
    (each the first found in `library_dirs()`)."""
    if _disabled_by_env():
        off = NativeStatus(False, f"disabled by the environment variable {DISABLE_ENV}")
        return LoadResult(off, off)
    cpu = _load_one(find_library(CPU_LIBRARY))
    if not cpu:
        return LoadResult(cpu, NativeStatus(False, f"the CPU library is needed first: {cpu.reason}"))
    try:
        from . import _native  # noqa: F401 - registers autograd and fake kernels on glad_ops::*
    except Exception as err:  # noqa: BLE001
        bad = NativeStatus(False, f"registering autograd/fake kernels failed: {type(err).__name__}: {err}")
        return LoadResult(bad, bad)
    cuda_path = find_library(CUDA_LIBRARY)
    if cuda_path.is_file():
        cuda = _load_one(cuda_path)
    else:
        cuda = NativeStatus(
            False,
            f"{CUDA_LIBRARY} not built (glad-ops was compiled without CUDA; "
            "rebuild with GLAD_OPS_CUDA=ON and nvcc available)",
        )
    return LoadResult(cpu, cuda)


_STATE: LoadResult | None = None


def state() -> LoadResult:
    """The load outcome of this process (the libraries are loaded once, on first use)."""
    global _STATE
    if _STATE is None:
        _STATE = load_libraries()
        warn_if_no_kernels(_STATE)
    return _STATE


def warn_if_no_kernels(result: LoadResult) -> None:
    """Warn (RuntimeWarning) that the CPU kernels are unavailable, unless GLAD_OPS_DISABLE_NATIVE is set."""
    if result.cpu or _disabled_by_env():
        return
    warnings.warn(
        "glad-ops runs without compiled kernels, on the slow pure-PyTorch reference path: "
        f"{result.cpu.reason}. Set {DISABLE_ENV}=1 to silence this warning.",
        RuntimeWarning,
        stacklevel=3,
    )


def native_available(device: str | torch.device = "cpu") -> NativeStatus:
    """Whether compiled kernels serve `device` ('cpu', 'cuda', 'cuda:1', torch.device), and why not."""
    device = torch.device(device)
    result = state()
    if device.type == "cpu":
        return result.cpu
    if device.type == "cuda":
        if not result.cuda:
            return result.cuda
        if not torch.cuda.is_available():
            return NativeStatus(False, "the CUDA kernels are loaded but torch sees no CUDA device")
        return result.cuda
    return NativeStatus(False, f"glad-ops has no compiled kernels for device type {device.type!r}")
