"""What every objective takes and returns, and the context its factory gets.

An objective sees only classifier-ready synthetic images (detached, float32, normalised with the dataset's own
statistics) and returns the loss and dL/dimages; the distiller pushes that gradient into whatever latents
produced the images (`glad_ops.latent_backprop`). So DC, DM and MTT run unchanged in pixel and latent space.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import torch
from glad_eval.seeding import StepSeeds

from ..config import DistillConfig


@dataclass
class SyntheticBatch:
    """images: float32 [n, C, H, W] classifier space, detached; labels: int64 [n]; classes: the classes this
    process matches (all of them in one process; a share of them per rank under torchrun for DC/DM)."""

    images: torch.Tensor
    labels: torch.Tensor
    classes: list[int]


@dataclass
class ObjectiveOutput:
    """loss: float32 0-d, summed over `classes`; image_grad: dL/dimages, float32 [n, C, H, W];
    per_class_loss: optional float32 [len(classes)], the loss of each class in `batch.classes` order (None
    when the objective does not split by class; the run loggers then record the total only)."""

    loss: torch.Tensor
    image_grad: torch.Tensor
    per_class_loss: torch.Tensor | None = None


class Objective(Protocol):
    """A distillation objective. `splits_classes`: whether its loss is a sum of independent per-class terms
    (then torchrun ranks may each take a share of the classes)."""

    splits_classes: bool

    def __call__(self, batch: SyntheticBatch, seeds: StepSeeds) -> ObjectiveOutput: ...

    def commit(self) -> None:
        """Apply the objective's own pending updates (e.g. MTT's syn_lr) once the step proved finite."""
        ...

    def pending_is_finite(self) -> bool:
        """Whether the update `commit` would apply is finite (no NaN/inf); True when there is none. The
        distiller checks it with the latents' gradients and stops the run before applying a bad step.
        Subclasses of `Objective` without state of their own inherit this default."""
        return True

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


class RealData:
    """Random real training images of one class, classifier-ready: float32 [n, C, H, W] on `device`."""

    def __init__(self, dataset, device: torch.device):
        self.dataset = dataset
        self.device = device

    def __call__(self, cls: int, count: int, generator: torch.Generator) -> torch.Tensor:
        images01 = self.dataset.real_batch(cls, count, generator=generator, device=self.device)
        return self.dataset.normalize(images01.float())


@dataclass
class ObjectiveContext:
    """What an objective factory may use."""

    config: DistillConfig
    dataset: Any  # glad_eval Dataset
    device: torch.device


class StatelessObjective:
    """Mixin for objectives without state of their own (DC, DM)."""

    splits_classes = True

    def commit(self) -> None:
        pass

    def pending_is_finite(self) -> bool:
        return True

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state:
            raise ValueError(f"{type(self).__name__} has no state, but a checkpoint gave it {sorted(state)}")


def rows_of(labels: torch.Tensor, cls: int) -> torch.Tensor:
    """Indices [k] of the images of class `cls`."""
    return (labels == cls).nonzero().flatten()
