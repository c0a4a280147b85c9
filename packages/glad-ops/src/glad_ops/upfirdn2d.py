"""Public `upfirdn2d`: upsample by zero insertion, pad, FIR-filter, downsample (spec §1.3)."""

from __future__ import annotations

import torch

from . import _ref
from ._args import (
    check_filter,
    check_filter_fits,
    check_flag,
    check_float,
    check_impl,
    check_input,
    filter_size,
    parse_factor,
    parse_padding,
)
from ._dispatch import use_native
from .filters import identity_filter


def upfirdn2d(
    x: torch.Tensor,
    f: torch.Tensor | None,
    up: int | list[int] = 1,
    down: int | list[int] = 1,
    padding: int | list[int] = 0,
    flip_filter: bool = False,
    gain: float = 1,
    impl: str | None = None,
) -> torch.Tensor:
    """Upsample, pad, filter and downsample a batch of 2-D images, per channel.

    Args:
        x: [N, C, H, W], float16, bfloat16, float32 or float64.
        f: float32 filter, 2-D [fh, fw] or 1-D [taps] (separable: width pass, then height pass), or None
            (identity). Build it with `setup_filter`.
        up: int or [x, y] upsampling factors (>= 1); zeros are inserted after each sample.
        down: int or [x, y] downsampling factors (>= 1); keeps samples 0, down, 2*down, ...
        padding: int p, [px, py] or [x0, x1, y0, y1], applied after upsampling; negative values crop.
        flip_filter: False = true convolution, True = correlation.
        gain: the filter is multiplied by gain**(f.ndim/2) in float32 before use.
        impl: None (fastest available), 'ref' or 'native'.

    Returns:
        [N, C, H_out, W_out] in x's dtype, H_out = (H*up_y + y0 + y1 - fh + down_y) // down_y,
        W_out = (W*up_x + x0 + x1 - fw + down_x) // down_x.
        Differentiable w.r.t. x to any order (the filter gets no gradient).
    """
    check_impl(impl)
    check_input(x, ndim=4)
    f = check_filter(f, "f", x.device)
    (ux, uy), (dx, dy) = parse_factor(up, "up"), parse_factor(down, "down")
    px0, px1, py0, py1 = parse_padding(padding)
    flip_filter = check_flag(flip_filter, "flip_filter")
    gain = check_float(gain, "gain")
    padded = (x.shape[3] * ux + px0 + px1, x.shape[2] * uy + py0 + py1)
    check_filter_fits("f", filter_size(f), padded, "upsampled and padded input")
    if use_native(x, impl, "upfirdn2d"):
        if f is None:
            f = identity_filter(2, x.device)
        return torch.ops.glad_ops.upfirdn2d(
            x.contiguous(), f, ux, uy, dx, dy, px0, px1, py0, py1, flip_filter, gain
        )
    return _ref.upfirdn2d(x, f, (ux, uy), (dx, dy), (px0, px1, py0, py1), flip_filter, gain)
