"""Public `bias_act`: fused bias add, activation, gain and clamp (spec §1.1)."""

from __future__ import annotations

import torch

from . import _ref
from ._activations import get_activation
from ._args import check_bias, check_clamp, check_dim, check_float, check_impl, check_input
from ._dispatch import use_native


def bias_act(
    x: torch.Tensor,
    b: torch.Tensor | None = None,
    dim: int = 1,
    act: str = "linear",
    alpha: float | None = None,
    gain: float | None = None,
    clamp: float | None = None,
    impl: str | None = None,
) -> torch.Tensor:
    """Compute `clamp(act(x + b) * gain, -clamp, clamp)` element-wise.

    Args:
        x: tensor of any shape; float16, bfloat16, float32 or float64.
        b: None or a 1-D tensor of x's dtype with `len(b) == x.shape[dim]`, broadcast along axis `dim`.
        dim: the axis of x that `b` runs along (ignored when b is None); negative counts from the end.
        act: 'linear', 'relu', 'lrelu', 'tanh', 'sigmoid', 'elu', 'selu', 'softplus' or 'swish'.
        alpha: lrelu's negative slope (default 0.2); ignored by the other activations.
        gain: multiplier after the activation; None = the activation's default (sqrt(2) for relu, lrelu and
            swish, 1 otherwise).
        clamp: None (no clamping) or a number >= 0; the output is clamped to [-clamp, clamp].
        impl: None (fastest available), 'ref' (pure PyTorch) or 'native' (compiled kernels, error if absent).

    Returns:
        A tensor of x's shape and dtype. Differentiable w.r.t. x and b (first and second order).
    """
    check_impl(impl)
    check_input(x)
    spec = get_activation(act)
    alpha = spec.def_alpha if alpha is None else check_float(alpha, "alpha")
    gain = spec.def_gain if gain is None else check_float(gain, "gain")
    clamp = check_clamp(clamp)
    if b is not None:
        dim = check_dim(dim, x)
        b = check_bias(b, x, dim)
    else:
        dim = 0
    if use_native(x, impl, "bias_act"):
        return torch.ops.glad_ops.bias_act(
            x.contiguous(),
            None if b is None else b.contiguous(),
            dim,
            spec.code,
            alpha,
            gain,
            -1.0 if clamp is None else clamp,
        )
    return _ref.bias_act(x, b, dim, spec, alpha, gain, clamp)
