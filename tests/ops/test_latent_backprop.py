"""glad_ops.latent_backprop holds at most one chunk's graph, and works when the caller disabled autograd.
(Exactness against one full backward pass is tested in tests/distill/test_latent_backprop.py.)"""

from __future__ import annotations

import weakref

import pytest
import torch
from glad_ops import latent_backprop


def test_previous_chunk_is_released_before_the_next_render():
    alive = []

    def render(latents):
        assert all(ref() is None for ref in alive), "an earlier chunk's images (and graph) are still held"
        images = torch.tanh(latents[0]) * latents[1]
        alive.append(weakref.ref(images))
        return images

    a, b = torch.randn(7, 3, dtype=torch.float64), torch.randn(7, 3, dtype=torch.float64)
    image_grad = torch.randn(7, 3, dtype=torch.float64)
    grad_a, grad_b = latent_backprop(render, (a, b), image_grad, 3)
    assert len(alive) == 3
    torch.testing.assert_close(grad_a, image_grad * b * (1 - torch.tanh(a) ** 2), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(grad_b, image_grad * torch.tanh(a), rtol=1e-12, atol=1e-12)


def test_works_under_no_grad_and_casts_the_image_gradient():
    """A caller that rendered under torch.no_grad() still gets gradients; a float64 image gradient is cast to
    the images' float32 and each latent's gradient comes back in its own dtype."""
    latent = torch.randn(5, 4)
    with torch.no_grad():
        (grad,) = latent_backprop(lambda lat: lat[0] * 3, (latent,), torch.ones(5, 4, dtype=torch.float64), 2)
    assert grad.dtype == torch.float32 and torch.equal(grad, torch.full((5, 4), 3.0))


@pytest.mark.parametrize(
    ("chunk_size", "image_grad", "error", "match"),
    [
        (2.0, torch.ones(4, 2), TypeError, r"chunk_size: expected an int >= 1"),
        (True, torch.ones(4, 2), TypeError, r"chunk_size: expected an int"),
        (0, torch.ones(4, 2), ValueError, r"chunk_size: must be >= 1"),
        (2, [[1.0, 1.0]] * 4, TypeError, r"image_grad must be a tensor \[N, ...\].*got list"),
        (2, torch.tensor(1.0), ValueError, r"image_grad must be a tensor \[N, ...\].*0-D"),
    ],
)
def test_bad_chunk_size_and_image_grad_name_the_argument(chunk_size, image_grad, error, match):
    with pytest.raises(error, match=match):
        latent_backprop(lambda lat: lat[0], (torch.ones(4, 2),), image_grad, chunk_size)
