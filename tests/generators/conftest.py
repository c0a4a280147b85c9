"""Generator-test helpers: every generator fixture directory is discovered, so unseen ones are tested too.

A generator fixture directory holds `config.json` (official attribute dump), `weights.safetensors`,
`io.safetensors` and one official persistence pickle (`*.pkl`); see fixtures/README.md. Directories are
found under `<shared>/fixtures/` and in GLAD_GENERATOR_FIXTURES (os.pathsep-separated extra directories).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("GLAD_SHARED", REPO_ROOT.parent / "shared")).resolve()
REQUIRED = ("config.json", "weights.safetensors", "io.safetensors")


def generator_fixture_dirs() -> list[Path]:
    roots = [p for p in sorted((SHARED / "fixtures").glob("*")) if p.is_dir()]
    roots += [Path(p) for p in os.environ.get("GLAD_GENERATOR_FIXTURES", "").split(os.pathsep) if p]
    return [p for p in roots if all((p / name).is_file() for name in REQUIRED) and list(p.glob("*.pkl"))]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "generator_dir" in metafunc.fixturenames:
        dirs = generator_fixture_dirs()
        if not dirs:
            pytest.fail(f"no generator fixture directory found under {SHARED / 'fixtures'}")
        metafunc.parametrize("generator_dir", dirs, ids=[p.name for p in dirs], scope="module")
