"""Flag words shared by ``glad-eval`` and ``glad``: the ``--device`` default and deprecated flag spellings.

The same idea has the same flag, default and help in both tools: ``--device`` defaults to ``auto`` (cuda when
available, else cpu); ``--dsa`` names the DSA strategy. An old spelling stays accepted for one release
through :func:`add_deprecated_alias`, which warns and names the new one.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from .augment import DEFAULT_STRATEGY
from .protocol.config import AUTO_DEVICE

DEVICE_HELP = f"cpu, cuda, cuda:K or {AUTO_DEVICE} (default {AUTO_DEVICE}: cuda when available, else cpu)"
DSA_HELP = f"DSA strategy: augmentation families joined by '_', or none (default {DEFAULT_STRATEGY})"


class _DeprecatedAlias(argparse.Action):
    """Stores its value into the new flag's destination and warns that ``option_string`` is deprecated."""

    def __init__(self, option_strings, dest, *, new_flag: str, prog: str, **kwargs):
        super().__init__(option_strings, dest, **kwargs)
        self.new_flag, self.prog = new_flag, prog

    def __call__(self, parser, namespace, values, option_string=None):
        message = f"{option_string} is deprecated and will be removed; use {self.new_flag}"
        warnings.warn(message, DeprecationWarning, stacklevel=2)
        print(f"{self.prog}: warning: {message}", file=sys.stderr)
        setattr(namespace, self.dest, values)


def add_deprecated_alias(
    parser: argparse.ArgumentParser, old_flag: str, new_flag: str, *, dest: str, type=str
) -> None:
    """Accept ``old_flag`` (hidden from --help) as ``new_flag``: same ``dest``, a DeprecationWarning and a
    one-line ``<prog>: warning:`` on stderr naming ``new_flag``."""
    parser.add_argument(
        old_flag,
        dest=dest,
        type=type,
        default=argparse.SUPPRESS,
        help=argparse.SUPPRESS,
        action=_DeprecatedAlias,
        new_flag=new_flag,
        prog=parser.prog,
    )
