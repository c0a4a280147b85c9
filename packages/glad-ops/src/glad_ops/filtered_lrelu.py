"""Public `filtered_lrelu`: bias, upsample+filter, leaky ReLU, gain, clamp, filter+downsample (§1.4)."""

from __future__ import annotations

import math

import torch

from . import _ref
from ._args import (
    check_bias,
    check_clamp,
    check_filter,
    check_filter_fits,
    check_flag,
    check_float,
    check_impl,
    check_input,
    check_int,
    filter_size,
    parse_padding,
)
from ._dispatch import use_native
from .filters import identity_filter


def _check_factor(value: object, name: str) -> int:
    if isinstance(value, (list, tuple)):
        raise TypeError(f"{name}: filtered_lrelu takes one int factor for both axes, got {list(value)}")
    return check_int(value, name, 1)


def filtered_lrelu(
    x: torch.Tensor,
    fu: torch.Tensor | None = None,
    fd: torch.Tensor | None = None,
    b: torch.Tensor | None = None,
    up: int = 1,
    down: int = 1,
    padding: int | list[int] = 0,
    gain: float = math.sqrt(2),
    slope: float = 0.2,
    clamp: float | None = None,
    flip_filter: bool = False,
    impl: str | None = None,
) -> torch.Tensor:
    """Alias-free leaky ReLU of StyleGAN3: upsample, filter, lrelu with gain and clamp, filter, downsample.

    Exactly: t = x + b; t = upfirdn2d(t, fu, up=up, padding=padding, gain=up**2); t = lrelu(t, slope) * gain;
    t = clamp(t, -clamp, clamp); y = upfirdn2d(t, fd, down=down).

    Args:
        x: [N, C, H, W], float16, bfloat16, float32 or float64.
        fu, fd: float32 up/down filters, 2-D [fh, fw] or 1-D separable [taps], or None (identity).
        b: None or [C] bias of x's dtype, added before upsampling.
        up, down: integer factors >= 1 (same in both axes).
        padding: int p, [px, py] or [x0, x1, y0, y1] applied to the upsampled image; negative values crop.
        gain: > 0, multiplies the activation. slope: >= 0, lrelu's negative slope (1 = identity).
        clamp: None or >= 0; clamps the activation to [-clamp, clamp].
        flip_filter: correlate instead of convolve, for both filters.
        impl: None (fastest available), 'ref' or 'native'.

    Returns:
        [N, C, H_out, W_out] in x's dtype, W_out = (W*up + x0 + x1 - (fu_w-1) - (fd_w-1) + (down-1)) // down
        (H likewise). Differentiable w.r.t. x and b (first order with the native kernels; any order with ref).
    """
    check_impl(impl)
    check_input(x, ndim=4)
    fu = check_filter(fu, "fu", x.device)
    fd = check_filter(fd, "fd", x.device)
    b = check_bias(b, x, 1)
    up, down = _check_factor(up, "up"), _check_factor(down, "down")
    px0, px1, py0, py1 = parse_padding(padding)
    gain, slope = check_float(gain, "gain"), check_float(slope, "slope")
    if gain <= 0:
        raise ValueError(f"gain: must be > 0, got {gain}")
    if slope < 0:
        raise ValueError(f"slope: must be >= 0, got {slope}")
    clamp = check_clamp(clamp)
    flip_filter = check_flag(flip_filter, "flip_filter")
    fuw, fuh = filter_size(fu)
    padded_w, padded_h = x.shape[3] * up + px0 + px1, x.shape[2] * up + py0 + py1
    check_filter_fits("fu", (fuw, fuh), (padded_w, padded_h), "upsampled and padded input")
    check_filter_fits("fd", filter_size(fd), (padded_w - fuw + 1, padded_h - fuh + 1), "intermediate image")
    if use_native(x, impl, "filtered_lrelu"):
        if fu is None or fd is None:
            ident = identity_filter(1, x.device)
            fu, fd = (ident if fu is None else fu), (ident if fd is None else fd)
        y, _mask = torch.ops.glad_ops.filtered_lrelu(
            x.contiguous(),
            fu,
            fd,
            None if b is None else b.contiguous(),
            up,
            down,
            px0,
            px1,
            py0,
            py1,
            gain,
            slope,
            -1.0 if clamp is None else clamp,
            flip_filter,
        )
        return y
    return _ref.filtered_lrelu(x, fu, fd, b, up, down, (px0, px1, py0, py1), gain, slope, clamp, flip_filter)
