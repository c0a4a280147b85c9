"""Everything the HTML report shows about one run, read from its run directory (never written to)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from glad_eval.artifacts import load_distilled

from ..artifacts import IMAGES_FILE
from ..manifest import MANIFEST_FILE, read_manifest
from ..observers import STATS_FILE, list_snapshots, read_stats_file


@dataclass
class RunData:
    """One run as the report sees it.

    steps: stats.jsonl's per-iteration records (empty for runs made before it existed); loss: (iteration,
    loss) from the manifest's loss history; evaluations: manifest metrics ({"iteration", ...EvalReport dict}),
    in iteration order; baseline: the random-real baseline's EvalReport dict or None; images01 float32
    [N, C, H, W] in [0, 1] and labels int64 [N] (None when the run did not finish); snapshots: (iteration,
    path) in order.
    """

    path: Path
    label: str
    manifest: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)
    loss: list[tuple[int, float]] = field(default_factory=list)
    evaluations: list[dict[str, Any]] = field(default_factory=list)
    baseline: dict[str, Any] | None = None
    images01: torch.Tensor | None = None
    labels: torch.Tensor | None = None
    class_names: list[str] = field(default_factory=list)
    snapshots: list[tuple[int, Path]] = field(default_factory=list)

    @property
    def config(self) -> dict[str, Any]:
        return self.manifest.get("config", {})

    @property
    def dataset(self) -> str:
        return str(self.config.get("dataset", "?"))

    @property
    def final_evaluation(self) -> dict[str, Any] | None:
        """The last evaluation (the table of `glad run`), or None when the run was never evaluated."""
        return self.evaluations[-1] if self.evaluations else None

    def identity(self) -> dict[str, str]:
        """What the run was, as label -> text (dataset, method, generator, layer, init, IPC, iterations,
        versions, seeds, device, wall time, status)."""
        config, manifest = self.config, self.manifest
        generator = config.get("generator", {})
        timings = manifest.get("timings", {})
        wall = sum(float(timings.get(k, 0.0)) for k in ("setup_s", "distill_s", "eval_s"))
        versions = manifest.get("versions", {})
        environment = manifest.get("environment", {})
        seeds = manifest.get("seeds", {})
        name = (manifest.get("generator") or {}).get("name") or generator.get("name")
        return {
            "dataset": self.dataset,
            "method": str(config.get("method", "?")),
            "generator": str(name),
            "layer": "w+ only" if generator.get("layer") is None else str(generator.get("layer")),
            "init": str(generator.get("init") or "generator default"),
            "IPC": str(config.get("ipc", "?")),
            "iterations": f"{manifest.get('iterations_completed', '?')} of {config.get('iterations', '?')}",
            "status": str(manifest.get("status", "?")),
            "versions": ", ".join(f"{k} {v}" for k, v in versions.items() if v),
            "seeds": ", ".join(f"{k} {v}" for k, v in seeds.items()),
            "device": " ".join(
                str(x) for x in (environment.get("device"), environment.get("gpu")) if x is not None
            )
            + f" (world size {environment.get('world_size', 1)})",
            "wall time": f"{wall:.1f} s (setup {timings.get('setup_s', 0):.1f}, distill "
            f"{timings.get('distill_s', 0):.1f}, evaluation {timings.get('eval_s', 0):.1f})",
        }


def load_run(path: str | Path) -> RunData:
    """Read a run directory; ValueError with the fix when `path` is not one."""
    path = Path(path)
    if not path.is_dir() or not (path / MANIFEST_FILE).is_file():
        raise ValueError(
            f"{path} is not a glad run directory (no {MANIFEST_FILE}); pass the --out folder of glad distill "
            "or glad run"
        )
    manifest = read_manifest(path)
    run = RunData(path=path, label=path.resolve().name, manifest=manifest)
    run.steps = [r for r in read_stats_file(path / STATS_FILE) if r.get("kind") == "step"]
    run.loss = [(i + 1, float(v)) for i, v in enumerate(manifest.get("loss_history", []))]
    run.evaluations = sorted(manifest.get("metrics", []), key=lambda m: m.get("iteration", 0))
    baseline = manifest.get("baseline")
    run.baseline = baseline.get("report") if isinstance(baseline, dict) else None
    if (path / IMAGES_FILE).is_file():
        distilled = load_distilled(path)
        run.images01, run.labels = distilled.images, distilled.labels
        run.class_names = list(distilled.meta.get("class_names") or [])
    run.snapshots = list_snapshots(path)
    return run


def distinct_labels(runs: list[RunData]) -> None:
    """Make run labels unique (two runs of the same folder name get ' (2)', ...)."""
    seen: dict[str, int] = {}
    for run in runs:
        count = seen.get(run.label, 0) + 1
        seen[run.label] = count
        if count > 1:
            run.label = f"{run.label} ({count})"
