"""The CUDA kernels' logic on the CPU: csrc's block programs and launch orchestration, run by the host
emulator (tests/ops/cuda_emulation) block by block and thread by thread under a memory checker (shared-memory
races, uninitialised reads, out-of-bounds, double writes), compared with the reference path in float64.

No GPU is needed: the emulator compiles the same headers the .cu files include (csrc/*/*_kernels.cuh) with the
host C++ compiler. Skipped only when no C++ compiler exists.
"""

from __future__ import annotations

import ctypes
import math

import glad_ops
import pytest
import torch

from .cuda_emulation import reference as ref
from .cuda_emulation.emulated_native import emulated_native
from .cuda_emulation.harness import EmulationError, build_emulator, config, find_compiler
from .cuda_emulation.planner_configs import planner_config
from .op_cases import run_case
from .random_cases import random_bias_act, random_filtered_lrelu, random_upfirdn2d

pytestmark = pytest.mark.skipif(
    find_compiler() is None,
    reason="no C++ compiler (g++, c++ or clang++; or $CXX) to build the CUDA emulator",
)

# max |emulated - float64 reference| allowed, relative to max(1, max |reference|)
TOL = {torch.float32: 2e-5, torch.float16: 2e-3, torch.bfloat16: 1.6e-2}
DTYPES = [torch.float32, torch.float16, torch.bfloat16]
ACTS = ["linear", "relu", "lrelu", "tanh", "sigmoid", "elu", "selu", "softplus", "swish"]


@pytest.fixture(scope="module")
def emu():
    return build_emulator()


def assert_close(actual, expected, dtype, what):
    err, scale = ref.max_error(actual, expected)
    assert err <= TOL[dtype] * scale, f"{what}: max error {err:.3g} > {TOL[dtype]} * {scale:.3g}"


# ---- the emulator itself -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "mode, finding",
    [
        (1, "race (missing barrier)"),
        (2, "uninitialised shared memory"),
        (3, "shared write out of bounds"),
        (4, "written twice in one launch"),
        (5, "global read outside every buffer"),
        (6, "outside a thread phase"),
        (7, "read-then-write race"),
        (8, "read after another thread wrote it"),
    ],
)
def test_checker_reports_broken_programs(emu, mode, finding):
    rc, message = emu.checker_selftest(mode)
    assert rc == 1 and finding in message, message


def test_checker_accepts_the_correct_program(emu):
    assert emu.checker_selftest(0) == (0, "0 emulation error(s):")


