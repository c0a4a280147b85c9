"""Loggers by name (`--log NAME`): a registry, so a third party adds its own (e.g. wandb) without touching the
distiller. The always-on loggers (stats.jsonl, and snapshots when snapshot_every > 0) are not in it."""

from __future__ import annotations

from collections.abc import Callable

from .protocol import LoggerContext, RunLogger
from .snapshots import SnapshotWriter
from .stats import StatsLogger

LoggerFactory = Callable[[LoggerContext], RunLogger]
_LOGGERS: dict[str, LoggerFactory] = {}
_CHECKS: dict[str, Callable[[], None]] = {}


def register_logger(name: str, factory: LoggerFactory, check: Callable[[], None] | None = None) -> None:
    """Make `--log NAME` build `factory(context)` on rank 0 of every run that names it. `check()` runs when
    the config is validated (before anything is written) and raises if the logger cannot work here (e.g. a
    missing package, with the install hint)."""
    _LOGGERS[name] = factory
    if check is not None:
        _CHECKS[name] = check


def available_loggers() -> list[str]:
    return sorted(_LOGGERS)


def check_logger_names(names: list[str]) -> None:
    """ValueError naming the first unknown logger, or the logger's own check's error (ModuleNotFoundError
    with the install hint); called when the config is validated."""
    for name in names:
        if name not in _LOGGERS:
            raise ValueError(
                f"unknown --log {name!r}; available: {', '.join(available_loggers())} (add one with "
                "glad_distill.observers.register_logger)"
            )
        if name in _CHECKS:
            _CHECKS[name]()


def build_loggers(context: LoggerContext, names: list[str], snapshot_every: int) -> list[RunLogger]:
    """The run's loggers: stats.jsonl always, snapshots when `snapshot_every` > 0, then each named one."""
    check_logger_names(names)
    loggers: list[RunLogger] = [StatsLogger(context)]
    if snapshot_every > 0:
        loggers.append(SnapshotWriter(context))
    loggers.extend(_LOGGERS[name](context) for name in names)
    return loggers


def _tensorboard(context: LoggerContext) -> RunLogger:
    from .tensorboard import TensorBoardLogger

    return TensorBoardLogger(context)


def _check_tensorboard() -> None:
    from .tensorboard import require_tensorboard

    require_tensorboard()


register_logger("tensorboard", _tensorboard, _check_tensorboard)
