"""The compiled CPU kernels against the reference path on seeded random cases: values and gradients."""

from __future__ import annotations

import glad_ops
import pytest
import torch

from .random_cases import random_bias_act, random_filtered_lrelu, random_upfirdn2d

OPS = {
    "upfirdn2d": (glad_ops.upfirdn2d, random_upfirdn2d),
    "filtered_lrelu": (glad_ops.filtered_lrelu, random_filtered_lrelu),
    "bias_act": (glad_ops.bias_act, random_bias_act),
}
TOLERANCE = {torch.float64: 1e-11, torch.float32: 2e-5}
CASES_PER_SEED = 25


def values_and_grads(op, kwargs: dict, impl: str, dy_seed: int):
    """(y, dx, db) of `op` with upstream gradient drawn from dy_seed."""
    x = kwargs["x"].clone().requires_grad_(True)
    b = kwargs.get("b")
    b = b.clone().requires_grad_(True) if b is not None else None
    args = dict(kwargs, x=x) | ({"b": b} if "b" in kwargs else {})
    y = op(**args, impl=impl)
    dy = torch.randn(y.shape, generator=torch.Generator().manual_seed(dy_seed), dtype=torch.float64).to(
        y.dtype
    )
    grads = torch.autograd.grad(y, [x] if b is None else [x, b], dy)
    return y.detach(), grads[0], grads[1] if b is not None else None


def assert_close(got, expected, tol, what):
    scale = max(1.0, expected.abs().max().item()) if expected.numel() else 1.0
    err = (got.double() - expected.double()).abs().max().item() if expected.numel() else 0.0
    assert got.shape == expected.shape and got.dtype == expected.dtype, what
    assert err <= tol * scale, f"{what}: max error {err:.3g} > {tol:g} * {scale:.3g}"


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=str)
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", sorted(OPS))
def test_random_cases_native_equals_ref(native_cpu, name, seed, dtype):
    op, draw = OPS[name]
    g = torch.Generator().manual_seed(1000 * seed + len(name))
    for i in range(CASES_PER_SEED):
        kwargs = draw(g, dtype)
        got = values_and_grads(op, kwargs, "native", dy_seed=i)
        expected = values_and_grads(op, kwargs, "ref", dy_seed=i)
        for role, a, e in zip(("y", "dx", "db"), got, expected, strict=True):
            if e is not None:
                assert_close(
                    a,
                    e,
                    TOLERANCE[dtype],
                    f"{name} case {i} {role} {kwargs | {'x': list(kwargs['x'].shape)}}",
                )


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
def test_half_precision_native_close_to_float32_ref(native_cpu, dtype):
    """16-bit inputs: the native kernels accumulate in float32, so they land within 16-bit rounding of ref."""
    g = torch.Generator().manual_seed(7)
    for name, (op, draw) in OPS.items():
        for _ in range(5):
            kwargs = draw(g, torch.float32)
            y32 = op(**kwargs, impl="ref")
            low = {
                k: (
                    v.to(dtype)
                    if isinstance(v, torch.Tensor) and v.is_floating_point() and k in ("x", "b")
                    else v
                )
                for k, v in kwargs.items()
            }
            y = op(**low, impl="native")
            assert y.dtype == dtype
            tol = 2e-2 if dtype == torch.bfloat16 else 4e-3
            assert_close(y.float(), y32, tol * 4, f"{name} {dtype}")


def test_second_order_bias_act_native_equals_ref(native_cpu):
    g = torch.Generator().manual_seed(3)
    for i in range(20):
        kwargs = random_bias_act(g)
        results = []
        for impl in ("native", "ref"):
            x = kwargs["x"].clone().requires_grad_(True)
            b = kwargs["b"].clone().requires_grad_(True) if kwargs["b"] is not None else None
            y = glad_ops.bias_act(**(kwargs | {"x": x, "b": b}), impl=impl)
            dy = torch.ones_like(y) * 0.7
            (dx,) = torch.autograd.grad(y, x, dy, create_graph=True)
            inputs = [x] if b is None else [x, b]
            if not dx.requires_grad:  # ref: dx of a linear activation does not depend on x or b
                results.append(tuple(torch.zeros_like(t) for t in inputs))
                continue
            results.append(
                torch.autograd.grad(
                    (dx * dx.detach()).sum(), inputs, allow_unused=True, materialize_grads=True
                )
            )
        for a, e in zip(*results, strict=True):
            if e is not None:
                assert_close(a, e, 1e-11, f"bias_act second order case {i} act={kwargs['act']}")


