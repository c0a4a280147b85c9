"""Counter-based random streams: every random draw of an iteration comes from a generator derived from
(iteration seed, purpose, class). The iteration seed is drawn from the run's one torch.Generator, so

* a run is reproducible from its seed, and resuming only needs that generator's state;
* under torchrun, a class's draws do not depend on which rank matches it, so N processes equal one.
"""

from __future__ import annotations

import torch

_MASK64 = (1 << 64) - 1

NETWORK_STREAM = 0  # the iteration's random matching network
CLASS_STREAM = 1  # per-class real batch and augmentation
TRAJECTORY_STREAM = 2  # MTT: expert choice, start epoch, minibatches, augmentation


def _splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def draw_seed(generator: torch.Generator) -> int:
    """A 62-bit seed drawn from `generator` (advances it)."""
    return int(torch.randint(0, 2**62, (1,), generator=generator).item())


class StepSeeds:
    """The random streams of one distillation iteration."""

    def __init__(self, seed: int):
        self.seed = int(seed)

    def stream(self, *keys: int) -> torch.Generator:
        """A fresh CPU generator, a pure function of (seed, keys)."""
        value = self.seed
        for key in keys:
            value = _splitmix64(value ^ _splitmix64(int(key) + 1))
        return torch.Generator().manual_seed(value & ((1 << 63) - 1))

    def network(self) -> torch.Generator:
        return self.stream(NETWORK_STREAM)

    def for_class(self, cls: int) -> torch.Generator:
        return self.stream(CLASS_STREAM, cls)

    def trajectory(self) -> torch.Generator:
        return self.stream(TRAJECTORY_STREAM)
