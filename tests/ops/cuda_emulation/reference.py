"""What the CUDA kernels must produce, computed with the reference path (glad_ops impl='ref') in float64.

Masks follow contracts.md: uint8 [N, C, Ht, ceil(Wt / 4)], code of t[n, c, h, w] in bits 2 * (w & 3) of byte
w >> 2; 0: t <= 0, 1: t > 0, 2: clamped (|lrelu(t) * gain| >= clamp or NaN: torch.clamp blocks the gradient).
"""

from __future__ import annotations

import glad_ops
import torch

CODE_NEG, CODE_POS, CODE_CLAMPED = 0, 1, 2


def preactivation(x, fu, b, up, padding, flip_filter) -> torch.Tensor:
    """t = upfirdn2d(x + b, fu, up, padding, gain=up**2) in float64 (spec §1.4)."""
    x = x.detach().double()
    if b is not None:
        x = x + b.detach().double()[None, :, None, None]
    return glad_ops.upfirdn2d(
        x, fu, up=up, padding=list(padding), gain=up * up, flip_filter=flip_filter, impl="ref"
    )


def lrelu_codes(
    t: torch.Tensor, gain: float, slope: float, clamp: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """(codes int64 like t, ambiguous bool like t): codes of t; `ambiguous` marks samples within float32
    round-off of a code boundary (t = 0 or |lrelu(t) * gain| = clamp), whose code a float32 kernel may
    flip."""
    activated = torch.where(t > 0, t, t * slope) * gain
    codes = (t > 0).long()
    eps = 1e-5 * max(1.0, float(t.abs().max()))
    ambiguous = t.abs() <= eps
    if clamp >= 0:
        codes = torch.where(activated.abs() < clamp, codes, CODE_CLAMPED)  # NaN too, as torch.clamp
        ambiguous |= (activated.abs() - clamp).abs() <= eps * gain * max(1.0, slope)
    return codes, ambiguous


def unpack_mask(mask: torch.Tensor, t_w: int) -> torch.Tensor:
    """uint8 [N, C, Ht, ceil(Wt/4)] -> int64 codes [N, C, Ht, Wt]."""
    shifts = torch.tensor([0, 2, 4, 6], device=mask.device)
    codes = (mask.long()[..., None] >> shifts) & 3
    return codes.flatten(-2)[..., :t_w]


def trailing_bits(mask: torch.Tensor, t_w: int) -> torch.Tensor:
    """The bits of each row's last byte beyond column t_w - 1 (must be zero)."""
    used = 2 * (t_w - 4 * (mask.shape[-1] - 1))
    return mask[..., -1].long() >> used


def pack_codes(codes: torch.Tensor) -> torch.Tensor:
    """int codes [N, C, Ht, Wt] -> uint8 mask [N, C, Ht, ceil(Wt/4)]."""
    t_w = codes.shape[-1]
    padded = torch.nn.functional.pad(codes.long(), [0, (-t_w) % 4])
    groups = padded.reshape(*codes.shape[:-1], -1, 4)
    return (groups << torch.tensor([0, 2, 4, 6], device=codes.device)).sum(-1).to(torch.uint8)


def code_derivative(codes: torch.Tensor, gain: float, slope: float) -> torch.Tensor:
    """d(activation)/dt per code: gain (t > 0), gain * slope (t <= 0), 0 (clamped)."""
    d = torch.zeros(codes.shape, dtype=torch.float64, device=codes.device)
    d[codes == CODE_POS] = gain
    d[codes == CODE_NEG] = gain * slope
    return d


def filtered_lrelu_vjp(
    dy, codes, in_shape, fu, fd, up, down, padding, gain, slope, flip_filter
) -> torch.Tensor:
    """dx = exact VJP of filtered_lrelu w.r.t. x given the codes: autograd through the linear map
    x -> upfirdn2d(derivative(codes) * upfirdn2d(x, fu, up, padding, gain=up**2), fd, down), in float64."""
    x = torch.zeros(in_shape, dtype=torch.float64, device=dy.device, requires_grad=True)
    t = glad_ops.upfirdn2d(
        x, fu, up=up, padding=list(padding), gain=up * up, flip_filter=flip_filter, impl="ref"
    )
    y = glad_ops.upfirdn2d(
        t * code_derivative(codes, gain, slope), fd, down=down, flip_filter=flip_filter, impl="ref"
    )
    (dx,) = torch.autograd.grad(y, x, dy.double())
    return dx


def max_error(actual: torch.Tensor, expected: torch.Tensor) -> tuple[float, float]:
    """(max |actual - expected|, max(1, max |expected|))."""
    err = float((actual.double() - expected.double()).abs().max()) if expected.numel() else 0.0
    return err, max(1.0, float(expected.abs().max()) if expected.numel() else 0.0)


def values_and_grads(op, kwargs: dict, impl: str, dy: torch.Tensor):
    """(y, dx, db) of the public op(**kwargs, impl=impl) with upstream gradient dy (db None if no bias)."""
    x = kwargs["x"].detach().clone().requires_grad_(True)
    b = kwargs.get("b")
    b = None if b is None else b.detach().clone().requires_grad_(True)
    y = op(**(kwargs | {"x": x} | ({"b": b} if "b" in kwargs else {})), impl=impl)
    grads = torch.autograd.grad(y, [x] if b is None else [x, b], dy.to(y.dtype))
    return y.detach(), grads[0], grads[1] if b is not None else None


def as_float64(kwargs: dict) -> dict:
    """kwargs with x and b in float64 (the reference's precision; the filters stay float32)."""
    return {
        k: v.double() if isinstance(v, torch.Tensor) and k in ("x", "b") else v for k, v in kwargs.items()
    }


def windowed_sinc(taps: int, up: int, device=None) -> torch.Tensor:
    """A Kaiser-windowed sinc 1-D float32 lowpass like the generator's filters, normalised to sum 1."""
    n = torch.linspace(-(taps - 1) / 2, (taps - 1) / 2, taps)
    f = torch.signal.windows.kaiser(taps, beta=4.0, sym=True) * torch.sinc(n / up)
    return (f / f.sum()).float().to(device)
