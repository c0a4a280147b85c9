"""Statistics that tell a healthy set of distilled images from a broken one (saturated, flat)."""

from __future__ import annotations

import torch

SATURATION_EPS = 1 / 255  # a pixel within one 8-bit level of 0 or 1 is "at a bound"
# A run warns (once) when its share of pixels at a bound, s, exceeds the real data's, r, by half of what is
# left: s > r + SATURATION_MARGIN * (1 - r) (natural images: r ~ 0.01, warn above ~0.5; MNIST: r ~ 0.85,
# above ~0.93).
SATURATION_MARGIN = 0.5
REFERENCE_SAMPLE = 1000  # real training images the reference share is measured on


def image_statistics(images01: torch.Tensor) -> dict:
    """Statistics of images float [N, C, H, W] in [0, 1].

    Returns a JSON-able dict: `saturated_fraction` (share of pixels within 1/255 of 0 or 1), `flat_images`
    (indices of images whose every channel is one flat colour: per-image std < 1/255), `channel_mean` and
    `channel_std` (per channel, over all images and pixels), `min`, `max`.
    """
    x = images01.detach().float()
    at_bound = (x <= SATURATION_EPS) | (x >= 1 - SATURATION_EPS)
    per_image_std = x.flatten(2).std(dim=2, unbiased=False).amax(dim=1)  # [N], the largest channel std
    return {
        "saturated_fraction": float(at_bound.float().mean()),
        "flat_images": (per_image_std < SATURATION_EPS).nonzero().flatten().tolist(),
        "channel_mean": x.mean(dim=(0, 2, 3)).tolist(),
        "channel_std": x.std(dim=(0, 2, 3), unbiased=False).tolist(),
        "min": float(x.min()),
        "max": float(x.max()),
    }


def real_saturated_fraction(dataset) -> float:
    """The share of pixels at a bound in the dataset's first REFERENCE_SAMPLE training images (MNIST's black
    background puts about 80% of its pixels at 0, so saturation is judged against the real data)."""
    rows = torch.arange(min(REFERENCE_SAMPLE, len(dataset.train)))
    return image_statistics(dataset.train.float01(rows))["saturated_fraction"]


def saturation_warning(stats: dict, real_fraction: float) -> str | None:
    """A one-line warning when the images are much more saturated than real images or are flat, else None."""
    problems = []
    if stats["saturated_fraction"] > real_fraction + SATURATION_MARGIN * (1 - real_fraction):
        problems.append(
            f"{stats['saturated_fraction']:.0%} of pixels are at 0 or 1 (real images: {real_fraction:.0%})"
        )
    if stats["flat_images"]:
        problems.append(f"{len(stats['flat_images'])} image(s) are one flat colour")
    if not problems:
        return None
    return (
        "the distilled images look saturated: " + "; ".join(problems) + ". Lower the learning rates "
        "(--lr-img, --lr-w)"
    )
