"""Argument checks and normalisation shared by the public wrappers.

Every check raises before any work starts, with a TypeError/ValueError whose message names the argument, the
problem and the fix. Normalised forms: factors are `(x, y)` int pairs, padding is `(x0, x1, y0, y1)`.
"""

from __future__ import annotations

import math
import numbers

import torch

from ._geometry import filter_dims

FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
IMPLS = (None, "ref", "native")


def check_impl(impl: object) -> None:
    if impl not in IMPLS:
        raise ValueError(f"impl: expected None, 'ref' or 'native', got {impl!r}")


def check_input(x: object, name: str = "x", ndim: int | None = None) -> torch.Tensor:
    """x must be a floating tensor (float16/bfloat16/float32/float64), of rank `ndim` when given."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")
    if x.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{name}: dtype must be float16, bfloat16, float32 or float64, got {x.dtype}")
    if ndim is not None and x.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D tensor [N, C, H, W], got shape {list(x.shape)}")
    return x


def check_int(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an int >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: must be >= {minimum}, got {value}")
    return int(value)


def check_flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name}: expected True or False, got {value!r}")
    return value


def check_float(value: object, name: str) -> float:
    """A finite real number (bool refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a number, got {value!r}")
    value = float(value)
    if not -math.inf < value < math.inf:  # NaN fails too; math.isfinite breaks torch.compile(dynamic=True)
        raise ValueError(f"{name}: must be finite, got {value}")
    return value


def check_clamp(clamp: object) -> float | None:
    """None (no clamp) or a number >= 0."""
    if clamp is None:
        return None
    clamp = check_float(clamp, "clamp")
    if clamp < 0:
        raise ValueError(f"clamp: must be >= 0 or None (no clamping), got {clamp}")
    return clamp


def parse_factor(value: object, name: str) -> tuple[int, int]:
    """`up`/`down` as an int or `[x, y]` -> (x, y), each >= 1."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(f"{name}: expected an int or [x, y], got {list(value)}")
        return check_int(value[0], f"{name}[0]", 1), check_int(value[1], f"{name}[1]", 1)
    v = check_int(value, name, 1)
    return v, v


def parse_padding(padding: object, name: str = "padding") -> tuple[int, int, int, int]:
    """int p -> (p, p, p, p); [px, py] -> (px, px, py, py); [x0, x1, y0, y1] as is. Negative values crop."""
    if isinstance(padding, (list, tuple)):
        vals = [check_int(p, f"{name}[{i}]", -(2**31)) for i, p in enumerate(padding)]
        if len(vals) == 2:
            return vals[0], vals[0], vals[1], vals[1]
        if len(vals) == 4:
            return vals[0], vals[1], vals[2], vals[3]
        raise ValueError(f"{name}: expected an int, [px, py] or [x0, x1, y0, y1], got {list(padding)}")
    p = check_int(padding, name, -(2**31))
    return p, p, p, p


def check_filter(f: object, name: str, device: torch.device) -> torch.Tensor | None:
    """A filter as the ops consume it: None, or a float32 tensor of rank 1 (separable) or 2 ([fh, fw]).

    Returned on `device`, contiguous. Other dtypes raise TypeError: build filters with `setup_filter`.
    """
    if f is None:
        return None
    if not isinstance(f, torch.Tensor):
        raise TypeError(
            f"{name}: expected None or a float32 tensor, got {type(f).__name__}; "
            "build filters with glad_ops.setup_filter"
        )
    if f.dtype != torch.float32:
        raise TypeError(
            f"{name}: filters must be float32, got {f.dtype}; build filters with "
            "glad_ops.setup_filter (or call .float())"
        )
    if f.ndim not in (1, 2) or f.numel() == 0:
        raise ValueError(
            f"{name}: expected a non-empty 1-D [taps] (separable) or 2-D [fh, fw] filter, "
            f"got shape {list(f.shape)}"
        )
    if f.requires_grad:
        raise ValueError(
            f"{name}: filters get no gradient; pass a tensor with requires_grad=False (e.g. .detach())"
        )
    return f.to(device=device).contiguous()


def filter_size(f: torch.Tensor | None) -> tuple[int, int]:
    """(fw, fh) of a filter; 1-D filters are square, None is 1x1."""
    return (1, 1) if f is None else filter_dims(f.shape)


def check_filter_fits(name: str, f_size: tuple[int, int], image_size: tuple[int, int], image: str) -> None:
    """ValueError naming filter `name` when its (fw, fh) exceeds the (w, h) of the image it slides over."""
    (fw, fh), (w, h) = f_size, image_size
    if w < fw or h < fh:
        raise ValueError(
            f"{name}: the {fh}x{fw} filter is larger than the {image} ({h}x{w}); "
            "increase padding or use a smaller filter"
        )


def check_same_device(x: torch.Tensor, other: torch.Tensor, name: str) -> None:
    if other.device != x.device:
        raise ValueError(f"{name}: must be on x's device {x.device}, got {other.device}")


def check_bias(b: object, x: torch.Tensor, dim: int, name: str = "b") -> torch.Tensor | None:
    """None, or a 1-D tensor of x's dtype and device with len == x.shape[dim]."""
    if b is None:
        return None
    if not isinstance(b, torch.Tensor):
        raise TypeError(f"{name}: expected None or a torch.Tensor, got {type(b).__name__}")
    if b.ndim != 1 or b.shape[0] != x.shape[dim]:
        raise ValueError(
            f"{name}: expected a 1-D tensor of length x.shape[{dim}] = {x.shape[dim]}, "
            f"got shape {list(b.shape)}"
        )
    if b.dtype != x.dtype:
        raise TypeError(f"{name}: dtype {b.dtype} differs from x's {x.dtype}; cast it with b.to(x.dtype)")
    check_same_device(x, b, name)
    return b


def check_dim(dim: object, x: torch.Tensor) -> int:
    """An axis of x; negative values count from the end."""
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"dim: expected an int, got {dim!r}")
    if not -x.ndim <= dim < x.ndim:
        raise ValueError(f"dim: must be in [{-x.ndim}, {x.ndim}) for a {x.ndim}-D x, got {dim}")
    return int(dim) % x.ndim
