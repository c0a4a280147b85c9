"""Wall-clock accounting of the training loop's phases (used by the benchmark; a no-op unless enabled)."""

from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager

import torch


class PhaseTimer:
    """Accumulates seconds per phase name. On CUDA each phase synchronises first so times are honest."""

    def __init__(self, device: torch.device | str = "cpu") -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._sync = torch.device(device).type == "cuda"

    @contextmanager
    def phase(self, name: str):
        if self._sync:
            torch.cuda.synchronize()
        start = time.perf_counter()
        try:
            yield
        finally:
            if self._sync:
                torch.cuda.synchronize()
            self.seconds[name] += time.perf_counter() - start


class NullTimer:
    """Stand-in that measures nothing."""

    @contextmanager
    def phase(self, name: str):
        yield
