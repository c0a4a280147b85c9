"""Seeded random arguments for the ops (shapes, factors, paddings incl. negative, 1-D/2-D/None filters).

Every draw comes from the explicit torch.Generator passed in; invalid combinations (filter larger than the
padded input) are redrawn, so each generator state yields one valid case.
"""

from __future__ import annotations

import torch

ACTS = ["linear", "relu", "lrelu", "tanh", "sigmoid", "elu", "selu", "softplus", "swish"]


def randint(g: torch.Generator, lo: int, hi: int) -> int:
    """Uniform int in [lo, hi]."""
    return int(torch.randint(lo, hi + 1, [1], generator=g))


def uniform(g: torch.Generator, lo: float, hi: float) -> float:
    return lo + (hi - lo) * float(torch.rand([1], generator=g, dtype=torch.float64))


def coin(g: torch.Generator, p: float = 0.5) -> bool:
    return float(torch.rand([1], generator=g)) < p


def random_filter(g: torch.Generator, max_taps: int, allow_none: bool = True) -> torch.Tensor | None:
    """None, a 1-D (separable) or a 2-D float32 filter with positive-sum random taps."""
    kind = randint(g, 0 if allow_none else 1, 2)
    if kind == 0:
        return None
    shape = [randint(g, 1, max_taps)] if kind == 1 else [randint(g, 1, max_taps), randint(g, 1, max_taps)]
    return (torch.rand(shape, generator=g) + 0.1 * torch.randn(shape, generator=g)).float()


def fdims(f: torch.Tensor | None) -> tuple[int, int]:
    if f is None:
        return 1, 1
    return (f.shape[-1], f.shape[0]) if f.ndim == 2 else (f.shape[0], f.shape[0])


def random_upfirdn2d(g: torch.Generator, dtype=torch.float64) -> dict:
    """kwargs for glad_ops.upfirdn2d (x included); factors and padding in every accepted form."""
    scalar_form = coin(g, 0.3)
    while True:
        h, w = randint(g, 1, 9), randint(g, 1, 9)
        up = [randint(g, 1, 4), randint(g, 1, 4)]
        down = [randint(g, 1, 3), randint(g, 1, 3)]
        if scalar_form:
            up, down = [up[0]] * 2, [down[0]] * 2
        f = random_filter(g, 7)
        pad = [randint(g, -3, 6) for _ in range(4)]
        fw, fh = fdims(f)
        if w * up[0] + pad[0] + pad[1] >= fw and h * up[1] + pad[2] + pad[3] >= fh:
            break
    x = torch.randn([randint(g, 1, 2), randint(g, 1, 3), h, w], generator=g, dtype=torch.float64).to(dtype)
    return dict(
        x=x,
        f=f,
        up=up[0] if scalar_form else up,
        down=down[0] if scalar_form else down,
        padding=pad,
        flip_filter=coin(g),
        gain=uniform(g, 0.5, 3.0),
    )


def random_filtered_lrelu(g: torch.Generator, dtype=torch.float64) -> dict:
    """kwargs for glad_ops.filtered_lrelu (x included)."""
    while True:
        h, w = randint(g, 1, 8), randint(g, 1, 8)
        up, down = randint(g, 1, 4), randint(g, 1, 3)
        fu, fd = random_filter(g, 8), random_filter(g, 8)
        pad = [randint(g, -2, 8) for _ in range(4)]
        (fuw, fuh), (fdw, fdh) = fdims(fu), fdims(fd)
        tw, th = w * up + pad[0] + pad[1] - fuw + 1, h * up + pad[2] + pad[3] - fuh + 1
        if tw >= fdw and th >= fdh and tw >= 1 and th >= 1:
            break
    c = randint(g, 1, 3)
    x = torch.randn([randint(g, 1, 2), c, h, w], generator=g, dtype=torch.float64).to(dtype)
    b = torch.randn([c], generator=g, dtype=torch.float64).to(dtype) if coin(g) else None
    return dict(
        x=x,
        fu=fu,
        fd=fd,
        b=b,
        up=up,
        down=down,
        padding=pad,
        gain=uniform(g, 0.5, 2.0),
        slope=uniform(g, 0.0, 1.0) if coin(g, 0.8) else 1.0,
        clamp=uniform(g, 0.2, 2.0) if coin(g) else None,
        flip_filter=coin(g),
    )


def random_bias_act(g: torch.Generator, dtype=torch.float64) -> dict:
    """kwargs for glad_ops.bias_act (x included)."""
    shape = [randint(g, 1, 5) for _ in range(randint(g, 1, 4))]
    dim = randint(g, 0, len(shape) - 1)
    x = torch.randn(shape, generator=g, dtype=torch.float64).to(dtype) * 2
    b = torch.randn([shape[dim]], generator=g, dtype=torch.float64).to(dtype) if coin(g, 0.7) else None
    return dict(
        x=x,
        b=b,
        dim=dim,
        act=ACTS[randint(g, 0, len(ACTS) - 1)],
        alpha=uniform(g, 0.0, 0.5) if coin(g) else None,
        gain=uniform(g, 0.5, 2.0) if coin(g) else None,
        clamp=uniform(g, 0.1, 2.0) if coin(g) else None,
    )
