"""Fixtures shared by every test package: where ../shared lives, deterministic torch settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]


def _shared_dir() -> Path:
    return Path(os.environ.get("GLAD_SHARED", REPO_ROOT.parent / "shared")).resolve()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The `shared/` folder beside the repository (override with GLAD_SHARED). Missing = hard failure."""
    path = _shared_dir()
    if not (path / "fixtures").is_dir():
        pytest.fail(f"reference fixtures not found at {path}/fixtures; set GLAD_SHARED to the shared/ folder")
    return path


@pytest.fixture(scope="session")
def fixtures_dir(shared_dir: Path) -> Path:
    return shared_dir / "fixtures"


@pytest.fixture(autouse=True)
def _deterministic_torch():
    """Every test starts from the same global state; tests pass explicit torch.Generators anyway."""
    torch.manual_seed(0)
    yield
