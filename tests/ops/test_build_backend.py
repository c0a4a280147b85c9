"""The glad-ops PEP 517 backend without compiling: the wheel's version tag names what it holds (+cuXYZ of the
nvcc that CMake is pinned to, +cpu, +ref), and a failing native build falls back, with warnings, to CPU-only
and then to the pure-Python wheel."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

BACKEND_FILE = Path(__file__).resolve().parents[2] / "packages/glad-ops/build_backend/glad_ops_build.py"


@pytest.fixture
def backend(tmp_path, monkeypatch):
    """The backend module, writing its version file under tmp_path, with a private copy of the environment
    and a fake nvcc 12.6 at $CUDA_HOME/bin/nvcc."""
    spec = importlib.util.spec_from_file_location("glad_ops_build_under_test", BACKEND_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "VERSION_FILE", tmp_path / "glad_ops_version.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CUDA", "GLAD_OPS_"))}
    nvcc = tmp_path / "cuda" / "bin" / "nvcc"
    nvcc.parent.mkdir(parents=True)
    nvcc.write_text("#!/bin/sh\necho 'Cuda compilation tools, release 12.6, V12.6.85'\n")
    nvcc.chmod(0o755)
    env["CUDA_HOME"] = str(nvcc.parents[1])
    monkeypatch.setattr(os, "environ", env)  # the backend sets variables while it falls back
    module.fake_nvcc = str(nvcc)
    return module


class Hook:
    """A scikit-build-core hook that records its config settings and fails the first `failures` calls."""

    def __init__(self, backend, failures: int = 0):
        self.backend, self.failures, self.calls = backend, failures, []

    def __call__(self, wheel_directory, config_settings, metadata_directory):
        version = self.backend.VERSION_FILE.read_text().split('"')[1]
        self.calls.append((version, dict(config_settings or {})))
        if len(self.calls) <= self.failures:
            raise SystemExit("simulated compile failure")
        return f"glad_ops-{version}.whl"


def test_cuda_wheel_is_tagged_and_built_with_the_same_nvcc(backend):
    hook = Hook(backend)
    assert backend._build(hook, "dist", None, None) == "glad_ops-0.1.0+cu126.whl"
    ((_, settings),) = hook.calls
    assert settings["cmake.define.CMAKE_CUDA_COMPILER"] == backend.fake_nvcc


@pytest.mark.parametrize(
    ("env", "tag"), [({"GLAD_OPS_CUDA": "OFF"}, "cpu"), ({"GLAD_OPS_NATIVE": "OFF"}, "ref")]
)
def test_switches_give_cpu_and_pure_python_wheels(backend, env, tag):
    os.environ.update(env)
    hook = Hook(backend)
    assert backend._build(hook, "dist", None, None) == f"glad_ops-0.1.0+{tag}.whl"
    ((_, settings),) = hook.calls
    assert "cmake.define.CMAKE_CUDA_COMPILER" not in settings
    assert settings.get("wheel.cmake") == ("false" if tag == "ref" else None)


def test_failed_builds_fall_back_to_cpu_then_pure_python_with_warnings(backend, capsys):
    hook = Hook(backend, failures=2)
    assert backend._build(hook, "dist", None, None) == "glad_ops-0.1.0+ref.whl"
    assert [version for version, _ in hook.calls] == ["0.1.0+cu126", "0.1.0+cpu", "0.1.0+ref"]
    assert hook.calls[-1][1]["wheel.cmake"] == "false"
    log = capsys.readouterr().err
    assert "WARNING: retrying without the CUDA kernels" in log
    assert "WARNING: installing the pure-Python reference path instead" in log


def test_cmake_project_is_found_in_a_checkout_or_an_sdist(backend, tmp_path, monkeypatch):
    checkout = tmp_path / "repo"
    package = checkout / "packages" / "glad-ops"
    package.mkdir(parents=True)
    monkeypatch.setattr(backend, "PROJECT_DIR", package)
    monkeypatch.setattr(backend, "REPO_ROOT", checkout)
    with pytest.raises(SystemExit, match="CMakeLists.txt is neither in"):
        backend.cmake_source_dir()
    (checkout / "CMakeLists.txt").write_text("")
    assert backend.cmake_source_dir() == "../.."
    assert backend._native_settings(None, "0.1.0+cpu")["cmake.source-dir"] == "../.."
    (package / "CMakeLists.txt").write_text("")  # an unpacked sdist carries its own copy
    assert backend.cmake_source_dir() == "."
