"""The per-epoch learning-rate schedule of the reference evaluation (spec §12), and the EMA decay."""

from __future__ import annotations

import math

WARMUP_START = 1e-7


def lr_factor(epoch: int, epochs: int) -> float:
    """Multiplier of the base lr for 0-based ``epoch`` of ``epochs`` (H = epochs // 2).

    Linear warm-up 1e-7 -> 1 over epochs 0..H, then cosine: ½(1 + cos(π(e − H − 1)/H)) for e > H (so epoch H +
    1 trains at the full lr and the last epoch at ≈ 3.95e-5 for 1000 epochs). With H = 0 (one epoch) it is 1.
    """
    if not 0 <= epoch < epochs:
        raise ValueError(f"lr_factor: epoch={epoch} is outside [0, {epochs})")
    half = epochs // 2
    if half == 0:
        return 1.0
    if epoch <= half:
        return WARMUP_START + (1.0 - WARMUP_START) * epoch / half
    return 0.5 * (1.0 + math.cos(math.pi * (epoch - half - 1) / half))


def ema_decay(update: int, max_decay: float = 0.995) -> float:
    """Decay used at the n-th (1-based) EMA update: min(1 − 1/n, max_decay) (a running mean, then fixed)."""
    if update < 1:
        raise ValueError(f"ema_decay: update counts from 1, got {update}")
    return min(1.0 - 1.0 / update, max_decay)
