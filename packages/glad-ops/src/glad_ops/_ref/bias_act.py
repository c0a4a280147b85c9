"""Reference bias_act: v = act(x + b) * gain, then clamp to [-clamp, clamp] (spec §1.1)."""

from __future__ import annotations

import torch

from .._activations import Activation


def bias_act(
    x: torch.Tensor,
    b: torch.Tensor | None,
    dim: int,
    act: Activation,
    alpha: float,
    gain: float,
    clamp: float | None,
) -> torch.Tensor:
    """x: any shape; b: None or [x.shape[dim]]; alpha/gain resolved floats; clamp None or >= 0."""
    if b is not None:
        x = x + b.reshape([-1 if i == dim else 1 for i in range(x.ndim)])
    x = act.fn(x, alpha)
    if gain != 1:
        x = x * gain
    if clamp is not None:
        x = x.clamp(-clamp, clamp)
    return x
