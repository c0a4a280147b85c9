"""Start latents from real images: fit each synthetic image's latents to a real image of its class.

GLaD's latents start from random draws of the generator; with an untrained generator those images carry no
information about the data. Inverting the generator on real images (as IT-GAN initialises GAN latents) makes
the initial set as informative as random real images, and distillation improves from there.

The fit minimises, with Adam and chunk by chunk, the per-image mean squared error between the generator's raw
output and the raw image that the run's bound maps to the target (`ImageBound.from_images01`): fitting in raw
space keeps the gradient alive where a squashing bound is flat (a fit through tanh towards MNIST's black
background drives whole images into the flat part and loses the strokes). The error reported is in [0, 1]
units. Image k depends only on row k of every latent tensor and Adam is element-wise, so the result does not
depend on the chunking.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from .bounds import ImageBound


class InversionDivergedError(ValueError):
    """The inversion's loss became NaN/inf."""


@dataclass
class InversionResult:
    latents: tuple[torch.Tensor, ...]  # float32, each [N, ...], detached
    mse: list[float]  # per image, final mean squared error in [0, 1] units
    initial_mse: list[float]  # per image, before fitting

    def summary(self) -> dict:
        """JSON-able record for the manifest (per-image errors and their PSNR in dB)."""
        return {
            "mse": self.mse,
            "initial_mse": self.initial_mse,
            "psnr_db": [psnr(m) for m in self.mse],
            "mean_mse": sum(self.mse) / len(self.mse),
            "mean_initial_mse": sum(self.initial_mse) / len(self.initial_mse),
        }


def psnr(mse: float) -> float:
    """Peak signal-to-noise ratio in dB of a mean squared error on [0, 1] images."""
    return float("inf") if mse <= 0 else -10 * math.log10(mse)


def invert(
    render: Callable[[tuple[torch.Tensor, ...]], torch.Tensor],
    latents: tuple[torch.Tensor, ...],
    targets01: torch.Tensor,
    bound: ImageBound,
    *,
    steps: int,
    lr: float,
    chunk_size: int,
    progress: bool = True,
) -> InversionResult:
    """Fit the latents so that render01(latents) matches targets01.

    Args:
        render: latents -> raw images float32 [n, C, R, R] (the generator), differentiable; image k depends
            only on row k of each latent.
        latents: starting latents, each [N, ...] (not modified).
        targets01: float32 [N, C, R, R] in [0, 1], on the latents' device.
        bound: the run's bound (bounds.py): images01 = bound(raw).
        steps: Adam steps per chunk (>= 0); lr: Adam's learning rate (> 0).
        chunk_size: images fitted at once.
    Raises:
        InversionDivergedError: the loss became NaN/inf (lower the learning rate).
    """
    count = latents[0].shape[0]
    fitted = [t.detach().clone() for t in latents]
    mse, initial = torch.zeros(count), torch.zeros(count)
    chunks = range(0, count, chunk_size)
    bar = tqdm(total=len(chunks) * steps, desc="invert real images", disable=not progress, leave=False)
    try:
        for start in chunks:
            rows = slice(start, start + chunk_size)
            params = [t[rows].clone().requires_grad_(True) for t in fitted]
            target = targets01[rows]
            raw_target = bound.from_images01(target)
            optimizer = torch.optim.Adam(params, lr=lr)
            with torch.no_grad():
                initial[rows] = _per_image_mse(bound(render(tuple(params))), target).cpu()
            for step in range(steps):
                loss_per_image = _per_image_mse(render(tuple(params)), raw_target)
                loss = loss_per_image.sum()
                if not torch.isfinite(loss):
                    raise InversionDivergedError(
                        f"the inversion of images {start}..{start + len(target) - 1} diverged at step "
                        f"{step + 1} (loss {loss.item()}); lower --inversion-lr (now {lr}) or use another "
                        "--init"
                    )
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                bar.update(1)
            with torch.no_grad():
                final = _per_image_mse(bound(render(tuple(params))), target)
            if not torch.isfinite(final).all():
                raise InversionDivergedError(
                    f"the inversion of images {start}..{start + len(target) - 1} diverged (non-finite "
                    f"reconstruction); lower --inversion-lr (now {lr}) or use another --init"
                )
            mse[rows] = final.cpu()
            for t, p in zip(fitted, params, strict=True):
                t[rows] = p.detach()
    finally:
        bar.close()
    return InversionResult(tuple(fitted), mse.tolist(), initial.tolist())


def _per_image_mse(images: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return (images - target).square().flatten(1).mean(dim=1)


def real_targets(dataset, labels: torch.Tensor, *, generator: torch.Generator) -> torch.Tensor:
    """For each synthetic image a distinct random real training image of its class, float32 [N, C, R, R] in
    [0, 1] (CPU). Raises ValueError when a class has fewer training images than synthetic images."""
    targets = torch.empty(labels.shape[0], dataset.channels, dataset.image_size, dataset.image_size)
    for cls in labels.unique(sorted=True).tolist():
        rows = (labels == cls).nonzero().flatten()
        available = len(dataset.train.indices_of(cls))
        if available < len(rows):
            raise ValueError(
                f"--init real needs {len(rows)} distinct real images of class {cls} "
                f"({dataset.class_names[cls]!r}) but dataset {dataset.name!r} has {available}; lower --ipc "
                f"to {available} or use another --init"
            )
        targets[rows] = dataset.real_batch(cls, len(rows), generator=generator).float()
    return targets
