"""Bad arguments raise TypeError/ValueError naming the argument, before any work starts (all impls)."""

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
        (lambda: glad_ops.bias_act(x4(), act="gelu"), ValueError, r"act: unknown activation 'gelu'"),
        (lambda: glad_ops.bias_act(x4(), clamp=-1), ValueError, r"clamp: must be >= 0"),
        (lambda: glad_ops.bias_act(x4(), torch.zeros(3)), ValueError, r"b: expected a 1-D tensor of length"),
        (lambda: glad_ops.bias_act(x4(), torch.zeros(2, 1)), ValueError, r"b: expected a 1-D"),
        (lambda: glad_ops.bias_act(x4(), torch.zeros(2, dtype=torch.float64)), TypeError, r"b: dtype"),
        (lambda: glad_ops.bias_act(x4(), torch.zeros(6), dim=4), ValueError, r"dim: must be in"),
        (lambda: glad_ops.bias_act(x4(torch.int32)), TypeError, r"x: dtype must be"),
        (lambda: glad_ops.bias_act([1.0]), TypeError, r"x: expected a torch.Tensor"),
        (lambda: glad_ops.bias_act(x4(), alpha="a"), TypeError, r"alpha: expected a number"),
        (lambda: glad_ops.bias_act(x4(), impl="cuda"), ValueError, r"impl: expected None, 'ref' or 'native'"),
        (lambda: glad_ops.upfirdn2d(torch.zeros(2, 6, 6), F1), ValueError, r"x: expected a 4-D tensor"),
        (lambda: glad_ops.upfirdn2d(x4(), F1.double()), TypeError, r"f: filters must be float32"),
        (lambda: glad_ops.upfirdn2d(x4(), torch.ones(2, 2, 2)), ValueError, r"f: expected a non-empty 1-D"),
        (lambda: glad_ops.upfirdn2d(x4(), torch.ones(7)), ValueError, r"f: the 7x7 filter is larger"),
        (
            lambda: glad_ops.upfirdn2d(x4(), F1, padding=[-3, 0, 0, 0]),
            ValueError,
            r"f: the 4x4 filter is larger",
        ),
        (lambda: glad_ops.upfirdn2d(x4(), F1, up=0), ValueError, r"up: must be >= 1"),
        (
            lambda: glad_ops.upfirdn2d(x4(), F1, down=[1, 2, 3]),
            ValueError,
            r"down: expected an int or \[x, y\]",
        ),
        (lambda: glad_ops.upfirdn2d(x4(), F1, up=1.5), TypeError, r"up: expected an int"),
        (
            lambda: glad_ops.upfirdn2d(x4(), F1, padding=[1, 2, 3]),
            ValueError,
            r"padding: expected an int, \[px, py\]",
        ),
        (
            lambda: glad_ops.upfirdn2d(x4(), F1, flip_filter=1),
            TypeError,
            r"flip_filter: expected True or False",
        ),
        (lambda: glad_ops.upfirdn2d(x4(), [0.5, 0.5]), TypeError, r"f: expected None or a float32 tensor"),
        (lambda: glad_ops.filtered_lrelu(x4(), clamp=-0.5), ValueError, r"clamp: must be >= 0"),
        (lambda: glad_ops.filtered_lrelu(x4(), gain=0), ValueError, r"gain: must be > 0"),
        (lambda: glad_ops.filtered_lrelu(x4(), slope=-0.1), ValueError, r"slope: must be >= 0"),
        (lambda: glad_ops.filtered_lrelu(x4(), up=[2, 1]), TypeError, r"up: filtered_lrelu takes one int"),
        (lambda: glad_ops.filtered_lrelu(x4(), b=torch.zeros(6)), ValueError, r"b: expected a 1-D tensor"),
        (
            lambda: glad_ops.filtered_lrelu(x4(), fu=torch.ones(8, dtype=torch.float64)),
            TypeError,
            r"fu: filters",
        ),
        (
            lambda: glad_ops.filtered_lrelu(x4(), fu=torch.ones(9)),
            ValueError,
            r"fu: the 9x9 filter is larger",
        ),
        (
            lambda: glad_ops.filtered_lrelu(x4(), fu=torch.ones(6), fd=torch.ones(2)),
            ValueError,
            r"fd: the 2x2",
        ),
        (lambda: glad_ops.filtered_lrelu(torch.zeros(2, 6)), ValueError, r"x: expected a 4-D tensor"),
        (
            lambda: glad_ops.setup_filter(torch.ones(2, 2), separable=True),
            ValueError,
            r"separable: a 2-D filter",
        ),
        (
            lambda: glad_ops.setup_filter(torch.ones(2, 2, 2)),
            ValueError,
            r"f: expected a scalar or non-empty",
        ),
        (lambda: glad_ops.setup_filter("abc"), TypeError, r"f: expected None, a number"),
        (lambda: glad_ops.upsample2d(x4(), F1, gain="2"), TypeError, r"gain: expected a number"),
    ],
)
@pytest.mark.parametrize("impl", ["ref", None])
def test_bad_argument_raises_naming_it(call, error, pattern, impl):
    with pytest.raises(error, match=pattern):
        call()


def test_native_request_without_kernels_names_the_reason(monkeypatch):
    from glad_ops import _load

    missing = _load.NativeStatus(False, "simulated: library missing")
    monkeypatch.setattr(_load, "_STATE", _load.LoadResult(missing, missing))
    assert not glad_ops.native_available("cpu")
    with pytest.raises(RuntimeError, match="simulated: library missing"):
        glad_ops.bias_act(x4(), impl="native")
    y = glad_ops.bias_act(x4() - 1, act="relu")  # impl=None falls back to the reference path
    assert torch.equal(y, torch.zeros_like(y))
