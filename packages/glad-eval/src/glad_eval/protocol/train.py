"""Train one fresh model on a distilled set and test its EMA on the real test set (spec §12)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from .. import models
from ..data import Dataset
from ..seeding import job_generator
from ..training import EpochEnd, TrainSettings, fit
from .config import EvalConfig
from .ema import EMA
from .schedule import lr_factor

FUSED_SGD_DEVICES = ("cpu", "cuda")
# on_epoch(epoch, mean training loss over the epoch's batches, learning rate): a training curve's points
EpochHook = Callable[[int, float, float], None]


@dataclass(frozen=True)
class Job:
    """One (architecture, seed index) evaluation job."""

    model: str
    index: int


@dataclass
class JobResult:
    """Outcome of a job: test accuracy of the EMA model in percent, and its wall time in seconds."""

    model: str
    index: int
    accuracy: float
    seconds: float


def build_model(job: Job, dataset: Dataset, config: EvalConfig, device: torch.device) -> torch.nn.Module:
    """A fresh model for ``job``, initialised from a generator derived from (config.seed, model, index)."""
    return models.build_architecture(
        job.model,
        num_classes=dataset.num_classes,
        channels=dataset.channels,
        image_size=dataset.image_size,
        generator=job_generator(config.seed, job.model, job.index, "init"),
        device=device,
        **config.model_kwargs.get(job.model, {}),
    )


def train_model(
    model: torch.nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    lr: float,
    config: EvalConfig,
    generator: torch.Generator,
    progress: tqdm | None = None,
    on_epoch: EpochHook | None = None,
) -> EMA:
    """Train ``model`` on normalised images ``x`` [N, C, H, W] / labels ``y`` [N] (same device) for
    config.epochs epochs with :func:`glad_eval.training.fit` (SGD with warm-up + cosine, DSA); returns its
    EMA, updated after every epoch. Shuffling and DSA draw from ``generator`` (CPU). ``on_epoch`` (optional)
    gets each epoch's mean training loss (one device sync per epoch, only when given)."""
    settings = TrainSettings(
        epochs=config.epochs,
        batch_size=config.batch_size,
        lr=lr,
        momentum=config.momentum,
        weight_decay=config.weight_decay,
        dsa_strategy=config.dsa_strategy,
        dsa_mode=config.dsa_mode,
        lr_schedule=lr_factor,
        fused=x.device.type in FUSED_SGD_DEVICES,  # same update, one kernel (3x faster on CPU)
    )
    ema = EMA(model, config.ema_decay)

    def epoch_end(done: EpochEnd) -> None:
        ema.update(done.model)
        if progress is not None:
            progress.update(1)
        if on_epoch is not None:
            on_epoch(done.epoch, done.mean_loss, done.lr)

    fit(model, x, y, settings, generator=generator, on_epoch_end=epoch_end)
    return ema


@torch.no_grad()
def test_accuracy(model: torch.nn.Module, dataset: Dataset, device: torch.device, batch_size: int) -> float:
    """Accuracy (percent) of ``model`` in eval mode on the whole real test set, no augmentation."""
    model.eval()
    test = dataset.test
    correct = 0
    for start in range(0, len(test), batch_size):
        x = dataset.normalize(test.float01(slice(start, start + batch_size), device=device))
        y = test.labels[start : start + batch_size].to(device)
        correct += int((model(x).argmax(dim=1) == y).sum())
    return 100.0 * correct / len(test)


def train_job(
    job: Job,
    x: torch.Tensor,
    y: torch.Tensor,
    dataset: Dataset,
    config: EvalConfig,
    device: torch.device,
    *,
    progress: tqdm | None = None,
    on_epoch: EpochHook | None = None,
) -> EMA:
    """Build job's fresh model and train it on normalised images ``x`` [N, C, H, W] / labels ``y`` [N] (on
    ``device``) with job's learning rate and training generator; returns its EMA. ``progress``/``on_epoch``:
    see train_model."""
    return train_model(
        build_model(job, dataset, config, device),
        x,
        y,
        lr=config.lr_for(job.model),
        config=config,
        generator=job_generator(config.seed, job.model, job.index, "train"),
        progress=progress,
        on_epoch=on_epoch,
    )


def run_job(
    job: Job,
    images01: torch.Tensor,
    labels: torch.Tensor,
    dataset: Dataset,
    config: EvalConfig,
    device: torch.device,
    *,
    progress: bool = False,
    position: int = 0,
    on_epoch: EpochHook | None = None,
) -> float:
    """Train job's fresh model on the distilled set, test its EMA; returns the accuracy in percent.
    ``on_epoch``: see train_model."""
    x = dataset.normalize(images01.to(device=device, dtype=torch.float32))
    y = labels.to(device=device, dtype=torch.int64)
    bar = tqdm(
        total=config.epochs,
        desc=f"{job.model} #{job.index}",
        unit="ep",
        leave=False,
        disable=not progress,
        position=position,
    )
    with bar:
        ema = train_job(job, x, y, dataset, config, device, progress=bar, on_epoch=on_epoch)
    return test_accuracy(ema.model, dataset, device, config.test_batch_size)
