"""Generator registry: factories by name, plus third-party ones from the entry-point group `glad.generators`.

    @glad_generators.registry.register("my-gan")
    def make(**kw): return MyGenerator(**kw)
    G = glad_generators.registry.create("my-gan", ...)

Built-ins: "stylegan-xl" (`load(path, device=...)`) and "random-stylegan-xl" (`random_stylegan_xl(...)`).
Entry points are only imported when a name is requested that is not registered in-process.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

ENTRY_POINT_GROUP = "glad.generators"

Factory = Callable[..., Any]
_FACTORIES: dict[str, Factory] = {}


def register(name: str) -> Callable[[Factory], Factory]:
    """Decorator registering `factory` under `name` (a non-empty str not yet registered)."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"generator name must be a non-empty string, got {name!r}")

    def decorator(factory: Factory) -> Factory:
        if not callable(factory):
            raise TypeError(f"register({name!r}) needs a callable factory, got {type(factory).__name__}")
        if name in _FACTORIES and _FACTORIES[name] is not factory:
            raise ValueError(f"a generator named {name!r} is already registered ({_FACTORIES[name]!r})")
        _FACTORIES[name] = factory
        return factory

    return decorator


def _entry_points() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def available() -> list[str]:
    """Sorted names: registered factories and (not yet imported) entry points."""
    return sorted(set(_FACTORIES) | set(_entry_points()))


def get(name: str) -> Factory:
    """The factory registered as `name`, importing its entry point if needed."""
    if name not in _FACTORIES:
        ep = _entry_points().get(name)
        if ep is None:
            raise ValueError(
                f"unknown generator {name!r}; available: {', '.join(available()) or 'none'} "
                f"(third parties register through the entry-point group {ENTRY_POINT_GROUP!r})"
            )
        factory = ep.load()
        if not callable(factory):
            raise TypeError(f"entry point {name!r} ({ep.value}) did not resolve to a callable factory")
        _FACTORIES[name] = factory
    return _FACTORIES[name]


def create(name: str, **kwargs: Any) -> Any:
    """Call the factory registered as `name` with `kwargs` and return the generator it builds."""
    return get(name)(**kwargs)


@register("stylegan-xl")
def _stylegan_xl(path: str, device: str = "cpu") -> Any:
    from .loading import load

    return load(path, device=device)


@register("random-stylegan-xl")
def _random_stylegan_xl(resolution: int = 32, num_classes: int = 10, seed: int = 0, **kwargs: Any) -> Any:
    from .random_generator import random_stylegan_xl

    return random_stylegan_xl(resolution, num_classes, seed, **kwargs)
