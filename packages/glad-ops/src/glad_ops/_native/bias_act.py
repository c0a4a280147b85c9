"""bias_act / bias_act_grad: fake kernels and autograd (first and second order; third order raises)."""

from __future__ import annotations

import torch
from torch.library import register_autograd, register_fake

OPS = torch.ops.glad_ops


@register_fake("glad_ops::bias_act")
def _bias_act_fake(x, b, dim, act, alpha, gain, clamp):
    return torch.empty_like(x, memory_format=torch.contiguous_format)


@register_fake("glad_ops::bias_act_grad")
def _bias_act_grad_fake(g, x, b, dim, act, alpha, gain, clamp, order):
    return torch.empty_like(x, memory_format=torch.contiguous_format)


def bias_grad(dx: torch.Tensor, dim: int) -> torch.Tensor:
    """db: dx summed over every axis except `dim`."""
    others = [i for i in range(dx.ndim) if i != dim]
    return dx.sum(others) if others else dx  # sum([]) would reduce every axis


def _setup(ctx, inputs, output):
    x, b, *params = inputs
    ctx.save_for_backward(x, b)
    ctx.params = params  # dim, act, alpha, gain, clamp


def _backward(ctx, dy):
    x, b = ctx.saved_tensors
    dim = ctx.params[0]
    dx = OPS.bias_act_grad(dy.contiguous(), x, b, *ctx.params, 1)
    db = bias_grad(dx, dim) if b is not None and ctx.needs_input_grad[1] else None
    return dx, db, None, None, None, None, None


def _grad_setup(ctx, inputs, output):
    g, x, b, *params, order = inputs
    ctx.save_for_backward(g, x, b)
    ctx.params = params
    ctx.order = order


def _grad_backward(ctx, dout):
    if ctx.order != 1:
        raise RuntimeError(
            "bias_act: third-order gradients are not supported by the native kernels; use impl='ref' for them"
        )
    g, x, b = ctx.saved_tensors
    dim = ctx.params[0]
    dout = dout.contiguous()
    dg = OPS.bias_act_grad(dout, x, b, *ctx.params, 1) if ctx.needs_input_grad[0] else None
    dx = OPS.bias_act_grad(dout * g, x, b, *ctx.params, 2)
    db = bias_grad(dx, dim) if b is not None and ctx.needs_input_grad[2] else None
    return dg, dx, db, None, None, None, None, None, None


register_autograd("glad_ops::bias_act", _backward, setup_context=_setup)
register_autograd("glad_ops::bias_act_grad", _grad_backward, setup_context=_grad_setup)
