"""The official StyleGAN call keywords (`noise_mode`, `update_emas`) are accepted as drop-in compatibility."""

from __future__ import annotations

import glad_generators
import pytest
import torch


@pytest.fixture(scope="module")
def G():
    return glad_generators.random_stylegan_xl(16, 3, 0, channel_base=64, channel_max=4)


def test_official_keywords_change_nothing(G):
    z, c = torch.randn(2, G.z_dim, generator=torch.Generator().manual_seed(0)), torch.tensor([0, 2])
    plain = G(z, c)
    for noise_mode in ("const", "random", "none"):
        same = G(z, c, noise_mode=noise_mode, update_emas=False)
        assert torch.equal(same, plain), noise_mode
    ws = G.mapping(z, c, update_emas=False)
    assert torch.equal(G.synthesis(ws, noise_mode="none", update_emas=False), plain)


@pytest.mark.parametrize(
    "call",
    [
        lambda G, z, c: G(z, c, update_emas=True),
        lambda G, z, c: G.mapping(z, c, update_emas=True),
        lambda G, z, c: G.synthesis(G.mapping(z, c), update_emas=True),
    ],
    ids=["G", "mapping", "synthesis"],
)
def test_update_emas_true_is_refused_and_leaves_the_averages(G, call):
    z, c = torch.randn(2, G.z_dim), torch.tensor([0, 1])
    before = {k: v.clone() for k, v in G.state_dict().items()}
    with pytest.raises(ValueError, match="update_emas=True"):
        call(G, z, c)
    assert all(torch.equal(v, before[k]) for k, v in G.state_dict().items())


def test_unknown_noise_mode_names_the_choices(G):
    with pytest.raises(ValueError, match="noise_mode must be one of"):
        G(torch.randn(1, G.z_dim), torch.tensor([0]), noise_mode="loud")
