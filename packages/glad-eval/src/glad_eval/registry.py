"""A small name -> object registry with aliases and entry-point plugins (zoo and datasets)."""

from __future__ import annotations

import importlib.metadata
import warnings
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps lower-case names (and aliases) to objects; entry points of ``group`` are loaded on first
    miss/listing."""

    def __init__(
        self, kind: str, group: str | None = None, from_plugin: Callable[[str, Callable], T] | None = None
    ) -> None:
        """``from_plugin(name, loaded)`` turns an entry point's object into an item (default: as is)."""
        self.kind, self.group = kind, group
        self._from_plugin = from_plugin or (lambda name, obj: obj)
        self._items: dict[str, T] = {}
        self._aliases: dict[str, str] = {}
        self._plugins_loaded = group is None

    def add(self, name: str, item: T, aliases: tuple[str, ...] = ()) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"{self.kind} name must be a non-empty string, got {name!r}")
        key = name.lower()
        self._items[key] = item
        for alias in aliases:
            self._aliases[alias.lower()] = key

    def decorator(
        self, name: str, *, aliases: tuple[str, ...] = (), make: Callable[[Callable], T] | None = None
    ) -> Callable:
        """Decorator registering ``make(obj)`` (default: obj) under ``name``; returns ``obj`` unchanged."""

        def register(obj: Callable) -> Callable:
            if not callable(obj):
                raise TypeError(f"register({name!r}): the decorated {self.kind} factory must be callable")
            self.add(name, obj if make is None else make(obj), aliases)
            return obj

        return register

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for ep in importlib.metadata.entry_points(group=self.group):
            if ep.name.lower() in self._items:
                continue  # explicit registrations win over entry points
            try:
                self._items[ep.name.lower()] = self._from_plugin(ep.name.lower(), ep.load())
            except Exception as exc:  # a broken plugin must not break the built-ins
                warnings.warn(f"{self.group} entry point {ep.name!r} failed to load: {exc}", stacklevel=3)

    def names(self) -> list[str]:
        self._load_plugins()
        return sorted(self._items)

    def get(self, name: str) -> T:
        """The object registered as ``name`` or one of its aliases; ValueError listing the known names."""
        if not isinstance(name, str):
            raise TypeError(f"{self.kind} name must be a string, got {type(name).__name__}")
        key = self._aliases.get(name.lower(), name.lower())
        if key not in self._items:
            self._load_plugins()
        if key not in self._items:
            raise ValueError(f"unknown {self.kind} {name!r}; available: {', '.join(self.names())}")
        return self._items[key]
