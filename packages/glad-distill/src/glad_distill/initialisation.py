"""The latents a run starts from: the generator's own draw, fitted to real images when `--init real`.

With `init real`, every synthetic image gets a distinct random real training image of its class (seeded from
the run's seed) and its latents are fitted to it by inversion (`inversion.invert`) through the run's bound, so
the images the distillation starts from are, as closely as the generator allows, real images. Generators that
render real images exactly from their own draw (the pixel generator, `encodes_real_init = True`) draw the
images themselves; they are only fitted when the bound changes them (e.g. pixels under `tanh`).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from glad_eval.images import raw_to_images01

from .bounds import ImageBound
from .config import DistillConfig
from .inversion import invert, real_targets

EXACT_MSE = 1e-10  # a starting reconstruction this close needs no fitting


def initial_latents(
    generator,
    dataset,
    labels: torch.Tensor,
    config: DistillConfig,
    bound: ImageBound,
    *,
    render_without_graph: Callable[[tuple[torch.Tensor, ...]], torch.Tensor],
    rng: torch.Generator,
    real_rng: torch.Generator,
    device: torch.device,
    progress: bool = True,
) -> tuple[tuple[torch.Tensor, ...], dict | None]:
    """(latents float32, each [N, ...] on `device`; the inversion record for the manifest, or None).

    `render_without_graph` renders latents chunk by chunk without a graph (Distiller._render_without_graph);
    `rng` draws the generator's latents, `real_rng` the real images of `--init real` (a generator seeded like
    `rng`, so that the pixel generator's real init, the inversion targets and the random-real baseline are the
    same images)."""
    latents = tuple(t.to(device, torch.float32) for t in generator.init_latents(labels, generator=rng))
    if config.generator.init != "real":
        return latents, None
    raw = render_without_graph(latents)  # chunked, no graph: the distiller's own renderer
    if getattr(generator, "encodes_real_init", False):
        targets01 = raw_to_images01(raw).clamp(0, 1)
    else:
        targets01 = real_targets(dataset, labels, generator=real_rng).to(device)
    settings = config.inversion
    start = bound(raw)
    if float((start - targets01).square().flatten(1).mean(1).max()) <= EXACT_MSE:
        return latents, None
    result = invert(
        generator.render,
        latents,
        targets01,
        bound,
        steps=settings.steps,
        lr=settings.lr,
        chunk_size=config.generator.chunk_size,
        progress=progress,
    )
    return result.latents, {"steps": settings.steps, "lr": settings.lr, **result.summary()}
