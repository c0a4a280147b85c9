"""Fixtures for the glad-eval tests."""

from __future__ import annotations

import pytest
from glad_eval.data import Dataset, load_dataset


@pytest.fixture(scope="session")
def mnist5k() -> Dataset:
    return load_dataset("mnist5k")
