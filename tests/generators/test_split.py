"""GLaD's layer split: range checks, render(encode(ws)) == synthesis(ws), gradients, shape checks."""

from __future__ import annotations

import glad_generators
import numpy as np
import pytest
import torch
from glad_generators.nn import modulated_conv


@pytest.fixture(scope="module")
def G():
    return glad_generators.random_stylegan_xl(32, 10, 0, channel_base=256, channel_max=16, calibrate=True)


@pytest.fixture(scope="module")
def ws(G) -> torch.Tensor:
    return G.mapping(torch.randn(2, 64, generator=torch.Generator().manual_seed(4)), torch.tensor([3, 5]))


@pytest.mark.parametrize("n", [-1, 16, 100])
def test_out_of_range_layer_names_the_valid_range(G, n: int) -> None:
    with pytest.raises(ValueError, match=r"\[0, 15\]"):
        G.split(n)


@pytest.mark.parametrize("n", [None, 2.0, "3", True, torch.tensor(2.0)])
def test_non_int_layer_is_a_type_error(G, n) -> None:
    with pytest.raises(TypeError, match=r"\[0, 15\]"):
        G.split(n)


@pytest.mark.parametrize("n", [np.int64(7), torch.tensor(7)])
def test_numpy_and_torch_integers_are_accepted(G, n) -> None:
    split = G.split(n)
    assert type(split.n) is int and split.n == 7
    with pytest.raises(ValueError, match=r"\[0, 15\]"):
        G.split(n * 3)


@pytest.mark.parametrize("n", [0, 1, 9, 10, 14, 15])
def test_render_of_encode_equals_synthesis(G, ws: torch.Tensor, n: int) -> None:
    split = G.split(n)
    features = split.encode(ws)
    assert features.dtype == torch.float32
    assert tuple(features.shape) == (2, *split.feature_shape)
    assert split.layer_name == G.layer_names[n]
    torch.testing.assert_close(split.render(features, ws), G.synthesis(ws), rtol=0, atol=0)


def test_feature_shapes_follow_the_layer_table(G) -> None:
    assert G.split(0).feature_shape == (16, 36, 36)  # the Fourier input
    for n in range(1, len(G.layer_names)):
        cfg = G.config.layers[n - 1]
        assert G.split(n).feature_shape == (cfg.out_channels, cfg.out_size, cfg.out_size)


def test_both_halves_are_differentiable(G, ws: torch.Tensor) -> None:
    n = 10
    split = G.split(n)
    w_enc = ws.clone().requires_grad_(True)
    features = split.encode(w_enc)
    features.square().sum().backward()
    assert w_enc.grad[:, : n + 1].abs().sum() > 0 and torch.count_nonzero(w_enc.grad[:, n + 1 :]) == 0

    f = split.encode(ws).detach().requires_grad_(True)
    w_ren = ws.clone().requires_grad_(True)
    split.render(f, w_ren).square().sum().backward()
    assert f.grad.abs().sum() > 0
    assert torch.count_nonzero(w_ren.grad[:, : n + 1]) == 0 and w_ren.grad[:, n + 1 :].abs().sum() > 0


def test_bad_shapes_are_refused(G, ws: torch.Tensor) -> None:
    split = G.split(4)
    with pytest.raises(ValueError, match=r"ws must have shape \[N, 17, 512\]"):
        split.encode(ws[:, :5])
    with pytest.raises(ValueError, match=r"features for layer 4 must have shape \[2, 16, 36, 36\]"):
        split.render(torch.zeros(2, 16, 52, 52), ws)


@pytest.mark.parametrize("demodulate", [True, False])
def test_both_modulated_conv_forms_agree(demodulate: bool) -> None:
    """float32 uses `modulate_activations`, fp16/bf16 the released `grouped` form: same values, gradients."""
    gen = torch.Generator().manual_seed(0)
    x0 = torch.randn(3, 5, 9, 9, generator=gen, dtype=torch.float64)
    weight = torch.randn(4, 5, 3, 3, generator=gen, dtype=torch.float64)
    styles0 = torch.randn(3, 5, generator=gen, dtype=torch.float64)
    gain = torch.tensor(0.7, dtype=torch.float64)
    outputs = []
    for form in (modulated_conv.grouped, modulated_conv.modulate_activations):
        x, styles = x0.clone().requires_grad_(True), styles0.clone().requires_grad_(True)
        y = form(x, weight, styles, demodulate=demodulate, input_gain=gain, padding=2)
        (y * torch.linspace(-1, 1, y.numel(), dtype=y.dtype).reshape(y.shape)).sum().backward()
        outputs.append((y, x.grad, styles.grad))
    assert outputs[0][0].shape == (3, 4, 11, 11)
    for a, b in zip(*outputs, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
