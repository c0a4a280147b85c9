"""Exponential moving average of a model's weights, updated once per epoch (spec §12)."""

from __future__ import annotations

import copy

import torch
from torch import nn

from .schedule import ema_decay


class EMA:
    """Holds ``model`` (a frozen copy in eval mode) whose parameters track the live model's.

    At the n-th :meth:`update` the parameters become d·ema + (1 − d)·live with d = min(1 − 1/n, max_decay);
    buffers (e.g. BatchNorm statistics) are copied.
    """

    def __init__(self, model: nn.Module, max_decay: float = 0.995) -> None:
        self.model = copy.deepcopy(model).eval().requires_grad_(False)
        self.max_decay = max_decay
        self.num_updates = 0
        self._ema_params = list(self.model.parameters())
        self._ema_buffers = list(self.model.buffers())

    @torch.no_grad()
    def update(self, model: nn.Module) -> float:
        """Fold the live ``model``'s weights in; returns the decay used."""
        self.num_updates += 1
        decay = ema_decay(self.num_updates, self.max_decay)
        live = [p.detach() for p in model.parameters()]
        torch._foreach_lerp_(self._ema_params, live, 1.0 - decay)
        for ema_buffer, buffer in zip(self._ema_buffers, model.buffers(), strict=True):
            ema_buffer.copy_(buffer)
        return decay
