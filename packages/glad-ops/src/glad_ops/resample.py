"""Wrappers over upfirdn2d: same-size filtering, upsampling and downsampling (spec §1.3 helpers)."""

from __future__ import annotations

import torch

from ._args import check_filter, check_float, check_input, filter_size, parse_factor, parse_padding
from .upfirdn2d import upfirdn2d


def _checked_filter(x: torch.Tensor, f: object) -> tuple[torch.Tensor | None, int, int]:
    """(f on x's device, fw, fh), checked once here; upfirdn2d's own check then finds it in place."""
    check_input(x, ndim=4)
    f = check_filter(f, "f", x.device)
    return (f, *filter_size(f))


def filter2d(
    x: torch.Tensor,
    f: torch.Tensor | None,
    padding: int | list[int] = 0,
    flip_filter: bool = False,
    gain: float = 1,
    impl: str | None = None,
) -> torch.Tensor:
    """Filter x [N, C, H, W] with f, padded so that padding=0 keeps the size [N, C, H, W]."""
    f, fw, fh = _checked_filter(x, f)
    px0, px1, py0, py1 = parse_padding(padding)
    pad = [px0 + fw // 2, px1 + (fw - 1) // 2, py0 + fh // 2, py1 + (fh - 1) // 2]
    return upfirdn2d(x, f, padding=pad, flip_filter=flip_filter, gain=gain, impl=impl)


def upsample2d(
    x: torch.Tensor,
    f: torch.Tensor | None,
    up: int | list[int] = 2,
    padding: int | list[int] = 0,
    flip_filter: bool = False,
    gain: float = 1,
    impl: str | None = None,
) -> torch.Tensor:
    """Upsample x [N, C, H, W] by `up` (int or [x, y]) with filter f -> [N, C, H*up_y, W*up_x]."""
    f, fw, fh = _checked_filter(x, f)
    ux, uy = parse_factor(up, "up")
    gain = check_float(gain, "gain")
    px0, px1, py0, py1 = parse_padding(padding)
    pad = [px0 + (fw + ux - 1) // 2, px1 + (fw - ux) // 2, py0 + (fh + uy - 1) // 2, py1 + (fh - uy) // 2]
    return upfirdn2d(x, f, up=[ux, uy], padding=pad, flip_filter=flip_filter, gain=gain * ux * uy, impl=impl)


def downsample2d(
    x: torch.Tensor,
    f: torch.Tensor | None,
    down: int | list[int] = 2,
    padding: int | list[int] = 0,
    flip_filter: bool = False,
    gain: float = 1,
    impl: str | None = None,
) -> torch.Tensor:
    """Filter x [N, C, H, W] with f and keep every `down`-th sample -> [N, C, H//down_y, W//down_x]."""
    f, fw, fh = _checked_filter(x, f)
    dx, dy = parse_factor(down, "down")
    px0, px1, py0, py1 = parse_padding(padding)
    pad = [px0 + (fw - dx + 1) // 2, px1 + (fw - dx) // 2, py0 + (fh - dy + 1) // 2, py1 + (fh - dy) // 2]
    return upfirdn2d(x, f, down=[dx, dy], padding=pad, flip_filter=flip_filter, gain=gain, impl=impl)
