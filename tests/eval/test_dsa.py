"""DSA: each op's semantics and ranges, differentiability, Siamese use, reproducibility from a generator."""

from __future__ import annotations

import math

import pytest
import torch
from glad_eval.augment import DSA, FAMILIES, OPS, DSAConfig

CFG = DSAConfig()


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def images(n: int = 4, c: int = 3, size: int = 16, seed: int = 0, dtype=torch.float32) -> torch.Tensor:
    return torch.rand(n, c, size, size, generator=gen(seed), dtype=dtype)


@pytest.mark.parametrize("op", sorted(OPS))
def test_each_op_is_differentiable_gradcheck(op):
    x = images(2, 2, 6, dtype=torch.float64).requires_grad_()
    u = OPS[op].draw(2, gen(1)).double()
    assert torch.autograd.gradcheck(lambda t: OPS[op].apply(t, u, CFG), (x,))


def test_full_strategy_gradient_reaches_every_image():
    dsa = DSA(mode="M")
    x = images(3).requires_grad_()
    dsa(x, generator=gen()).square().sum().backward()
    assert torch.isfinite(x.grad).all() and (x.grad.flatten(1).abs().sum(1) > 0).all()


def test_same_seed_same_result_other_seed_other_result():
    dsa = DSA()
    x = images(8)
    assert torch.equal(dsa(x, generator=gen(5)), dsa(x, generator=gen(5)))
    different = [not torch.equal(dsa(x, generator=gen(5)), dsa(x, generator=gen(s))) for s in range(6, 11)]
    assert all(different)


def test_sampling_leaves_the_global_rng_alone():
    state = torch.get_rng_state()
    DSA(mode="M")(images(), generator=gen())
    assert torch.equal(torch.get_rng_state(), state)


def test_siamese_shared_parameters_transform_both_batches_alike():
    dsa = DSA(mode="M")
    real, syn = images(6, seed=1), images(2, seed=2)
    joint = torch.cat([syn, real])
    for seed in range(5):
        params = dsa.sample(6, generator=gen(seed), per_sample=False)
        assert params.batch_size == 1 and not params.per_sample
        out_real, out_syn, out_joint = (
            dsa.apply(real, params),
            dsa.apply(syn, params),
            dsa.apply(joint, params),
        )
        torch.testing.assert_close(out_joint[:2], out_syn)
        torch.testing.assert_close(out_joint[2:], out_real)


def test_per_sample_parameters_differ_between_images():
    dsa = DSA("rotate")
    x = images(1).expand(4, -1, -1, -1)
    out = dsa(x, generator=gen())
    assert not torch.equal(out[0], out[1])
    with pytest.raises(ValueError, match="drawn per sample for 4 images but x has 3"):
        dsa.apply(images(3), dsa.sample(4, generator=gen()))


def test_mode_s_applies_one_family_and_every_family_turns_up():
    dsa = DSA()
    seen = set()
    for seed in range(60):
        ops = dsa.sample(2, generator=gen(seed)).ops
        family = [name for name, fam in FAMILIES.items() if fam == ops]
        assert len(family) == 1
        seen.add(family[0])
    assert seen == set(FAMILIES)
    assert DSA(mode="M").sample(2, generator=gen()).ops == tuple(
        op for fam in FAMILIES.values() for op in fam
    )


def test_parameter_ranges_match_the_reference_magnitudes():
    n = 4000
    u_scale = OPS["scale"].draw(n, gen(1))
    factors = u_scale * (CFG.scale_ratio - 1 / CFG.scale_ratio) + 1 / CFG.scale_ratio
    assert factors.min() >= 1 / 1.2 and factors.max() <= 1.2 and factors.min() < 0.84 and factors.max() > 1.19
    # rotation: a one-pixel image edge moves by at most what a 15 degree turn allows
    x = torch.zeros(1, 1, 33, 33)
    x[..., 16, 26] = 1.0  # a dot 10 px right of the centre
    angles = []
    for u in (0.0, 0.25, 0.5, 0.75, 0.9999):
        out = OPS["rotate"].apply(x, torch.tensor([[u]]), CFG)
        ys, xs = torch.meshgrid(torch.arange(33.0), torch.arange(33.0), indexing="ij")
        w = out[0, 0]
        cy, cx = (w * ys).sum() / w.sum(), (w * xs).sum() / w.sum()
        angles.append(math.degrees(math.atan2(cy - 16, cx - 16)))
    assert abs(abs(angles[0]) - 15) < 1.5 and abs(angles[2]) < 0.5 and abs(abs(angles[4]) - 15) < 1.5
    assert angles[0] * angles[4] < 0  # both directions


