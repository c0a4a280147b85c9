"""Shared assertions for the generator tests."""

from __future__ import annotations

import torch


def assert_close(actual: torch.Tensor, expected: torch.Tensor, what: str, rel: float = 1e-4) -> None:
    """fixtures/README.md float32 tolerance: |a - e| <= rel * max|e| + rel * |e| elementwise."""
    actual, expected = actual.detach().double(), expected.detach().double()
    assert actual.shape == expected.shape, f"{what}: shape {tuple(actual.shape)} != {tuple(expected.shape)}"
    scale = expected.abs().max().item()
    err = ((actual - expected).abs() - rel * expected.abs()).max().item()
    assert err <= rel * scale, f"{what}: max deviation {err:.3g} exceeds {rel} * max|ref| = {rel * scale:.3g}"
