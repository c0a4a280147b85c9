"""Reference filtered_lrelu: bias, upfirdn2d(fu, up, gain up**2), lrelu*gain, clamp, upfirdn2d(fd, down)."""

from __future__ import annotations

import torch

from .._activations import ACTIVATIONS
from .bias_act import bias_act
from .upfirdn2d import upfirdn2d


def filtered_lrelu(
    x: torch.Tensor,
    fu: torch.Tensor | None,
    fd: torch.Tensor | None,
    b: torch.Tensor | None,
    up: int,
    down: int,
    padding: tuple[int, int, int, int],
    gain: float,
    slope: float,
    clamp: float | None,
    flip_filter: bool,
) -> torch.Tensor:
    """x [N, C, H, W]; b None or [C]; filters float32 or None; padding (x0, x1, y0, y1). Spec §1.4."""
    if b is not None:
        x = x + b[None, :, None, None]
    x = upfirdn2d(x, fu, (up, up), (1, 1), padding, flip_filter, float(up * up))
    x = bias_act(x, None, 1, ACTIVATIONS["lrelu"], slope, gain, clamp)
    return upfirdn2d(x, fd, (1, 1), (down, down), (0, 0, 0, 0), flip_filter, 1.0)
