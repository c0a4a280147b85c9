"""stats.jsonl: the always-on record of every iteration (loss, per-class loss, image statistics, latent norms,
learning rates) and of every evaluation, one JSON object per line. The HTML report reads it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from glad_eval.fileio import atomic_write_bytes

from .protocol import LoggerContext, StepRecord

STATS_FILE = "stats.jsonl"


class StatsLogger:
    """Appends {"kind": "step", ...StepRecord.summary} and {"kind": "eval", "iteration", "report"} lines.

    On a resumed run the lines past the checkpoint's iteration (written by the interrupted run after its last
    checkpoint) are dropped first, so the file always matches the run's history.
    """

    def __init__(self, context: LoggerContext):
        self.path = Path(context.run_dir) / STATS_FILE
        if context.start_iteration == 0:
            self.path.unlink(missing_ok=True)
        else:
            kept = [r for r in read_stats_file(self.path) if r["iteration"] <= context.start_iteration]
            atomic_write_bytes(self.path, "".join(json.dumps(r) + "\n" for r in kept).encode())

    def _append(self, record: dict[str, Any]) -> None:
        with self.path.open("a") as handle:
            handle.write(json.dumps(record) + "\n")

    def on_step(self, record: StepRecord) -> None:
        self._append({"kind": "step", **record.summary})

    def on_eval(self, iteration: int, report: dict[str, Any]) -> None:
        self._append({"kind": "eval", "iteration": iteration, "report": report})

    def on_snapshot(self, iteration: int, images01: torch.Tensor) -> None:
        pass

    def close(self) -> None:
        pass


def read_stats_file(path: str | Path) -> list[dict[str, Any]]:
    """The records of a stats.jsonl (empty if it does not exist); a torn last line (a crash mid-write) is
    skipped."""
    path = Path(path)
    if not path.is_file():
        return []
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records
