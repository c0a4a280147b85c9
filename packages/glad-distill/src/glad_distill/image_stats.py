"""Image statistics that tell a healthy distillation from a broken one (one definition, shared by the run
loggers, the manifest's saturation record and the HTML report).

A generator pushed too far saturates: its pixels pile up at 0 or 1 after (raw + 1) / 2, or whole images go
flat.
"""

from __future__ import annotations

import torch

SATURATION_LOW = 1.0 / 255.0  # a pixel <= this is black in an 8-bit picture
SATURATION_HIGH = 254.0 / 255.0  # a pixel >= this is white in an 8-bit picture
FLAT_STD = 1.0 / 255.0  # an image whose pixel std is below one 8-bit level is flat


@torch.no_grad()
def image_statistics(images01: torch.Tensor) -> dict[str, float | int | list[float]]:
    """Statistics of images float [N, C, H, W] on a [0, 1] scale (values outside it count as saturated).

    Returns a JSON-ready dict:
      ``saturated_fraction``: share of pixel values <= 1/255 or >= 254/255, in [0, 1];
      ``flat_images``: number of images whose std over all their pixels is < 1/255;
      ``channel_mean`` / ``channel_std``: per channel, over every image and pixel (lists of C floats).
    """
    if images01.dim() != 4 or images01.shape[0] == 0:
        raise ValueError(
            f"images01 must be a non-empty [N, C, H, W] tensor, got shape {tuple(images01.shape)}"
        )
    x = images01.detach().float()
    saturated = ((x <= SATURATION_LOW) | (x >= SATURATION_HIGH)).float().mean()
    flat = (x.flatten(1).std(dim=1, unbiased=False) < FLAT_STD).sum()
    per_channel = x.transpose(0, 1).flatten(1)  # [C, N*H*W]
    mean = per_channel.mean(dim=1)
    std = per_channel.std(dim=1, unbiased=False)
    values = torch.cat([saturated.reshape(1), flat.float().reshape(1), mean, std]).cpu().tolist()  # one sync
    channels = x.shape[1]
    return {
        "saturated_fraction": values[0],
        "flat_images": int(values[1]),
        "channel_mean": values[2 : 2 + channels],
        "channel_std": values[2 + channels :],
    }


REFERENCE_SAMPLE = 1000  # real training images the reference share is measured on
# A run warns (once) when its share of pixels at a bound, s, exceeds the real data's, r, by half of what is
# left: s > r + SATURATION_MARGIN * (1 - r) (natural images: r ~ 0.01, warn above ~0.5; MNIST: r ~ 0.85,
# above ~0.93).
SATURATION_MARGIN = 0.5


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
        problems.append(f"{stats['flat_images']} image(s) are one flat colour")
    if not problems:
        return None
    return (
        "the distilled images look saturated: " + "; ".join(problems) + ". Lower the learning rates "
        "(--lr-img, --lr-w)"
    )
