"""Every seed of glad-eval and glad-distill, derived in one place. Two derivations live here side by side;
both are frozen (saved runs, resumed runs and result tables depend on their exact numbers), so neither may
change:

* **Named seeds** (:func:`derive_seed`, :func:`job_generator`): a 63-bit seed from a base seed and any parts
  (SHA-256 of their text). The evaluation protocol seeds each (architecture, seed index, purpose) job with it,
  so a job's draws are the same on every machine, process and rank.
* **Counter-based streams** (:class:`StepSeeds`, :func:`draw_seed`): the random streams of one distillation
  iteration. Its seed is drawn from the run's one torch.Generator (:func:`draw_seed`), and every draw of the
  iteration comes from a generator that is a pure function of (iteration seed, purpose, class) via
  splitmix64. A run is therefore reproducible from its seed, resuming only needs that generator's state, and
  under torchrun a class's draws do not depend on which rank handles it, so N processes equal one.

Every function returns a fresh CPU torch.Generator or an int; nothing touches the global RNG.
"""

from __future__ import annotations

import hashlib

import torch

_SEED_MASK = (1 << 63) - 1  # torch.Generator.manual_seed takes 63 bits here


# --- named seeds (SHA-256) -------------------------------------------------------------------------------


def derive_seed(base: int, *parts: object) -> int:
    """A 63-bit seed from ``base`` and ``parts`` (SHA-256 of their text; stable across Python runs)."""
    text = "/".join([str(int(base)), *map(str, parts)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") & _SEED_MASK


def job_generator(base: int, *parts: object) -> torch.Generator:
    """A CPU torch.Generator seeded with :func:`derive_seed`."""
    return torch.Generator().manual_seed(derive_seed(base, *parts))


# --- counter-based streams (splitmix64) ------------------------------------------------------------------

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
    """The random streams of one distillation iteration, all pure functions of its `seed`."""

    def __init__(self, seed: int):
        self.seed = int(seed)

    def stream(self, *keys: int) -> torch.Generator:
        """A fresh CPU generator, a pure function of (seed, keys)."""
        value = self.seed
        for key in keys:
            value = _splitmix64(value ^ _splitmix64(int(key) + 1))
        return torch.Generator().manual_seed(value & _SEED_MASK)

    def network(self) -> torch.Generator:
        return self.stream(NETWORK_STREAM)

    def for_class(self, cls: int) -> torch.Generator:
        return self.stream(CLASS_STREAM, cls)

    def trajectory(self) -> torch.Generator:
        return self.stream(TRAJECTORY_STREAM)
