"""The pixel "generator": the latents are the pixels themselves (GLaD's pixel-space baselines).

The latent of each image is its classifier-space tensor (after the dataset's normalisation), exactly what the
official pixel baselines optimise, so learning rates mean the same as there. `render` maps it back to the
[-1, 1] range every generator outputs: render(p) = 2 (p * std + mean) - 1, so that the distillation pipeline's
normalize((render(p) + 1) / 2) is p again.
"""

from __future__ import annotations

import torch
from glad_eval.images import images01_to_raw

from .protocol import GeneratorContext

PIXEL_INITS = ("noise", "real")


class PixelGenerator:
    """Identity parameterisation of [N, C, R, R] images. init "noise": N(0, 1) in classifier space (the
    official default); "real": random real training images of each image's class."""

    latent_names = ("pixels",)
    latent_lr_keys = ("pixels",)
    default_bound = "tanh"  # by measurement (README: Differences); "project" keeps pixels' own semantics
    encodes_real_init = True

    def __init__(self, dataset, *, init: str = "noise", device: torch.device | str = "cpu"):
        if init not in PIXEL_INITS:
            raise ValueError(f"pixel generator init must be one of {', '.join(PIXEL_INITS)}, got {init!r}")
        self.dataset = dataset
        self.init = init
        self.device = torch.device(device)
        self.num_classes = dataset.num_classes
        self.channels = dataset.channels
        self.resolution = dataset.image_size

    def init_latents(self, labels: torch.Tensor, *, generator: torch.Generator) -> tuple[torch.Tensor, ...]:
        """Pixels float32 [N, C, R, R] in classifier space."""
        shape = (labels.shape[0], self.channels, self.resolution, self.resolution)
        if self.init == "noise":
            return (torch.randn(shape, generator=generator).to(self.device),)
        pixels = torch.empty(shape, dtype=torch.float32)
        for cls in labels.unique(sorted=True).tolist():
            rows = (labels == cls).nonzero().flatten()
            real01 = self.dataset.real_batch(cls, len(rows), generator=generator)
            pixels[rows] = self.dataset.normalize(real01.float())
        return (pixels.to(self.device),)

    def render(self, latents: tuple[torch.Tensor, ...]) -> torch.Tensor:
        (pixels,) = latents
        return images01_to_raw(self.dataset.denormalize(pixels))

    @torch.no_grad()
    def project(self, latents: tuple[torch.Tensor, ...]) -> None:
        """Clamp the pixels (in place) to the classifier-space image of [0, 1]."""
        (pixels,) = latents
        low = self.dataset.normalize(torch.zeros(1, self.channels, 1, 1, device=pixels.device))
        high = self.dataset.normalize(torch.ones(1, self.channels, 1, 1, device=pixels.device))
        pixels.copy_(torch.maximum(torch.minimum(pixels, high), low))

    def identity(self) -> dict:
        return {"name": "pixel", "class": "glad_distill.generators.pixel.PixelGenerator", "init": self.init}


def build_pixel_generator(context: GeneratorContext) -> PixelGenerator:
    return PixelGenerator(context.dataset, init=context.config.init or "noise", device=context.device)
