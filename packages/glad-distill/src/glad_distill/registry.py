"""A small name -> factory registry (generators, objectives); third parties add names with `register`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

Factory = TypeVar("Factory", bound=Callable)


class Registry(Generic[Factory]):
    """Factories by name. `kind` names what they build, for error messages."""

    def __init__(self, kind: str):
        self.kind = kind
        self._factories: dict[str, Factory] = {}

    def register(self, name: str) -> Callable[[Factory], Factory]:
        """Decorator registering a factory under `name` (a name may be registered once)."""

        def decorator(factory: Factory) -> Factory:
            if name in self._factories:
                raise ValueError(f"a {self.kind} named {name!r} is already registered")
            self._factories[name] = factory
            return factory

        return decorator

    def __contains__(self, name: str) -> bool:
        return name in self._factories

    def __getitem__(self, name: str) -> Factory:
        return self._factories[name]

    def names(self) -> list[str]:
        return sorted(self._factories)
