"""Loggers by name (`--log NAME`): a registry, so a third party adds its own (e.g. wandb) without touching the
distiller. The always-on loggers (stats.jsonl, and snapshots when snapshot_every > 0) are not in it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from glad_eval.registry import Registry

from .protocol import LoggerContext, RunLogger
from .snapshots import SnapshotWriter
from .stats import StatsLogger

LoggerFactory = Callable[[LoggerContext], RunLogger]


@dataclass(frozen=True)
class _LoggerEntry:
    factory: LoggerFactory
    check: Callable[[], None] | None = None


_REGISTRY: Registry[_LoggerEntry] = Registry("logger")


def register_logger(
    name: str, factory: LoggerFactory | None = None, check: Callable[[], None] | None = None
) -> Callable:
    """Make `--log NAME` build `factory(context)` on rank 0 of every run that names it. `check()` runs when
    the config is validated (before anything is written) and raises if the logger cannot work here (e.g. a
    missing package, with the install hint). Without `factory`, a decorator:
    `@register_logger("mine") def build(context: LoggerContext) -> RunLogger`."""

    def register(factory: LoggerFactory) -> LoggerFactory:
        _REGISTRY.add(name, _LoggerEntry(factory, check))
        return factory

    return register if factory is None else register(factory)


def available_loggers() -> list[str]:
    """Names `--log` accepts (lower-case)."""
    return _REGISTRY.names()


def check_logger_names(names: list[str]) -> None:
    """ValueError naming the first unknown logger, or the logger's own check's error (ModuleNotFoundError
    with the install hint); called when the config is validated."""
    for name in names:
        if name not in _REGISTRY:
            raise ValueError(
                f"unknown --log {name!r}; available: {', '.join(available_loggers())} (add one with "
                "glad_distill.observers.register_logger)"
            )
        check = _REGISTRY.get(name).check
        if check is not None:
            check()


def build_loggers(context: LoggerContext, names: list[str], snapshot_every: int) -> list[RunLogger]:
    """The run's loggers: stats.jsonl always, snapshots when `snapshot_every` > 0, then each named one."""
    check_logger_names(names)
    loggers: list[RunLogger] = [StatsLogger(context)]
    if snapshot_every > 0:
        loggers.append(SnapshotWriter(context))
    loggers.extend(_REGISTRY.get(name).factory(context) for name in names)
    return loggers


def _tensorboard(context: LoggerContext) -> RunLogger:
    from .tensorboard import TensorBoardLogger

    return TensorBoardLogger(context)


def _check_tensorboard() -> None:
    from .tensorboard import require_tensorboard

    require_tensorboard()


register_logger("tensorboard", _tensorboard, _check_tensorboard)
