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
from .cuda_emulation.random_cases import FlreluCase, draw_filtered_lrelu, draw_upfirdn, planner_config
from .op_cases import run_case

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
            got1 = emu.bias_act(*args, grad_of=gy, order=1)[0]
            got2 = emu.bias_act(*args, grad_of=gy, order=2)[0]
            # Measure-zero points where the kernels (CPU and CUDA alike) follow contracts.md, not torch: the
            # gradient passes at |y| == clamp exactly (torch.clamp blocks it), and elu''/selu'' at v == 0 are
            # exp(0) terms (torch's double backward gives 0). Half-precision inputs hit them (x == -b).
            v = x.double() if b is None else x.double() + b.double().reshape([-1] + [1] * (x.dim() - 1 - dim))
            skip = (free.abs() == clamp) if clamp >= 0 else torch.zeros_like(v, dtype=torch.bool)
            assert_close(
                got1.masked_fill(skip, 0), d1.masked_fill(skip, 0), dtype, f"bias_act_grad order 1 {what}"
            )
            if act in ("elu", "selu"):
                skip |= v == 0
            assert_close(
                got2.masked_fill(skip, 0), d2.masked_fill(skip, 0), dtype, f"bias_act_grad order 2 {what}"
            )


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


# ---- upfirdn2d ---------------------------------------------------------------------------------------------
def _upfirdn_ref(case):
    return glad_ops.upfirdn2d(
        case.x.double(),
        case.f,
        up=list(case.up),
        down=list(case.down),
        padding=list(case.padding),
        flip_filter=case.flip_filter,
        gain=case.gain,
        impl="ref",
    )


def test_upfirdn2d_random_cases(emu):
    g = torch.Generator().manual_seed(5)
    paths = set()
    for i in range(60):
        dtype = DTYPES[i % 3] if i % 4 == 3 else torch.float32
        case = draw_upfirdn(g, dtype)
        kind, cfg = planner_config(g)
        y, plan = emu.upfirdn2d(
            case.x, case.f, case.up, case.down, case.padding, case.flip_filter, case.gain, cfg=cfg
        )
        paths.add(plan.fused)
        assert plan.shared_bytes <= cfg.shared_per_block
        assert_close(y, _upfirdn_ref(case), dtype, f"case {i} ({kind}): {case.describe()}")
    assert paths == {True, False}, "both the tiled and the direct kernel must be exercised"


def test_upfirdn2d_adjoint_is_upfirdn2d(emu):
    """The backward the wrapper uses (spec §1.3: upfirdn2d with swapped factors, flipped filter, adjoint
    padding) equals autograd of the reference."""
    g = torch.Generator().manual_seed(6)
    for _ in range(12):
        case = draw_upfirdn(g)
        (ux, uy), (dx_, dy_), (px0, _px1, py0, _py1) = case.up, case.down, case.padding
        n, c, h, w = case.x.shape
        fw, fh = (case.f.shape[-1], case.f.shape[0]) if case.f.dim() == 2 else (case.f.shape[0],) * 2
        y = _upfirdn_ref(case)
        gy = torch.randn(y.shape, generator=g)
        pad = (
            fw - px0 - 1,
            w * ux - y.shape[3] * dx_ + px0 - ux + 1,
            fh - py0 - 1,
            h * uy - y.shape[2] * dy_ + py0 - uy + 1,
        )
        dx, _ = emu.upfirdn2d(gy, case.f, (dx_, dy_), (ux, uy), pad, not case.flip_filter, case.gain)
        x = case.x.double().requires_grad_(True)
        case.x = x
        (expected,) = torch.autograd.grad(_upfirdn_ref(case), x, gy.double())
        assert_close(dx, expected, torch.float32, f"adjoint of {case.describe()}")


# ---- filtered_lrelu ----------------------------------------------------------------------------------------
def _resolve_clamp(case, t):
    """An active clamp (half the largest activation) for cases drawn with clamp == -2."""
    if case.clamp == -2.0:
        activated = torch.where(t > 0, t, t * case.slope) * case.gain
        case.clamp = 0.5 * float(activated.abs().max())
    return case.clamp


