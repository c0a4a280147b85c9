"""Every accepted argument form means what spec §1 says, on both impls: padding as int / [px, py] /
[x0, x1, y0, y1], factors as int / [x, y], a 1-D filter = its outer product applied once, flip_filter = the
reversed filter, gain = the filter scaled by gain**(ndim/2) in float32, None = identity, and the helpers with
anisotropic factors and non-square filters."""

from __future__ import annotations

import math

import glad_ops
import pytest
import torch

TOL = 1e-12  # float64 data; the same float32 filter values on both sides of each comparison


def rand(*shape, seed=0):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def taps(*shape, seed=0):
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed)) + 0.1


@pytest.fixture(params=["ref", "native"])
def impl(request):
    if request.param == "native":
        request.getfixturevalue("native_cpu")
    return request.param


def close(a, b):
    torch.testing.assert_close(a, b, rtol=TOL, atol=TOL)


def test_upfirdn2d_padding_and_factor_forms(impl):
    x, f = rand(1, 2, 5, 4, seed=1), taps(3, 2, seed=2)
    full = glad_ops.upfirdn2d(x, f, up=[2, 2], down=[3, 3], padding=[2, 2, 2, 2], impl=impl)
    close(glad_ops.upfirdn2d(x, f, up=2, down=3, padding=2, impl=impl), full)
    close(glad_ops.upfirdn2d(x, f, up=2, down=3, padding=[2, 2], impl=impl), full)
    pair = glad_ops.upfirdn2d(x, f, up=[3, 1], down=[1, 2], padding=[1, 3], impl=impl)
    close(pair, glad_ops.upfirdn2d(x, f, up=[3, 1], down=[1, 2], padding=[1, 1, 3, 3], impl=impl))
    assert pair.shape == (1, 2, (5 + 6 - 3 + 2) // 2, 4 * 3 + 2 - 2 + 1)  # spec §1.3 output size


def test_filtered_lrelu_padding_forms(impl):
    x, f = rand(1, 2, 4, 5, seed=3), taps(4, seed=4)
    kwargs = dict(fu=f, fd=f, up=2, down=2, clamp=0.8, impl=impl)
    full = glad_ops.filtered_lrelu(x, padding=[3, 3, 3, 3], **kwargs)
    close(glad_ops.filtered_lrelu(x, padding=3, **kwargs), full)
    close(glad_ops.filtered_lrelu(x, padding=[3, 3], **kwargs), full)
    close(
        glad_ops.filtered_lrelu(x, padding=[2, 4], **kwargs),
        glad_ops.filtered_lrelu(x, padding=[2, 2, 4, 4], **kwargs),
    )


@pytest.mark.parametrize(("up", "down", "padding"), [([2, 1], [1, 2], [2, 1, 0, 3]), (3, 2, [-1, 2, 3, 1])])
def test_separable_filter_equals_its_outer_product(impl, up, down, padding):
    x, f = rand(2, 3, 5, 4, seed=5), taps(5, seed=6)
    separable = glad_ops.upfirdn2d(x, f, up=up, down=down, padding=padding, gain=1.7, impl=impl)
    dense = glad_ops.upfirdn2d(x, torch.outer(f, f), up=up, down=down, padding=padding, gain=1.7, impl=impl)
    torch.testing.assert_close(separable, dense, rtol=1e-6, atol=1e-6)  # outer() rounds in float32


@pytest.mark.parametrize("shape", [[4], [3, 2]])
def test_flip_filter_equals_the_reversed_filter(impl, shape):
    x, f = rand(1, 2, 5, 6, seed=7), taps(*shape, seed=8)
    kwargs = dict(up=[1, 2], down=[2, 1], padding=[1, 2, 3, 0], impl=impl)
    close(
        glad_ops.upfirdn2d(x, f, flip_filter=True, **kwargs),
        glad_ops.upfirdn2d(x, f.flip(list(range(f.ndim))), **kwargs),
    )
    fl = dict(up=2, down=2, padding=[2, 1, 2, 1], gain=1.3, slope=0.3, impl=impl)
    fu, fd = taps(*shape, seed=9), f
    close(
        glad_ops.filtered_lrelu(x, fu, fd, flip_filter=True, **fl),
        glad_ops.filtered_lrelu(x, fu.flip(list(range(fu.ndim))), fd.flip(list(range(fd.ndim))), **fl),
    )


@pytest.mark.parametrize("shape", [[4], [3, 2]])
def test_gain_scales_the_filter_in_float32(impl, shape):
    x, f = rand(1, 1, 4, 5, seed=10), taps(*shape, seed=11)
    gain = 2.7
    scaled = f * (gain ** (f.ndim / 2))  # float32, as spec §1.3 step 3
    close(
        glad_ops.upfirdn2d(x, f, up=2, padding=2, gain=gain, impl=impl),
        glad_ops.upfirdn2d(x, scaled, up=2, padding=2, impl=impl),
    )


def test_none_filters_are_the_identity(impl):
    x = rand(2, 3, 4, 5, seed=12)
    close(glad_ops.upfirdn2d(x, None, impl=impl), x)
    close(glad_ops.filter2d(x, None, impl=impl), x)
    close(glad_ops.filtered_lrelu(x, gain=1.0, slope=1.0, impl=impl), x)
    b = rand(3, seed=13)
    close(glad_ops.filtered_lrelu(x, b=b, impl=impl), glad_ops.bias_act(x, b, act="lrelu", impl=impl))


def test_helpers_with_anisotropic_factors_and_non_square_filters(impl):
    x, f = rand(1, 2, 6, 8, seed=14), taps(3, 4, seed=15)  # fh = 3, fw = 4
    up = glad_ops.upsample2d(x, f, up=[2, 3], impl=impl)
    assert up.shape == (1, 2, 18, 16)
    close(up, glad_ops.upfirdn2d(x, f, up=[2, 3], padding=[2, 1, 2, 0], gain=6, impl=impl))  # spec §1.3
    down = glad_ops.downsample2d(x, f, down=[2, 3], impl=impl)
    assert down.shape == (1, 2, 2, 4)
    close(down, glad_ops.upfirdn2d(x, f, down=[2, 3], padding=[1, 1, 0, 0], impl=impl))
    same = glad_ops.filter2d(x, f, padding=[1, 0, 0, 2], impl=impl)
    assert same.shape == (1, 2, 8, 9)
    close(same, glad_ops.upfirdn2d(x, f, padding=[3, 1, 1, 3], impl=impl))


def test_bias_act_gain_alpha_and_dim(impl):
    x, b = rand(2, 3, 4, seed=16), rand(4, seed=17)
    v = x + b
    close(
        glad_ops.bias_act(x, b, dim=-1, act="lrelu", impl=impl), torch.where(v > 0, v, 0.2 * v) * math.sqrt(2)
    )
    close(
        glad_ops.bias_act(x, b, dim=2, act="lrelu", alpha=0.5, gain=1, impl=impl),
        torch.where(v > 0, v, 0.5 * v),
    )
    close(glad_ops.bias_act(x, b, dim=2, act="tanh", alpha=0.5, impl=impl), torch.tanh(v))  # alpha ignored
    close(glad_ops.bias_act(x, None, dim=7, act="swish", impl=impl), x * torch.sigmoid(x) * math.sqrt(2))
    assert glad_ops.bias_act(x, act="relu", clamp=0, impl=impl).abs().max() == 0
