"""gradcheck (every op; every bias_act activation) and gradgradcheck (bias_act, upfirdn2d) in float64 on small
shapes, native and ref."""

from __future__ import annotations

import glad_ops
import pytest
import torch
from torch.autograd import gradcheck, gradgradcheck

IMPLS = ["ref", "native"]


def rand(*shape, seed=0):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.fixture(params=IMPLS)
def impl(request):
    if request.param == "native":
        request.getfixturevalue("native_cpu")
    return request.param


@pytest.mark.parametrize(
    ("act", "clamp"),
    [
        ("linear", 1.0),
        ("relu", None),
        ("lrelu", None),
        ("tanh", 0.8),
        ("sigmoid", None),
        ("elu", 1.5),
        ("selu", 1.2),
        ("softplus", None),
        ("swish", None),
    ],
)
def test_bias_act_grad_and_gradgrad(impl, act, clamp):
    x = rand(2, 3, 4, seed=1).requires_grad_(True)
    b = rand(3, seed=2).requires_grad_(True)

    def fn(x, b):
        return glad_ops.bias_act(x, b, dim=1, act=act, gain=1.3, clamp=clamp, impl=impl)

    assert gradcheck(fn, (x, b))
    assert gradgradcheck(fn, (x, b))


@pytest.mark.parametrize(
    ("f_shape", "up", "down", "padding", "flip"),
    [([4], 2, 1, [2, 1, 2, 1], False), ([3, 2], [1, 2], [2, 1], [1, -1, 0, 2], True), ([3], 1, 2, 1, False)],
)
def test_upfirdn2d_grad_and_gradgrad(impl, f_shape, up, down, padding, flip):
    x = rand(1, 1, 4, 3, seed=3).requires_grad_(True)
    f = torch.rand(f_shape, generator=torch.Generator().manual_seed(4))

    def fn(x):
        return glad_ops.upfirdn2d(
            x, f, up=up, down=down, padding=padding, flip_filter=flip, gain=1.5, impl=impl
        )

    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@pytest.mark.parametrize(
    ("fu_shape", "fd_shape", "up", "down", "padding", "clamp"),
    [
        ([4], [4], 2, 2, [2, 1, 2, 1], 0.9),
        ([3, 2], None, 2, 1, [1, 0, 0, 1], None),
        (None, [3], 1, 2, 1, None),
    ],
)
def test_filtered_lrelu_grad(impl, fu_shape, fd_shape, up, down, padding, clamp):
    g = torch.Generator().manual_seed(5)
    fu = torch.rand(fu_shape, generator=g) if fu_shape else None
    fd = torch.rand(fd_shape, generator=g) if fd_shape else None
    x = rand(1, 2, 3, 4, seed=6).requires_grad_(True)
    b = rand(2, seed=7).requires_grad_(True)

    def fn(x, b):
        return glad_ops.filtered_lrelu(
            x, fu, fd, b, up=up, down=down, padding=padding, gain=1.2, slope=0.3, clamp=clamp, impl=impl
        )

    assert gradcheck(fn, (x, b))


def test_native_filtered_lrelu_double_backward_raises_clearly(native_cpu):
    x = rand(1, 1, 4, 4, seed=8).requires_grad_(True)
    y = glad_ops.filtered_lrelu(x, torch.ones(2) / 2, None, up=2, padding=1, impl="native")
    (dx,) = torch.autograd.grad((y * y).sum(), x, create_graph=True)  # dy = 2y depends on x
    with pytest.raises(RuntimeError, match="second-order gradients are not supported by the native kernels"):
        torch.autograd.grad(dx.sum(), x)


def test_native_bias_act_third_order_raises_clearly(native_cpu):
    x = rand(5, seed=9).requires_grad_(True)
    y = glad_ops.bias_act(x, act="tanh", impl="native")
    (d1,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    (d2,) = torch.autograd.grad(d1.sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="third-order gradients are not supported"):
        torch.autograd.grad(d2.sum(), x)
