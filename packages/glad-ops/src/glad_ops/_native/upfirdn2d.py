"""upfirdn2d: fake kernel and autograd (the backward is upfirdn2d with the adjoint arguments: any order)."""

from __future__ import annotations

import torch
from torch.library import register_autograd, register_fake

from .._geometry import filter_dims, upfirdn2d_out_size

OPS = torch.ops.glad_ops


@register_fake("glad_ops::upfirdn2d")
def _upfirdn2d_fake(x, f, upx, upy, downx, downy, padx0, padx1, pady0, pady1, flip_filter, gain):
    fw, fh = filter_dims(f.shape)
    out_h, out_w = upfirdn2d_out_size(
        x.shape[2], x.shape[3], fw, fh, (upx, upy), (downx, downy), (padx0, padx1, pady0, pady1)
    )
    return x.new_empty([x.shape[0], x.shape[1], out_h, out_w])


def adjoint_padding(in_hw, out_hw, f_dims, up, down, pad) -> list:
    """Padding of the upfirdn2d that computes the VJP (spec §1.3)."""
    (h, w), (out_h, out_w), (fw, fh) = in_hw, out_hw, f_dims
    (ux, uy), (dx, dy), (px0, py0) = up, down, (pad[0], pad[2])
    return [
        fw - px0 - 1,
        w * ux - out_w * dx + px0 - ux + 1,
        fh - py0 - 1,
        h * uy - out_h * dy + py0 - uy + 1,
    ]


def _setup(ctx, inputs, output):
    x, f, upx, upy, downx, downy, padx0, padx1, pady0, pady1, flip_filter, gain = inputs
    ctx.save_for_backward(f)
    ctx.in_hw = (x.shape[2], x.shape[3])
    ctx.args = ((upx, upy), (downx, downy), (padx0, padx1, pady0, pady1), flip_filter, gain)


def _backward(ctx, dy):
    (f,) = ctx.saved_tensors
    up, down, pad, flip_filter, gain = ctx.args
    pad_t = adjoint_padding(ctx.in_hw, (dy.shape[2], dy.shape[3]), filter_dims(f.shape), up, down, pad)
    dx = OPS.upfirdn2d(dy.contiguous(), f, *down, *up, *pad_t, not flip_filter, gain)
    return (dx,) + (None,) * 11


register_autograd("glad_ops::upfirdn2d", _backward, setup_context=_setup)
