"""Route the public glad_ops wrappers' native calls to the CUDA emulator.

Inside `emulated_native(emulator, monkeypatch)`, `glad_ops.upfirdn2d(...)`, `filtered_lrelu(...)`,
`bias_act(...)` (and the helpers built on them) validate and normalise their arguments exactly as in
production, then call `torch.ops.glad_ops.<op>`, which here runs the emulated CUDA kernels in float32 (float64
inputs are rounded first, as a float32 CUDA call would see them; results come back in the input's dtype).
Gradients flow through the emulated backward kernels: bias_act_grad, upfirdn2d with the adjoint arguments
(spec §1.3), and filtered_lrelu_grad with the forward's mask. Each forward call is recorded in `calls`."""

from __future__ import annotations

import sys
from contextlib import contextmanager

import torch

from .harness import EmuConfig, Emulator

WRAPPER_MODULES = ("glad_ops.bias_act", "glad_ops.upfirdn2d", "glad_ops.filtered_lrelu")


def _f32(t: torch.Tensor | None) -> torch.Tensor | None:
    return None if t is None else t.detach().to(torch.float32).contiguous()


def _bias_grad(dx: torch.Tensor, dim: int) -> torch.Tensor:
    """dx summed over every axis but `dim` (torch's sum over an empty list would reduce everything)."""
    dims = [d for d in range(dx.dim()) if d != dim]
    return dx.sum(dims) if dims else dx


def upfirdn2d_adjoint_args(x_hw, y_hw, f, up, down, padding, flip_filter):
    """(up, down, padding, flip_filter) of the upfirdn2d that is the adjoint of the given one (spec §1.3)."""
    (h, w), (out_h, out_w) = x_hw, y_hw
    (ux, uy), (dx, dy), (px0, _px1, py0, _py1) = up, down, padding
    fw, fh = (f.shape[-1], f.shape[0]) if f.dim() == 2 else (f.shape[0], f.shape[0])
    pad = (fw - px0 - 1, w * ux - out_w * dx + px0 - ux + 1, fh - py0 - 1, h * uy - out_h * dy + py0 - uy + 1)
    return (dx, dy), (ux, uy), pad, not flip_filter


class EmulatedOps:
    """Stands in for torch.ops.glad_ops with the native schemas (contracts.md)."""

    def __init__(self, emulator: Emulator, cfg: EmuConfig | None = None):
        self.emu = emulator
        self.cfg = cfg
        self.calls: list[tuple[str, tuple, tuple, object]] = []

    def bias_act(self, x, b, dim, act, alpha, gain, clamp):
        emu, cfg, calls = self.emu, self.cfg, self.calls

        class BiasAct(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x, b):
                ctx.save_for_backward(x, b)
                y, vectorised = emu.bias_act(_f32(x), _f32(b), dim, act, alpha, gain, clamp, cfg=cfg)
                calls.append(("bias_act", (x, b, dim, act, alpha, gain, clamp), (y,), vectorised))
                return y.to(x.dtype)

            @staticmethod
            def backward(ctx, dy):
                x, b = ctx.saved_tensors
                g = _f32(dy)
                dx, _ = emu.bias_act(_f32(x), _f32(b), dim, act, alpha, gain, clamp, grad_of=g, cfg=cfg)
                dx = dx.to(x.dtype)
                return dx, None if b is None else _bias_grad(dx, dim)

        return BiasAct.apply(x, b)

    def upfirdn2d(self, x, f, upx, upy, downx, downy, padx0, padx1, pady0, pady1, flip_filter, gain):
        emu, cfg, calls, f = self.emu, self.cfg, self.calls, f.contiguous()
        up, down, padding = (upx, upy), (downx, downy), (padx0, padx1, pady0, pady1)

        class Upfirdn2d(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.x_hw = tuple(x.shape[2:])
                y, plan = emu.upfirdn2d(_f32(x), f, up, down, padding, flip_filter, gain, cfg=cfg)
                calls.append(("upfirdn2d", (x, f, up, down, padding, flip_filter, gain), (y,), plan))
                return y.to(x.dtype)

            @staticmethod
            def backward(ctx, dy):
                args = upfirdn2d_adjoint_args(
                    ctx.x_hw, tuple(dy.shape[2:]), f, up, down, padding, flip_filter
                )
                return emu.upfirdn2d(_f32(dy), f, *args, gain, cfg=cfg)[0].to(dy.dtype)

        return Upfirdn2d.apply(x)

    def filtered_lrelu(
        self, x, fu, fd, b, up, down, padx0, padx1, pady0, pady1, gain, slope, clamp, flip_filter
    ):
        emu, cfg, calls, fu, fd = self.emu, self.cfg, self.calls, fu.contiguous(), fd.contiguous()
        padding = (padx0, padx1, pady0, pady1)

        class FilteredLrelu(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x, b):
                y, mask, plan = emu.filtered_lrelu(
                    _f32(x), fu, fd, _f32(b), up, down, padding, gain, slope, clamp, flip_filter, cfg=cfg
                )
                args = (x, fu, fd, b, up, down, padding, gain, slope, clamp, flip_filter)
                calls.append(("filtered_lrelu", args, (y, mask), plan))
                ctx.save_for_backward(mask)
                ctx.x_hw, ctx.has_bias = tuple(x.shape[2:]), b is not None
                ctx.mark_non_differentiable(mask)
                return y.to(x.dtype), mask

            @staticmethod
            def backward(ctx, dy, _dmask):
                (mask,) = ctx.saved_tensors
                dx, _ = emu.filtered_lrelu_grad(
                    _f32(dy), mask, fu, fd, up, down, padding, ctx.x_hw, gain, slope, flip_filter, cfg=cfg
                )
                dx = dx.to(dy.dtype)
                return dx, _bias_grad(dx, 1) if ctx.has_bias else None

        return FilteredLrelu.apply(x, b)


@contextmanager
def emulated_native(emulator: Emulator, monkeypatch, cfg: EmuConfig | None = None):
    """Yields the EmulatedOps that the wrappers call while the context is active (planning for `cfg`)."""
    ops = EmulatedOps(emulator, cfg)
    with monkeypatch.context() as m:
        for name in WRAPPER_MODULES:
            m.setattr(sys.modules[name], "use_native", lambda x, impl, op: True)
        m.setattr(torch.ops, "glad_ops", ops, raising=False)
        yield ops