@pytest.mark.parametrize("impl", ["ref", "native"])
def test_empty_inputs(native_cpu, impl):
    """Zero-sized batches, channels and axes give empty outputs (and gradients) of the right shape."""
    f = torch.ones(4) / 4
    x = torch.zeros(2, 3, 0, requires_grad=True)
    y = glad_ops.bias_act(x, torch.zeros(3), act="tanh", impl=impl)
    assert y.shape == (2, 3, 0)
    y.sum().backward()
    assert x.grad.shape == x.shape
    assert glad_ops.bias_act(torch.zeros(0), act="relu", impl=impl).shape == (0,)
    assert glad_ops.upfirdn2d(torch.zeros(0, 3, 5, 5), f, up=2, padding=2, impl=impl).shape == (0, 3, 11, 11)
    y = glad_ops.filtered_lrelu(torch.zeros(2, 0, 5, 5), f, f, up=2, padding=3, impl=impl)
    assert y.shape == (2, 0, 10, 10)


def _native_and_ref(op, x: torch.Tensor, create_graph: bool = False, **kwargs):
    """[native, ref], each (y, dx, x) of op(x, **kwargs, impl=...) with upstream gradient 1; with create_graph
    dx keeps its graph (for second-order gradients w.r.t. the returned x)."""
    results = []
    for impl in ("native", "ref"):
        xx = x.clone().requires_grad_(True)
        y = op(xx, **kwargs, impl=impl)
        (dx,) = torch.autograd.grad(y.sum(), xx, create_graph=create_graph)
        results.append((y.detach(), dx, xx))
    return results


def test_gradients_at_clamp_boundary_and_kinks_follow_torch(native_cpu):
    """Measure-zero points follow the reference (torch autograd): the gradient is blocked at exactly
    |y| = clamp, and elu''(0) = selu''(0) = 0."""
    x = torch.tensor([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0], dtype=torch.float64)
    clamped = ({"act": "linear", "clamp": 1.0}, {"act": "lrelu", "gain": 1.0, "alpha": 0.5, "clamp": 0.5})
    for kwargs in clamped:
        (_, got, _), (_, expected, _) = _native_and_ref(glad_ops.bias_act, x, **kwargs)
        assert torch.equal(got, expected), f"bias_act {kwargs}: {got} vs ref {expected}"
    for act in ("elu", "selu"):
        runs = _native_and_ref(glad_ops.bias_act, torch.zeros(3, dtype=torch.float64), True, act=act)
        got, expected = (torch.autograd.grad(dx.sum(), xx)[0] for _, dx, xx in runs)
        assert torch.equal(got, expected), f"{act}''(0): {got} vs ref {expected}"
    # filtered_lrelu: identity filters, gain 1, slope 1 -> the clamp acts on x; |x| == clamp is blocked.
    runs = _native_and_ref(glad_ops.filtered_lrelu, x.view(1, 1, 1, -1), gain=1.0, slope=1.0, clamp=1.0)
    (_, got, _), (_, expected, _) = runs
    assert torch.equal(got, expected), f"filtered_lrelu clamp boundary: {got} vs ref {expected}"


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=str)
@pytest.mark.parametrize("clamp", [None, 2.0])
def test_non_finite_values_and_gradients_follow_torch(native_cpu, clamp, dtype):
    """NaN and +-inf as the reference (torch.clamp and autograd) treats them: NaN stays NaN through the clamp,
    a clamp blocks the gradient at NaN and +-inf, and without a clamp nothing is blocked."""
    x = torch.tensor([float("nan"), float("inf"), -float("inf"), -3.0, 0.5, 2.0, 3.0], dtype=dtype)
    runs = {
        "bias_act": _native_and_ref(glad_ops.bias_act, x, act="lrelu", clamp=clamp),
        "filtered_lrelu": _native_and_ref(
            glad_ops.filtered_lrelu, x.view(1, 1, 1, -1), gain=1.5, slope=0.2, clamp=clamp
        ),
    }
    for name, ((y, dx, _), (y_ref, dx_ref, _)) in runs.items():
        for role, got, expected in (("y", y, y_ref), ("dx", dx, dx_ref)):
            what = f"{name} clamp={clamp} {role}: {got} vs ref {expected}"
            torch.testing.assert_close(got, expected, rtol=0, atol=0, equal_nan=True, msg=what)