def test_flip_mirrors_exactly_where_drawn():
    x = images(2)
    out = OPS["flip"].apply(x, torch.tensor([[0.2], [0.7]]), CFG)
    assert torch.equal(out[0], x[0].flip(-1)) and torch.equal(out[1], x[1])


@pytest.mark.parametrize(("u", "shift"), [(0.5, 0), (0.0, -2), (0.99, 2), (0.7, 1)])
def test_crop_translates_by_whole_pixels_with_zero_fill(u, shift):
    x = images(1, 1, 16)  # max shift round(0.125 * 16) = 2; u -> floor(u * 5) - 2
    out = OPS["crop"].apply(x, torch.tensor([[0.5, u]]), CFG)  # shift along the width only
    expected = torch.zeros_like(x)
    if shift >= 0:
        expected[..., : 16 - shift] = x[..., shift:]
    else:
        expected[..., -shift:] = x[..., :shift]
    assert torch.equal(out, expected)


def test_cutout_zeroes_a_half_size_square():
    x = torch.ones(1, 1, 16, 16)
    out = OPS["cutout"].apply(x, torch.tensor([[0.5, 0.5]]), CFG)  # centre pixel (8, 8), side 8
    zero = out[0, 0] == 0
    assert zero.sum() == 64 and zero[4:12, 4:12].all()
    corner = OPS["cutout"].apply(x, torch.tensor([[0.0, 0.0]]), CFG)[0, 0] == 0
    assert corner.sum() == 16 and corner[:4, :4].all()  # clipped at the border


def test_color_ops_match_their_formulas():
    x = images(2)
    u = torch.tensor([[0.25], [0.9]])
    torch.testing.assert_close(OPS["brightness"].apply(x, u, CFG), x + (u.view(-1, 1, 1, 1) - 0.5))
    gray = x.mean(1, keepdim=True)
    torch.testing.assert_close(
        OPS["saturation"].apply(x, u, CFG), (x - gray) * 2 * u.view(-1, 1, 1, 1) + gray
    )
    mean = x.mean((1, 2, 3), keepdim=True)
    torch.testing.assert_close(
        OPS["contrast"].apply(x, u, CFG), (x - mean) * (u.view(-1, 1, 1, 1) + 0.5) + mean
    )


def test_identity_parameters_leave_images_unchanged():
    x = images(2)
    identity = {
        "scale": torch.full((1, 2), (1 - 1 / 1.2) / (1.2 - 1 / 1.2)),  # factor 1
        "rotate": torch.full((1, 1), 0.5),
        "brightness": torch.full((1, 1), 0.5),
        "saturation": torch.full((1, 1), 0.5),
        "contrast": torch.full((1, 1), 0.5),
    }
    for op, u in identity.items():
        torch.testing.assert_close(OPS[op].apply(x, u, CFG), x, atol=1e-5, rtol=0, msg=op)


def test_runs_on_the_images_device_with_a_cpu_generator():
    dsa = DSA(mode="M")
    params = dsa.sample(2, generator=gen(), device="meta")
    assert all(v.device.type == "meta" for v in params.values.values())
    assert dsa(images(2, dtype=torch.float64), generator=gen()).dtype == torch.float64


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"strategy": "color_blur"}, "unknown augmentation.*blur"), ({"mode": "X"}, "mode='X'")],
)
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DSA(**kwargs)


def test_none_strategy_is_identity():
    x = images(2)
    assert torch.equal(DSA("none")(x, generator=gen()), x)


@pytest.mark.parametrize("x", [torch.rand(2, 3, 4), torch.zeros(2, 3, 4, 4, dtype=torch.uint8), [1.0]])
def test_bad_images_are_refused_by_both_entry_points(x):
    dsa = DSA()
    with pytest.raises(ValueError, match=r"x must be a float tensor \[N, C, H, W\]"):
        dsa(x, generator=gen())
    with pytest.raises(ValueError, match=r"x must be a float tensor \[N, C, H, W\]"):
        dsa.apply(x, dsa.sample(2, generator=gen(), per_sample=False))
