"""Shared helpers for the generator tests: tolerance checks and pickle-crafting tools."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager

import torch


def assert_close(actual: torch.Tensor, expected: torch.Tensor, what: str, rel: float = 1e-4) -> None:
    """fixtures/README.md float32 tolerance: |a - e| <= rel * max|e| + rel * |e| elementwise."""
    actual, expected = actual.detach().double(), expected.detach().double()
    assert actual.shape == expected.shape, f"{what}: shape {tuple(actual.shape)} != {tuple(expected.shape)}"
    scale = expected.abs().max().item()
    err = ((actual - expected).abs() - rel * expected.abs()).max().item()
    assert err <= rel * scale, f"{what}: max deviation {err:.3g} exceeds {rel} * max|ref| = {rel * scale:.3g}"


class Reduce:
    """Pickles as `func(*args)`."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


@contextmanager
def fake_module(name: str, **members) -> Iterator[types.ModuleType]:
    """Temporarily importable module `name` (so pickle can reference its members by name)."""
    module = types.ModuleType(name)
    for key, value in members.items():
        if callable(value):
            value.__module__, value.__qualname__ = name, key
        setattr(module, key, value)
    parents = [name.rsplit(".", i)[0] for i in range(name.count("."), 0, -1)]
    added = [p for p in parents if p not in sys.modules]
    for parent in added:
        sys.modules[parent] = types.ModuleType(parent)
    sys.modules[name] = module
    try:
        yield module
    finally:
        for key in [name, *added]:
            del sys.modules[key]


@contextmanager
def storages_saved_as_cuda() -> Iterator[None]:
    """While active, tensors pickle with storage location 'cuda:0', as in snapshots saved from a GPU."""
    registry = list(torch.serialization._package_registry)

    def cuda_tagger(obj):
        return "cuda:0" if getattr(obj, "device", None) is not None and obj.device.type == "cpu" else None

    torch.serialization.register_package(-100, cuda_tagger, lambda obj, location: None)
    try:
        yield
    finally:
        torch.serialization._package_registry[:] = registry
