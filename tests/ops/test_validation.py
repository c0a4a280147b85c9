"""Bad arguments raise TypeError/ValueError naming the argument, before any work starts (every impl)."""

from __future__ import annotations

import glad_ops
import pytest
import torch


def x4(dtype=torch.float32):
    return torch.zeros(1, 2, 6, 6, dtype=dtype)


F1 = torch.ones(4) / 4


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (
            lambda impl: glad_ops.bias_act(x4(), act="gelu", impl=impl),
            ValueError,
            r"act: unknown activation 'gelu'",
        ),
        (lambda impl: glad_ops.bias_act(x4(), clamp=-1, impl=impl), ValueError, r"clamp: must be >= 0"),
        (
            lambda impl: glad_ops.bias_act(x4(), torch.zeros(3), impl=impl),
            ValueError,
            r"b: expected a 1-D tensor of length",
        ),
        (
            lambda impl: glad_ops.bias_act(x4(), torch.zeros(2, 1), impl=impl),
            ValueError,
            r"b: expected a 1-D",
        ),
        (
            lambda impl: glad_ops.bias_act(x4(), torch.zeros(2, dtype=torch.float64), impl=impl),
            TypeError,
            r"b: dtype",
        ),
        (
            lambda impl: glad_ops.bias_act(x4(), torch.zeros(6), dim=4, impl=impl),
            ValueError,
            r"dim: must be in",
        ),
        (lambda impl: glad_ops.bias_act(x4(torch.int32), impl=impl), TypeError, r"x: dtype must be"),
        (lambda impl: glad_ops.bias_act([1.0], impl=impl), TypeError, r"x: expected a torch.Tensor"),
        (lambda impl: glad_ops.bias_act(x4(), alpha="a", impl=impl), TypeError, r"alpha: expected a number"),
        (
            lambda impl: glad_ops.bias_act(x4(), impl="cuda"),
            ValueError,
            r"impl: expected None, 'ref' or 'native'",
        ),
        (
            lambda impl: glad_ops.upfirdn2d(torch.zeros(2, 6, 6), F1, impl=impl),
            ValueError,
            r"x: expected a 4-D tensor",
        ),
        (
            lambda impl: glad_ops.upfirdn2d(x4(), F1.double(), impl=impl),
            TypeError,
            r"f: filters must be float32",
        ),
        (
            lambda impl: glad_ops.upfirdn2d(x4(), torch.ones(2, 2, 2), impl=impl),
            ValueError,
            r"f: expected a non-empty 1-D",
        ),
        (
            lambda impl: glad_ops.upfirdn2d(x4(), torch.ones(7), impl=impl),
            ValueError,
            r"f: the 7x7 filter is larger",
        ),
        (
            lambda impl: glad_ops.upfirdn2d(x4(), F1, padding=[-3, 0, 0, 0], impl=impl),
            ValueError,
            r"f: the 4x4 filter is larger",
        ),
        (lambda impl: glad_ops.upfirdn2d(x4(), F1, up=0, impl=impl), ValueError, r"up: must be >= 1"),
        (
            lambda impl: glad_ops.upfirdn2d(x4(), F1, down=[1, 2, 3], impl=impl),
            ValueError,
            r"down: expected an int or \[x, y\]",
        ),
        (lambda impl: glad_ops.upfirdn2d(x4(), F1, up=1.5, impl=impl), TypeError, r"up: expected an int"),
        (
            lambda impl: glad_ops.upfirdn2d(x4(), F1, padding=[1, 2, 3], impl=impl),
            ValueError,
            r"padding: expected an int, \[px, py\]",
        ),
        (
            lambda impl: glad_ops.upfirdn2d(x4(), F1, flip_filter=1, impl=impl),
            TypeError,
            r"flip_filter: expected True or False",
        ),
        (
            lambda impl: glad_ops.upfirdn2d(x4(), [0.5, 0.5], impl=impl),
            TypeError,
            r"f: expected None or a float32 tensor",
        ),
        (
            lambda impl: glad_ops.filtered_lrelu(x4(), clamp=-0.5, impl=impl),
            ValueError,
            r"clamp: must be >= 0",
        ),
        (lambda impl: glad_ops.filtered_lrelu(x4(), gain=0, impl=impl), ValueError, r"gain: must be > 0"),
        (
            lambda impl: glad_ops.filtered_lrelu(x4(), slope=-0.1, impl=impl),
            ValueError,
            r"slope: must be >= 0",
        ),
        (
            lambda impl: glad_ops.filtered_lrelu(x4(), up=[2, 1], impl=impl),
            TypeError,
            r"up: filtered_lrelu takes one int",
        ),
        (
            lambda impl: glad_ops.filtered_lrelu(x4(), b=torch.zeros(6), impl=impl),
            ValueError,
            r"b: expected a 1-D tensor",
        ),
        (
            lambda impl: glad_ops.filtered_lrelu(x4(), fu=torch.ones(8, dtype=torch.float64), impl=impl),
            TypeError,
            r"fu: filters",
        ),
        (
            lambda impl: glad_ops.filtered_lrelu(x4(), fu=torch.ones(9), impl=impl),
            ValueError,
            r"fu: the 9x9 filter is larger",
        ),
        (
            lambda impl: glad_ops.filtered_lrelu(x4(), fu=torch.ones(6), fd=torch.ones(2), impl=impl),
            ValueError,
            r"fd: the 2x2",
        ),
        (
            lambda impl: glad_ops.filtered_lrelu(torch.zeros(2, 6), impl=impl),
            ValueError,
            r"x: expected a 4-D tensor",
        ),
        (
            lambda impl: glad_ops.setup_filter(torch.ones(2, 2), separable=True),
            ValueError,
            r"separable: a 2-D filter",
        ),
        (
            lambda impl: glad_ops.setup_filter(torch.ones(2, 2, 2)),
            ValueError,
            r"f: expected a scalar or non-empty",
        ),
        (
            lambda impl: glad_ops.bias_act(x4(), act=None, impl=impl),
            ValueError,
            r"act: unknown activation None",
        ),
        (
            lambda impl: glad_ops.bias_act(x4(), gain=float("nan"), impl=impl),
            ValueError,
            r"gain: must be finite",
        ),
        (lambda impl: glad_ops.upfirdn2d(x4(), F1, padding=[1.5, 0], impl=impl), TypeError, r"padding\[0\]"),
        (
            lambda impl: glad_ops.filtered_lrelu(x4(), fd=torch.ones(4, 4, dtype=torch.float16), impl=impl),
            TypeError,
            r"fd: filters must be float32",
        ),
        (lambda impl: glad_ops.filter2d(torch.zeros(6, 6), F1, impl=impl), ValueError, r"x: expected a 4-D"),
        (
            lambda impl: glad_ops.downsample2d(torch.zeros(1, 1, 1, 1), torch.ones(12), impl=impl),
            ValueError,
            r"f: the 12x12 filter is larger than the upsampled and padded input \(11x11\)",
        ),
        (lambda impl: glad_ops.setup_filter("abc"), TypeError, r"f: expected None, a number"),
        (
            lambda impl: glad_ops.upsample2d(x4(), F1, gain="2", impl=impl),
            TypeError,
            r"gain: expected a number",
        ),
    ],
)
@pytest.mark.parametrize("impl", ["ref", "native", None])
def test_bad_argument_raises_naming_it(call, error, pattern, impl):
    with pytest.raises(error, match=pattern):
        call(impl)


def test_native_request_without_kernels_names_the_reason(monkeypatch):
    from glad_ops import _load

    missing = _load.NativeStatus(False, "simulated: library missing")
    monkeypatch.setattr(_load, "_STATE", _load.LoadResult(missing, missing))
    assert not glad_ops.native_available("cpu")
    with pytest.raises(RuntimeError, match="simulated: library missing"):
        glad_ops.bias_act(x4(), impl="native")
    y = glad_ops.bias_act(x4() - 1, act="relu")  # impl=None falls back to the reference path
    assert torch.equal(y, torch.zeros_like(y))
