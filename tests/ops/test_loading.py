"""Loading the compiled kernels: a broken library falls back to ref with a reason; the install carries the
libraries its build promised (CUDA when nvcc was present)."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import warnings
from pathlib import Path

import glad_ops
import pytest
import torch
from glad_ops import _load


def load_from(lib_dir: Path, monkeypatch: pytest.MonkeyPatch) -> _load.LoadResult:
    """Load the libraries as if `lib_dir` were the package's only `_lib/`."""
    monkeypatch.setattr(_load, "library_dirs", lambda: [lib_dir])
    return _load.load_libraries()


def test_broken_library_reports_reason_without_raising(tmp_path, monkeypatch):
    monkeypatch.setattr(_load, "_schemas_registered", lambda: False)  # let it try even though ours is loaded
    (tmp_path / _load.CPU_LIBRARY).write_bytes(b"not an ELF file")
    result = load_from(tmp_path, monkeypatch)
    assert not result.cpu and not result.cuda
    assert "loading" in result.cpu.reason and _load.CPU_LIBRARY in result.cpu.reason
    assert "CPU library is needed first" in result.cuda.reason


def test_missing_library_reports_where_it_looked(tmp_path, monkeypatch):
    result = load_from(tmp_path, monkeypatch)
    assert not result.cpu
    assert str(tmp_path) in result.cpu.reason and "not found" in result.cpu.reason


def test_cpu_only_build_says_cuda_was_not_built(tmp_path, monkeypatch, native_cpu):
    monkeypatch.setattr(_load, "_load_one", lambda path: _load.NativeStatus(True, f"loaded {path}"))
    result = load_from(tmp_path, monkeypatch)  # the CPU library "loads"; there is no CUDA library
    assert result.cpu and not result.cuda
    assert (
        f"{_load.CUDA_LIBRARY} not built" in result.cuda.reason and "GLAD_OPS_CUDA=ON" in result.cuda.reason
    )


def test_loaded_cuda_kernels_without_a_device_say_so(monkeypatch):
    loaded = _load.NativeStatus(True, "loaded (simulated)")
    monkeypatch.setattr(_load, "_STATE", _load.LoadResult(loaded, loaded))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    status = glad_ops.native_available("cuda:1")
    assert not status and status.reason == "the CUDA kernels are loaded but torch sees no CUDA device"
    assert glad_ops.native_available(torch.device("cpu")) is loaded


def test_disable_env_turns_native_off(monkeypatch):
    monkeypatch.setenv(_load.DISABLE_ENV, "1")
    result = _load.load_libraries()
    assert not result.cpu and _load.DISABLE_ENV in result.cpu.reason


def test_install_without_kernels_warns_once_at_first_load(tmp_path, monkeypatch):
    """pip hides the build backend's fallback warning, so a kernel-less install says so at import."""
    monkeypatch.setattr(_load, "library_dirs", lambda: [tmp_path])  # an empty _lib/
    monkeypatch.setattr(_load, "_STATE", None)
    with pytest.warns(RuntimeWarning, match=r"reference path: libglad_ops_cpu.so not found") as record:
        assert not glad_ops.native_available("cpu")
    assert len(record) == 1 and _load.DISABLE_ENV in str(record[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not glad_ops.native_available("cpu")  # the outcome is cached: no second warning


def test_disabled_kernels_do_not_warn(monkeypatch):
    monkeypatch.setenv(_load.DISABLE_ENV, "1")
    monkeypatch.setattr(_load, "_STATE", None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not glad_ops.native_available("cpu")


def test_ops_fall_back_to_ref_when_native_failed(monkeypatch):
    failed = _load.NativeStatus(False, "simulated: libglad_ops_cpu.so is corrupt")
    monkeypatch.setattr(_load, "_STATE", _load.LoadResult(failed, failed))
    status = glad_ops.native_available("cpu")
    assert not status and status.reason == failed.reason
    x = torch.randn(1, 2, 5, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    f = glad_ops.setup_filter([1, 2, 1])
    torch.testing.assert_close(
        glad_ops.upfirdn2d(x, f, up=2, padding=1), glad_ops.upfirdn2d(x, f, up=2, padding=1, impl="ref")
    )
    with pytest.raises(RuntimeError, match="simulated: libglad_ops_cpu.so is corrupt"):
        glad_ops.filtered_lrelu(x, impl="native")


def test_second_copy_is_refused_not_loaded(tmp_path, monkeypatch, native_cpu):
    shutil.copy(_load.find_library(_load.CPU_LIBRARY), tmp_path / _load.CPU_LIBRARY)
    result = load_from(tmp_path, monkeypatch)
    assert not result.cpu and "already registered the glad_ops ops" in result.cpu.reason


def test_native_available_other_devices():
    assert not glad_ops.native_available("meta")
    assert "no compiled kernels for device type 'meta'" in glad_ops.native_available("meta").reason
    if not torch.cuda.is_available():
        assert not glad_ops.native_available("cuda")


def test_impl_none_uses_native_when_it_serves(native_cpu, monkeypatch):
    calls = []
    real = torch.ops.glad_ops.bias_act

    class Spy:
        def __call__(self, *args):
            calls.append(args)
            return real(*args)

    monkeypatch.setattr(torch.ops.glad_ops, "bias_act", Spy())
    glad_ops.bias_act(torch.ones(3), act="relu")
    assert len(calls) == 1


def _nvcc_present() -> bool:
    cuda_home = os.environ.get("CUDA_HOME", "/usr/local/cuda")
    return shutil.which("nvcc") is not None or (Path(cuda_home) / "bin" / "nvcc").is_file()


def test_install_carries_the_promised_libraries():
    """A +cuXYZ install ships libglad_ops_cuda.so; with nvcc present the default build is a CUDA one."""
    version = importlib.metadata.version("glad-ops")
    if "+ref" in version:
        pytest.skip(f"glad-ops {version} is the pure-Python build (GLAD_OPS_NATIVE=OFF or no compiler)")
    assert _load.find_library(_load.CPU_LIBRARY).is_file(), f"glad-ops {version} has no {_load.CPU_LIBRARY}"
    if "+cu" in version:
        assert _load.find_library(_load.CUDA_LIBRARY).is_file(), (
            f"glad-ops {version} has no {_load.CUDA_LIBRARY}"
        )
    elif _nvcc_present() and os.environ.get("GLAD_OPS_CUDA", "").upper() != "OFF":
        pytest.fail(
            f"glad-ops {version} was built without CUDA kernels although nvcc is present: the CUDA build "
            "failed or was switched off; reinstall with scripts/bootstrap.sh (or set GLAD_OPS_CUDA=OFF)"
        )
