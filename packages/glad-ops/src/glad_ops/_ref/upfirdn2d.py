"""Reference upfirdn2d: zero-insertion upsampling, pad/crop, FIR filter, subsampling (spec §1.3)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..filters import identity_filter


def scaled_filter(f: torch.Tensor | None, gain: float, x: torch.Tensor) -> torch.Tensor:
    """f (float32 1-D/2-D on x's device; None = [[1]]) times gain**(f.ndim/2) in float32, as x's dtype."""
    if f is None:
        f = identity_filter(2, x.device)
    return (f * (gain ** (f.ndim / 2))).to(x.dtype)


def _fir(x: torch.Tensor, f: torch.Tensor, flip_filter: bool) -> torch.Tensor:
    """'valid' depthwise FIR of x [N, C, H, W] with f [fh, fw]; true convolution unless flip_filter."""
    if not flip_filter:
        f = f.flip([0, 1])
    channels = x.shape[1]
    if channels == 0:  # conv2d refuses groups=0; an empty slice of the output size keeps the graph
        return x[:, :, : x.shape[2] - f.shape[0] + 1, : x.shape[3] - f.shape[1] + 1]
    weight = f[None, None].expand(channels, 1, *f.shape)
    return F.conv2d(x, weight, groups=channels)


def upfirdn2d(
    x: torch.Tensor,
    f: torch.Tensor | None,
    up: tuple[int, int],
    down: tuple[int, int],
    padding: tuple[int, int, int, int],
    flip_filter: bool,
    gain: float,
) -> torch.Tensor:
    """x [N, C, H, W] -> [N, C, H_out, W_out]; up/down (x, y); padding (x0, x1, y0, y1), negative crops."""
    n, c, h, w = x.shape
    (ux, uy), (dx, dy) = up, down
    px0, px1, py0, py1 = padding
    if ux > 1 or uy > 1:
        x = x.reshape(n, c, h, 1, w, 1)
        x = F.pad(x, [0, ux - 1, 0, 0, 0, uy - 1])
        x = x.reshape(n, c, h * uy, w * ux)
    # Zero-pad first, then crop: a crop may reach past the samples into the padding of the other side.
    x = F.pad(x, [max(px0, 0), max(px1, 0), max(py0, 0), max(py1, 0)])
    x = x[:, :, max(-py0, 0) : x.shape[2] - max(-py1, 0), max(-px0, 0) : x.shape[3] - max(-px1, 0)]
    f = scaled_filter(f, gain, x)
    if f.ndim == 1:
        x = _fir(x, f[None, :], flip_filter)
        x = _fir(x, f[:, None], flip_filter)
    else:
        x = _fir(x, f, flip_filter)
    return x[:, :, ::dy, ::dx]
