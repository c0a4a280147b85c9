"""snapshots/iter_<NNNNNN>.safetensors: the rendered images every `snapshot_every` iterations, in glad-eval's
format (so `glad-eval RUN/snapshots/iter_000010.safetensors` evaluates one)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import torch
from glad_eval.artifacts import save_distilled_file

from .protocol import LoggerContext, StepRecord

SNAPSHOT_DIR = "snapshots"
_NAME = re.compile(r"^iter_(\d{6,})\.safetensors$")


def snapshot_path(run_dir: str | Path, iteration: int) -> Path:
    return Path(run_dir) / SNAPSHOT_DIR / f"iter_{iteration:06d}.safetensors"


def list_snapshots(run_dir: str | Path) -> list[tuple[int, Path]]:
    """(iteration, path) of every snapshot of a run, in iteration order."""
    folder = Path(run_dir) / SNAPSHOT_DIR
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _NAME.match(p.name))]
    return sorted(found)


class SnapshotWriter:
    """Writes each snapshot with glad_eval.artifacts.save_distilled_file (validated, atomic). A resumed run
    deletes the snapshots past its checkpoint (the interrupted run's) and keeps the earlier ones."""

    def __init__(self, context: LoggerContext):
        self.run_dir = Path(context.run_dir)
        self.labels = context.labels.detach().cpu()
        self.meta: dict[str, Any] = dict(context.meta)
        for iteration, path in list_snapshots(self.run_dir):
            if iteration > context.start_iteration:
                path.unlink()

    def on_step(self, record: StepRecord) -> None:
        pass

    def on_eval(self, iteration: int, report: dict[str, Any]) -> None:
        pass

    def on_snapshot(self, iteration: int, images01: torch.Tensor) -> None:
        meta = {**self.meta, "iterations": iteration, "snapshot": True}
        save_distilled_file(snapshot_path(self.run_dir, iteration), images01, self.labels, meta)

    def close(self) -> None:
        pass
