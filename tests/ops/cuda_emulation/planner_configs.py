"""Random op arguments for the emulation tests, drawn from an explicit torch.Generator.

Shapes are small (the emulator runs every thread of every block on the CPU) but cover what the kernels branch
on: separable and 2-D filters, 1..12 taps, up/down 1..4 (anisotropic for upfirdn2d), positive, negative (crop)
and asymmetric padding, flip, gain, slope, active clamps, bias, and planner limits that force small tiles or
the generic path."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .harness import EmuConfig, config


def _int(g: torch.Generator, lo: int, hi: int) -> int:
    """Uniform integer in [lo, hi]."""
    return int(torch.randint(lo, hi + 1, (1,), generator=g))


def _pick(g: torch.Generator, options: list):
    return options[_int(g, 0, len(options) - 1)]


def _filter(g: torch.Generator, separable: bool, max_taps: int) -> torch.Tensor:
    """float32 filter: 1-D [taps] or 2-D [fh, fw], positive-biased random taps (like a lowpass plus noise)."""
    shape = (
        [_int(g, 1, max_taps)] if separable else [_int(g, 1, min(max_taps, 6)), _int(g, 1, min(max_taps, 6))]
    )
    return (torch.rand(shape, generator=g) + 0.3 * torch.randn(shape, generator=g)).float()


def _fit_padding(size_up: int, p0: int, p1: int, need: int) -> tuple[int, int]:
    """Grow p1 until size_up + p0 + p1 >= need."""
    return p0, max(p1, need - size_up - p0)


def planner_config(g: torch.Generator) -> tuple[str, EmuConfig]:
    """A device/emulation setting: an H100, small shared memory (small tiles or none), few SMs, odd thread
    counts, or the generic path forced."""
    kind = _pick(g, ["h100", "h100", "small_shared", "tiny_shared", "few_sms", "threads_96", "generic"])
    return kind, {
        "h100": config(),
        "small_shared": config(shared_per_block=12 * 1024, shared_per_sm=24 * 1024),
        "tiny_shared": config(shared_per_block=1536, shared_per_sm=3072),
        "few_sms": config(sm_count=2),
        "threads_96": config(threads=96),
        "generic": config(allow_fused=False),
    }[kind]


@dataclass
class UpfirdnCase:
    x: torch.Tensor
    f: torch.Tensor
    up: tuple[int, int]
    down: tuple[int, int]
    padding: tuple[int, int, int, int]
    flip_filter: bool
    gain: float

    def describe(self) -> str:
        return (
            f"x{list(self.x.shape)} f{list(self.f.shape)} up{self.up} down{self.down} pad{self.padding} "
            f"flip={self.flip_filter} gain={self.gain}"
        )


def draw_upfirdn(g: torch.Generator, dtype: torch.dtype = torch.float32) -> UpfirdnCase:
    up = (_pick(g, [1, 1, 2, 3, 4]), _pick(g, [1, 1, 2, 3, 4]))
    down = (_pick(g, [1, 1, 2, 3]), _pick(g, [1, 1, 2, 3]))
    f = _filter(g, separable=bool(_int(g, 0, 1)), max_taps=12)
    fw, fh = (f.shape[-1], f.shape[0]) if f.dim() == 2 else (f.shape[0], f.shape[0])
    h, w = _int(g, 1, 14), _int(g, 1, 14)
    px0, px1 = _fit_padding(w * up[0], _int(g, -3, 7), _int(g, -3, 7), fw)
    py0, py1 = _fit_padding(h * up[1], _int(g, -3, 7), _int(g, -3, 7), fh)
    x = torch.randn(_int(g, 1, 2), _int(g, 1, 3), h, w, generator=g).to(dtype)
    return UpfirdnCase(x, f, up, down, (px0, px1, py0, py1), bool(_int(g, 0, 1)), _pick(g, [1.0, 1.0, 2.5]))


@dataclass
class FlreluCase:
    x: torch.Tensor
    fu: torch.Tensor
    fd: torch.Tensor
    b: torch.Tensor | None
    up: int
    down: int
    padding: tuple[int, int, int, int]
    gain: float
    slope: float
    clamp: float  # < 0: none
    flip_filter: bool

    def describe(self) -> str:
        return (
            f"x{list(self.x.shape)} fu{list(self.fu.shape)} fd{list(self.fd.shape)} "
            f"bias={self.b is not None} "
            f"up={self.up} down={self.down} pad{self.padding} gain={self.gain:.3f} slope={self.slope} "
            f"clamp={self.clamp:.3f} flip={self.flip_filter}"
        )


def draw_filtered_lrelu(g: torch.Generator, dtype: torch.dtype = torch.float32) -> FlreluCase:
    """Mostly generator-like factors (up 1/2/4, down 1/2) with some 3s and 4s; an active clamp or none."""
    up, down = _pick(g, [1, 2, 2, 4, 3]), _pick(g, [1, 2, 2, 4, 3])
    identity = torch.ones([1])
    fu = identity if _int(g, 0, 4) == 0 else _filter(g, separable=_int(g, 0, 3) > 0, max_taps=3 * up + 2)
    fd = identity if _int(g, 0, 4) == 0 else _filter(g, separable=_int(g, 0, 3) > 0, max_taps=3 * down + 2)
    fu_w, fu_h = (fu.shape[-1], fu.shape[0]) if fu.dim() == 2 else (fu.shape[0], fu.shape[0])
    fd_w, fd_h = (fd.shape[-1], fd.shape[0]) if fd.dim() == 2 else (fd.shape[0], fd.shape[0])
    h, w = _int(g, 1, 10), _int(g, 1, 10)
    px0, px1 = _fit_padding(w * up, _int(g, -4, 9), _int(g, -4, 9), fu_w + fd_w - 1)
    py0, py1 = _fit_padding(h * up, _int(g, -4, 9), _int(g, -4, 9), fu_h + fd_h - 1)
    c = _int(g, 1, 3)
    x = torch.randn(_int(g, 1, 2), c, h, w, generator=g).to(dtype)
    b = torch.randn(c, generator=g).to(dtype) if _int(g, 0, 1) else None
    clamp = -1.0 if _int(g, 0, 2) == 0 else -2.0  # -2: choose an active clamp once t is known
    return FlreluCase(
        x,
        fu,
        fd,
        b,
        up,
        down,
        (px0, px1, py0, py1),
        _pick(g, [2**0.5, 1.0, 0.7]),
        _pick(g, [0.2, 0.2, 0.0, 1.0, 0.45]),
        clamp,
        bool(_int(g, 0, 1)),
    )
