"""What a run logger is told (one `StepRecord` per iteration, evaluations, snapshots) and what it gets to
set itself up (`LoggerContext`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import torch

from ..image_stats import image_statistics


@dataclass(frozen=True)
class LoggerContext:
    """A run as its loggers see it.

    run_dir: the run directory; config: the run's DistillConfig as a dict; class_names: one per class;
    labels: int64 [N], the class of every distilled image; meta: images.safetensors' metadata (snapshots
    reuse it); start_iteration: 0 for a new run, the checkpoint's iteration for a resumed one (loggers drop
    what they recorded past it).
    """

    run_dir: Path
    config: dict[str, Any]
    class_names: list[str]
    labels: torch.Tensor
    meta: dict[str, Any] = field(default_factory=dict)
    start_iteration: int = 0


@dataclass
class StepRecord:
    """One completed iteration.

    loss: the loss summed over classes (and ranks); per_class_loss: float [num_classes] or None when the
    objective does not split by class; images01: [n, C, H, W] the images the loss was computed on (before
    this iteration's update), (raw + 1) / 2 NOT clamped, on the run's device; latents: the latent tensors
    after the update; latent_names: their names; lrs: learning rate per latent name.
    """

    iteration: int
    loss: float
    per_class_loss: torch.Tensor | None
    images01: torch.Tensor
    latents: list[torch.Tensor]
    latent_names: tuple[str, ...]
    lrs: dict[str, float]

    @cached_property
    def summary(self) -> dict[str, Any]:
        """JSON-ready: iteration, loss, per_class_loss (list or None), image_statistics(images01), the mean L2
        norm per image of each latent (`latent_norms`) and `lrs`; computed once, shared by every logger."""
        norms = torch.stack([t.detach().flatten(1).float().norm(dim=1).mean() for t in self.latents])
        per_class = (
            None if self.per_class_loss is None else self.per_class_loss.detach().float().cpu().tolist()
        )
        return {
            "iteration": self.iteration,
            "loss": self.loss,
            "per_class_loss": per_class,
            **image_statistics(self.images01),
            "latent_norms": dict(zip(self.latent_names, norms.cpu().tolist(), strict=True)),
            "lrs": dict(self.lrs),
        }


class RunLogger(Protocol):
    """Observes a distillation run (rank 0 only under torchrun). Every method may be called after `close()`
    (a final evaluation after the run) and must then still record it."""

    def on_step(self, record: StepRecord) -> None: ...

    def on_eval(self, iteration: int, report: dict[str, Any]) -> None:
        """`report`: glad_eval's EvalReport.to_dict() (as in manifest.json's metrics)."""
        ...

    def on_snapshot(self, iteration: int, images01: torch.Tensor) -> None:
        """images01: every distilled image after `iteration` updates, float32 [N, C, H, W] in [0, 1], CPU."""
        ...

    def close(self) -> None: ...
