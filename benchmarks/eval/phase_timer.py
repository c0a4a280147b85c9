"""Wall-clock seconds per phase of glad_eval.training.fit, measured from outside the loop.

While :meth:`PhaseTimer.watch` is active, the callables the loop goes through are wrapped (and restored
afterwards): the model's forward, the loss, ``zero_grad`` and ``backward`` count as forward_backward, the SGD
step as optimizer, DSA sampling and applying as augment, the EMA update and the lr scheduler's step as
bookkeeping. ``data`` is the rest of the measured total: shuffling, batch gathering and the loop itself.
On CUDA every wrapped call synchronises before and after, so its time is honest (and the whole run slower).
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from contextlib import ExitStack, contextmanager
from unittest import mock

import torch
from glad_eval.augment import DSA
from glad_eval.protocol import EMA
from torch.optim.lr_scheduler import LambdaLR

PHASES = ("forward_backward", "optimizer", "data", "augment", "bookkeeping")


class PhaseTimer:
    """Accumulates seconds per phase name over one or more :meth:`watch` blocks."""

    def __init__(self, device: torch.device | str = "cpu") -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._sync = torch.device(device).type == "cuda"

    def _timed(self, phase: str, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if self._sync:
                torch.cuda.synchronize()
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                if self._sync:
                    torch.cuda.synchronize()
                self.seconds[phase] += time.perf_counter() - start

        return wrapper

    @contextmanager
    def watch(self, model: torch.nn.Module):
        """Time ``model``'s training inside the block; afterwards ``seconds["data"]`` holds the rest."""
        targets = [
            (model, "forward", "forward_backward"),
            (torch.nn.functional, "cross_entropy", "forward_backward"),
            (torch.optim.Optimizer, "zero_grad", "forward_backward"),
            (torch.Tensor, "backward", "forward_backward"),
            (torch.optim.SGD, "step", "optimizer"),
            (DSA, "sample", "augment"),
            (DSA, "apply", "augment"),
            (EMA, "update", "bookkeeping"),
            (LambdaLR, "step", "bookkeeping"),
        ]
        before = sum(self.seconds.values()) - self.seconds["data"]
        with ExitStack() as stack:
            for owner, name, phase in targets:
                stack.enter_context(mock.patch.object(owner, name, self._timed(phase, getattr(owner, name))))
            if self._sync:
                torch.cuda.synchronize()
            start = time.perf_counter()
            yield self
            if self._sync:
                torch.cuda.synchronize()
            total = time.perf_counter() - start
        timed = sum(self.seconds.values()) - self.seconds["data"] - before
        self.seconds["data"] += total - timed
