"""torch.compile(fullgraph=True, backend='aot_eager') over the public ops on the native kernels: no graph
breaks, same values and gradients as eager; with dynamic=True one graph serves several input shapes."""

from __future__ import annotations

import glad_ops
import pytest
import torch


def layer(x, b, w):
    """A StyleGAN-like chain: bias_act, upsample, filtered_lrelu, a ToRGB-like filtered_lrelu without filters,
    downsample."""
    f = torch.tensor([1.0, 3.0, 3.0, 1.0]) / 8
    y = glad_ops.bias_act(x * w, b, act="lrelu", clamp=4.0, impl="native")
    y = glad_ops.upsample2d(y, f, impl="native")
    y = glad_ops.filtered_lrelu(y, f, f, b, up=2, down=2, padding=[2, 1, 2, 1], clamp=2.0, impl="native")
    y = glad_ops.filtered_lrelu(y, None, None, b, gain=1.0, slope=1.0, clamp=2.5, impl="native")
    return glad_ops.downsample2d(y, f, impl="native")


@pytest.mark.parametrize(
    ("dynamic", "shapes"), [(None, [[2, 3, 6, 6]]), (True, [[2, 3, 6, 6], [1, 3, 7, 5]])]
)
def test_compile_fullgraph_matches_eager(native_cpu, dynamic, shapes):
    g = torch.Generator().manual_seed(0)
    b = torch.randn(3, generator=g)
    w = torch.randn(1, 3, 1, 1, generator=g)
    torch._dynamo.reset()
    compiled = torch.compile(layer, fullgraph=True, backend="aot_eager", dynamic=dynamic)
    for shape in shapes:
        x = torch.randn(shape, generator=g)
        results = []
        for fn in (layer, compiled):
            xs, bs, ws = (t.clone().requires_grad_(True) for t in (x, b, w))
            y = fn(xs, bs, ws)
            grads = torch.autograd.grad((y * y).sum(), (xs, bs, ws))
            results.append((y.detach(), *grads))
        for eager, comp in zip(*results, strict=True):
            torch.testing.assert_close(comp, eager, rtol=1e-5, atol=1e-5)
