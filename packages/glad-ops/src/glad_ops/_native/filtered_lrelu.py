"""filtered_lrelu: fake kernels and first-order autograd through the packed sign/clamp mask."""

from __future__ import annotations

import torch
from torch.library import register_autograd, register_fake

from .._geometry import filter_dims, filtered_lrelu_sizes

OPS = torch.ops.glad_ops


@register_fake("glad_ops::filtered_lrelu")
def _filtered_lrelu_fake(x, fu, fd, b, up, down, padx0, padx1, pady0, pady1, gain, slope, clamp, flip_filter):
    (th, tw), (out_h, out_w) = filtered_lrelu_sizes(
        x.shape[2],
        x.shape[3],
        filter_dims(fu.shape),
        filter_dims(fd.shape),
        up,
        down,
        (padx0, padx1, pady0, pady1),
    )
    y = x.new_empty([x.shape[0], x.shape[1], out_h, out_w])
    mask = x.new_empty([x.shape[0], x.shape[1], th, (tw + 3) // 4], dtype=torch.uint8)
    return y, mask


@register_fake("glad_ops::filtered_lrelu_grad")
def _filtered_lrelu_grad_fake(
    dy, mask, fu, fd, up, down, padx0, padx1, pady0, pady1, in_h, in_w, gain, slope, flip_filter
):
    return dy.new_empty([dy.shape[0], dy.shape[1], in_h, in_w])


def _setup(ctx, inputs, output):
    x, fu, fd, b, up, down, padx0, padx1, pady0, pady1, gain, slope, clamp, flip_filter = inputs
    mask = output[1]
    ctx.mark_non_differentiable(mask)
    ctx.save_for_backward(mask, fu, fd)
    ctx.args = (up, down, padx0, padx1, pady0, pady1, x.shape[2], x.shape[3], gain, slope, flip_filter)
    ctx.has_bias = b is not None


def _backward(ctx, dy, _dmask):
    mask, fu, fd = ctx.saved_tensors
    dx = OPS.filtered_lrelu_grad(dy.contiguous(), mask, fu, fd, *ctx.args)
    db = dx.sum([0, 2, 3]) if ctx.has_bias and ctx.needs_input_grad[3] else None
    return (dx, None, None, db) + (None,) * 10


def _grad_setup(ctx, inputs, output):
    pass


def _grad_backward(ctx, ddx):
    raise RuntimeError(
        "filtered_lrelu: second-order gradients are not supported by the native kernels; "
        "use impl='ref' for them"
    )


register_autograd("glad_ops::filtered_lrelu", _backward, setup_context=_setup)
register_autograd("glad_ops::filtered_lrelu_grad", _grad_backward, setup_context=_grad_setup)
