"""Random StyleGAN-XL generators: shapes, determinism, save/load round trip, grayscale, input validation."""

from __future__ import annotations

from pathlib import Path

import glad_generators
import pytest
import torch

SMALL = dict(channel_base=256, channel_max=16)


def small(resolution: int = 32, num_classes: int = 10, seed: int = 0, **kw):
    return glad_generators.random_stylegan_xl(resolution, num_classes, seed, **{**SMALL, **kw})


def latents(n: int, seed: int = 1) -> torch.Tensor:
    return torch.randn(n, 64, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("resolution", [16, 32, 64, 128])
def test_finite_images_of_the_right_shape(resolution: int) -> None:
    G = small(resolution)
    assert not G.training and not any(p.requires_grad for p in G.parameters())
    images = G(latents(2), torch.tensor([0, 9]))
    assert images.shape == (2, 3, resolution, resolution) and images.dtype == torch.float32
    assert torch.isfinite(images).all() and images.abs().max() > 0


def test_same_seed_same_weights_different_seed_different_weights() -> None:
    a, b, c = small(seed=7), small(seed=7), small(seed=8)
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not torch.equal(sa["synthesis.L0_36_16.weight"], sc["synthesis.L0_36_16.weight"])
    assert not torch.equal(sa["mapping.embed.weight"], sc["mapping.embed.weight"])
    assert torch.equal(a(latents(2), torch.tensor([1, 2])), b(latents(2), torch.tensor([1, 2])))


def test_initialisation_follows_the_spec() -> None:
    G = small(seed=3)
    assert torch.equal(G.mapping.w_avg, torch.zeros_like(G.mapping.w_avg))
    assert torch.equal(G.synthesis.input.affine.weight, torch.zeros_like(G.synthesis.input.affine.weight))
    assert torch.equal(G.synthesis.input.affine.bias, torch.tensor([1.0, 0.0, 0.0, 0.0]))
    assert torch.equal(G.synthesis.input.transform, torch.eye(3))
    freqs = G.synthesis.input.freqs
    assert freqs.norm(dim=1).max() <= G.config.input.bandwidth
    assert G.synthesis.input.phases.abs().max() <= 0.5
    for layer in G.synthesis.layers:
        assert layer.magnitude_ema.item() == 1.0 and torch.equal(layer.bias, torch.zeros_like(layer.bias))
        assert torch.equal(layer.affine.bias, torch.ones_like(layer.affine.bias))
        if layer.up_filter is not None:
            assert layer.up_filter.sum().item() == pytest.approx(1.0, abs=1e-6)
    fc0 = G.mapping.fc0  # weight ~ N(0, 1) / lr_multiplier
    assert fc0.weight.std().item() == pytest.approx(1 / 0.01, rel=0.05)


def test_save_load_round_trip_is_bit_identical(tmp_path: Path) -> None:
    G = small(64, num_classes=5, seed=11)
    out = glad_generators.save(G, tmp_path / "gen")
    assert (out / "weights.safetensors").is_file() and (out / "config.json").is_file()
    for source in (out, out / "weights.safetensors", out / "config.json"):
        H = glad_generators.load(source)
        assert H.config == G.config
        assert set(H.state_dict()) == set(G.state_dict())
        assert all(torch.equal(H.state_dict()[k], v) for k, v in G.state_dict().items())
    z, c = latents(2), torch.tensor([0, 4])
    assert torch.equal(H(z, c), G(z, c))
    bare = tmp_path / "alone.safetensors"  # the weights file alone carries its config
    bare.write_bytes((out / "weights.safetensors").read_bytes())
    assert glad_generators.load(bare).config == G.config


def test_grayscale_generator() -> None:
    G = small(32, img_channels=1)
    assert G.img_channels == 1 and G.config.layers[-1].out_channels == 1
    assert G(latents(3), torch.tensor([0, 1, 2])).shape == (3, 1, 32, 32)


def test_calibrated_generator_keeps_activations_at_unit_scale() -> None:
    G = small(32, seed=5, calibrate=True)
    ws = G.mapping(latents(4, seed=9), torch.arange(4))
    x = G.synthesis.input(ws[:, 0])
    for idx, layer in enumerate(G.synthesis.layers[:-1]):
        x = G.synthesis.run_layers(x, ws, idx, idx + 1)
        assert 0.1 < x.square().mean().sqrt().item() < 10, layer.name
    assert not torch.equal(G.mapping.w_avg, torch.zeros_like(G.mapping.w_avg))
    assert all(
        torch.equal(a, b)
        for a, b in zip(
            G.state_dict().values(), small(32, seed=5, calibrate=True).state_dict().values(), strict=True
        )
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(resolution=48), "resolution must be a power of two"),
        (dict(resolution=8), "resolution must be a power of two"),
        (dict(num_classes=0), "num_classes"),
        (dict(seed=-1), "seed"),
        (dict(channel_base=0), "channel_base"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict, match: str) -> None:
    args = dict(resolution=32, num_classes=10, seed=0) | kwargs
    with pytest.raises(ValueError, match=match):
        glad_generators.random_stylegan_xl(
            args.pop("resolution"), args.pop("num_classes"), args.pop("seed"), **{**SMALL, **args}
        )


def test_unknown_recipe_option_is_refused() -> None:
    with pytest.raises(TypeError, match="head_layerz"):
        small(head_layerz=3)


def test_mapping_inputs_are_validated() -> None:
    G = small()
    with pytest.raises(ValueError, match=r"class labels in c must lie in \[0, 9\]"):
        G.mapping(latents(2), torch.tensor([0, 10]))
    with pytest.raises(ValueError, match="one-hot"):
        G.mapping(latents(2), torch.zeros(2, 7))
    with pytest.raises(ValueError, match=r"z must have shape \[N, 64\]"):
        G.mapping(torch.zeros(2, 32), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="truncation_cutoff"):
        G.mapping(latents(2), torch.tensor([0, 1]), truncation_psi=0.5, truncation_cutoff=99)


def test_truncation_moves_ws_toward_the_class_centre() -> None:
    G = small(calibrate=True)
    z, c = latents(3), torch.tensor([1, 2, 3])
    ws = G.mapping(z, c)
    centre = G.mapping.w_avg[c].unsqueeze(1)
    truncated = G.mapping(z, c, truncation_psi=0.5, truncation_cutoff=4)
    torch.testing.assert_close(truncated[:, :4], centre + 0.5 * (ws[:, :4] - centre))
    assert torch.equal(truncated[:, 4:], ws[:, 4:])
    torch.testing.assert_close(G.mapping(z, c, truncation_psi=0.0), centre.expand_as(ws))
