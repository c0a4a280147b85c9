"""The distillation loop: latents -> images -> objective -> dL/dimages -> latent_backprop -> SGD on the
latents.

One iteration (GLaD's memory-lean backward, spec glad_method.md §3):
1. render this process's images chunk by chunk without a graph: raw = G(latents), about [-1, 1];
2. images01 = bound(raw) in [0, 1] (bounds.py: the images the objective sees are the images that are saved and
   evaluated), classifier images x = dataset.normalize(images01), with the DATASET's own mean/std (the
   official code normalised generated ImageNet images with a different mean than the real ones; we do not);
3. the objective computes the loss on detached x and returns dL/dx; autograd maps it to dL/draw;
4. glad_ops.latent_backprop re-renders chunk by chunk with a graph and pushes dL/draw into the latents;
5. (torchrun) the latent gradients are summed over ranks; a non-finite loss or gradient stops the run before
   anything is updated; SGD (momentum 0.5, lr_img for F/pixels, lr_w for w+) steps the float32 latents;
   the "project" bound then projects them so that the images stay in [0, 1].
At every checkpoint the images' saturation (image_stats.py) is recorded; the run warns once when it is high.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from glad_eval.data import load_dataset
from glad_eval.distributed import join_process_group, rank_device
from glad_eval.seeding import StepSeeds, draw_seed
from glad_ops.latent_backprop import latent_backprop
from tqdm.auto import tqdm

from .artifacts import write_run_outputs
from .baseline import BASELINE_NAME, INIT_STREAM, random_real_images
from .bounds import get_bound
from .checkpoint import CHECKPOINT_FILE, save_checkpoint
from .config import DistillConfig
from .evaluation import evaluate_images
from .faults import fault_point
from .generators import (
    GeneratorContext,
    build_generator,
    default_bound,
    describe,
    latent_lr_keys,
    latent_names,
)
from .image_stats import image_statistics, real_saturated_fraction, saturation_warning
from .initialisation import initial_latents
from .manifest import environment, package_versions, write_manifest
from .manifest_config import recorded_config
from .objectives import ObjectiveContext, SyntheticBatch, build_objective, check_objective
from .observers import LoggerContext, RunLogger, StepRecord, build_loggers
from .run_dir import RESUMABLE_OVERRIDES, open_run_dir

__all__ = ["RESUMABLE_OVERRIDES", "Distiller", "NonFiniteLossError", "RunResult"]


class NonFiniteLossError(RuntimeError):
    """The loss or a gradient became NaN/inf; the run stopped and kept its last good checkpoint."""


class SaturationWarning(UserWarning):
    """The distilled images sit at the bounds of [0, 1] or are flat (warned once per run)."""


@dataclass
class RunResult:
    run_dir: Path
    iterations: int
    images01: torch.Tensor  # float32 [N, C, R, R] in [0, 1], CPU
    labels: torch.Tensor  # int64 [N]
    loss_history: list[float]
    metrics: list[dict[str, Any]] = field(default_factory=list)


class Distiller:
    """Distil `config.dataset` into `config.ipc` images per class, writing the run to `run_dir`.

    Every check (config, run directory, dataset, generator and its layer, objective and its expert buffers)
    happens in the constructor, before anything is written. `resume=True` continues the run in `run_dir` from
    its checkpoint; on the CPU the result is bitwise equal to an uninterrupted run. `on_iteration(i)` is
    called after iteration i completed (and was checkpointed when due). `loggers` (glad_distill.observers
    RunLogger) observe the run on rank 0, after the built-in ones (stats.jsonl, snapshots, config.log).
    """

    def __init__(
        self,
        config: DistillConfig,
        run_dir: str | Path,
        *,
        resume: bool = False,
        progress: bool = True,
        dataset=None,
        on_iteration: Callable[[int], None] | None = None,
        loggers: list[RunLogger] | None = None,
    ):
        check_objective(config.method)
        config.validate()
        self.config = config
        self.run_dir = Path(run_dir)
        self.progress = progress
        self.on_iteration = on_iteration
        self.group = join_process_group(config.device)
        self.device = rank_device(config.device, self.group)
        checkpoint = self._check_run_dir(resume)
        started = time.perf_counter()
        if dataset is None:
            dataset = load_dataset(
                config.dataset, **config.dataset_options(), progress=progress and self.group.is_main
            )
        self.dataset = dataset
        self.generator = build_generator(GeneratorContext(self.dataset, config.generator, self.device))
        self.bound = get_bound(config.bound or default_bound(self.generator))
        if self.bound.projects and not callable(getattr(self.generator, "project", None)):
            raise ValueError(
                f"--bound {self.bound.name} projects the latents after each step, which generator "
                f"{config.generator.name!r} cannot do (it has no project method); use --bound tanh or clamp"
            )
        self.objective = build_objective(ObjectiveContext(config, self.dataset, self.device))
        if self.group.distributed and not self.objective.splits_classes:
            raise ValueError(
                f"method {config.method!r} does not split over processes; run it without torchrun "
                "(DC and DM do)"
            )
        self.labels = torch.arange(self.dataset.num_classes).repeat_interleave(config.ipc)
        self.rng = torch.Generator().manual_seed(config.seed)
        self.initialisation: dict[str, Any] | None = None  # the inversion record of --init real
        if checkpoint is None:
            latents, self.initialisation = initial_latents(
                self.generator,
                self.dataset,
                self.labels,
                config,
                self.bound,
                render_without_graph=self._render_without_graph,
                rng=StepSeeds(config.seed).stream(INIT_STREAM),
                real_rng=StepSeeds(config.seed).stream(INIT_STREAM),
                device=self.device,
                progress=progress and self.group.is_main,
            )
        else:
            latents = checkpoint["latents"]
            self.initialisation = checkpoint.get("initialisation")
        self.latents = [
            t.detach().to(self.device, torch.float32).clone().requires_grad_(True) for t in latents
        ]
        self.latent_names = latent_names(self.generator) or tuple(
            f"latent{i}" for i in range(len(self.latents))
        )
        lr_keys = latent_lr_keys(self.generator, len(self.latents))
        self.optimizer = torch.optim.SGD(
            [
                {"params": [t], "lr": config.learning_rate(k)}
                for t, k in zip(self.latents, lr_keys, strict=True)
            ],
            momentum=config.momentum,
        )
        self.latent_groups = [
            {"name": n, "shape": list(t.shape), "lr_key": k, "lr": config.learning_rate(k)}
            for n, t, k in zip(self.latent_names, self.latents, lr_keys, strict=True)
        ]
        self.generator_identity = describe(self.generator)
        self.iteration = 0
        self.loss_history: list[float] = []
        self.metrics: list[dict[str, Any]] = []
        self.saturation: list[dict[str, Any]] = []  # image statistics per checkpoint
        self.baseline: dict[str, Any] | None = None  # evaluate_baseline's record
        self.real_saturated_fraction = real_saturated_fraction(self.dataset)
        self._saturation_warned = False
        self.timings = {"setup_s": time.perf_counter() - started, "distill_s": 0.0, "eval_s": 0.0}
        self.status, self.message = "running", ""
        self.files = {"checkpoint": CHECKPOINT_FILE}  # the run directory's files, as listed in the manifest
        self.group.barrier()  # every rank has checked the run directory before rank 0 writes into it
        if self.group.is_main:
            self._run_directory.clear_leftovers()
        if checkpoint is not None:
            self._restore(checkpoint)
        else:
            if self.bound.projects:
                self.generator.project(tuple(self.latents))
            self.save_checkpoint()  # iteration 0: the last good checkpoint until the first periodic one
        self.loggers: list[RunLogger] = self._build_loggers(loggers or []) if self.group.is_main else []
        self._observed: tuple[torch.Tensor | None, torch.Tensor | None] | None = None  # see _observe

    # -- checks ---------------------------------------------------------------------------------------------
    def _check_run_dir(self, resume: bool) -> dict[str, Any] | None:
        """The checkpoint to continue from (None: a fresh start); see run_dir.py for the states."""
        self._run_directory = open_run_dir(self.run_dir, self.config.to_dict(), resume=resume)
        return self._run_directory.checkpoint

    # -- one iteration --------------------------------------------------------------------------------------
    def step(self) -> float:
        """One distillation iteration; returns the loss summed over all classes (and ranks)."""
        seeds = StepSeeds(draw_seed(self.rng))
        classes = (
            self.group.classes_of_rank(self.dataset.num_classes)
            if self.objective.splits_classes
            else list(range(self.dataset.num_classes))
        )
        rows = torch.isin(self.labels, torch.tensor(classes)).nonzero().flatten()
        every_row = len(rows) == len(self.labels)
        latents = [t.detach() if every_row else t.detach()[rows.to(t.device)] for t in self.latents]
        chunk = self.config.generator.chunk_size
        raw_grad, loss = self._image_gradient(latents, self.labels[rows], classes, seeds)
        grads = list(latent_backprop(self.generator.render, latents, raw_grad, chunk))
        if not every_row:  # this rank's rows; the other ranks fill theirs in the sum below
            grads_of_rows, grads = grads, [torch.zeros_like(t) for t in self.latents]
            for grad, grad_of_rows in zip(grads, grads_of_rows, strict=True):
                grad[rows.to(grad.device)] = grad_of_rows
        per_class = [] if self._observed is None or self._observed[1] is None else [self._observed[1]]
        self.group.sum_([*grads, loss, *per_class])
        self._check_finite(loss, grads)
        for latent, grad in zip(self.latents, grads, strict=True):
            latent.grad = grad
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        if self.bound.projects:
            self.generator.project(tuple(self.latents))
        self.objective.commit()
        return float(loss)

    def _image_gradient(self, latents, labels, classes, seeds) -> tuple[torch.Tensor, torch.Tensor]:
        """dL/draw [n, C, R, R] for the raw generator output, and the loss (0-d)."""
        raw = self._render_without_graph(latents).requires_grad_(True)
        images = self.dataset.normalize(self.bound(raw))
        batch = SyntheticBatch(images.detach(), labels.to(self.device), classes)
        output = self.objective(batch, seeds)
        (raw_grad,) = torch.autograd.grad(images, raw, output.image_grad)
        self._observe(raw, output, classes)
        return raw_grad, output.loss.detach().float().reshape(())

    def _check_finite(self, loss: torch.Tensor, grads: list[torch.Tensor]) -> None:
        bad = []
        if not torch.isfinite(loss):
            bad.append(f"the loss is {float(loss)}")
        for name, grad in zip(self.latent_names, grads, strict=True):
            if not torch.isfinite(grad).all():
                bad.append(f"the gradient of latent {name!r} has NaN/inf")
        if not self.objective.pending_is_finite():
            bad.append("the objective's own gradient (e.g. MTT's syn_lr) has NaN/inf")
        if bad:
            raise NonFiniteLossError(
                f"iteration {self.iteration + 1}: {'; '.join(bad)}. The run stopped without applying this "
                "step; "
                f"the last good checkpoint ({self._checkpoint_iteration} iterations) is kept in "
                f"{self.run_dir / CHECKPOINT_FILE}. Lower the learning rates (--lr-img, --lr-w) and start "
                "again."
            )

    # -- the run --------------------------------------------------------------------------------------------
    def run(self) -> RunResult:
        """Iterate up to config.iterations (checkpointing, evaluating), then write the outputs."""
        config = self.config
        bar = tqdm(
            total=config.iterations,
            initial=self.iteration,
            desc=f"distill {config.method}",
            disable=not (self.progress and self.group.is_main),
        )
        try:
            while self.iteration < config.iterations:
                fault_point(f"iteration:{self.iteration}")
                started = time.perf_counter()
                loss = self.step()
                self.timings["distill_s"] += time.perf_counter() - started
                self.iteration += 1
                self.loss_history.append(loss)
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.4g}")
                self._notify_step(loss)
                if config.eval_every and self.iteration % config.eval_every == 0:
                    self.evaluate()
                if self.iteration % config.checkpoint_every == 0 or self.iteration == config.iterations:
                    self.save_checkpoint()
                if self.on_iteration is not None:
                    self.on_iteration(self.iteration)
        except NonFiniteLossError as error:
            self.status, self.message = "stopped", str(error)
            self.write_manifest()
            raise
        finally:
            bar.close()
            for logger in self.loggers:
                logger.close()
        images01 = self.render_images01()
        self.status = "completed"
        if self.group.is_main:
            self.files = write_run_outputs(
                self.run_dir,
                latents=dict(zip(self.latent_names, self.latents, strict=True)),
                images01=images01,
                labels=self.labels,
                meta=self._artifact_meta(),
            )
            self.write_manifest()
        return RunResult(self.run_dir, self.iteration, images01, self.labels, self.loss_history, self.metrics)

    def render_images01(self) -> torch.Tensor:
        """All distilled images, float32 [N, C, R, R] in [0, 1], on the CPU: the bound of the rendering, the
        same function the objective sees."""
        raw = self._render_without_graph([t.detach() for t in self.latents])
        return self.bound(raw).float().cpu()

    @torch.no_grad()
    def _render_without_graph(self, latents: list[torch.Tensor]) -> torch.Tensor:
        """Raw images [n, C, R, R] in about [-1, 1] of the latent rows, rendered chunk by chunk, no graph."""
        size = self.config.generator.chunk_size
        count = latents[0].shape[0]
        return torch.cat(
            [self.generator.render(tuple(t[i : i + size] for t in latents)) for i in range(0, count, size)]
        )

    def evaluate(self, settings=None, *, progress: bool | None = None):
        """Evaluate the current images with glad_eval's protocol; the report is appended to `metrics`."""
        report = self._evaluate(self.render_images01(), settings, progress)
        self.metrics.append({"iteration": self.iteration, **report.to_dict()})
        for logger in self.loggers:
            logger.on_eval(self.iteration, report.to_dict())
        return report

    def evaluate_baseline(self, settings=None, *, progress: bool | None = None):
        """Evaluate random real images (baseline.py) exactly as `evaluate` does; kept as `baseline`."""
        images01 = random_real_images(self.dataset, self.labels, self.config.seed)
        report = self._evaluate(images01, settings, progress)
        self.baseline = {"name": BASELINE_NAME, "report": report.to_dict()}
        return report

    def _evaluate(self, images01: torch.Tensor, settings, progress: bool | None):
        started = time.perf_counter()
        report = evaluate_images(
            images01,
            self.labels,
            self.dataset,
            settings or self.config.eval,
            device=self.device,
            dsa_strategy=self.config.dsa_strategy,
            distill_model=self.config.net.architecture,
            progress=self.progress if progress is None else progress,
        )
        self.timings["eval_s"] += time.perf_counter() - started
        return report

    # -- observers (glad_distill.observers) ---------------------------------------------------------------
    def _build_loggers(self, extra: list[RunLogger]) -> list[RunLogger]:
        context = LoggerContext(
            run_dir=self.run_dir,
            config=self.config.to_dict(),
            class_names=list(self.dataset.class_names),
            labels=self.labels,
            meta=self._artifact_meta(),
            start_iteration=self.iteration,
        )
        return [*build_loggers(context, self.config.log, self.config.snapshot_every), *extra]

    def _observe(self, raw: torch.Tensor, output, classes: list[int]) -> None:
        """Keep this step's per-class losses ([num_classes], other ranks' classes 0 until summed; on every
        rank, so the sum over ranks stays collective) and, for the loggers of rank 0, its raw images."""
        per_class = getattr(output, "per_class_loss", None)
        if per_class is not None:
            full = torch.zeros(self.dataset.num_classes, device=per_class.device)
            full[torch.tensor(classes, device=per_class.device)] = per_class.detach().float()
            per_class = full
        self._observed = (raw.detach() if self.loggers else None, per_class)

    def _notify_step(self, loss: float) -> None:
        """Tell the loggers about the iteration just completed, and snapshot when due."""
        observed, self._observed = self._observed, None
        if not self.loggers or observed is None or observed[0] is None:
            return
        raw, per_class = observed
        record = StepRecord(
            iteration=self.iteration,
            loss=loss,
            per_class_loss=per_class,
            images01=self.bound(raw),
            latents=[t.detach() for t in self.latents],
            latent_names=tuple(self.latent_names),
            lrs={n: g["lr"] for n, g in zip(self.latent_names, self.optimizer.param_groups, strict=True)},
        )
        for logger in self.loggers:
            logger.on_step(record)
        every = self.config.snapshot_every
        if every and (self.iteration % every == 0 or self.iteration == self.config.iterations):
            images01 = self.render_images01()
            for logger in self.loggers:
                logger.on_snapshot(self.iteration, images01)

    # -- persistence ----------------------------------------------------------------------------------------
    def save_checkpoint(self) -> None:
        self._checkpoint_iteration = self.iteration
        self._record_saturation()
        if not self.group.is_main:
            return
        save_checkpoint(
            self.run_dir,
            {
                "iteration": self.iteration,
                "config": self.config.to_dict(),
                "latents": self.latents,
                "optimizer": self.optimizer.state_dict(),
                "objective": self.objective.state_dict(),
                "rng": self.rng.get_state(),
                "loss_history": self.loss_history,
                "metrics": self.metrics,
                "timings": self.timings,
                "saturation": self.saturation,
                "initialisation": self.initialisation,
            },
        )
        self.write_manifest()

    def _record_saturation(self) -> None:
        """Append the current images' statistics (image_stats.py); warn once when they look saturated."""
        if self.saturation and self.saturation[-1]["iteration"] == self.iteration:
            return
        stats = image_statistics(self.render_images01())
        self.saturation.append({"iteration": self.iteration, **stats})
        message = saturation_warning(stats, self.real_saturated_fraction)
        if message and not self._saturation_warned and self.group.is_main:
            self._saturation_warned = True
            warnings.warn(f"iteration {self.iteration}: {message}", SaturationWarning, stacklevel=2)

    def _restore(self, checkpoint: dict[str, Any]) -> None:
        self.iteration = int(checkpoint["iteration"])
        self._checkpoint_iteration = self.iteration
        self.optimizer.load_state_dict(checkpoint["optimizer"])
        self.objective.load_state_dict(checkpoint["objective"])
        self.rng.set_state(checkpoint["rng"])
        self.loss_history = list(checkpoint["loss_history"])
        self.metrics = list(checkpoint["metrics"])
        self.saturation = list(checkpoint.get("saturation", []))
        self.timings.update({k: checkpoint["timings"][k] for k in ("distill_s", "eval_s")})

    def _artifact_meta(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset.name,
            "method": self.config.method,
            "ipc": self.config.ipc,
            "generator": self.generator_identity.get("name") or self.config.generator.name,
            "layer": self.config.generator.layer,
            "iterations": self.iteration,
            "class_names": list(self.dataset.class_names),
            "latents": self.latent_groups,
        }

    def write_manifest(self) -> None:
        """Rewrite manifest.json (rank 0) with the run's current state and `files`."""
        if not self.group.is_main:
            return
        iterations = max(self.iteration, 1)
        write_manifest(
            self.run_dir,
            {
                "status": self.status,
                "message": self.message,
                "config": recorded_config(self.config, self.generator),
                "versions": package_versions(),
                "environment": {**environment(self.device), "world_size": self.group.world_size},
                "generator": self.generator_identity,
                "latents": self.latent_groups,
                "bound": self.bound.name,
                "initialisation": self.initialisation,
                "saturation": {
                    "real_saturated_fraction": self.real_saturated_fraction,
                    "checkpoints": self.saturation,
                },
                "seeds": {
                    "run": self.config.seed,
                    "generator_weights": self.config.generator.seed,
                    "evaluation": self.config.eval.seed,
                },
                "iterations_completed": self.iteration,
                "checkpoint_iteration": self._checkpoint_iteration,
                "timings": {**self.timings, "seconds_per_iteration": self.timings["distill_s"] / iterations},
                "loss_history": self.loss_history,
                "metrics": self.metrics,
                "baseline": self.baseline,
                "files": self.files,
            },
        )
