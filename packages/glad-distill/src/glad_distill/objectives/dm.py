"""Distribution matching (DM): per class, || mean embed(real_c) - mean embed(syn_c) ||^2 on a random frozen
network (its `embed`: the flattened features before the classifier)."""

from __future__ import annotations

import torch
from torch import nn

from .per_class import PerClassMatching


class DistributionMatching(PerClassMatching):
    """DM on a fresh random, frozen network each iteration (see PerClassMatching for the arguments)."""

    def prepare_network(self, net: nn.Module) -> nn.Module:
        return net.requires_grad_(False)

    def class_distance(self, net: nn.Module, real: torch.Tensor, syn: torch.Tensor, cls: int) -> torch.Tensor:
        with torch.no_grad():
            mean_real = net.embed(real).mean(0)
        return ((mean_real - net.embed(syn).mean(0)) ** 2).sum()
