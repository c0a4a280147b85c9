"""The compiled CUDA kernels on a GPU (skipped without one): every fixture case in float32, native vs
reference in float32 / float16 / bfloat16 (values, gradients, mask codes, the backward given exact codes),
opcheck, the current stream, the generic path, and full-size shapes that would overflow 32-bit grids or
indices.

Without a GPU the same kernel logic is covered by test_cuda_emulation.py.
"""

from __future__ import annotations

import math

import glad_ops
import pytest
import torch

from .cuda_emulation import reference as ref
from .op_cases import OpCase, run_case
from .random_cases import random_bias_act, random_filtered_lrelu, random_upfirdn2d

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]

CUDA = torch.device("cuda")
TOL = {torch.float32: 2e-5, torch.float16: 2e-3, torch.bfloat16: 1.6e-2}  # x max(1, max |expected|)
DTYPES = [torch.float32, torch.float16, torch.bfloat16]
RANDOM_OPS = {
    "upfirdn2d": (glad_ops.upfirdn2d, random_upfirdn2d),
    "filtered_lrelu": (glad_ops.filtered_lrelu, random_filtered_lrelu),
    "bias_act": (glad_ops.bias_act, random_bias_act),
}


@pytest.fixture(scope="module")
def native_cuda() -> None:
    """A GPU without the compiled CUDA kernels is a failure, not a skip."""
    status = glad_ops.native_available("cuda")
    if not status:
        pytest.fail(f"compiled CUDA kernels unavailable on a CUDA machine: {status.reason}")


def assert_close(actual, expected, tol, what):
    err, scale = ref.max_error(actual, expected)
    assert actual.shape == expected.shape, what
    assert err <= tol * scale, f"{what}: max error {err:.3g} > {tol:g} * {scale:.3g}"


def relative_l2(actual, expected) -> float:
    diff = (actual.double() - expected.double()).norm()
    return float(diff / expected.double().norm().clamp(min=1e-30))


def to_cuda(kwargs: dict, dtype: torch.dtype) -> dict:
    """x, b, dy to `dtype` on the GPU; filters (float32) just moved."""
    out = {}
    for k, v in kwargs.items():
        if isinstance(v, torch.Tensor):
            v = v.to(CUDA, dtype if k in ("x", "b", "dy") else v.dtype)
        out[k] = v
    return out


# ---- fixtures ----------------------------------------------------------------------------------------------
FIXTURE_OPS = {"bias_act", "upfirdn2d", "upsample2d", "downsample2d", "filter2d", "filtered_lrelu"}


def test_fixture_cases_float32(native_cuda, op_cases):
    """Every op fixture case on the GPU in float32 (x, b, dy rounded from the float64 fixture) against the
    expected float64 values and gradients."""
    for case in op_cases.values():
        if case.op not in FIXTURE_OPS:
            continue
        tensors = to_cuda(case.tensors, torch.float32)
        got = run_case(OpCase(case.id, case.op, case.params, tensors), "native")
        for role in ("y", "dx", "db"):
            if role in case.tensors:
                tol = 2e-5 * (math.sqrt(got["dx"].numel()) if role == "db" else 1.0)
                assert_close(got[role].cpu(), case.tensors[role], tol, f"{case.id} {role}")


