"""Deprecated (kept for one release): generator factories by name.

glad-generators builds models with plain functions: `glad_generators.load(path, device=...)` and
`glad_generators.random_stylegan_xl(resolution, num_classes, seed, ...)`. Distillation generators by name
(including the entry-point group "glad.generators", whose factories take a `GeneratorContext`) live in
glad-distill: `glad_distill.generators.register_generator` / `available_generators` / `build_generator`.
This module no longer reads any entry point; every function warns with a DeprecationWarning.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from .loading import load
from .random_generator import random_stylegan_xl

Factory = Callable[..., Any]


def _random(resolution: int = 32, num_classes: int = 10, seed: int = 0, **kwargs: Any) -> Any:
    return random_stylegan_xl(resolution, num_classes, seed, **kwargs)


_FACTORIES: dict[str, Factory] = {"stylegan-xl": load, "random-stylegan-xl": _random}
_INSTEAD = (
    "glad_generators.load / glad_generators.random_stylegan_xl, or, for distillation, "
    "glad_distill.generators.register_generator / available_generators / build_generator"
)


def _deprecated(name: str) -> None:
    warnings.warn(
        f"glad_generators.registry.{name} is deprecated and will be removed in the next release; "
        f"use {_INSTEAD}",
        DeprecationWarning,
        stacklevel=3,
    )


def register(name: str) -> Callable[[Factory], Factory]:
    """Deprecated. Decorator registering `factory` under `name` (a non-empty str not yet registered)."""
    _deprecated("register")
    if not isinstance(name, str) or not name:
        raise ValueError(f"generator name must be a non-empty string, got {name!r}")

    def decorator(factory: Factory) -> Factory:
        if name in _FACTORIES and _FACTORIES[name] is not factory:
            raise ValueError(f"a generator named {name!r} is already registered ({_FACTORIES[name]!r})")
        _FACTORIES[name] = factory
        return factory

    return decorator


def available() -> list[str]:
    """Deprecated. Sorted registered names."""
    _deprecated("available")
    return sorted(_FACTORIES)


def get(name: str) -> Factory:
    """Deprecated. The factory registered as `name`."""
    _deprecated("get")
    if name not in _FACTORIES:
        raise ValueError(f"unknown generator {name!r}; available: {', '.join(sorted(_FACTORIES))}")
    return _FACTORIES[name]


def create(name: str, **kwargs: Any) -> Any:
    """Deprecated. `get(name)(**kwargs)`: "stylegan-xl" is `load(path, device=...)`, "random-stylegan-xl" is
    `random_stylegan_xl(resolution, num_classes, seed, ...)`."""
    _deprecated("create")
    if name not in _FACTORIES:
        raise ValueError(f"unknown generator {name!r}; available: {', '.join(sorted(_FACTORIES))}")
    return _FACTORIES[name](**kwargs)
