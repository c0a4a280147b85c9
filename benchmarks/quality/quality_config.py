"""The quality benchmark's settings (config.json next to this file): typed, validated, per-row flags.

A row is one way to get a training set for a dataset at an IPC: ``whole`` (the entire real training set, no
IPC), or a ``glad distill`` run named in ``rows`` (``random`` = pixels initialised from real images, 0
iterations; ``pixel-dm``, ``glad-dc``, ... = a distillation). Flags are `glad distill` flags without the
dashes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_CONFIG = Path(__file__).with_name("config.json")
WHOLE = "whole"  # the row trained on the whole real training set (glad-eval --real-train-set)
# flags the runner sets itself (from its own options); a row may not set them
RESERVED_FLAGS = (
    "dataset",
    "data-root",
    "ipc",
    "iterations",
    "out",
    "device",
    "resume",
    "eval-every",
    "eval-models",
    "eval-seeds",
    "eval-epochs",
)


@dataclass(frozen=True)
class EvalPlan:
    """How a training set is evaluated: ``models`` (glad_eval zoo names), fresh models per architecture
    (``seeds``) and training ``epochs`` per model."""

    models: tuple[str, ...]
    seeds: int
    epochs: int

    @classmethod
    def from_dict(cls, data: dict, where: str) -> EvalPlan:
        _check_keys(data, {"models", "seeds", "epochs", "note"}, where)
        plan = cls(tuple(data["models"]), int(data["seeds"]), int(data["epochs"]))
        if not plan.models or plan.seeds < 1 or plan.epochs < 1:
            raise ValueError(f"{where}: needs at least one model and positive seeds/epochs, got {data}")
        return plan


@dataclass(frozen=True)
class CurvePlan:
    """The cheap periodic evaluation during distillation (``glad distill --eval-every``): ``points``
    evaluations spread evenly over the iterations, each ``seeds`` model(s) of ``models`` trained ``epochs``
    epochs."""

    models: tuple[str, ...]
    seeds: int
    epochs: int
    points: int

    def eval_every(self, iterations: int) -> int:
        """--eval-every for a run of ``iterations``: 0 (none) when points is 0 or iterations < points."""
        if self.points <= 0 or iterations < self.points:
            return 0
        return iterations // self.points


@dataclass(frozen=True)
class RowConfig:
    """One distilled row: default ``iterations`` and ``flags`` for `glad distill`, per-IPC overrides
    (``ipc``: {"10": {"iterations": ..., "flags": {...}}}), and the iterations of the source paper
    (``paper_iterations``, shown beside ours; None: not applicable)."""

    name: str
    iterations: int
    flags: dict[str, object] = field(default_factory=dict)
    per_ipc: dict[int, dict] = field(default_factory=dict)
    paper_iterations: int | None = None

    def settings(self, ipc: int) -> tuple[int, dict[str, object]]:
        """(iterations, flags) at ``ipc``, the per-IPC override applied."""
        override = self.per_ipc.get(ipc, {})
        return int(override.get("iterations", self.iterations)), {**self.flags, **override.get("flags", {})}


@dataclass(frozen=True)
class QualityConfig:
    """Everything config.json sets: the final evaluation, the whole-dataset row, the curve, the rows."""

    eval: EvalPlan
    whole: EvalPlan
    curve: CurvePlan
    rows: dict[str, RowConfig]

    @property
    def row_names(self) -> list[str]:
        """Every row this config can run, ``whole`` first."""
        return [WHOLE, *self.rows]


def _check_keys(data: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")


def _row(name: str, data: dict) -> RowConfig:
    where = f"rows.{name}"
    _check_keys(data, {"iterations", "flags", "ipc", "note", "paper_iterations"}, where)
    flags = dict(data.get("flags", {}))
    per_ipc = {int(k): dict(v) for k, v in data.get("ipc", {}).items()}
    for source in [flags, *(v.get("flags", {}) for v in per_ipc.values())]:
        reserved = sorted(set(source) & set(RESERVED_FLAGS))
        if reserved:
            raise ValueError(f"{where}: flag(s) {reserved} are set by the runner; remove them from the row")
    for ipc, override in per_ipc.items():
        _check_keys(override, {"iterations", "flags"}, f"{where}.ipc.{ipc}")
    if "iterations" not in data or int(data["iterations"]) < 0:
        raise ValueError(f"{where}: needs 'iterations' >= 0 (0: the initial images, e.g. random real)")
    paper = data.get("paper_iterations")
    return RowConfig(name, int(data["iterations"]), flags, per_ipc, None if paper is None else int(paper))


def load_config(path: str | Path = DEFAULT_CONFIG) -> QualityConfig:
    """Read and validate a config file (ValueError naming the bad key)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"--config {path}: no such file; pass a JSON file like {DEFAULT_CONFIG}")
    data = json.loads(path.read_text())
    _check_keys(data, {"description", "eval", "whole", "curve", "rows"}, str(path))
    curve = data["curve"]
    _check_keys(curve, {"models", "seeds", "epochs", "points"}, f"{path}: curve")
    rows = {name: _row(name, row) for name, row in data["rows"].items()}
    if WHOLE in rows:
        raise ValueError(f"{path}: rows.{WHOLE} is reserved for the whole-dataset row (set it under 'whole')")
    return QualityConfig(
        eval=EvalPlan.from_dict(data["eval"], f"{path}: eval"),
        whole=EvalPlan.from_dict(data["whole"], f"{path}: whole"),
        curve=CurvePlan(
            tuple(curve["models"]), int(curve["seeds"]), int(curve["epochs"]), int(curve["points"])
        ),
        rows=rows,
    )
