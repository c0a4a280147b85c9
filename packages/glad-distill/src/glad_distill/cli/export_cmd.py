"""`glad export RUN --format png`: the run's images as an ImageFolder tree."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..artifacts import EXPORT_FORMATS, export_images


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", type=Path, help="run directory (written by glad distill)")
    parser.add_argument("--format", default="png", choices=EXPORT_FORMATS, help="image format")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: RUN/export_<format>)")
    parser.add_argument(
        "--force", action="store_true", help="replace --out if it is an existing file or non-empty folder"
    )


def run_export(args: argparse.Namespace) -> int:
    out = export_images(
        args.run, args.out or args.run / f"export_{args.format}", fmt=args.format, force=args.force
    )
    print(f"images written to {out}")
    return 0
