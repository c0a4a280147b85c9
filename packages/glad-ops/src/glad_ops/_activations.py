"""Registry of `bias_act`'s activations: name -> native code, default alpha/gain, reference formula.

The integer `code` is part of the native schema (contracts.md): 0 linear, 1 relu, 2 lrelu, 3 tanh, 4 sigmoid,
5 elu, 6 selu, 7 softplus, 8 swish. Reference formulas are plain PyTorch so autograd gives their derivatives.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class Activation:
    """One activation: `fn(v, alpha)` maps a tensor element-wise; `alpha` only matters for lrelu."""

    name: str
    code: int
    def_alpha: float
    def_gain: float
    fn: Callable[[torch.Tensor, float], torch.Tensor]


ACTIVATIONS: dict[str, Activation] = {}


def _register(name: str, code: int, fn, def_alpha: float = 0.0, def_gain: float = 1.0) -> None:
    ACTIVATIONS[name] = Activation(name, code, def_alpha, def_gain, fn)


_register("linear", 0, lambda v, a: v)
_register("relu", 1, lambda v, a: torch.relu(v), def_gain=math.sqrt(2))
_register("lrelu", 2, lambda v, a: F.leaky_relu(v, a), def_alpha=0.2, def_gain=math.sqrt(2))
_register("tanh", 3, lambda v, a: torch.tanh(v))
_register("sigmoid", 4, lambda v, a: torch.sigmoid(v))
_register("elu", 5, lambda v, a: F.elu(v))
_register("selu", 6, lambda v, a: F.selu(v))
_register("softplus", 7, lambda v, a: F.softplus(v))
_register("swish", 8, lambda v, a: torch.sigmoid(v) * v, def_gain=math.sqrt(2))


def get_activation(name: object) -> Activation:
    """Look up `name` (e.g. 'lrelu'); unknown names raise ValueError listing the valid ones."""
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"act: unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]