# ---- native vs reference -----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name", sorted(RANDOM_OPS))
def test_random_cases_native_vs_ref(native_cuda, name, dtype):
    """Values and gradients of the native kernels against the reference in float64 (same rounded inputs).
    filtered_lrelu's end-to-end gradient is compared in float32 only: in 16-bit a pre-activation within
    round-off of 0 or the clamp may take the other code; the exact-code check below covers every dtype."""
    op, draw = RANDOM_OPS[name]
    g = torch.Generator().manual_seed(100 + len(name))
    for i in range(25):
        kwargs = to_cuda(draw(g, torch.float64), dtype)
        y_shape = op(**ref.as_float64(kwargs), impl="ref").shape
        dy = torch.randn(y_shape, generator=torch.Generator().manual_seed(i), dtype=torch.float64).to(CUDA)
        got = ref.values_and_grads(op, kwargs, "native", dy)
        expected = ref.values_and_grads(op, ref.as_float64(kwargs), "ref", dy)
        roles = ("y",) if name == "filtered_lrelu" and dtype != torch.float32 else ("y", "dx", "db")
        for role, a, e in zip(("y", "dx", "db"), got, expected, strict=True):
            if e is not None and role in roles:
                tol = TOL[dtype] * (math.sqrt(a.numel()) if role == "db" else 1.0)
                assert_close(a, e, tol, f"{name} case {i} {role}")


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_filtered_lrelu_mask_codes_and_exact_backward(native_cuda, dtype):
    """The mask codes equal the reference pre-activation's (except within round-off of a code boundary),
    unused bits are zero, and filtered_lrelu_grad given the reference codes equals the exact VJP."""
    g = torch.Generator().manual_seed(7)
    for i in range(25):
        kw = to_cuda(random_filtered_lrelu(g, torch.float64), dtype)
        one = torch.ones([1], device=CUDA)
        fu, fd = (one if kw[k] is None else kw[k] for k in ("fu", "fd"))
        px0, px1, py0, py1 = kw["padding"]
        clamp = -1.0 if kw["clamp"] is None else kw["clamp"]
        _, mask = torch.ops.glad_ops.filtered_lrelu(
            kw["x"], fu, fd, kw["b"], kw["up"], kw["down"], px0, px1, py0, py1,
            kw["gain"], kw["slope"], clamp, kw["flip_filter"],
        )  # fmt: skip
        t = ref.preactivation(kw["x"], fu, kw["b"], kw["up"], kw["padding"], kw["flip_filter"])
        codes, ambiguous = ref.lrelu_codes(t, kw["gain"], kw["slope"], clamp)
        wrong = (ref.unpack_mask(mask, t.shape[-1]) != codes) & ~ambiguous
        assert not wrong.any(), f"case {i}: {int(wrong.sum())} mask codes differ"
        assert not ref.trailing_bits(mask, t.shape[-1]).any(), f"case {i}: unused mask bits set"

        n, c, h, w = kw["x"].shape
        y_shape = glad_ops.filtered_lrelu(**ref.as_float64(kw), impl="ref").shape
        dy = torch.randn(y_shape, generator=torch.Generator().manual_seed(i)).to(CUDA, dtype)
        dx = torch.ops.glad_ops.filtered_lrelu_grad(
            dy, ref.pack_codes(codes), fu, fd, kw["up"], kw["down"], px0, px1, py0, py1, h, w,
            kw["gain"], kw["slope"], kw["flip_filter"],
        )  # fmt: skip
        expected = ref.filtered_lrelu_vjp(
            dy, codes, (n, c, h, w), fu, fd, kw["up"], kw["down"], kw["padding"], kw["gain"], kw["slope"],
            kw["flip_filter"],
        )  # fmt: skip
        assert dx.dtype == dtype
        assert_close(dx, expected, TOL[dtype], f"case {i} dx")


def test_bias_act_second_order(native_cuda):
    """Double backward through the native bias_act (bias_act_grad order 1 and 2) equals the reference's."""
    g = torch.Generator().manual_seed(3)
    for act in ["tanh", "sigmoid", "elu", "selu", "softplus", "swish", "lrelu"]:
        x = torch.randn(4, 6, 5, generator=g).to(CUDA)
        b = torch.randn(6, generator=g).to(CUDA)
        results = []
        for impl, dtype in (("native", torch.float32), ("ref", torch.float64)):
            xi = x.to(dtype).requires_grad_(True)
            y = glad_ops.bias_act(xi, b.to(dtype), dim=1, act=act, clamp=3.0, impl=impl)
            (d1,) = torch.autograd.grad(y.square().sum(), xi, create_graph=True)
            (d2,) = torch.autograd.grad(d1.sum(), xi)
            results.append((d1.detach(), d2))
        for got, expected in zip(results[0], results[1], strict=True):
            assert_close(got, expected, 1e-4, f"bias_act {act} second order")


# ---- opcheck -----------------------------------------------------------------------------------------------
def opcheck_cases():
    ops = torch.ops.glad_ops

    def rand(*shape, seed=0, grad=False):
        t = torch.randn(shape, generator=torch.Generator().manual_seed(seed)).to(CUDA)
        return t.requires_grad_(grad)

    def filt(*shape, seed=0):
        return torch.rand(shape, generator=torch.Generator().manual_seed(seed)).to(CUDA)

    flrelu = (rand(1, 2, 5, 6, grad=True), filt(4, seed=2), filt(3, 2, seed=3), rand(2, seed=4, grad=True))
    flrelu_params = (2, 1, 2, 1, 1, 2, 1.4, 0.2, 0.7, False)
    y, mask = ops.filtered_lrelu(*(t.detach() for t in flrelu), *flrelu_params)
    cases = {
        "bias_act": (ops.bias_act, rand(2, 3, 4, grad=True), rand(3, seed=1, grad=True), 1, 8, 0.2, 1.4, 0.5),
        "bias_act_grad": (ops.bias_act_grad, rand(4, 3, grad=True), rand(4, 3, seed=1, grad=True),
                          rand(3, seed=2), 1, 3, 0.0, 2.0, -1.0, 1),
        "upfirdn2d": (ops.upfirdn2d, rand(2, 3, 5, 6, grad=True), filt(4, seed=1), 2, 1, 1, 2, 2, 1, -1, 3,
                      False, 2.0),
        "upfirdn2d_2d": (ops.upfirdn2d, rand(1, 2, 6, 5, grad=True), filt(3, 4, seed=1), 1, 2, 2, 1, 1, 2, 0,
                         1, True, 1.0),
        "filtered_lrelu": (ops.filtered_lrelu, *flrelu, *flrelu_params),
        "filtered_lrelu_grad": (ops.filtered_lrelu_grad, rand(*y.shape, seed=5), mask, filt(4, seed=2),
                                filt(3, 2, seed=3), 2, 1, 2, 1, 1, 2, 5, 6, 1.4, 0.2, False),
    }  # fmt: skip
    return {name: (op.default, tuple(args)) for name, (op, *args) in cases.items()}


