"""Shared fixtures of the glad-ops tests: the op fixture cases (loaded once) and the native-kernel gate."""

from __future__ import annotations

import os
from pathlib import Path

import glad_ops
import pytest

from .op_cases import OpCase, load_cases

ALLOW_NO_NATIVE_ENV = "GLAD_OPS_TESTS_ALLOW_NO_NATIVE"


@pytest.fixture(scope="session")
def op_cases(fixtures_dir: Path) -> dict[str, OpCase]:
    """Every case of fixtures/ops.json with its tensors, keyed by case id."""
    return load_cases(fixtures_dir)


@pytest.fixture(scope="session")
def native_cpu() -> None:
    """Fails (skips with GLAD_OPS_TESTS_ALLOW_NO_NATIVE=1) when the compiled CPU kernels are not loaded."""
    status = glad_ops.native_available("cpu")
    if not status:
        message = f"compiled CPU kernels unavailable: {status.reason}"
        if os.environ.get(ALLOW_NO_NATIVE_ENV, "") not in ("", "0"):
            pytest.skip(message)
        pytest.fail(message)
