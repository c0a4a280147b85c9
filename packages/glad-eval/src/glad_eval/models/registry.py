"""Architecture registry: names -> factories, with third-party factories found through entry points.

A factory is a callable ``factory(*, num_classes, channels, image_size, **kw) -> torch.nn.Module``.
Built-in factories register themselves with :func:`register_architecture`; other packages expose theirs in the
entry-point group ``glad.architectures`` (the entry point's name is the architecture name, its object the
factory; an optional ``default_lr`` attribute on the factory sets its evaluation learning rate).
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import torch

from ..registry import Registry

ENTRY_POINT_GROUP = "glad.architectures"
DEFAULT_LR = 1e-3

ModelFactory = Callable[..., torch.nn.Module]


@dataclass(frozen=True)
class ArchitectureEntry:
    """One registered architecture: its factory and the evaluation learning rate the protocol uses for it."""

    name: str
    factory: ModelFactory
    default_lr: float = DEFAULT_LR


def _from_plugin(name: str, factory: ModelFactory) -> ArchitectureEntry:
    return ArchitectureEntry(name, factory, float(getattr(factory, "default_lr", DEFAULT_LR)))


_REGISTRY: Registry[ArchitectureEntry] = Registry("architecture", ENTRY_POINT_GROUP, from_plugin=_from_plugin)


def register_architecture(
    name: str, *, default_lr: float = DEFAULT_LR
) -> Callable[[ModelFactory], ModelFactory]:
    """Decorator registering a factory under ``name`` (case-insensitive). ``default_lr``: its protocol lr
    (§12)."""
    return _REGISTRY.decorator(
        name, make=lambda factory: ArchitectureEntry(name.lower(), factory, float(default_lr))
    )


def available_architectures() -> list[str]:
    """Sorted names of every registered architecture (built-ins and entry points)."""
    return _REGISTRY.names()


def architecture_entry(name: str) -> ArchitectureEntry:
    """The registry entry for ``name`` (case-insensitive); ValueError listing the known names if unknown."""
    return _REGISTRY.get(name)


def default_lr(name: str) -> float:
    """The evaluation learning rate of architecture ``name`` (spec §12: 1e-3, VGG11 variants 1e-4)."""
    return architecture_entry(name).default_lr


def channels_argument(entry: ArchitectureEntry, channels: int) -> dict[str, int]:
    """``{"channels": channels}`` for the factory of ``entry``; for a plug-in factory written before 0.2 (it
    takes ``in_channels`` and not ``channels``) ``{"in_channels": channels}`` with a DeprecationWarning."""
    try:
        parameters = inspect.signature(entry.factory).parameters
    except (TypeError, ValueError):  # a callable without a signature: assume the current contract
        return {"channels": channels}
    if "channels" in parameters or "in_channels" not in parameters:
        return {"channels": channels}
    warnings.warn(
        f"architecture {entry.name!r}: factories take `channels` now, not `in_channels`; rename the "
        "argument (in_channels is accepted for this release only)",
        DeprecationWarning,
        stacklevel=3,
    )
    return {"in_channels": channels}
