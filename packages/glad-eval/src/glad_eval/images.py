"""The one conversion between the three scales an image lives on, for glad-eval and glad-distill:

* generator output ("raw"): [N, C, H, W], about [-1, 1] (every generator renders this range);
* images01: float [N, C, H, W] in [0, 1], what is saved, exported and evaluated (uint8 pictures: x 255);
* classifier input: images01 normalised per channel with the DATASET's mean and std.

Each pair is exact inverses up to float rounding, and fixed in its operation order (results are bitwise
reproducible across releases: do not rewrite e.g. ``(raw + 1) / 2`` as ``raw * 0.5 + 0.5``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from PIL import Image


def raw_to_images01(raw: torch.Tensor) -> torch.Tensor:
    """Generator output [-1, 1] -> [0, 1]: ``(raw + 1) / 2`` (not clamped)."""
    return (raw + 1) / 2


def images01_to_raw(images01: torch.Tensor) -> torch.Tensor:
    """[0, 1] -> generator output [-1, 1]: ``images01 * 2 - 1``."""
    return images01 * 2 - 1


def _stats_like(
    x: torch.Tensor, mean: Sequence[float], std: Sequence[float]
) -> tuple[torch.Tensor, torch.Tensor]:
    """mean and std as [C, 1, 1] tensors in x's dtype and device."""
    mean_t = torch.tensor(mean, dtype=x.dtype, device=x.device).view(-1, 1, 1)
    std_t = torch.tensor(std, dtype=x.dtype, device=x.device).view(-1, 1, 1)
    return mean_t, std_t


def normalize(images01: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """[0, 1] -> classifier input: ``(images01 - mean) / std`` per channel; images01 [..., C, H, W] on any
    device, its float dtype kept; `mean`/`std` one value per channel."""
    mean_t, std_t = _stats_like(images01, mean, std)
    return (images01 - mean_t) / std_t


def denormalize(x: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """Classifier input -> [0, 1] scale: ``x * std + mean`` per channel (the inverse of :func:`normalize`)."""
    mean_t, std_t = _stats_like(x, mean, std)
    return x * std_t + mean_t


def images01_to_uint8(images01: torch.Tensor) -> torch.Tensor:
    """[0, 1] -> uint8 pictures in [0, 255]: ``(clamp(images01, 0, 1) * 255).round()``, same shape."""
    return (images01.clamp(0, 1) * 255).round().to(torch.uint8)


def uint8_to_images01(pictures: torch.Tensor) -> torch.Tensor:
    """uint8 pictures -> float32 in [0, 1]: ``pictures / 255``, same shape and device (one new tensor,
    divided in place: this runs on whole datasets)."""
    return pictures.to(torch.float32, copy=True).div_(255.0)


def image01_to_pil(image01: torch.Tensor) -> Image.Image:
    """One image float [C, H, W] in [0, 1] as an 8-bit PIL image: C = 1 grayscale ("L"), else RGB of its
    first 3 channels; converted with :func:`images01_to_uint8`."""
    pixels = images01_to_uint8(image01.detach().cpu().float())
    if pixels.shape[0] == 1:
        return Image.fromarray(pixels[0].numpy(), mode="L")
    return Image.fromarray(pixels[:3].permute(1, 2, 0).contiguous().numpy(), mode="RGB")
