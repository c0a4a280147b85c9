"""Plug-in modules imported by name before a command runs, so their ``@register_dataset`` /
``@register_architecture`` / generator and objective decorators take effect without an installed
distribution (no entry point, no dist-info).

Named with ``--plugin MODULE`` (repeatable; ``glad`` and ``glad-eval``) or the environment variable
``GLAD_PLUGINS=mod1,mod2``. A module is anything ``import`` finds: a ``my_dataset.py`` in the current folder
or on ``PYTHONPATH``, or a package.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterable, Sequence

PLUGIN_ENV = "GLAD_PLUGINS"
PLUGIN_FLAG = "--plugin"
PLUGIN_HELP = (
    "import this module first, so its @register_dataset / @register_architecture / @register_generator / "
    "@register_objective registrations apply "
    f"(repeatable; also ${PLUGIN_ENV}=mod1,mod2); the current folder is searched too"
)


def plugins_from_env() -> list[str]:
    """The module names in ``$GLAD_PLUGINS`` (comma-separated; blanks ignored)."""
    return [name.strip() for name in os.environ.get(PLUGIN_ENV, "").split(",") if name.strip()]


def plugins_from_argv(argv: Sequence[str]) -> list[str]:
    """The values of every ``--plugin MODULE`` / ``--plugin=MODULE`` in ``argv`` (before a bare ``--``)."""
    names: list[str] = []
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == PLUGIN_FLAG and i + 1 < len(args):
            names.append(args[i + 1])
        elif arg.startswith(PLUGIN_FLAG + "="):
            names.append(arg.split("=", 1)[1])
    return names


def load_plugins(names: Iterable[str]) -> list[str]:
    """Import every module in ``names`` (once each, in order); returns the names imported.

    The current working directory is put on ``sys.path`` (as ``python -m`` does) so a ``my_dataset.py`` beside
    the user is found. A module that cannot be imported, or fails while importing, raises ValueError (one
    line naming it and how to fix it).
    """
    loaded: list[str] = []
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())
    for name in names:
        if not name or not all(part.isidentifier() for part in name.split(".")):
            raise ValueError(
                f"plugin {name!r} is not a module name; pass e.g. --plugin my_dataset (for my_dataset.py)"
            )
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name or (exc.name and name.startswith(exc.name + ".")):
                raise ValueError(
                    f"plugin {name!r}: no module of that name on the path; put {name.replace('.', '/')}.py "
                    "in the current folder or on PYTHONPATH, or install its package"
                ) from exc
            raise ValueError(f"plugin {name!r} failed to import: {exc}") from exc
        except Exception as exc:  # the plug-in's own code failed: say which and why, in one line
            raise ValueError(f"plugin {name!r} failed to import: {type(exc).__name__}: {exc}") from exc
        loaded.append(name)
    return loaded


def load_requested_plugins(argv: Sequence[str]) -> list[str]:
    """Load ``$GLAD_PLUGINS`` then the ``--plugin`` modules of ``argv``; see :func:`load_plugins`."""
    return load_plugins(dict.fromkeys([*plugins_from_env(), *plugins_from_argv(argv)]))
