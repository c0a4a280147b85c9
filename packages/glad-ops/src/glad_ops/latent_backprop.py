"""Memory-lean backpropagation from image gradients into generator latents (GLaD's chunked recompute).

A distillation step renders every synthetic image from its latents, computes the loss on the images alone and
needs dL/dlatents. Holding the generator's autograd graph for all N images costs memory linear in N (GLaD
ran no IPC-50 experiments for that reason). Instead the caller renders all images *without* a graph, computes
dL/dimages on detached image tensors, and `latent_backprop` re-renders the images chunk by chunk *with* a
graph and pushes the matching slice of dL/dimages into the latents. The generator's graph is never held for
more than one chunk. This is exact chain-rule backpropagation (equal to one backward pass over the whole
batch) whenever `render` is deterministic and treats images independently (no batch statistics, no noise),
as StyleGAN3 does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from ._args import check_int

__all__ = ["latent_backprop"]


def latent_backprop(
    render: Callable[[tuple[torch.Tensor, ...]], torch.Tensor],
    latents: Sequence[torch.Tensor],
    image_grad: torch.Tensor,
    chunk_size: int,
) -> tuple[torch.Tensor, ...]:
    """Gradients of a loss w.r.t. every latent tensor, given the loss gradient w.r.t. the rendered images.

    Args:
        render: maps a tuple of latent chunks ``(l_0[i:j], l_1[i:j], ...)`` to images ``[j - i, ...]``,
            differentiably. Image ``k`` must depend only on row ``k`` of each latent tensor.
        latents: the latent tensors, each ``[N, ...]`` (dim 0 is the image index; any floating dtype, any
            device). They are read, never modified; they need not require grad.
        image_grad: dL/dimages, ``[N, ...]`` with the shape of ``render(latents)``. It is cast to the rendered
            images' dtype chunk by chunk.
        chunk_size: images re-rendered per chunk (>= 1). Peak generator memory is one chunk's graph.

    Returns:
        One gradient per latent tensor, same shape, dtype and device as that tensor (zeros for a latent the
        images do not depend on). Generator parameters that require grad are not differentiated.
    """
    latents = tuple(latents)
    chunk_size = check_int(chunk_size, "chunk_size", 1)
    _check_arguments(render, latents, image_grad)
    grads = tuple(torch.zeros_like(latent) for latent in latents)
    num_images = image_grad.shape[0]
    with torch.enable_grad():
        for start in range(0, num_images, chunk_size):
            stop = min(start + chunk_size, num_images)
            chunk = tuple(latent[start:stop].detach().requires_grad_(True) for latent in latents)
            images = render(chunk)
            if images.shape != image_grad[start:stop].shape:
                raise ValueError(
                    f"render returned images of shape {tuple(images.shape)} for latents {start}:{stop}, but "
                    f"image_grad[{start}:{stop}] has shape {tuple(image_grad[start:stop].shape)}; "
                    "render must return one image per latent row, shaped like image_grad"
                )
            chunk_grads = torch.autograd.grad(
                images,
                chunk,
                grad_outputs=image_grad[start:stop].to(images.dtype),
                allow_unused=True,
                materialize_grads=True,
            )
            for grad, chunk_grad in zip(grads, chunk_grads, strict=True):
                grad[start:stop].copy_(chunk_grad)
            del images, chunk, chunk_grads
    return grads


def _check_arguments(render, latents, image_grad) -> None:
    if not callable(render):
        raise TypeError(f"render must be callable (latent chunks -> images), got {type(render).__name__}")
    if not isinstance(image_grad, torch.Tensor):
        raise TypeError(
            f"image_grad must be a tensor [N, ...] holding dL/dimages, got {type(image_grad).__name__}"
        )
    if image_grad.dim() < 1:
        raise ValueError("image_grad must be a tensor [N, ...] holding dL/dimages, got a 0-D tensor")
    if not latents:
        raise ValueError("latents must hold at least one tensor [N, ...]")
    for index, latent in enumerate(latents):
        if not isinstance(latent, torch.Tensor):
            raise TypeError(f"latents[{index}] must be a tensor, got {type(latent).__name__}")
        if not latent.is_floating_point():
            raise TypeError(
                f"latents[{index}] must be floating point to receive a gradient, got {latent.dtype}"
            )
        if latent.dim() < 1 or latent.shape[0] != image_grad.shape[0]:
            raise ValueError(
                f"latents[{index}] has shape {tuple(latent.shape)} but image_grad has {image_grad.shape[0]} "
                "images; dim 0 of every latent tensor must be the image index"
            )