@pytest.mark.parametrize(
    "name",
    ["bias_act", "bias_act_grad", "upfirdn2d", "upfirdn2d_2d", "filtered_lrelu", "filtered_lrelu_grad"],
)
def test_opcheck(native_cuda, name):
    op, args = opcheck_cases()[name]
    torch.library.opcheck(
        op,
        args,
        test_utils=(
            "test_schema",
            "test_autograd_registration",
            "test_faketensor",
            "test_aot_dispatch_dynamic",
        ),
    )


# ---- streams, the generic path, empty inputs ---------------------------------------------------------------
def test_kernels_run_on_the_current_stream(native_cuda):
    """The kernels are enqueued on torch's current stream: an input still being computed behind a long sleep
    on a side stream is read only once it is ready."""
    g = torch.Generator().manual_seed(4)
    x = torch.randn(2, 8, 20, 20, generator=g).to(CUDA)
    f = torch.rand(6, generator=g).to(CUDA)
    b = torch.ones(8, device=CUDA)
    expected = (glad_ops.filtered_lrelu(x * 2 + 1, f, f, up=2, down=2, padding=5, impl="native"),
                glad_ops.bias_act(x * 2 + 1, b, act="lrelu", impl="native"))  # fmt: skip
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        torch.cuda._sleep(100_000_000)  # keeps the side stream busy for tens of milliseconds
        x2 = x * 2 + 1
        got = (glad_ops.filtered_lrelu(x2, f, f, up=2, down=2, padding=5, impl="native"),
               glad_ops.bias_act(x2, b, act="lrelu", impl="native"))  # fmt: skip
    stream.synchronize()
    assert torch.equal(got[0], expected[0]) and torch.equal(got[1], expected[1])


def test_no_host_sync_on_the_generator_hot_path(native_cuda):
    """Forward and backward of the ops never make the host wait for the GPU; in particular identity (None)
    filters, as in ToRGB layers, are made on the device rather than copied from the host."""
    g = torch.Generator().manual_seed(7)
    x = torch.randn(2, 4, 8, 8, generator=g).to(CUDA).requires_grad_(True)
    b = torch.randn(4, generator=g).to(CUDA).requires_grad_(True)
    f = glad_ops.setup_filter(torch.kaiser_window(8, periodic=False), device=CUDA)
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        y = glad_ops.filtered_lrelu(x, f, f, b, up=2, down=2, padding=[5, 4, 5, 4], clamp=256, impl="native")
        y = glad_ops.filtered_lrelu(y, None, None, b, gain=1.0, slope=1.0, clamp=256, impl="native")
        y = glad_ops.upfirdn2d(y, None, up=2, impl="native") + glad_ops.upsample2d(y, f, impl="native")
        y = glad_ops.bias_act(y, b, act="lrelu", impl="native")
        y.backward(torch.ones_like(y))
    finally:
        torch.cuda.set_sync_debug_mode(0)
    assert x.grad.shape == x.shape and b.grad.shape == b.shape


def test_generic_path_for_filters_too_large_for_shared_memory(native_cuda):
    """96x96 2-D filters leave no tile that fits an H100's shared memory (see the emulator's planner): the
    three-step generic path must give the reference's values and gradients."""
    g = torch.Generator().manual_seed(5)
    fu, fd = torch.rand(96, 96, generator=g).to(CUDA), torch.rand(96, 96, generator=g).to(CUDA)
    fu, fd = fu / fu.sum(), fd / fd.sum()
    kwargs = dict(x=torch.randn(1, 3, 8, 8, generator=g).to(CUDA), fu=fu, fd=fd,
                  b=torch.randn(3, generator=g).to(CUDA), padding=92, clamp=0.5)  # fmt: skip
    y_shape = glad_ops.filtered_lrelu(**ref.as_float64(kwargs), impl="ref").shape
    dy = torch.randn(y_shape, generator=g).to(CUDA)
    got = ref.values_and_grads(glad_ops.filtered_lrelu, kwargs, "native", dy)
    expected = ref.values_and_grads(glad_ops.filtered_lrelu, ref.as_float64(kwargs), "ref", dy)
    for role, a, e in zip(("y", "dx", "db"), got, expected, strict=True):
        assert_close(a, e, 1e-4, f"generic path {role}")


