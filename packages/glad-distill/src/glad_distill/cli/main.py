"""The `glad` command: distill, buffers, eval (glad-eval), export, report, run."""

from __future__ import annotations

import argparse
import sys

from glad_eval.cli import main as eval_main
from glad_eval.errors import ExitCode, add_debug_flag, debug_requested, register_failure, run_guarded
from glad_eval.plugins import load_requested_plugins

from ..distiller import NonFiniteLossError
from ..generators.stylegan import UnsafePickleError
from .buffers_cmd import add_buffers_arguments, run_buffers
from .distill_cmd import add_distill_arguments, run_distill, run_run
from .export_cmd import add_export_arguments, run_export
from .report_cmd import add_report_arguments, run_report

# Exit codes: glad_eval.errors.ExitCode (2 bad input, 3 missing, 4 refused file, 5 output/I/O, 6 device,
# 7 stopped on NaN/inf, 130 interrupted).
EXIT_BAD_INPUT, EXIT_STOPPED = ExitCode.BAD_INPUT, ExitCode.STOPPED
UNSAFE_PICKLE_FIX = (
    "nothing in it ran; use an official StyleGAN-XL pickle or a folder written by `glad-generators convert`"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glad",
        description="Dataset distillation with deep generative priors (GLaD): DC, DM, MTT. Failures print "
        "one line and exit with 2 (bad input), 3 (missing), 4 (refused file), 5 (output/I/O), 6 (device) "
        "or 7 (stopped on NaN/inf); --debug or GLAD_DEBUG=1 shows the traceback.",
    )
    add_debug_flag(parser)
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
    for sub in (distill, run, buffers, export):
        add_debug_flag(sub)
    return parser


def register_failures() -> None:
    """glad-distill's own expected failures (on top of glad_eval.errors.FAILURES)."""
    register_failure(NonFiniteLossError, ExitCode.STOPPED)
    if UnsafePickleError is not None:  # glad-generators is optional
        register_failure(UnsafePickleError, ExitCode.REFUSED, UNSAFE_PICKLE_FIX)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["eval"] or argv[:2] == ["--debug", "eval"]:
        return eval_main(argv[1:] if argv[0] == "eval" else [*argv[2:], "--debug"])
    try:  # first, so plug-in datasets, architectures, generators and objectives are registered
        load_requested_plugins(argv)
    except ValueError as error:
        print(f"glad: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    return run_guarded(
        f"glad {args.command}",
        lambda: args.handler(args),
        debug=debug_requested(args),
        register=register_failures,
    )
