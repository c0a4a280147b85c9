"""`glad buffers`: train expert trajectories for MTT."""

from __future__ import annotations

import argparse
from pathlib import Path

from glad_eval.plugins import PLUGIN_FLAG, PLUGIN_HELP
from glad_eval.protocol.config import AUTO_DEVICE, resolve_device

from ..config import BufferConfig, merge_dicts
from ..experts import train_experts
from .options import BUFFER_OPTIONS, add_options, overrides_from


def add_buffers_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=Path, default=None, help="buffer directory (default: buffers/<dataset>-<net>)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument(PLUGIN_FLAG, action="append", default=[], metavar="MODULE", help=PLUGIN_HELP)
    add_options(parser, BUFFER_OPTIONS)


def run_buffers(args: argparse.Namespace) -> int:
    overrides = {"device": resolve_device(AUTO_DEVICE), **overrides_from(args, BUFFER_OPTIONS)}
    config = BufferConfig.from_dict(merge_dicts(BufferConfig().to_dict(), overrides))
    out = args.out or Path("buffers") / f"{config.dataset}-{config.net.architecture}"
    buffers = train_experts(config, out, progress=not args.no_progress)
    print(f"{buffers.num_experts} experts x {buffers.epochs} epochs in {out}")
    return 0
