"""The `glad` command: distill, buffers, eval (glad-eval), export, report, run."""

from __future__ import annotations

import argparse
import sys

from ..distiller import NonFiniteLossError
from .buffers_cmd import add_buffers_arguments, run_buffers
from .distill_cmd import add_distill_arguments, run_distill, run_run
from .export_cmd import add_export_arguments, run_export
from .report_cmd import add_report_arguments, run_report

EXIT_BAD_INPUT, EXIT_STOPPED = 2, 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glad", description="Dataset distillation with deep generative priors (GLaD): DC, DM, MTT."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    distill = commands.add_parser("distill", help="distill a dataset into a few images per class")
    add_distill_arguments(distill)
    distill.set_defaults(handler=run_distill)
    run = commands.add_parser(
        "run", help="distill, then evaluate over the zoo (no arguments: the embedded default)"
    )
    add_distill_arguments(run)
    run.set_defaults(handler=run_run)
    buffers = commands.add_parser("buffers", help="train expert trajectories for MTT")
    add_buffers_arguments(buffers)
    buffers.set_defaults(handler=run_buffers)
    commands.add_parser(
        "eval", help="evaluate a distilled set (glad-eval's CLI; see glad eval --help)", add_help=False
    )
    export = commands.add_parser("export", help="export a run's images (ImageFolder of PNGs)")
    add_export_arguments(export)
    export.set_defaults(handler=run_export)
    report = commands.add_parser("report", help="one self-contained HTML report of one or more runs")
    add_report_arguments(report)
    report.set_defaults(handler=run_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "eval":
        from glad_eval.cli import main as eval_main

        return eval_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return args.handler(args)
    except NonFiniteLossError as error:
        print(f"glad {args.command}: stopped: {error}", file=sys.stderr)
        return EXIT_STOPPED
    except (ValueError, TypeError, FileNotFoundError, ModuleNotFoundError) as error:
        print(f"glad {args.command}: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
