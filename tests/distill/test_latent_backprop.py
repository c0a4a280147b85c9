"""glad_ops.latent_backprop equals one full backward pass, chunk size regardless."""

from __future__ import annotations

import weakref

import pytest
import torch
from glad_ops import latent_backprop


def _toy_render(weight: torch.Tensor):
    """Images [n, 2, 3, 3] from (a [n, 4], b [n, 2, 3, 3]); image k depends on row k only."""

    def render(latents):
        a, b = latents
        mixed = torch.tanh(a @ weight).view(-1, 2, 3, 3)
        return mixed * b + b.pow(2).sum(dim=(1, 2, 3), keepdim=True).sqrt()

    return render


@pytest.mark.parametrize("chunk_size", [1, 3, 4, 7, 100])
def test_equals_full_backward_several_latents(chunk_size):
    g = torch.Generator().manual_seed(0)
    weight = torch.randn(4, 18, generator=g, dtype=torch.float64)
    render = _toy_render(weight)
    a = torch.randn(7, 4, generator=g, dtype=torch.float64)
    b = torch.randn(7, 2, 3, 3, generator=g, dtype=torch.float64)
    image_grad = torch.randn(7, 2, 3, 3, generator=g, dtype=torch.float64)

    grads = latent_backprop(render, (a, b), image_grad, chunk_size)

    a_full, b_full = a.clone().requires_grad_(True), b.clone().requires_grad_(True)
    (render((a_full, b_full)) * image_grad).sum().backward()
    torch.testing.assert_close(grads[0], a_full.grad, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(grads[1], b_full.grad, rtol=1e-12, atol=1e-12)
    assert not a.requires_grad and a.grad is None  # inputs untouched


def test_stylegan_split_matches_full_backward():
    """On a real (tiny, random) StyleGAN-XL split: F_n and w+ gradients equal a full backward."""
    glad_generators = pytest.importorskip("glad_generators")
    G = glad_generators.random_stylegan_xl(16, 3, 0, channel_base=128, channel_max=8, img_channels=1)
    split = G.split(6)
    g = torch.Generator().manual_seed(1)
    ws = G.mapping(torch.randn(5, G.z_dim, generator=g), torch.tensor([0, 1, 2, 0, 1]))
    features = split.encode(ws)
    image_grad = torch.randn(5, 1, 16, 16, generator=g)

    grads = latent_backprop(lambda lat: split.render(*lat), (features, ws), image_grad, 2)

    f_full, w_full = features.clone().requires_grad_(True), ws.clone().requires_grad_(True)
    (split.render(f_full, w_full) * image_grad).sum().backward()
    torch.testing.assert_close(grads[0], f_full.grad, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(grads[1], w_full.grad, rtol=1e-5, atol=1e-6)
    assert grads[1][:, : 6 + 1].abs().max() == 0  # ws[:, 0..n] only reach the image through F_n


def test_unused_latent_gets_zero_and_dtype_is_kept():
    a = torch.randn(5, 3)
    unused = torch.randn(5, 2, dtype=torch.float64)
    grads = latent_backprop(lambda lat: lat[0] * 2, (a, unused), torch.ones(5, 3), 2)
    assert torch.equal(grads[0], torch.full((5, 3), 2.0))
    assert grads[1].dtype == torch.float64 and torch.equal(grads[1], torch.zeros(5, 2, dtype=torch.float64))


def test_graph_is_freed_chunk_by_chunk():
    """The render sees at most chunk_size rows at a time (so at most one chunk's graph exists)."""
    seen = []

    def render(latents):
        seen.append(latents[0].shape[0])
        return latents[0] ** 2

    latent_backprop(render, (torch.randn(10, 2),), torch.ones(10, 2), 4)
    assert seen == [4, 4, 2]


def test_no_chunk_graph_outlives_its_chunk():
    """When a chunk is rendered, the previous chunk's images and the activations its graph saved are gone."""
    alive: list[weakref.ref] = []

    def render(latents):
        assert all(ref() is None for ref in alive), "a previous chunk's graph is still held"
        hidden = torch.tanh(latents[0])  # saved by the graph (tanh's output, pow's input)
        images = hidden**2
        alive.extend([weakref.ref(hidden), weakref.ref(images)])
        return images

    grads = latent_backprop(render, (torch.randn(10, 2),), torch.ones(10, 2), 4)
    assert len(alive) == 6 and all(ref() is None for ref in alive) and grads[0].abs().sum() > 0


@pytest.mark.parametrize(
    ("latents", "image_grad", "chunk", "error", "match"),
    [
        ((torch.randn(4, 2),), torch.randn(4, 2), 0, ValueError, "chunk_size"),
        ((torch.randn(4, 2),), torch.randn(3, 2), 2, ValueError, "dim 0"),
        ((torch.zeros(4, 2, dtype=torch.int64),), torch.randn(4, 2), 2, TypeError, "floating point"),
        ((), torch.randn(4, 2), 2, ValueError, "at least one"),
    ],
)
def test_bad_arguments_are_refused(latents, image_grad, chunk, error, match):
    with pytest.raises(error, match=match):
        latent_backprop(lambda lat: lat[0], latents, image_grad, chunk)


def test_render_returning_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="one image per latent row"):
        latent_backprop(lambda lat: lat[0][:1], (torch.randn(4, 2),), torch.randn(4, 2), 2)
