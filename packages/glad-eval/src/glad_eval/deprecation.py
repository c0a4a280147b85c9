"""Old public names kept importable for one release: a module ``__getattr__`` that warns and forwards."""

from __future__ import annotations

import warnings
from collections.abc import Callable


def renamed(module: str, names: dict[str, tuple[str, object]]) -> Callable[[str], object]:
    """A module ``__getattr__`` serving ``names`` (old name -> (new spelling, object)) with a
    DeprecationWarning that names the new spelling; other names raise AttributeError as usual."""

    def __getattr__(name: str) -> object:
        if name not in names:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        new, obj = names[name]
        warnings.warn(
            f"{module}.{name} is deprecated and will be removed in the next release; use {new}",
            DeprecationWarning,
            stacklevel=2,
        )
        return obj

    return __getattr__