def test_empty_inputs(native_cuda):
    x = torch.empty(0, 3, device=CUDA)
    assert glad_ops.bias_act(x, torch.zeros(3, device=CUDA), act="relu", impl="native").shape == (0, 3)
    x4 = torch.empty(0, 2, 5, 5, device=CUDA)
    assert glad_ops.upfirdn2d(x4, torch.ones(3, device=CUDA), up=2, padding=1, impl="native").shape == (
        0,
        2,
        10,
        10,
    )


# ---- full-size shapes --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [torch.float16, torch.float32], ids=str)
def test_imagenet128_layer_l20_full_size(native_cuda, dtype):
    """L20_148_1024 of ImageNet-128 (spec §2.9) at batch 2: 2048 planes of 86x86 -> 148x148 through a 336x336
    intermediate (up 4, 24 taps; down 2, 12 taps; cropping padding), forward and backward against the
    reference in float32 (relative L2, so that a rare code flip at round-off does not matter)."""
    g = torch.Generator().manual_seed(6)
    x = torch.randn(2, 1024, 86, 86, generator=g).to(CUDA, dtype)
    b = (0.1 * torch.randn(1024, generator=g)).to(CUDA, dtype)
    fu, fd = ref.windowed_sinc(24, 4, CUDA), ref.windowed_sinc(12, 2, CUDA)
    kwargs = dict(x=x, fu=fu, fd=fd, b=b, up=4, down=2, padding=[-6, -9, -6, -9], clamp=256.0)
    dy = torch.randn(2, 1024, 148, 148, generator=g).to(CUDA)
    got = ref.values_and_grads(glad_ops.filtered_lrelu, kwargs, "native", dy)
    kwargs32 = {k: v.float() if k in ("x", "b") else v for k, v in kwargs.items()}
    expected = ref.values_and_grads(glad_ops.filtered_lrelu, kwargs32, "ref", dy)
    assert got[0].shape == (2, 1024, 148, 148)
    for role, a, e in zip(("y", "dx", "db"), got, expected, strict=True):
        err = relative_l2(a, e)
        assert err <= (2e-3 if dtype == torch.float16 else 1e-5), f"L20 {role}: relative L2 error {err:.3g}"


def test_more_planes_than_a_grid_dimension(native_cuda):
    """N*C > 65535 planes: the kernels loop over gridDim.z."""
    g = torch.Generator().manual_seed(8)
    x = torch.randn(1, 70_000, 5, 5, generator=g).to(CUDA)
    f = torch.rand(4, generator=g).to(CUDA)
    got = glad_ops.upfirdn2d(x, f, up=2, padding=[2, 1, 2, 1], impl="native")
    assert_close(
        got, glad_ops.upfirdn2d(x.double(), f, up=2, padding=[2, 1, 2, 1], impl="ref"), 2e-5, "upfirdn2d"
    )
    b = torch.randn(70_000, generator=g).to(CUDA)
    got = glad_ops.filtered_lrelu(x, f, f, b, up=2, down=2, padding=3, clamp=1.0, impl="native")
    expected = glad_ops.filtered_lrelu(
        x.double(), f, f, b.double(), up=2, down=2, padding=3, clamp=1.0, impl="ref"
    )
    assert relative_l2(got, expected) <= 1e-5


def test_bias_act_beyond_32_bit_indices(native_cuda):
    """2^31 + 512 elements of float16 (8.6 GB in and out): 64-bit indexing of the vectorised path and of the
    bias channel walk."""
    if torch.cuda.get_device_properties(CUDA).total_memory < 24 * 2**30:
        pytest.skip("needs a GPU with >= 24 GiB")
    rows = 2**31 // 512 + 1
    x = torch.randn(rows, 512, device=CUDA, dtype=torch.float16)
    b = torch.randn(512, device=CUDA, dtype=torch.float16)
    y = glad_ops.bias_act(x, b, dim=1, act="lrelu", impl="native")
    for part in (slice(0, 3), slice(rows // 2, rows // 2 + 3), slice(rows - 3, rows)):
        expected = glad_ops.bias_act(x[part].double(), b.double(), dim=1, act="lrelu", impl="ref")
        assert_close(y[part], expected, TOL[torch.float16], f"rows {part}")
    g = torch.ops.glad_ops.bias_act_grad(y, x, b, 1, 2, 0.2, 2**0.5, -1.0, 1)
    tail = slice(rows - 3, rows)
    xt = x[tail].double().requires_grad_(True)
    (expected,) = torch.autograd.grad(
        glad_ops.bias_act(xt, b.double(), dim=1, act="lrelu", impl="ref"), xt, y[tail].double()
    )
    assert_close(g[tail], expected, TOL[torch.float16], "bias_act_grad tail")
