"""``evaluate``: the cross-architecture evaluation of a distilled set (spec §5, §12)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import torch
from tqdm.auto import tqdm

from .. import models
from ..data import Dataset
from ..distributed import current_process_group, rank_device
from ..validation import validate_distilled
from .config import EvalConfig
from .report import EvalReport, ModelResult
from .train import Job, JobResult, run_job


def check_models_fit(dataset: Dataset, config: EvalConfig) -> dict[str, str]:
    """Build every architecture on the meta device so errors surface before any training.

    Returns {name: reason} for the architectures that cannot take the dataset's image size (their factory
    raised :class:`~glad_eval.models.UnsupportedImageSize`): the protocol skips those. Any other error (a bad
    option, an unknown name) raises; so does a pool where no architecture fits (ValueError with every reason).
    """
    skipped: dict[str, str] = {}
    for name in config.models:
        try:
            with torch.device("meta"):
                models.build_architecture(
                    name,
                    num_classes=dataset.num_classes,
                    channels=dataset.channels,
                    image_size=dataset.image_size,
                    **config.model_kwargs.get(name, {}),
                )
        except models.UnsupportedImageSize as exc:
            skipped[name] = str(exc)
    if skipped and len(skipped) == len(config.models):
        raise ValueError(
            f"no architecture of the pool takes {dataset.image_size} px images: {'; '.join(skipped.values())}"
        )
    return skipped


def evaluate(
    images01: torch.Tensor,
    labels: torch.Tensor,
    dataset: Dataset,
    config: EvalConfig | None = None,
    *,
    progress: bool = True,
    on_epoch: Callable[[Job, int, float, float], None] | None = None,
) -> EvalReport:
    """Train ``config.num_seeds`` fresh models of every architecture on the distilled set and test them.

    ``images01``: float [N, C, H, W] in [0, 1] (normalised here with the dataset's mean/std; DSA then acts on
    the normalised images, as in the reference code). ``labels``: int [N]. Everything is validated before
    training; an architecture that cannot take the dataset's image size is skipped (one line on stderr naming
    it and why; listed in the report's ``skipped``) and the others train. Under torchrun (an initialised
    process group) the (architecture, seed) jobs are split over the ranks and every rank returns the same full
    report, equal to a one-process run. Accuracies are in percent.
    ``on_epoch(job, epoch, mean training loss, lr)``: each model's training curve, as it trains (under
    torchrun every rank reports its own jobs).
    """
    config = EvalConfig() if config is None else config
    config.validate()
    validate_distilled(images01, labels, dataset)
    skipped = check_models_fit(dataset, config)

    world = current_process_group()
    if world.is_main:
        for reason in skipped.values():
            print(f"skipping {reason}", file=sys.stderr)
    device = rank_device(config.device, world)
    names = [name for name in config.models if name not in skipped]
    jobs = [Job(name, k) for name in names for k in range(config.num_seeds)]
    mine = world.shard(jobs)
    show = progress and world.is_main
    results: list[JobResult] = []
    for job in tqdm(mine, desc=f"evaluating on {dataset.name}", unit="model", disable=not show):
        start = time.perf_counter()
        hook = None if on_epoch is None else (lambda e, loss, lr, job=job: on_epoch(job, e, loss, lr))
        accuracy = run_job(
            job, images01, labels, dataset, config, device, progress=show, position=1, on_epoch=hook
        )
        results.append(JobResult(job.model, job.index, accuracy, time.perf_counter() - start))
    everything = {(r.model, r.index): r for r in world.gather(results)}

    per_model = {}
    for name in names:
        runs = [everything[(name, k)] for k in range(config.num_seeds)]
        per_model[name] = ModelResult([r.accuracy for r in runs], seconds=sum(r.seconds for r in runs))
    return EvalReport(
        per_model=per_model,
        distill_model=config.distill_model,
        dataset=dataset.name,
        num_images=int(images01.shape[0]),
        num_classes=dataset.num_classes,
        config=config.to_dict() | {"world_size": world.world_size},
        skipped=skipped,
    )