def test_fast_divmod_matches_integer_division(emu):
    g = torch.Generator().manual_seed(1)
    big = [int(v) for v in torch.randint(0, 2**62, (64,), generator=g)] + [
        0,
        1,
        2**63,
        2**64 - 1,
        2**32,
        2**32 - 1,
    ]
    for d in [
        1,
        2,
        3,
        7,
        10,
        255,
        256,
        1000,
        3 * 5 * 7 * 11,
        2**31 - 1,
        2**32 + 1,
        2**40 + 17,
        2**63 + 5,
        2**64 - 1,
    ]:
        nums = big + [d - 1, d, d + 1, 2 * d - 1, 2 * d, 7 * d + 3]
        nums = [n % 2**64 for n in nums]
        q, r = emu.fast_divmod(d, nums)
        assert q == [n // d for n in nums] and r == [n % d for n in nums], f"divisor {d}"


# ---- bias_act ----------------------------------------------------------------------------------------------
def _bias_act_ref(x, b, dim, act, alpha, gain, clamp):
    return glad_ops.bias_act(
        x, b, dim=dim, act=act, alpha=alpha, gain=gain, clamp=None if clamp < 0 else clamp, impl="ref"
    )


def _bias_act_grads_ref(x, b, dim, act, alpha, gain, clamp, g):
    """(order 1, order 2) of contracts.md by autograd of the reference, float64."""
    x = x.double().requires_grad_(True)
    y = _bias_act_ref(x, None if b is None else b.double(), dim, act, alpha, gain, clamp)
    (d1,) = torch.autograd.grad(y, x, g.double(), create_graph=True)
    d2 = torch.autograd.grad(d1.sum(), x, allow_unused=True)[0] if d1.requires_grad else None
    return d1.detach(), torch.zeros_like(x) if d2 is None else d2


@pytest.mark.parametrize("dtype", DTYPES)
def test_bias_act_all_activations(emu, dtype):
    g = torch.Generator().manual_seed(2)
    codes = glad_ops._activations.ACTIVATIONS
    shapes_dims = [
        ((5, 7, 3, 4), 1),
        ((37,), 0),
        ((6, 33), 1),
        ((2, 3, 5, 11), 3),
        ((4, 9, 1, 2), 0),
        ((3, 8), None),
    ]
    for act in ACTS:
        for (shape, dim), clamp_kind in zip(
            shapes_dims, ["none", "active", "none", "zero", "active", "none"], strict=False
        ):
            x = (2 * torch.randn(shape, generator=g)).to(dtype)
            b = None if dim is None else torch.randn(shape[dim], generator=g).to(dtype)
            gy = torch.randn(shape, generator=g).to(dtype)
            spec = codes[act]
            alpha, gain = (0.3, 1.7) if act == "lrelu" else (spec.def_alpha, spec.def_gain)
            free = _bias_act_ref(
                x.double(), None if b is None else b.double(), dim or 0, act, alpha, gain, -1
            )
            clamp = {"none": -1.0, "zero": 0.0, "active": 0.6 * float(free.abs().max())}[clamp_kind]
            args = (x, b, dim or 0, spec.code, alpha, gain, clamp)
            what = f"{act} {list(shape)} dim={dim} clamp={clamp:.3g} {dtype}"
            expected = _bias_act_ref(
                x.double(), None if b is None else b.double(), dim or 0, act, alpha, gain, clamp
            )
            assert_close(emu.bias_act(*args)[0], expected, dtype, f"bias_act {what}")
            d1, d2 = _bias_act_grads_ref(x, b, dim or 0, act, alpha, gain, clamp, gy)
            # Measure-zero points follow torch too: no gradient at |y| == clamp (every element when clamp
            # = 0), elu''(0) = selu''(0) = 0 (half-precision inputs hit v == 0 where x == -b).
            for order, expected_grad in ((1, d1), (2, d2)):
                got = emu.bias_act(*args, grad_of=gy, order=order)[0]
                assert_close(got, expected_grad, dtype, f"bias_act_grad order {order} {what}")


def test_bias_act_vector_and_scalar_paths_and_grid_stride(emu):
    """Aligned tensors take the 16-byte vector path, offset ones the scalar path; tails and grid-stride loops
    (1 SM, so each thread handles many vectors) give the same values."""
    g = torch.Generator().manual_seed(3)
    for dtype in DTYPES:
        storage = torch.randn(2 * 3 * 67 * 5 + 1, generator=g).to(dtype)
        for offset, vectorised in [(0, True), (1, False)]:
            x = storage[offset : offset + 2 * 3 * 67 * 5].view(2, 3, 67, 5)
            b = torch.randn(67, generator=g).to(dtype)
            gy = torch.randn(x.shape, generator=g).to(dtype)
            for cfg in [config(), config(sm_count=1)]:
                y, vec = emu.bias_act(x, b, 2, 2, 0.2, 2**0.5, -1.0, cfg=cfg)
                assert vec == vectorised
                assert_close(
                    y, _bias_act_ref(x.double(), b.double(), 2, "lrelu", 0.2, 2**0.5, -1), dtype, "y"
                )
                dx, vec = emu.bias_act(x, b, 2, 2, 0.2, 2**0.5, -1.0, grad_of=gy, cfg=cfg)
                expected, _ = _bias_act_grads_ref(x, b, 2, "lrelu", 0.2, 2**0.5, -1, gy)
                assert vec == vectorised
                assert_close(dx, expected, dtype, "dx")


def test_bias_act_large_channel_count_and_inner_extent(emu):
    """Channel walk across vectors: inner = 1 (bias along the last axis), inner not a multiple of the
    vector."""
    g = torch.Generator().manual_seed(4)
    for shape, dim in [((3, 1031), 1), ((2, 5, 13), 1), ((4, 3, 3), 2)]:
        x = torch.randn(shape, generator=g)
        b = torch.randn(shape[dim], generator=g)
        y, _ = emu.bias_act(x, b, dim, 0, 0.0, 1.0, -1.0)
        assert_close(
            y, _bias_act_ref(x.double(), b.double(), dim, "linear", 0.0, 1.0, -1), torch.float32, "y"
        )


# ---- random cases through the public wrappers --------------------------------------------------------------
def _emulated_vs_ref(emu, monkeypatch, op, kwargs, cfg, seed, what):
    """Runs glad_ops.<op> natively (routed to the emulator, planning for `cfg`) and by the reference in
    float64; compares y, dx and db. Returns the emulator's recorded forward calls."""
    y_shape = op(**ref.as_float64(kwargs), impl="ref").shape
    dy = torch.randn(y_shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    expected = ref.values_and_grads(op, ref.as_float64(kwargs), "ref", dy)
    with emulated_native(emu, monkeypatch, cfg) as ops:
        got = ref.values_and_grads(op, kwargs, "native", dy)
    for role, a, e in zip(("y", "dx", "db"), got, expected, strict=True):
        if e is not None:
            assert_close(a, e, kwargs["x"].dtype, f"{role}, {what}")
    return ops.calls


def _describe(kwargs):
    return {k: list(v.shape) if isinstance(v, torch.Tensor) else v for k, v in kwargs.items()}


def test_upfirdn2d_random_cases(emu, monkeypatch):
    """Values and gradients (the backward is upfirdn2d with the adjoint arguments) for random shapes, factors,
    paddings and filters, planned for random device limits (tiled and direct kernels)."""
    g = torch.Generator().manual_seed(5)
    paths = set()
    for i in range(50):
        kwargs = random_upfirdn2d(g, DTYPES[i % 3] if i % 4 == 3 else torch.float32)
        kind, cfg = planner_config(g)
        calls = _emulated_vs_ref(
            emu, monkeypatch, glad_ops.upfirdn2d, kwargs, cfg, i, f"{i} {kind} {_describe(kwargs)}"
        )
        plan = calls[0][3]
        paths.add(plan.fused)
        assert plan.shared_bytes <= cfg.shared_per_block
    assert paths == {True, False}, "both the tiled and the direct kernel must be exercised"


def test_bias_act_random_cases(emu, monkeypatch):
    g = torch.Generator().manual_seed(6)
    for i in range(30):
        kwargs = random_bias_act(g, DTYPES[i % 3])
        _emulated_vs_ref(
            emu, monkeypatch, glad_ops.bias_act, kwargs, config(sm_count=1), i, _describe(kwargs)
        )


# ---- filtered_lrelu: mask codes and the exact backward -----------------------------------------------------
def _check_filtered_lrelu(emu, args, mask, cfg, what):
    """Given a forward call's native args (x, fu, fd, b, up, down, padding, gain, slope, clamp, flip_filter)
    and its mask: the mask codes equal the reference's (except within round-off of a code boundary), unused
    bits are zero, and filtered_lrelu_grad fed the reference codes equals the exact VJP. Returns the backward
    plan."""
    x, fu, fd, b, up, down, padding, gain, slope, clamp, flip = args
    t = ref.preactivation(x, fu, b, up, padding, flip)
    codes, ambiguous = ref.lrelu_codes(t, gain, slope, clamp)
    wrong = (ref.unpack_mask(mask, t.shape[-1]) != codes) & ~ambiguous
    assert not wrong.any(), f"{int(wrong.sum())} mask codes differ from the reference, {what}"
    assert not ref.trailing_bits(mask, t.shape[-1]).any(), f"unused mask bits are not zero, {what}"
    _, _, out_h, out_w = emu.flrelu_shapes(*x.shape[2:], fu, fd, up, down, padding)
    dtype = torch.float32 if x.dtype == torch.float64 else x.dtype
    gen = torch.Generator().manual_seed(out_h * out_w)
    dy = torch.randn(*x.shape[:2], out_h, out_w, generator=gen).to(dtype)
    hw = tuple(x.shape[2:])
    dx, plan = emu.filtered_lrelu_grad(
        dy, ref.pack_codes(codes), fu, fd, up, down, padding, hw, gain, slope, flip, cfg=cfg
    )
    expected = ref.filtered_lrelu_vjp(dy, codes, x.shape, fu, fd, up, down, padding, gain, slope, flip)
    assert_close(dx, expected, dtype, f"dx given the reference codes, {what}")
    return plan


def test_filtered_lrelu_random_cases(emu, monkeypatch):
    """Values and gradients through the wrappers, then the mask codes and the backward given exact codes, for
    random shapes, factors, filters, paddings, gains, slopes and clamps, planned for random device limits."""
    g = torch.Generator().manual_seed(7)
    fused = set()
    for i in range(50):
        kwargs = random_filtered_lrelu(g, DTYPES[i % 3] if i % 5 == 4 else torch.float32)
        kind, cfg = planner_config(g)
        what = f"{i} {kind} {_describe(kwargs)}"
        ((name, args, (y, mask), plan),) = _emulated_vs_ref(
            emu, monkeypatch, glad_ops.filtered_lrelu, kwargs, cfg, i, what
        )
        plan_b = _check_filtered_lrelu(emu, args, mask, cfg, what)
        for p in (plan, plan_b):
            assert p.shared_bytes <= cfg.shared_per_block
            assert p.launches == (1 if p.fused else 3)
        if plan.fused:
            assert plan.tile[1] * args[5] % 4 == 0, "mask bytes of neighbouring tiles would overlap"
        fused |= {plan.fused, plan_b.fused}
    assert fused == {True, False}, "both the fused kernels and the generic path must be exercised"


# Generator-like layers (spec §2.9) with channels and sizes scaled down: windowed-sinc 1-D filters, up 2 or 4,
# down 2, padding as the layers pass it, including the cropping ones.
LAYERS = {
    "L0_36_1024": dict(hw=20, up=2, down=2, fu=12, fd=12, padding=(9, 8, 9, 8)),
    "L10_52_1024": dict(hw=14, up=4, down=2, fu=24, fd=12, padding=(-6, -9, -6, -9)),
    "L25_128_512": dict(hw=32, up=2, down=2, fu=12, fd=12, padding=(-11, -12, -11, -12)),
}


@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_filtered_lrelu_generator_layers(emu, monkeypatch, layer, dtype):
    spec = LAYERS[layer]
    g = torch.Generator().manual_seed(8)
    kwargs = dict(
        x=torch.randn(1, 2, spec["hw"], spec["hw"], generator=g).to(dtype),
        fu=ref.windowed_sinc(spec["fu"], spec["up"]),
        fd=ref.windowed_sinc(spec["fd"], spec["down"]),
        b=torch.randn(2, generator=g).to(dtype),
        up=spec["up"],
        down=spec["down"],
        padding=list(spec["padding"]),
        gain=2**0.5,
        slope=0.2,
        clamp=1.0,
    )
    ((name, args, (y, mask), plan),) = _emulated_vs_ref(
        emu, monkeypatch, glad_ops.filtered_lrelu, kwargs, config(), 0, f"{layer} {dtype}"
    )
    assert int((ref.unpack_mask(mask, mask.shape[-1] * 4) == ref.CODE_CLAMPED).sum()) > 0, (
        "clamp never active"
    )
    plan_b = _check_filtered_lrelu(emu, args, mask, config(), f"{layer} {dtype}")
    assert plan.fused and plan_b.fused


# ImageNet-128 synthesis layer kinds (spec §2.9): channels, filtered_lrelu input size (the layer's input + 2
# from its 3x3 convolution; ToRGB's 1x1 adds nothing), up, down, taps up, taps down, padding, output size
IMAGENET128_LAYERS = {
    "L0-L9": (1024, 38, 2, 2, 12, 12, (9, 8, 9, 8), 36),
    "L10": (1024, 38, 4, 2, 24, 12, (-6, -9, -6, -9), 52),
    "L11-L14": (1024, 54, 2, 2, 12, 12, (9, 8, 9, 8), 52),
    "L15": (1024, 54, 4, 2, 24, 12, (-6, -9, -6, -9), 84),
    "L16-L19": (1024, 86, 2, 2, 12, 12, (9, 8, 9, 8), 84),
    "L20": (1024, 86, 4, 2, 24, 12, (-6, -9, -6, -9), 148),
    "L21-L24": (1024, 150, 2, 2, 12, 12, (9, 8, 9, 8), 148),
    "L25": (512, 150, 2, 2, 12, 12, (-11, -12, -11, -12), 128),
    "L26 (ToRGB)": (512, 128, 1, 1, 1, 1, (0, 0, 0, 0), 128),
}


def test_plans_at_imagenet128_layer_shapes(emu):
    """At the full layer shapes (batch 2) every layer runs the fused kernels in both directions, with tiles
    that leave room for at least two resident blocks per H100 SM, and grids within CUDA's limits."""
    for name, (c, size, up, down, fu, fd, padding, size_out) in IMAGENET128_LAYERS.items():
        t_h, _, out_h, _ = emu.flrelu_shapes(size, size, torch.ones(fu), torch.ones(fd), up, down, padding)
        assert out_h == size_out, f"{name}: output {out_h}, spec {size_out}"
        for backward in (False, True):
            plan = emu.plan_filtered_lrelu((2, c, size, size), (fu,), (fd,), up, down, padding, backward)
            what = f"{name} {'backward' if backward else 'forward'}: {plan}"
            assert plan.fused and 2 * plan.shared_bytes <= 228 * 1024, what  # >= 2 resident blocks per SM
            assert plan.grid[1] <= 65535 and plan.grid[2] == 2 * c, what
            extent = size if backward else size_out
            assert (plan.grid[0] - 1) * plan.tile[1] < extent <= plan.grid[0] * plan.tile[1], what
            assert (plan.grid[1] - 1) * plan.tile[0] < extent <= plan.grid[1] * plan.tile[0], what


def test_filtered_lrelu_torgb_identity(emu):
    """ToRGB (spec §1.5): no filters, slope 1, gain 1 -> bias + clamp; also the generic path."""
    g = torch.Generator().manual_seed(9)
    x, b = torch.randn(2, 3, 8, 8, generator=g), torch.randn(3, generator=g)
    one = torch.ones([1])
    for cfg in [config(), config(allow_fused=False)]:
        y, mask, _ = emu.filtered_lrelu(x, one, one, b, 1, 1, (0, 0, 0, 0), 1.0, 1.0, 1.5, False, cfg=cfg)
        assert_close(
            y, (x.double() + b.double()[None, :, None, None]).clamp(-1.5, 1.5), torch.float32, "ToRGB"
        )
        codes = ref.unpack_mask(mask, 8)
        assert torch.equal(codes == 2, (x + b[None, :, None, None]).abs() >= 1.5)


def test_filtered_lrelu_plans_respect_limits(emu, monkeypatch):
    """Tiles shrink with the shared memory on offer; with too little for any tile the generic path runs."""
    kwargs = dict(
        x=torch.randn(1, 2, 9, 7, generator=torch.Generator().manual_seed(10)),
        fu=ref.windowed_sinc(8, 2),
        fd=torch.rand(3, 5, generator=torch.Generator().manual_seed(11)),
        up=2,
        down=2,
        padding=[4, 3, 5, 2],
        clamp=0.8,
    )
    plans = []
    for shared in [227 * 1024, 16 * 1024, 6 * 1024, 1024]:
        cfg = config(shared_per_block=shared, shared_per_sm=max(shared, 2048))
        what = f"shared {shared}"
        ((_, args, (_, mask), plan),) = _emulated_vs_ref(
            emu, monkeypatch, glad_ops.filtered_lrelu, kwargs, cfg, 0, what
        )
        plans.append((plan, _check_filtered_lrelu(emu, args, mask, cfg, what)))
    areas = [p.tile[0] * p.tile[1] for p, _ in plans[:-1]]
    assert all(p.fused and b.fused for p, b in plans[:-1]) and areas == sorted(areas, reverse=True), plans
    assert not plans[-1][0].fused and not plans[-1][1].fused, plans[-1]


@pytest.mark.parametrize("clamp", [None, 2.0])
def test_non_finite_values_follow_torch(emu, monkeypatch, clamp):
    """NaN and +-inf as the reference treats them (torch.clamp and autograd): NaN stays NaN through the clamp,
    a clamp blocks the gradient at NaN and +-inf, without a clamp nothing is blocked; fused and generic paths.
    Gains and slopes are powers of two, so float32 results are exact."""
    x = torch.tensor([float("nan"), float("inf"), -float("inf"), -3.0, 0.5, 2.0, 3.0])
    flrelu = dict(x=x.view(1, 1, 1, -1), gain=2.0, slope=0.25, clamp=clamp)
    cases = [
        (glad_ops.bias_act, dict(x=x, act="lrelu", alpha=0.25, gain=2.0, clamp=clamp), config()),
        (glad_ops.filtered_lrelu, flrelu, config()),
        (glad_ops.filtered_lrelu, flrelu, config(allow_fused=False)),
    ]
    for op, kwargs, cfg in cases:
        dy = torch.ones_like(kwargs["x"])
        expected = ref.values_and_grads(op, kwargs, "ref", dy)
        with emulated_native(emu, monkeypatch, cfg):
            got = ref.values_and_grads(op, kwargs, "native", dy)
        for role, a, e in zip(("y", "dx"), got, expected, strict=False):
            what = f"{op.__name__} clamp={clamp} fused={cfg.allow_fused} {role}: {a} vs ref {e}"
            torch.testing.assert_close(a, e, rtol=0, atol=0, equal_nan=True, msg=what)


# ---- the fixtures, through the public wrappers -------------------------------------------------------------
FIXTURE_OPS = {"bias_act", "upfirdn2d", "upsample2d", "downsample2d", "filter2d", "filtered_lrelu"}
FIXTURE_TOL = 2e-5  # float32 kernels vs the float64 fixtures, relative to max(1, max |expected|)


def test_fixture_cases_through_the_wrappers(emu, op_cases, monkeypatch):
    """Every op fixture case, replayed through the public wrappers (their argument normalisation) with the
    native path routed to the emulated CUDA kernels in float32: y, dx and db against the fixture; the
    gradients come from the emulated backward kernels (bias_act_grad, adjoint upfirdn2d, filtered_lrelu_grad
    with the forward's mask)."""
    checked = 0
    for case in op_cases.values():
        if case.op not in FIXTURE_OPS:
            continue
        with emulated_native(emu, monkeypatch) as ops:
            got = run_case(case, "native")
        assert ops.calls, f"{case.id}: the wrapper did not call the native op"
        for role in ("y", "dx", "db"):
            if role in case.tensors:
                err, scale = ref.max_error(got[role], case.tensors[role])
                # db sums many float32 terms
                tol = FIXTURE_TOL * (math.sqrt(got["dx"].numel()) if role == "db" else 1.0)
                assert err <= tol * scale, f"{case.id}: {role} max error {err:.3g} > {tol:.3g} * {scale:.3g}"
        checked += 1
    assert checked >= 30, f"only {checked} fixture cases of {sorted(FIXTURE_OPS)}"


def test_geometry_mismatch_is_reported(emu):
    """Sizes that disagree with the kernels' geometry are refused with a message, not computed."""
    x, f, y = torch.randn(1, 1, 4, 4), torch.ones([3]), torch.empty(1, 1, 9, 9)
    rc = emu.lib.emu_upfirdn2d(
        0,
        ctypes.c_void_p(x.data_ptr()),
        ctypes.c_void_p(f.data_ptr()),
        ctypes.c_void_p(y.data_ptr()),
        1,
        1,
        4,
        4,
        3,
        3,
        1,
        1,
        1,
        1,
        1,
        1,
        1,
        1,
        1,
        0,
        1.0,
        9,
        9,
        ctypes.byref(config()),
        None,
    )
    with pytest.raises(EmulationError, match="geometry gives output 4x4"):
        emu._check(rc)
