"""`setup_filter`: build the float32 FIR filter that upfirdn2d and filtered_lrelu consume (spec §1.2)."""

from __future__ import annotations

import numbers

import torch

from ._args import check_flag, check_float


def identity_filter(ndim: int, device: torch.device) -> torch.Tensor:
    """The 1-tap identity filter (float32, `ndim` 1 or 2), made on `device`: a copy from the host would make a
    CUDA stream wait, and filters default to it on every ToRGB call."""
    return torch.ones([1] * ndim, dtype=torch.float32, device=device)


def setup_filter(
    f: object,
    normalize: bool = True,
    flip_filter: bool = False,
    gain: float = 1,
    separable: bool | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Turn filter taps into the float32 tensor the ops take.

    Args:
        f: None (identity), a scalar, or 1-D/2-D taps (tensor, list or array).
        normalize: divide by the sum of all taps (of the 2-D outer product for non-separable 1-D input).
        flip_filter: reverse every axis.
        gain: overall gain; the result is multiplied by gain**(ndim/2) (1-D filters are applied twice).
        separable: None = separable iff f is 1-D with >= 8 taps; a non-separable 1-D f becomes `f ⊗ f` [t, t].
        device: where to put the result (default: CPU, or f's device for a tensor f).

    Returns:
        float32 tensor, 1-D [taps] (separable) or 2-D [fh, fw].
    """
    normalize = check_flag(normalize, "normalize")
    flip_filter = check_flag(flip_filter, "flip_filter")
    gain = check_float(gain, "gain")
    if separable is not None:
        separable = check_flag(separable, "separable")
    if f is None:
        f = 1.0
    if not isinstance(f, (torch.Tensor, numbers.Real, list, tuple)) and not hasattr(f, "__array__"):
        raise TypeError(f"f: expected None, a number, or 1-D/2-D filter taps, got {type(f).__name__}")
    f = torch.as_tensor(f, dtype=torch.float32)
    if f.ndim == 0:
        f = f[None]
    if f.ndim not in (1, 2) or f.numel() == 0:
        raise ValueError(f"f: expected a scalar or non-empty 1-D/2-D taps, got shape {list(f.shape)}")
    if separable is None:
        separable = f.ndim == 1 and f.numel() >= 8
    if f.ndim == 1 and not separable:
        f = torch.outer(f, f)
    if f.ndim != (1 if separable else 2):
        raise ValueError(
            f"separable: a 2-D filter {list(f.shape)} cannot be separable; pass separable=None or "
            "False, or give 1-D taps"
        )
    if normalize:
        f = f / f.sum()
    if flip_filter:
        f = f.flip(list(range(f.ndim)))
    f = f * (gain ** (f.ndim / 2))
    return f.to(device=device) if device is not None else f
