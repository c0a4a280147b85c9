"""The `glad` command-line interface (console script `glad` = glad_distill.cli:main)."""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
