"""Wheels and sdists: every sdist builds into the same wheel as the source tree (the glad-ops sdist carries
the CMake project from the repository root), glad-ops' native wheels are tagged py3-none-<platform>, and
`glad_ops.__version__` is the installed distribution's version, local tag included.

Builds here use GLAD_OPS_NATIVE=OFF (no compiler run: about a second); scripts/build_wheels.sh does the same
check with the compiled kernels.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


build_dists = _load(REPO / "scripts" / "build_dists.py", "build_dists_under_test")


@pytest.fixture
def pure_ops(monkeypatch):
    """Builds of glad-ops in this test compile nothing."""
    monkeypatch.setenv("GLAD_OPS_NATIVE", "OFF")


@pytest.mark.parametrize("package", build_dists.PACKAGES)
def test_sdist_builds_into_the_same_wheel_as_the_tree(package, tmp_path, pure_ops):
    built = build_dists.build_package(package, tmp_path, check=True)  # raises if the wheels differ
    assert built.sdist.name.endswith("-0.1.0.tar.gz")
    with zipfile.ZipFile(built.wheel) as zf:
        module = package.replace("-", "_")
        assert f"{module}/__init__.py" in zf.namelist()


def test_glad_ops_sdist_carries_the_cmake_project(tmp_path, pure_ops):
    sdist = build_dists.run_hook(REPO / "packages/glad-ops", "build_sdist", tmp_path)
    with tarfile.open(sdist) as tar:
        names = set(tar.getnames())
    for rel in ("CMakeLists.txt", "cmake/GladTorch.cmake", "csrc/register.cpp", "src/glad_ops/_version.py"):
        assert f"glad_ops-0.1.0/{rel}" in names
    cu = [n for n in names if n.endswith(".cu")]
    assert len(cu) == 3, cu
    unpacked = build_dists.unpack_sdist(sdist, tmp_path / "src")
    backend = _load(unpacked / "build_backend/glad_ops_build.py", "glad_ops_build_in_sdist")
    assert backend.cmake_source_dir() == "."  # an unpacked sdist builds its own copy of the kernels


def test_compare_wheels_reports_a_changed_file(tmp_path):
    a, b = tmp_path / "a" / "x-1-py3-none-any.whl", tmp_path / "b" / "x-1-py3-none-any.whl"
    for path, body in ((a, "x = 1\n"), (b, "x = 2\n")):
        path.parent.mkdir()
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("x/__init__.py", body)
            zf.writestr("x-1.dist-info/RECORD", str(path))
    assert build_dists.compare_wheels(a, a) == []
    assert build_dists.compare_wheels(a, b) == ["x/__init__.py differs"]


def test_native_wheels_are_tagged_py3_none_platform():
    """The tag scikit-build-core gives a wheel with compiled libraries under glad-ops' settings."""
    from scikit_build_core.builder.wheel_tag import WheelTag
    from scikit_build_core.settings.skbuild_read_settings import SettingsReader

    reader = SettingsReader.from_file(REPO / "packages/glad-ops/pyproject.toml")
    assert reader.settings.wheel.py_api == "py3"
    tag = WheelTag.compute_best([], reader.settings.wheel.py_api)
    assert str(tag).startswith("py3-none-") and not str(tag).endswith("-any"), str(tag)


def _import_version(site: Path) -> str:
    """glad_ops.__version__ in a fresh interpreter that sees `site` and torch, and no other glad-ops."""
    torch_site = Path(torch.__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{torch_site}", "GLAD_OPS_DISABLE_NATIVE": "1"}
    code = "import glad_ops; print(glad_ops.__version__)"
    # -S: no site-packages .pth files, so an editable glad-ops installed in this environment stays out.
    out = subprocess.run([sys.executable, "-S", "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_version_is_the_installed_distributions_with_its_local_tag(tmp_path, pure_ops):
    wheel = build_dists.run_hook(REPO / "packages/glad-ops", "build_wheel", tmp_path / "dist")
    assert wheel.name == "glad_ops-0.1.0+ref-py3-none-any.whl"
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)  # what pip does for a purelib wheel
    assert _import_version(site) == "0.1.0+ref"


class FakeDist:
    """An importlib.metadata.Distribution stand-in: a version and the files it installed under `root`."""

    def __init__(self, version: str, root: Path | None, files: list[str]):
        self.version, self.root = version, root
        self.files = [importlib.metadata.PackagePath(f) for f in files] if root else None

    def locate_file(self, file):
        return self.root / file


@pytest.fixture
def version_module(monkeypatch):
    module = _load(REPO / "packages/glad-ops/src/glad_ops/_version.py", "glad_ops_version_under_test")
    return module, monkeypatch


def test_version_comes_from_the_distribution_that_holds_the_package(version_module, tmp_path):
    module, monkeypatch = version_module
    here = Path(module.__file__).resolve().parent  # packages/glad-ops/src/glad_ops
    files = ["glad_ops/__init__.py", "glad_ops/_version.py"]

    def use(dist):
        monkeypatch.setattr(importlib.metadata, "distribution", lambda name: dist)

    use(FakeDist("0.1.0+cu130", here.parent, files))  # installed: its RECORD lists this very file
    assert module.version() == "0.1.0+cu130"
    use(FakeDist("0.1.0+cpu", tmp_path, files))  # another copy installed elsewhere: not ours
    assert module.version() == module.BASE_VERSION == "0.1.0"
    use(FakeDist("0.1.0+cu126", None, []))  # an editable install (no file list) of this release
    assert module.version() == "0.1.0+cu126"
    use(FakeDist("9.9.9+cpu", None, []))  # an editable install of another release
    assert module.version() == "0.1.0"

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    assert module.version() == "0.1.0"


def test_build_wheels_refuses_a_cuda_home_without_nvcc(tmp_path):
    env = {**os.environ, "CUDA_HOME": str(tmp_path), "PYTHON": sys.executable, "DIST": str(tmp_path / "d")}
    cmd = ["bash", str(REPO / "scripts/build_wheels.sh")]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert proc.returncode == 2
    assert f"CUDA_HOME={tmp_path} has no bin/nvcc" in proc.stderr
    assert not (tmp_path / "d").exists()  # nothing half-built


def test_require_ops_tag_fails_when_the_kernel_build_fell_back(tmp_path, pure_ops):
    with pytest.raises(SystemExit, match=r"lacks \+cpu: compiling the kernels failed"):
        build_dists.main(["--out", str(tmp_path), "--packages", "glad-ops", "--require-ops-tag", "+cpu"])
