"""`glad report RUN [RUN ...] --out report.html`: gather the runs, draw, search neighbours, write one page."""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from glad_eval.artifacts import load_distilled
from glad_eval.data import load_dataset
from glad_eval.fileio import atomic_write_bytes

from ..grid import image_grid
from .html import PageParts, page
from .neighbours import Neighbours, nearest_real
from .pictures import pil_png
from .plots import accuracy_plot, loss_plot, require_matplotlib, saturation_plot
from .rundata import RunData, distinct_labels, load_run


@dataclass
class ReportOptions:
    """neighbours: real images shown per distilled image (0: skip the search); neighbour_images: distilled
    images given neighbours, per run; evolution_frames: snapshots shown per run (evenly spaced, the last
    included); data_root: where the datasets live (default: each run's own data_root); device: where the
    neighbour search runs; seed: the embedding ConvNet's weight seed."""

    neighbours: int = 3
    neighbour_images: int = 100
    evolution_frames: int = 8
    data_root: str | None = None
    device: str = "cpu"
    seed: int = 0

    def validate(self) -> None:
        for name in ("neighbours", "neighbour_images", "evolution_frames"):
            if getattr(self, name) < 0:
                raise ValueError(f"--{name.replace('_', '-')} must be >= 0, got {getattr(self, name)}")


def check_out_file(out: str | Path) -> Path:
    """ValueError unless `out` can be written as a file (checked before any work)."""
    out = Path(out).expanduser()
    if out.is_dir():
        raise ValueError(f"--out {out} is a directory; give a file name such as {out / 'report.html'}")
    parent = out.absolute().parent
    existing = next(p for p in (parent, *parent.parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"--out {out}: cannot write there, {existing} is not a writable directory")
    if out.exists() and not os.access(out, os.W_OK):
        raise ValueError(f"--out {out}: the file exists and is not writable")
    return out


def evenly_spaced(count: int, wanted: int) -> list[int]:
    """`wanted` indices of range(count), evenly spaced, first and last included."""
    if wanted <= 0 or count == 0:
        return []
    if count <= wanted:
        return list(range(count))
    if wanted == 1:
        return [count - 1]
    return sorted({round(i * (count - 1) / (wanted - 1)) for i in range(wanted)})


def evolution_frames(run: RunData, wanted: int) -> list[tuple[int, bytes]]:
    frames = []
    for index in evenly_spaced(len(run.snapshots), wanted):
        iteration, path = run.snapshots[index]
        snapshot = load_distilled(path)
        frames.append((iteration, pil_png(image_grid(snapshot.images, snapshot.labels, min_cell=32))))
    return frames


def find_neighbours(runs: list[RunData], options: ReportOptions) -> dict[str, Neighbours | str]:
    """Neighbours per run label, or the reason there are none (one dataset load per distinct dataset)."""
    found: dict[str, Neighbours | str] = {}
    datasets: dict[tuple[str, str | None], object] = {}
    for run in runs:
        if options.neighbours == 0:
            found[run.label] = "skipped (--neighbours 0)"
            continue
        if run.images01 is None:
            found[run.label] = "the run has no images.safetensors"
            continue
        root = options.data_root or run.config.get("data_root")
        key = (run.dataset, root)
        try:
            if key not in datasets:
                datasets[key] = load_dataset(run.dataset, root=root, progress=False)
            images = run.images01[: options.neighbour_images]
            found[run.label] = nearest_real(
                images, datasets[key], k=options.neighbours, seed=options.seed, device=options.device
            )
        except (ValueError, FileNotFoundError, OSError) as error:
            found[run.label] = f"{error} (pass --data-root)"
    return found


def build_report(run_dirs: list[str | Path], out: str | Path, options: ReportOptions | None = None) -> Path:
    """Write the HTML report of `run_dirs` to `out`; returns its path. Every input is checked (runs readable,
    --out writable, matplotlib present) before the work starts; the file is written atomically."""
    options = options or ReportOptions()
    options.validate()
    if not run_dirs:
        raise ValueError("glad report needs at least one run directory")
    out = check_out_file(out)
    require_matplotlib()
    runs = [load_run(path) for path in run_dirs]
    distinct_labels(runs)
    try:
        ours = version("glad-distill")
    except PackageNotFoundError:
        ours = "?"
    parts = PageParts(
        loss_png=loss_plot(runs),
        accuracy_png=accuracy_plot(runs),
        saturation_png=saturation_plot(runs),
        evolution={r.label: evolution_frames(r, options.evolution_frames) for r in runs},
        neighbours=find_neighbours(runs, options),
        generated_by=f"written by glad report (glad-distill {ours}) from {len(runs)} run(s)",
    )
    html = page(runs, parts, neighbour_limit=options.neighbour_images)
    return atomic_write_bytes(out, html.encode("utf-8"))
