"""Deprecation shims for names that moved: a module keeps its old names importable for one release, each
access warning with the new spelling."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any


def moved_names(old_module: str, moved: dict[str, tuple[Any, str]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` serving ``moved[name] = (object, "new.spelling")`` from `old_module` with a
    DeprecationWarning naming the new spelling; AttributeError for any other name."""

    def __getattr__(name: str) -> Any:
        if name not in moved:
            raise AttributeError(f"module {old_module!r} has no attribute {name!r}")
        value, new = moved[name]
        warnings.warn(
            f"{old_module}.{name} is deprecated and will be removed in the next release; use {new}",
            DeprecationWarning,
            stacklevel=2,
        )
        return value

    return __getattr__
