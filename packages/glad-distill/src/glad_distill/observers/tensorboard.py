"""TensorBoard event files in the run directory (`glad distill --log tensorboard`), through
torch.utils.tensorboard. Needs the optional extra: pip install "glad-distill[tensorboard]".

Scalars: loss/total, loss/class/<class name>, images/saturated_fraction, images/flat_images,
images/channel_mean/<c>, images/channel_std/<c>, latents/norm/<name>, lr/<name> every iteration;
eval/<architecture> (mean accuracy, %) and eval/cross_arch_mean at each evaluation. Images: images/grid (one
row per class) at each snapshot. Hparams: the run's config (flattened), with loss/total and
eval/cross_arch_mean as its metrics.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..grid import image_grid
from .protocol import LoggerContext, StepRecord

TENSORBOARD_EXTRA = 'tensorboard is not installed; install it with: pip install "glad-distill[tensorboard]"'
HPARAM_METRICS = ("loss/total", "eval/cross_arch_mean")


def require_tensorboard() -> None:
    """ModuleNotFoundError with the one-line install hint when the tensorboard package is missing."""
    try:
        import tensorboard  # noqa: F401
        from torch.utils.tensorboard import SummaryWriter  # noqa: F401
    except ImportError:
        raise ModuleNotFoundError(TENSORBOARD_EXTRA) from None


def flatten_config(config: dict[str, Any], prefix: str = "") -> dict[str, bool | int | float | str]:
    """{"generator.layer": 2, ...}: nested dicts joined with '.', lists and None as strings (hparams only
    take scalars)."""
    flat: dict[str, bool | int | float | str] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_config(value, f"{name}."))
        elif isinstance(value, bool | int | float | str):
            flat[name] = value
        else:
            flat[name] = str(value)
    return flat


class TensorBoardLogger:
    """Writes the run's event files into `log_dir` (default: the run directory). A resumed run purges the
    events past its checkpoint. Flushes after every evaluation and snapshot; `close()` may be followed by
    more records (they reopen the writer and are flushed at once)."""

    def __init__(self, context: LoggerContext, log_dir: str | Path | None = None):
        require_tensorboard()
        from torch.utils.tensorboard import SummaryWriter

        self.class_names = list(context.class_names)
        self.labels = context.labels.detach().cpu()
        purge = context.start_iteration + 1 if context.start_iteration > 0 else None
        self.writer = SummaryWriter(log_dir=str(log_dir or context.run_dir), purge_step=purge)
        self.closed = False
        if context.start_iteration == 0:
            self._write_hparams(context.config)

    def _write_hparams(self, config: dict[str, Any]) -> None:
        from torch.utils.tensorboard.summary import hparams

        experiment, start, _end = hparams(flatten_config(config), {m: 0.0 for m in HPARAM_METRICS})
        file_writer = self.writer._get_file_writer()
        file_writer.add_summary(experiment)
        file_writer.add_summary(start)

    def on_step(self, record: StepRecord) -> None:
        s, step, add = record.summary, record.iteration, self.writer.add_scalar
        add("loss/total", s["loss"], step)
        for name, value in zip(self.class_names, s["per_class_loss"] or [], strict=False):
            add(f"loss/class/{name}", value, step)
        add("images/saturated_fraction", s["saturated_fraction"], step)
        add("images/flat_images", s["flat_images"], step)
        for c, (mean, std) in enumerate(zip(s["channel_mean"], s["channel_std"], strict=True)):
            add(f"images/channel_mean/{c}", mean, step)
            add(f"images/channel_std/{c}", std, step)
        for name, value in s["latent_norms"].items():
            add(f"latents/norm/{name}", value, step)
        for name, value in s["lrs"].items():
            add(f"lr/{name}", value, step)
        self._flush_if_closed()

    def on_eval(self, iteration: int, report: dict[str, Any]) -> None:
        for name, result in report["per_model"].items():
            self.writer.add_scalar(f"eval/{name}", result["mean"], iteration)
        if report.get("cross_arch_mean") is not None:
            self.writer.add_scalar("eval/cross_arch_mean", report["cross_arch_mean"], iteration)
        self.writer.flush()
        self._flush_if_closed()

    def on_snapshot(self, iteration: int, images01: torch.Tensor) -> None:
        grid = np.asarray(image_grid(images01.detach().cpu(), self.labels))  # [H, W, 3] uint8
        self.writer.add_image("images/grid", grid, iteration, dataformats="HWC")
        self.writer.flush()
        self._flush_if_closed()

    def _flush_if_closed(self) -> None:
        if self.closed:
            self.writer.close()

    def close(self) -> None:
        self.writer.close()
        self.closed = True
