"""Run observers: what a distillation records while it runs (stats.jsonl, snapshots, TensorBoard, your own).

The Distiller calls every logger's `on_step(StepRecord)` after each iteration, `on_eval(iteration, report)`
after each evaluation, `on_snapshot(iteration, images01)` every `snapshot_every` iterations (and at the last),
and `close()` at the end; only rank 0 has loggers under torchrun.
"""

from .protocol import LoggerContext, RunLogger, StepRecord
from .registry import available_loggers, build_loggers, check_logger_names, register_logger
from .snapshots import SNAPSHOT_DIR, list_snapshots, snapshot_path
from .stats import STATS_FILE, StatsLogger, read_stats_file

__all__ = [
    "SNAPSHOT_DIR",
    "STATS_FILE",
    "LoggerContext",
    "RunLogger",
    "StatsLogger",
    "StepRecord",
    "available_loggers",
    "build_loggers",
    "check_logger_names",
    "list_snapshots",
    "read_stats_file",
    "register_logger",
    "snapshot_path",
]
