"""The evaluation result: per-architecture mean ± std, the cross-architecture mean; table, JSON, CSV."""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from ..fileio import atomic_write_bytes, atomic_write_json

UNIT = "percent"


@dataclass
class ModelResult:
    """Final test accuracies (percent) of one architecture's fresh models, their mean and population std."""

    accuracies: list[float]
    mean: float = 0.0
    std: float = 0.0
    seconds: float = 0.0

    def __post_init__(self) -> None:
        self.mean = statistics.fmean(self.accuracies)
        self.std = statistics.pstdev(self.accuracies)


@dataclass
class EvalReport:
    """Results of :func:`glad_eval.protocol.evaluate`, accuracies in percent.

    ``cross_arch_mean``: mean of the per-architecture means over every architecture except ``distill_model``
    (None if there is none). ``cross_arch_std``: population std, over seed indices, of the per-seed mean
    across those architectures. ``skipped``: {architecture: reason} for those that could not be built at the
    dataset's image size (not trained, not in any mean).
    """

    per_model: dict[str, ModelResult]
    distill_model: str
    dataset: str
    num_images: int
    num_classes: int
    config: dict = field(default_factory=dict)
    cross_arch_mean: float | None = None
    cross_arch_std: float | None = None
    skipped: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        others = self.cross_arch_models
        if others:
            self.cross_arch_mean = statistics.fmean(self.per_model[m].mean for m in others)
            per_seed = zip(*(self.per_model[m].accuracies for m in others), strict=True)
            self.cross_arch_std = statistics.pstdev(statistics.fmean(accs) for accs in per_seed)

    @property
    def cross_arch_models(self) -> list[str]:
        """The architectures averaged into the cross-architecture mean: all but ``distill_model``."""
        return [m for m in self.per_model if m != self.distill_model]

    def to_dict(self) -> dict:
        return {
            "dataset": self.dataset,
            "num_images": self.num_images,
            "num_classes": self.num_classes,
            "unit": UNIT,
            "distill_model": self.distill_model,
            "per_model": {
                name: {"accuracies": r.accuracies, "mean": r.mean, "std": r.std, "seconds": r.seconds}
                for name, r in self.per_model.items()
            },
            "cross_arch_models": self.cross_arch_models,
            "cross_arch_mean": self.cross_arch_mean,
            "cross_arch_std": self.cross_arch_std,
            "skipped": self.skipped,
            "config": self.config,
        }

    def format_table(self) -> str:
        """A plain-text table: one row per architecture (mean ± std over seeds), then the cross-arch mean."""
        ipc = self.num_images / max(1, self.num_classes)
        seeds = len(next(iter(self.per_model.values())).accuracies) if self.per_model else 0
        lines = [
            f"{self.dataset}: {self.num_images} distilled images ({ipc:g} per class), {seeds} model(s) per "
            f"architecture, {self.config.get('epochs', '?')} epochs; test accuracy in %",
            f"{'architecture':<18}{'accuracy':>18}   per seed",
        ]
        for name, r in self.per_model.items():
            label = f"{name}*" if name == self.distill_model else name
            runs = " ".join(f"{a:.2f}" for a in r.accuracies)
            lines.append(f"{label:<18}{r.mean:>10.2f} ± {r.std:<5.2f}   {runs}")
        for name, reason in self.skipped.items():
            lines.append(f"{name:<18}{'skipped':>18}   {_why(name, reason)}")
        if self.cross_arch_mean is not None:
            lines.append(
                f"{'cross-arch':<18}{self.cross_arch_mean:>10.2f} ± {self.cross_arch_std:<5.2f}   mean over "
                f"{', '.join(self.cross_arch_models)}"
            )
        if self.distill_model in self.per_model:
            lines.append("* the distillation architecture (not in the cross-architecture mean)")
        return "\n".join(lines)

    def write(self, out_dir: str | Path) -> tuple[Path, Path]:
        """Write ``results.json`` and ``results.csv`` into ``out_dir``; returns their paths."""
        out_dir = Path(out_dir)
        json_path, csv_path = out_dir / "results.json", out_dir / "results.csv"
        atomic_write_json(json_path, self.to_dict())
        seeds = max((len(r.accuracies) for r in self.per_model.values()), default=0)
        text = io.StringIO(newline="")
        writer = csv.writer(text)
        writer.writerow(["architecture", "mean", "std", *(f"seed_{k}" for k in range(seeds))])
        for name, r in self.per_model.items():
            writer.writerow([name, f"{r.mean:.4f}", f"{r.std:.4f}", *(f"{a:.4f}" for a in r.accuracies)])
        if self.cross_arch_mean is not None:
            writer.writerow(["cross_arch", f"{self.cross_arch_mean:.4f}", f"{self.cross_arch_std:.4f}"])
        atomic_write_bytes(csv_path, text.getvalue().encode())
        return json_path, csv_path


def _why(name: str, reason: str) -> str:
    """The reason without the architecture's name when it starts with it ('vit: image_size=...')."""
    return reason.removeprefix(f"{name}: ")
