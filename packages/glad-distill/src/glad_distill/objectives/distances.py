"""Gradient-matching distances (DC)."""

from __future__ import annotations

from collections.abc import Sequence

import torch


def layerwise_cosine_distance(
    grads_a: Sequence[torch.Tensor], grads_b: Sequence[torch.Tensor]
) -> torch.Tensor:
    """DC's "ours" distance: sum over parameter tensors, sum over output channels, of 1 - cos.

    Each gradient [out, ...] is reshaped to [out, in*k*k] and compared row by row:
    1 - <a, b> / (|a| |b| + 1e-6). 1-D gradients (biases, norm parameters) contribute 0. Returns a 0-d tensor.
    """
    total = grads_a[0].new_zeros(())
    for a, b in zip(grads_a, grads_b, strict=True):
        if a.dim() == 1:
            continue
        a, b = a.reshape(a.shape[0], -1), b.reshape(b.shape[0], -1)
        cosine = (a * b).sum(-1) / (a.norm(dim=-1) * b.norm(dim=-1) + 1e-6)
        total = total + (1 - cosine).sum()
    return total
