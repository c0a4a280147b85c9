"""In-tree PEP 517 backend of glad-ops: scikit-build-core, with a pure-Python fallback.

* Decides the wheel's local version tag before building: `+cu130` when the CUDA kernels will be compiled (nvcc
  13.0 found and GLAD_OPS_CUDA is not OFF), `+cpu` for the CPU kernels only, `+ref` for a pure-Python wheel.
  The tag is written to build/glad_ops_version.py, which scikit-build-core's regex provider reads.
* Builds the kernels with CMake (CMakeLists.txt at the repository root). If the CUDA build fails it warns and
  retries without CUDA; if that fails too (no compiler, no CMake, a compile error) it warns and builds a
  pure-Python wheel: the ops then run on the reference path and `glad_ops.native_available()` says that no
  kernels were built. GLAD_OPS_NATIVE=OFF forces the pure-Python wheel, GLAD_OPS_CUDA=OFF the CPU-only one.
* Wheels are tagged `py3-none-<platform>` (pyproject's `wheel.py-api = "py3"`): the libraries are loaded with
  torch.ops.load_library and use no Python C API, so one wheel serves every CPython >= 3.10.
* The sdist carries the CMake project, which lives at the repository root (CMakeLists.txt, cmake/, csrc/):
  they are added to the archive next to pyproject.toml, and a build from an unpacked sdist uses them there.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import traceback
from pathlib import Path

import scikit_build_core.build as skb

PROJECT_DIR = Path(__file__).resolve().parents[1]
VERSION_FILE = PROJECT_DIR / "build" / "glad_ops_version.py"
VERSION_SOURCE = PROJECT_DIR / "src" / "glad_ops" / "_version.py"
REPO_ROOT = PROJECT_DIR.parents[1]
# The CMake project (outside the package directory in a checkout, inside it in an sdist).
CMAKE_PROJECT = ("CMakeLists.txt", "cmake", "csrc")
OFF_VALUES = ("0", "off", "false", "no")


def _log(message: str) -> None:
    print(f"[glad-ops build] {message}", file=sys.stderr, flush=True)


def _native_disabled() -> bool:
    return os.environ.get("GLAD_OPS_NATIVE", "").strip().lower() in OFF_VALUES


def find_nvcc() -> str | None:
    """nvcc from $CUDACXX, $CUDA_HOME/bin, $PATH or /usr/local/cuda/bin (CMake searches the same places)."""
    if os.environ.get("CUDACXX"):
        return os.environ["CUDACXX"]
    for home in (os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH")):
        if home and (Path(home) / "bin" / "nvcc").is_file():
            return str(Path(home) / "bin" / "nvcc")
    found = shutil.which("nvcc")
    if found:
        return found
    default = Path("/usr/local/cuda/bin/nvcc")
    return str(default) if default.is_file() else None


def cuda_tag(nvcc: str) -> str | None:
    """'cu130' for nvcc 13.0, None when nvcc does not run."""
    try:
        out = subprocess.run([nvcc, "--version"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"release (\d+)\.(\d+)", out)
    return f"cu{match.group(1)}{match.group(2)}" if match else None


def local_tag(native: bool) -> str:
    """The local version tag of the wheel about to be built."""
    if not native:
        return "ref"
    if os.environ.get("GLAD_OPS_CUDA", "AUTO").strip().upper() in ("OFF", "0", "FALSE", "NO"):
        return "cpu"
    nvcc = find_nvcc()
    tag = cuda_tag(nvcc) if nvcc else None
    return "cpu" if tag is None else tag


def base_version() -> str:
    """The release number, `BASE_VERSION` in src/glad_ops/_version.py (e.g. '0.1.0')."""
    return re.search(r'^BASE_VERSION = "([^"]+)"', VERSION_SOURCE.read_text(), re.MULTILINE).group(1)


def write_version(native: bool | None) -> str:
    """Write the version for the build about to run: base + local tag; `native=None` (an sdist): no tag."""
    version = base_version() if native is None else f"{base_version()}+{local_tag(native)}"
    VERSION_FILE.parent.mkdir(parents=True, exist_ok=True)
    VERSION_FILE.write_text(f'__version__ = "{version}"\n')
    return version


def cmake_source_dir() -> str:
    """Where CMakeLists.txt is, relative to the package: '.' in an unpacked sdist, '../..' in a checkout."""
    if (PROJECT_DIR / "CMakeLists.txt").is_file():
        return "."
    if (REPO_ROOT / "CMakeLists.txt").is_file():
        return "../.."
    raise SystemExit(
        f"glad-ops: CMakeLists.txt is neither in {PROJECT_DIR} (an sdist) nor in {REPO_ROOT} (a checkout); "
        "build from a full checkout or an sdist made by this backend"
    )


def _native_settings(config_settings: dict | None, version: str) -> dict:
    """Pin CMake's CUDA compiler to the nvcc the version tag names: a kept build tree caches the nvcc of its
    first configure, so after a change of CUDA_HOME the wheel would be tagged with one toolkit and built with
    another. (A changed CMAKE_CUDA_COMPILER makes CMake start the configure afresh.)"""
    settings = dict(config_settings or {})
    settings.setdefault("cmake.source-dir", cmake_source_dir())
    if "+cu" in version:
        settings["cmake.define.CMAKE_CUDA_COMPILER"] = find_nvcc()
    return settings


def _pure_settings(config_settings: dict | None) -> dict:
    settings = dict(config_settings or {})
    settings["wheel.cmake"] = "false"
    return settings


def _build(hook, wheel_directory, config_settings, metadata_directory) -> str:
    # Ninja would run cores + 2 jobs; use one per core this process may run on.
    os.environ.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", str(len(os.sched_getaffinity(0))))
    if _native_disabled():
        _log(f"GLAD_OPS_NATIVE=OFF: building glad-ops {write_version(False)} without compiled kernels")
        return hook(wheel_directory, _pure_settings(config_settings), metadata_directory)
    version = write_version(True)
    _log(f"building glad-ops {version} with compiled kernels")
    try:
        return hook(wheel_directory, _native_settings(config_settings, version), metadata_directory)
    except (Exception, SystemExit) as err:  # noqa: BLE001 - any native build failure falls back
        _warn_failed("the glad-ops kernels", err)
    if not version.endswith(("+cpu", "+ref")):
        os.environ["GLAD_OPS_CUDA"] = "OFF"
        _log(f"WARNING: retrying without the CUDA kernels: glad-ops {write_version(True)}")
        try:
            return hook(wheel_directory, _native_settings(config_settings, "+cpu"), metadata_directory)
        except (Exception, SystemExit) as err:  # noqa: BLE001
            _warn_failed("the glad-ops CPU kernels", err)
    _log(
        "WARNING: installing the pure-Python reference path instead (slow; glad_ops.native_available() "
        "reports no kernels). Fix the toolchain and reinstall, or set GLAD_OPS_NATIVE=OFF to skip compiling."
    )
    os.environ["GLAD_OPS_NATIVE"] = "OFF"
    _log(f"building glad-ops {write_version(False)}")
    return hook(wheel_directory, _pure_settings(config_settings), metadata_directory)


def _warn_failed(what: str, err: BaseException) -> None:
    detail = "".join(traceback.format_exception_only(type(err), err)).strip()
    _log(f"WARNING: compiling {what} failed ({detail}); see the CMake output above.")


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _build(skb.build_wheel, wheel_directory, config_settings, metadata_directory)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _build(skb.build_editable, wheel_directory, config_settings, metadata_directory)


def get_requires_for_build_wheel(config_settings=None):
    write_version(not _native_disabled())
    return skb.get_requires_for_build_wheel(config_settings)


def get_requires_for_build_editable(config_settings=None):
    write_version(not _native_disabled())
    return skb.get_requires_for_build_editable(config_settings)


def get_requires_for_build_sdist(config_settings=None):
    write_version(None)
    return skb.get_requires_for_build_sdist(config_settings)


def build_sdist(sdist_directory, config_settings=None):
    """scikit-build-core's sdist of the package directory, plus CMakeLists.txt, cmake/ and csrc/ (the CMake
    project at the repository root) at the top of the archive. The sdist's version has no local tag: the
    wheel built from it gets the tag of the toolchain that builds it."""
    write_version(None)
    name = skb.build_sdist(sdist_directory, config_settings)
    if cmake_source_dir() == "../..":  # a checkout (an sdist built from an sdist has them already)
        add_cmake_project(Path(sdist_directory) / name, REPO_ROOT)
    return name


def add_cmake_project(sdist: Path, root: Path) -> None:
    """Rewrite `sdist` (.tar.gz) with root's CMake project files added under its top directory. Members keep
    the archive's own metadata (owner, mtime: reproducible when SOURCE_DATE_EPOCH is set)."""
    with tarfile.open(sdist, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read() if m.isfile() else None) for m in tar.getmembers()]
    top = members[0][0].name.split("/", 1)[0]
    template = next(m for m, _ in members if m.isfile())
    have = {m.name for m, _ in members}
    extra = []
    for rel in CMAKE_PROJECT:
        path = root / rel
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            if "__pycache__" in file.parts or file.suffix in (".pyc", ".so", ".o"):
                continue
            arcname = f"{top}/{file.relative_to(root).as_posix()}"
            if arcname in have:
                continue
            info = tarfile.TarInfo(arcname)
            info.size, info.mtime, info.mode = file.stat().st_size, template.mtime, 0o644
            info.uid, info.gid = template.uid, template.gid
            info.uname, info.gname = template.uname, template.gname
            extra.append((info, file.read_bytes()))
    tmp = sdist.with_name(sdist.name + ".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=template.mtime) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as out:
            for info, data in sorted(members + extra, key=lambda item: item[0].name):
                out.addfile(info, None if data is None else io.BytesIO(data))
    tmp.replace(sdist)
