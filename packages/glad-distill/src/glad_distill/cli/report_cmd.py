"""`glad report RUN [RUN ...] --out report.html`: one self-contained HTML page of one or more runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from glad_eval.flags import DEVICE_HELP
from glad_eval.protocol.config import AUTO_DEVICE, resolve_device

from ..report import ReportOptions, build_report


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "runs", nargs="+", type=Path, metavar="RUN", help="run directories (compared side by side)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("report.html"), help="the HTML file (default report.html)"
    )
    parser.add_argument(
        "--neighbours", type=int, default=3, help="nearest real training images per distilled image (0: none)"
    )
    parser.add_argument(
        "--neighbour-images", type=int, default=100, help="distilled images given neighbours, per run"
    )
    parser.add_argument("--evolution-frames", type=int, default=8, help="snapshots shown per run")
    parser.add_argument("--data-root", default=None, help="where the datasets live (default: each run's)")
    parser.add_argument("--device", default=AUTO_DEVICE, help=f"neighbour search device: {DEVICE_HELP}")


def run_report(args: argparse.Namespace) -> int:
    options = ReportOptions(
        neighbours=args.neighbours,
        neighbour_images=args.neighbour_images,
        evolution_frames=args.evolution_frames,
        data_root=args.data_root,
        device=resolve_device(args.device),
    )
    out = build_report(args.runs, args.out, options)
    print(f"report: {out}")
    return 0
