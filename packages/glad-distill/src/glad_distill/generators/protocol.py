"""The Generator protocol: how glad-distill parameterises synthetic images by latents.

A generator maps a tuple of latent tensors (dim 0 = image index) to images in about [-1, 1]. glad-distill
optimises the latents (float32 master copies) and never looks inside the generator, so a user's own decoder
plugs in by implementing these few members (a StyleGAN-like module: see `stylegan.wrap_stylegan`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import torch

from ..config import LR_KEYS, LatentGeneratorConfig


@runtime_checkable
class Generator(Protocol):
    """What glad-distill needs from a generator.

    Attributes:
        num_classes: classes the generator is conditioned on (0 = unconditional).
        resolution: side R of the square images it renders.
        channels: image channels C.

    Optional attributes (defaults in brackets): `latent_names` [("latent0", ...)], `latent_lr_keys`: per
    latent tensor, which learning rate of the run applies, "img" (f-latents), "pixels" or "w" (w+) [all
    "img"], `identity() -> dict` describing the generator for the run manifest [class name], `split(layer)`,
    `default_bound` (how images are kept in [0, 1], see bounds.py) ["tanh"], `project(latents)` (in place,
    so that rendered images lie in [0, 1]; needed by the "project" bound), `encodes_real_init` (True when
    `init_latents` with init "real" already renders real images, so `--init real` needs no inversion) [False].
    """

    num_classes: int
    resolution: int
    channels: int

    def init_latents(self, labels: torch.Tensor, *, generator: torch.Generator) -> tuple[torch.Tensor, ...]:
        """Initial latents for images of the given dataset classes.

        Args:
            labels: int64 [N], dataset class of each synthetic image.
            generator: the only source of randomness (a CPU torch.Generator).
        Returns:
            float32 leaf tensors, each [N, ...], on the generator's device.
        """
        ...

    def render(self, latents: tuple[torch.Tensor, ...]) -> torch.Tensor:
        """Images float32 [N, C, R, R] in about [-1, 1], differentiable w.r.t. the latents; image k depends
        only on row k of each latent tensor."""
        ...


@dataclass
class GeneratorContext:
    """What a generator factory may use: the dataset being distilled, the generator config, the device."""

    dataset: Any  # a glad_eval Dataset (num_classes, channels, image_size, mean, std, normalize, real_batch)
    config: LatentGeneratorConfig
    device: torch.device


def latent_names(generator: Generator) -> tuple[str, ...]:
    """Names of the latent tensors (for latents.safetensors and logs)."""
    names = getattr(generator, "latent_names", None)
    return tuple(names) if names is not None else ()


def latent_lr_keys(generator: Generator, count: int) -> tuple[str, ...]:
    """Per latent tensor the learning-rate key ("img" or "w"); all "img" when the generator says nothing."""
    keys = tuple(getattr(generator, "latent_lr_keys", ()) or ("img",) * count)
    if len(keys) != count or any(k not in LR_KEYS for k in keys):
        raise ValueError(
            f"{type(generator).__name__}.latent_lr_keys must give one of {', '.join(LR_KEYS)} for each of "
            "its "
            f"{count} "
            "latent "
            f"tensors, got {keys!r}"
        )
    return keys


def default_bound(generator: Generator) -> str:
    """The bound a run uses when `--bound` is not given."""
    return str(getattr(generator, "default_bound", "tanh"))


def describe(generator: Generator) -> dict[str, Any]:
    """The generator's identity for the manifest."""
    identity = getattr(generator, "identity", None)
    if callable(identity):
        return dict(identity())
    return {"class": f"{type(generator).__module__}.{type(generator).__qualname__}"}
