"""cmake/GladCudaArch.cmake: TORCH_CUDA_ARCH_LIST -> CMAKE_CUDA_ARCHITECTURES (SASS per entry, PTX for +PTX;
sm_90 by default), run with `cmake -P` (no compiler needed)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

MODULE = Path(__file__).resolve().parents[2] / "cmake" / "GladCudaArch.cmake"
CMAKE = shutil.which("cmake")


def architectures(arch_list: str | None, tmp_path: Path) -> subprocess.CompletedProcess:
    script = tmp_path / "archs.cmake"
    script.write_text(
        f'include("{MODULE}")\nglad_cuda_architectures(out)\nmessage(STATUS "ARCHS=${{out}}")\n'
    )
    env = {k: v for k, v in os.environ.items() if k != "TORCH_CUDA_ARCH_LIST"}
    if arch_list is not None:
        env["TORCH_CUDA_ARCH_LIST"] = arch_list
    return subprocess.run([CMAKE, "-P", str(script)], text=True, capture_output=True, env=env)


@pytest.mark.skipif(CMAKE is None, reason="needs cmake")
@pytest.mark.parametrize(
    ("arch_list", "expected"),
    [(None, "90-real"), ("9.0", "90-real"), ("8.0;9.0+PTX", "80-real;90"), ("8.6 9.0a", "86-real;90a-real")],
)
def test_arch_list_becomes_cmake_architectures(arch_list, expected, tmp_path):
    result = architectures(arch_list, tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"ARCHS={expected}" in result.stdout


@pytest.mark.skipif(CMAKE is None, reason="needs cmake")
def test_bad_entry_is_refused_with_the_expected_form(tmp_path):
    result = architectures("sm_90", tmp_path)
    assert result.returncode != 0 and "cannot parse TORCH_CUDA_ARCH_LIST entry 'sm_90'" in result.stderr