def _check_filtered_lrelu(emu, case, cfg, what):
    """Forward values and mask codes vs the reference, then the backward vs the exact VJP given the codes.
    Returns (forward plan, backward plan)."""
    t = ref.preactivation(case.x, case.fu, case.b, case.up, case.padding, case.flip_filter)
    clamp = _resolve_clamp(case, t)
    what = f"{what} (clamp {clamp:.4g})"
    y, mask, plan = emu.filtered_lrelu(
        case.x,
        case.fu,
        case.fd,
        case.b,
        case.up,
        case.down,
        case.padding,
        case.gain,
        case.slope,
        clamp,
        case.flip_filter,
        cfg=cfg,
    )
    expected = glad_ops.filtered_lrelu(
        case.x.double(),
        case.fu,
        case.fd,
        None if case.b is None else case.b.double(),
        up=case.up,
        down=case.down,
        padding=list(case.padding),
        gain=case.gain,
        slope=case.slope,
        clamp=None if clamp < 0 else clamp,
        flip_filter=case.flip_filter,
        impl="ref",
    )
    dtype = case.x.dtype
    assert_close(y, expected, dtype, f"y, {what}")
    codes, ambiguous = ref.lrelu_codes(t, case.gain, case.slope, clamp)
    got = ref.unpack_mask(mask, t.shape[-1])
    wrong = (got != codes) & ~ambiguous
    assert not wrong.any(), f"{int(wrong.sum())} mask codes differ from the reference, {what}"
    assert not ref.trailing_bits(mask, t.shape[-1]).any(), f"unused mask bits are not zero, {what}"

    gen = torch.Generator().manual_seed(int(y.numel()))
    dy = torch.randn(y.shape, generator=gen).to(dtype)
    dx, plan_b = emu.filtered_lrelu_grad(
        dy,
        ref.pack_codes(codes),
        case.fu,
        case.fd,
        case.up,
        case.down,
        case.padding,
        tuple(case.x.shape[2:]),
        case.gain,
        case.slope,
        case.flip_filter,
        cfg=cfg,
    )
    expected_dx = ref.filtered_lrelu_vjp(
        dy,
        codes,
        case.x.shape,
        case.fu,
        case.fd,
        case.up,
        case.down,
        case.padding,
        case.gain,
        case.slope,
        case.flip_filter,
    )
    assert_close(dx, expected_dx, dtype, f"dx, {what}")
    return plan, plan_b


def test_filtered_lrelu_random_cases(emu):
    g = torch.Generator().manual_seed(7)
    fused = set()
    for i in range(70):
        dtype = DTYPES[i % 3] if i % 5 == 4 else torch.float32
        case = draw_filtered_lrelu(g, dtype)
        kind, cfg = planner_config(g)
        plan, plan_b = _check_filtered_lrelu(emu, case, cfg, f"case {i} ({kind}): {case.describe()}")
        for p in (plan, plan_b):
            assert p.shared_bytes <= cfg.shared_per_block
            assert p.launches == (1 if p.fused else 3)
        fused |= {plan.fused, plan_b.fused}
        if plan.fused:
            assert plan.tile[1] * case.down % 4 == 0, "mask bytes of neighbouring tiles would overlap"
    assert fused == {True, False}, "both the fused kernels and the generic path must be exercised"


# Generator-like layers (spec §2.9) with channels and sizes scaled down: kaiser-like 1-D filters, up 2 or 4,
# down 2, padding as the layers pass it, including the cropping ones.
LAYERS = {
    "L0_36_1024": dict(hw=18, up=2, down=2, fu=12, fd=12, padding=(9, 8, 9, 8)),
    "L10_52_1024": dict(hw=14, up=4, down=2, fu=24, fd=12, padding=(-6, -9, -6, -9)),
    "L25_128_512": dict(hw=30, up=2, down=2, fu=12, fd=12, padding=(-11, -12, -11, -12)),
}


@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_filtered_lrelu_generator_layers(emu, layer, dtype):
    spec = LAYERS[layer]
    g = torch.Generator().manual_seed(8)

    def taps(n):
        return torch.signal.windows.kaiser(n, beta=4.0, sym=True).float() * (  # noqa: E731
            torch.sinc(torch.linspace(-(n - 1) / 2, (n - 1) / 2, n) / spec["up"]).float()
        )

    fu, fd = taps(spec["fu"]), taps(spec["fd"])
    fu, fd = fu / fu.sum(), fd / fd.sum()
    x = torch.randn(1, 2, spec["hw"], spec["hw"], generator=g).to(dtype)
    b = torch.randn(2, generator=g).to(dtype)
    case = FlreluCase(x, fu, fd, b, spec["up"], spec["down"], spec["padding"], 2**0.5, 0.2, -2.0, False)
    plan, plan_b = _check_filtered_lrelu(emu, case, config(), f"{layer} {dtype}")
    assert plan.fused and plan_b.fused


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
        assert torch.equal(codes == 2, (x + b[None, :, None, None]).abs() > 1.5)


def test_filtered_lrelu_plans_respect_limits(emu):
    """Tiles shrink with the shared memory on offer; with too little for any tile the generic path runs."""
    g = torch.Generator().manual_seed(10)
    case = draw_filtered_lrelu(g)
    case.clamp = -1.0
    sizes = []
    for shared in [227 * 1024, 16 * 1024, 6 * 1024, 256]:
        cfg = config(shared_per_block=shared, shared_per_sm=max(shared, 2048))
        plan, plan_b = _check_filtered_lrelu(emu, case, cfg, f"shared {shared}: {case.describe()}")
        sizes.append((plan.fused, plan_b.fused))
    assert sizes[0] == (True, True) and sizes[-1] == (False, False)


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
