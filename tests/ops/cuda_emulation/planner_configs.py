"""Device settings the emulation tests plan for, drawn from an explicit torch.Generator: an H100, small
shared memory (small tiles, or none so the generic path runs), few SMs (grid-stride loops), blocks of an odd
thread count (the programs must not depend on it), or the generic path forced."""

from __future__ import annotations

import torch

from .harness import EmuConfig, config

PLANNER_CONFIGS = {
    "h100": config(),
    "small_shared": config(shared_per_block=12 * 1024, shared_per_sm=24 * 1024),
    "tiny_shared": config(shared_per_block=1536, shared_per_sm=3072),
    "few_sms": config(sm_count=2),
    "threads_96": config(threads=96),
    "generic": config(allow_fused=False),
}
WEIGHTS = {"h100": 2, "small_shared": 1, "tiny_shared": 1, "few_sms": 1, "threads_96": 1, "generic": 1}


def planner_config(g: torch.Generator) -> tuple[str, EmuConfig]:
    """(name, EmuConfig) drawn with WEIGHTS."""
    names = [name for name, w in WEIGHTS.items() for _ in range(w)]
    name = names[int(torch.randint(len(names), (1,), generator=g))]
    return name, PLANNER_CONFIGS[name]
