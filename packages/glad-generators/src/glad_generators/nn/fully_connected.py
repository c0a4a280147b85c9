"""Equalized-learning-rate fully connected layer (spec §2.2)."""

from __future__ import annotations

import math

import glad_ops
import torch
from torch import nn


class FullyConnectedLayer(nn.Module):
    """y = act(x @ (weight * weight_gain)^T + bias * bias_gain); x [N, in_features] → [N, out_features].

    `weight_gain = lr_multiplier / sqrt(in_features)`, `bias_gain = lr_multiplier`. `activation` is 'linear'
    or any glad_ops.bias_act activation (with that activation's default alpha/gain, no clamp).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        activation: str = "linear",
        lr_multiplier: float = 1.0,
        weight_init: float = 1.0,
        bias_init: float | list[float] = 0.0,
        bias: bool = True,
        device: torch.device | str | None = None,
    ):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.activation = activation
        self.lr_multiplier = lr_multiplier
        self.weight_init, self.bias_init = weight_init, bias_init
        self.weight_gain = lr_multiplier / math.sqrt(in_features)
        self.bias_gain = lr_multiplier
        self.weight = nn.Parameter(torch.empty(out_features, in_features, device=device))
        self.bias = nn.Parameter(torch.empty(out_features, device=device)) if bias else None

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator) -> None:
        """weight ~ N(0, 1) * weight_init / lr_multiplier, bias = bias_init / lr_multiplier (spec §2.2)."""
        draw = torch.randn(self.weight.shape, generator=generator, device=generator.device)
        self.weight.copy_(draw * (self.weight_init / self.lr_multiplier))
        if self.bias is not None:
            init = torch.as_tensor(self.bias_init, dtype=torch.float32).expand(self.out_features)
            self.bias.copy_(init / self.lr_multiplier)

    def forward(self, x: torch.Tensor, impl: str | None = None) -> torch.Tensor:
        w = self.weight.to(x.dtype) * self.weight_gain
        b = None if self.bias is None else self.bias.to(x.dtype) * self.bias_gain
        if self.activation == "linear":
            return x.matmul(w.t()) if b is None else torch.addmm(b.unsqueeze(0), x, w.t())
        return glad_ops.bias_act(x.matmul(w.t()), b, act=self.activation, impl=impl)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, activation={self.activation}"
        )
