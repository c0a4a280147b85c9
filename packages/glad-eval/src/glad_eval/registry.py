"""The one name -> object registry of glad-eval and glad-distill: architectures, datasets, objectives,
distillation generators, loggers and image bounds each keep one :class:`Registry`.

Policy, the same everywhere:

- names are case-insensitive (stored and listed lower-case); aliases resolve to their canonical name and are
  not listed;
- registering a name again with the *same* object is a no-op; with a different object it raises ValueError,
  unless the registry was made with ``replace=True``;
- third-party items come from the entry-point ``group`` (optional), read here and nowhere else, lazily:
  :meth:`Registry.names` loads every entry point not loaded yet, a lookup of an unknown name loads only the
  entry point of that name. An explicit registration wins over an entry point of the same name; an entry
  point that fails to load is skipped with a warning (a broken plug-in must not break the built-ins).

Each package module wraps its registry in the public vocabulary ``register_<thing>`` (a decorator),
``available_<things>()`` and ``build_<thing>(...)`` (``load_dataset`` for datasets).
"""

from __future__ import annotations

import importlib.metadata
import warnings
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Items of one ``kind`` (used in error messages) by name.

    Args:
        kind: what the items are, e.g. "architecture".
        group: entry-point group whose entry points are plug-in items (None: no plug-ins).
        from_plugin: ``from_plugin(name, loaded)`` turns an entry point's loaded object into an item (default:
            the object as is); it may raise to refuse it (the entry point is then skipped with a warning).
        replace: let a name be registered again with a different object (the last registration wins).
    """

    def __init__(
        self,
        kind: str,
        group: str | None = None,
        *,
        from_plugin: Callable[[str, object], T] | None = None,
        replace: bool = False,
    ) -> None:
        self.kind, self.group, self.replace = kind, group, replace
        self._from_plugin = from_plugin or (lambda name, obj: obj)
        self._items: dict[str, T] = {}
        self._aliases: dict[str, str] = {}
        self._failed: set[str] = set()  # entry points that failed to load (warned once)

    def add(self, name: str, item: T, aliases: tuple[str, ...] = ()) -> T:
        """Register ``item`` under ``name`` and ``aliases``; returns ``item``."""
        key = self._key(name)
        existing = self._items.get(key, item)
        if existing is not item and existing != item and not self.replace:
            raise ValueError(
                f"a {self.kind} named {key!r} is already registered ({existing!r}); choose another name"
            )
        self._items[key] = item
        for alias in aliases:
            self._aliases[self._key(alias)] = key
        return item

    def decorator(
        self, name: str, *, aliases: tuple[str, ...] = (), make: Callable[[Callable], T] | None = None
    ) -> Callable:
        """Decorator registering ``make(obj)`` (default: obj) under ``name``; returns ``obj`` unchanged."""

        def register(obj: Callable) -> Callable:
            if not callable(obj):
                raise TypeError(f"register {self.kind} {name!r}: the decorated object must be callable")
            self.add(name, obj if make is None else make(obj), aliases)
            return obj

        return register

    def names(self) -> list[str]:
        """Sorted canonical names: registered items and every entry point that loads."""
        self._load_plugins()
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._lookup(name) is not None

    def get(self, name: str) -> T:
        """The item registered as ``name`` or one of its aliases; ValueError listing the known names."""
        if not isinstance(name, str):
            raise TypeError(f"{self.kind} name must be a string, got {type(name).__name__}")
        key = self._lookup(name)
        if key is None:
            raise ValueError(f"unknown {self.kind} {name!r}; available: {', '.join(self.names()) or 'none'}")
        return self._items[key]

    def _key(self, name: str) -> str:
        if not isinstance(name, str) or not name:
            raise TypeError(f"{self.kind} name must be a non-empty string, got {name!r}")
        return name.lower()

    def _lookup(self, name: str) -> str | None:
        """The canonical key of ``name`` (loading its entry point if needed), or None if unknown."""
        key = self._aliases.get(name.lower(), name.lower())
        if key not in self._items:
            self._load_plugins(only=key)
        return key if key in self._items else None

    def _load_plugins(self, only: str | None = None) -> None:
        if self.group is None:
            return
        for ep in importlib.metadata.entry_points(group=self.group):
            key = ep.name.lower()
            if key in self._items or key in self._failed or (only is not None and key != only):
                continue  # explicit registrations win over entry points
            try:
                self._items[key] = self._from_plugin(key, ep.load())
            except Exception as exc:  # a broken plugin must not break the built-ins
                self._failed.add(key)
                warnings.warn(f"{self.group} entry point {ep.name!r} failed to load: {exc}", stacklevel=3)
