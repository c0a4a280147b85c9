"""Random StyleGAN-XL generators of any resolution, built with the ImageNet recipe (spec §2.1, §2.4)."""

from __future__ import annotations

import dataclasses

import torch

from .build import build
from .calibration import calibrate_
from .layer_table import RecipeConfig, imagenet_config
from .nn import StyleGANXL


def random_stylegan_xl(
    resolution: int,
    num_classes: int,
    seed: int,
    *,
    channel_base: int = 65536,
    channel_max: int = 1024,
    img_channels: int = 3,
    calibrate: bool = False,
    device: torch.device | str = "cpu",
    **recipe: object,
) -> StyleGANXL:
    """A randomly initialised StyleGAN-XL (eval mode, requires_grad False); no file needed.

    Args:
        resolution: output size, a power of two >= 16 (stem at 16, one superres stage per doubling).
        num_classes: number of classes (>= 1); the class-embedding table is random (the pretrained one is
            not shipped) and has max(1000, num_classes) rows.
        seed: weights are drawn on the CPU from `torch.Generator().manual_seed(seed)`, so they do not depend
            on `device`.
        channel_base, channel_max: channel counts (ImageNet: 65536 / 1024; e.g. 256 / 16 for fast CPU runs).
        img_channels: 3 (RGB) or 1 (grayscale), any positive int.
        calibrate: False = the official initialisation (magnitude_ema 1, w_avg 0; activations shrink layer by
            layer, images are small). True = then set magnitude_ema / w_avg from random latents drawn from the
            same seed (`calibration.calibrate_`), so activations stay at unit scale and images are of order 1;
            runs a small forward pass.
        device: target device; "meta" builds the structure only (no weights are drawn or allocated).
        **recipe: other `RecipeConfig` fields (stem_layers, head_layers, margin_size, num_fp16_res, ...).
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    unknown = sorted(set(recipe) - set(RecipeConfig.__dataclass_fields__))
    if unknown:
        raise TypeError(
            f"random_stylegan_xl got unknown recipe options {unknown}; "
            f"valid: {sorted(RecipeConfig.__dataclass_fields__)}"
        )
    config = imagenet_config(
        RecipeConfig(
            resolution=resolution,
            num_classes=num_classes,
            img_channels=img_channels,
            channel_base=channel_base,
            channel_max=channel_max,
            **recipe,
        )
    )
    config = dataclasses.replace(config, source={**config.source, "seed": seed})
    if torch.device(device).type == "meta":
        return build(config, device="meta").eval().requires_grad_(False)
    generator = build(config, device="cpu")
    rng = torch.Generator(device="cpu").manual_seed(seed)
    generator.reset_parameters(rng)
    generator = generator.to(device).eval().requires_grad_(False)
    return calibrate_(generator, rng) if calibrate else generator
