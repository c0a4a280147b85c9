"""Deterministic per-job seeds: the same (config seed, architecture, seed index, purpose) gives the same seed
on every machine, process and rank."""

from __future__ import annotations

import hashlib

import torch


def derive_seed(base: int, *parts: object) -> int:
    """A 63-bit seed from ``base`` and ``parts`` (SHA-256 of their text; stable across Python runs)."""
    text = "/".join([str(int(base)), *map(str, parts)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") & ((1 << 63) - 1)


def job_generator(base: int, *parts: object) -> torch.Generator:
    """A CPU torch.Generator seeded with :func:`derive_seed`."""
    return torch.Generator().manual_seed(derive_seed(base, *parts))
