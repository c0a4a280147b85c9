"""The one SGD + DSA training loop: evaluation models (:func:`glad_eval.protocol.train_model`) and MTT expert
trajectories (``glad_distill.experts``) both train through :func:`fit`.

Every epoch: one shuffle of the N images (``torch.randperm`` from ``generator``), then per batch of
``batch_size``: gather, ``prepare`` (optional), DSA parameters drawn from ``generator`` (one set per image),
cross-entropy, backward, SGD step. After the epoch's last step ``on_epoch_end`` sees an :class:`EpochEnd`,
then the learning-rate schedule (``LambdaLR``) moves to the next epoch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.lr_scheduler import LambdaLR

from .augment import DEFAULT_STRATEGY, DSA

# lr_schedule(epoch, epochs) -> multiplier of the base lr during 0-based ``epoch``
LRSchedule = Callable[[int, int], float]


@dataclass(frozen=True)
class TrainSettings:
    """How :func:`fit` trains.

    ``lr``: base SGD learning rate; ``lr_schedule``: its per-epoch multiplier (None: constant).
    ``momentum``/``weight_decay``: SGD's. ``dsa_strategy``/``dsa_mode``: the augmentation of every batch.
    ``fused``: SGD's ``fused`` argument (None: torch's default choice).
    """

    epochs: int
    batch_size: int
    lr: float
    momentum: float = 0.0
    weight_decay: float = 0.0
    dsa_strategy: str = DEFAULT_STRATEGY
    dsa_mode: str = "S"
    lr_schedule: LRSchedule | None = None
    fused: bool | None = None


@dataclass(frozen=True)
class EpochEnd:
    """What :func:`fit` knows after the last step of 0-based ``epoch``: the live ``model``, the ``lr`` the
    epoch trained at, and (read on demand, one device sync) the mean training loss over its ``batches``."""

    epoch: int
    model: nn.Module
    lr: float
    batches: int
    loss_sum: torch.Tensor | float = field(repr=False)

    @property
    def mean_loss(self) -> float:
        return float(self.loss_sum) / self.batches


EpochEndHook = Callable[[EpochEnd], None]


def fit(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    settings: TrainSettings,
    *,
    generator: torch.Generator,
    prepare: Callable[[torch.Tensor], torch.Tensor] | None = None,
    on_epoch_end: EpochEndHook | None = None,
) -> None:
    """Train ``model`` in place for ``settings.epochs`` epochs on images ``x`` [N, C, H, W] and labels ``y``
    [N] (int64).

    ``x`` is either ready for the model (normalised float on its device), or anything ``prepare`` turns into
    that batch by batch (e.g. uint8 on the CPU -> normalised float32 on the GPU); labels follow the prepared
    batch's device. Shuffling and DSA draw from ``generator`` (CPU), in that order, so equal generators give
    equal models.
    """
    dsa = DSA(settings.dsa_strategy, mode=settings.dsa_mode)
    optimizer = torch.optim.SGD(
        model.parameters(),
        lr=settings.lr,
        momentum=settings.momentum,
        weight_decay=settings.weight_decay,
        fused=settings.fused,
    )
    schedule = settings.lr_schedule
    scheduler = None if schedule is None else LambdaLR(optimizer, lambda e: schedule(e, settings.epochs))
    model.train()
    n = x.shape[0]
    batches = -(-n // settings.batch_size)
    for epoch in range(settings.epochs):
        if scheduler is not None and epoch > 0:
            scheduler.step()
        loss_sum: torch.Tensor | float = 0.0  # a 0-dim tensor on the model's device after the first batch
        order = torch.randperm(n, generator=generator).to(x.device)
        for start in range(0, n, settings.batch_size):
            index = order[start : start + settings.batch_size]
            xb = x[index] if prepare is None else prepare(x[index])
            yb = y[index].to(xb.device)
            xb = dsa.apply(xb, dsa.sample(xb.shape[0], generator=generator, device=xb.device))
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            loss_sum = loss_sum + loss.detach()
            optimizer.step()
        if on_epoch_end is not None:
            on_epoch_end(EpochEnd(epoch, model, optimizer.param_groups[0]["lr"], batches, loss_sum))
