"""Exponential moving average of a model's weights, updated once per epoch (spec §12), on torch's
:class:`~torch.optim.swa_utils.AveragedModel`."""

from __future__ import annotations

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel

from .schedule import ema_decay


class EMA(AveragedModel):
    """Holds ``model`` (a frozen copy in eval mode) whose parameters track the live model's.

    At the n-th :meth:`update` the parameters become d·ema + (1 − d)·live with d = min(1 − 1/n, max_decay)
    (the first update copies them); buffers (e.g. BatchNorm statistics) are copied (``use_buffers=False``).
    """

    def __init__(self, model: nn.Module, max_decay: float = 0.995) -> None:
        super().__init__(model, multi_avg_fn=self._fold, use_buffers=False)
        self.max_decay = max_decay
        self.num_updates = 0  # a Python count, so no update waits for the device
        self.module.eval().requires_grad_(False)

    @property
    def model(self) -> nn.Module:
        """The averaged copy of the model."""
        return self.module

    def _fold(self, ema: list[torch.Tensor], live: list[torch.Tensor], _num_averaged: torch.Tensor) -> None:
        torch._foreach_lerp_(ema, live, 1.0 - ema_decay(self.num_updates, self.max_decay))

    @torch.no_grad()
    def update(self, model: nn.Module) -> float:
        """Fold the live ``model``'s weights in; returns the decay used."""
        self.num_updates += 1
        self.update_parameters(model)
        return ema_decay(self.num_updates, self.max_decay)
