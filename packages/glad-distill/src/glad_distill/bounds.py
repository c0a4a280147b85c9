"""How rendered images stay inside the valid range [0, 1] while they are optimised.

A bound maps the generator's raw output (about [-1, 1], unbounded) to the images the objective sees, the
images written to `images.safetensors` and the images glad-eval trains on: one function, so the three are the
same tensor value for value. Bounds by name (`--bound`):

- ``tanh``: a smooth squashing, images01 = (tanh(raw) + 1) / 2, for any generator (the default of every
  built-in generator). Gradients never vanish at a hard edge, so a pixel pushed towards a bound can come back.
- ``clamp``: images01 = clamp((raw + 1) / 2, 0, 1) inside the objective's graph (no gradient through clamped
  pixels; they can stick at the bound).
- ``project``: images01 = (raw + 1) / 2 and, after every step, the latents are projected back so that the
  images lie in [0, 1] (only for generators with a `project(latents)` method: the pixel generator). This is
  the pixel-space baselines' behaviour with their range made explicit, and `--init real` starts exactly at
  the real images.

Each generator names its default (`default_bound`); the README's "Differences" section gives the measurement
behind the defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from glad_eval.images import images01_to_raw, raw_to_images01
from glad_eval.registry import Registry


@dataclass(frozen=True)
class ImageBound:
    """A named map raw [-1, 1]-ish -> [0, 1]; `projects` = the latents are projected after each step."""

    name: str
    to_images01: Callable[[torch.Tensor], torch.Tensor]
    from_images01: Callable[[torch.Tensor], torch.Tensor]  # a raw tensor whose images01 is the given one
    projects: bool = False

    def __call__(self, raw: torch.Tensor) -> torch.Tensor:
        return self.to_images01(raw)


_BOUNDS: Registry[ImageBound] = Registry("image bound")
# from_images01 of tanh keeps raw targets off the asymptotes: |raw| <= atanh(0.99) = 2.65, i.e. images01
# within 0.005 of the bounds, where tanh's slope (0.02) still lets distillation move a pixel.
TANH_EDGE = 0.99


def register_bound(bound: ImageBound) -> ImageBound:
    """Add a bound to `--bound`'s choices."""
    return _BOUNDS.add(bound.name, bound)


def available_bounds() -> list[str]:
    return _BOUNDS.names()


def get_bound(name: str) -> ImageBound:
    """The bound called `name`; ValueError listing the bounds if unknown."""
    return _BOUNDS.get(name)


register_bound(
    ImageBound(
        "tanh",
        to_images01=lambda raw: raw_to_images01(torch.tanh(raw)),
        from_images01=lambda x01: torch.atanh(images01_to_raw(x01).clamp(-TANH_EDGE, TANH_EDGE)),
    )
)
register_bound(
    ImageBound(
        "clamp",
        to_images01=lambda raw: raw_to_images01(raw).clamp(0, 1),
        from_images01=images01_to_raw,
    )
)
register_bound(
    ImageBound(
        "project",
        to_images01=lambda raw: raw_to_images01(raw).clamp(0, 1),  # a no-op on projected latents
        from_images01=images01_to_raw,
        projects=True,
    )
)
