"""`glad distill` and `glad run` (distill, then evaluate over the zoo)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from glad_eval.plugins import PLUGIN_FLAG, PLUGIN_HELP
from glad_eval.protocol.config import AUTO_DEVICE, resolve_device

from ..baseline import BASELINE_NAME, comparison_table
from ..config import DistillConfig, merge_dicts
from ..distiller import Distiller
from ..presets import DEFAULT_PRESET, available_presets, load_preset, preset_dict
from ..run_dir import resume_config
from .options import DISTILL_OPTIONS, add_options, overrides_from

EVAL_FLAGS = ("eval_models", "eval_seeds", "eval_epochs")  # dests (opt_*) of the --eval-* settings flags


def add_distill_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--preset",
        default=DEFAULT_PRESET,
        help="a shipped preset (list them with --preset list) or a JSON file; flags override it",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="run directory (default: runs/<dataset>-<method>-<generator>-ipc<k>-<time>)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted run in --out from its checkpoint (config from the run)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument(PLUGIN_FLAG, action="append", default=[], metavar="MODULE", help=PLUGIN_HELP)
    add_options(parser, DISTILL_OPTIONS)


def print_presets() -> None:
    presets = available_presets()
    width = max(len(name) for name in presets)
    for name, description in presets.items():
        print(f"{name:<{width}}  {description}")


def config_from_args(args: argparse.Namespace) -> DistillConfig:
    overrides = overrides_from(args, DISTILL_OPTIONS)
    if args.resume:
        if args.out is None:
            raise ValueError("--resume needs --out RUN_DIR (the run to continue)")
        stored = resume_config(args.out)
        return DistillConfig.from_dict(merge_dicts(stored, overrides))
    if "device" not in preset_dict(args.preset):
        overrides.setdefault("device", resolve_device(AUTO_DEVICE))  # --device's default
    return load_preset(args.preset, overrides)


def default_run_dir(config: DistillConfig) -> Path:
    generator = Path(config.generator.name).stem if config.generator.name else "generator"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{config.dataset}-{config.method}-{generator}-ipc{config.ipc}-{stamp}"


RUN_SNAPSHOTS = 20  # glad run keeps about this many snapshots unless --snapshot-every is given


def distill_from_args(args: argparse.Namespace, *, default_snapshots: bool = False):
    """Build and run the Distiller for parsed args; returns (distiller, result). `default_snapshots` (glad
    run): without --snapshot-every, a new run keeps RUN_SNAPSHOTS snapshots (every iterations/20)."""
    config = config_from_args(args)
    if (
        default_snapshots
        and not args.resume
        and not hasattr(args, "opt_snapshot_every")
        and not config.snapshot_every
    ):
        config.snapshot_every = max(1, config.iterations // RUN_SNAPSHOTS)
    run_dir = args.out or default_run_dir(config)
    distiller = Distiller(config, run_dir, resume=args.resume, progress=not args.no_progress)
    result = distiller.run()
    if distiller.group.is_main:
        loss = f"loss {result.loss_history[-1]:.4g}" if result.loss_history else "no iterations"
        print(f"distilled {len(result.labels)} images in {run_dir} ({loss})")
    return distiller, result


def final_evaluation_asked(args: argparse.Namespace, config: DistillConfig) -> bool:
    """`glad distill` evaluates the final images once when an --eval-* flag is given without --eval-every
    (a flag never silently does nothing)."""
    given = any(hasattr(args, f"opt_{flag}") for flag in EVAL_FLAGS)
    return given and not config.eval_every


def run_distill(args: argparse.Namespace) -> int:
    if args.preset == "list":
        print_presets()
        return 0
    distiller, result = distill_from_args(args)
    if final_evaluation_asked(args, distiller.config):
        return evaluate_and_report(args, distiller, result)
    if distiller.group.is_main:
        print(f"grid: {result.run_dir / 'grid.png'}")
    return 0


def run_run(args: argparse.Namespace) -> int:
    """Distil, then evaluate the images with the config's evaluation settings; print the table."""
    if args.preset == "list":
        print_presets()
        return 0
    distiller, result = distill_from_args(args, default_snapshots=True)
    return evaluate_and_report(args, distiller, result, baseline=True)


def evaluate_and_report(
    args: argparse.Namespace, distiller: Distiller, result, *, baseline: bool = False
) -> int:
    """Evaluate the final images (config.eval), write RUN/eval, record it in the manifest, print the table;
    `baseline`: also evaluate random real images the same way (glad run) and print the gain."""
    report = distiller.evaluate(progress=not args.no_progress)
    base = distiller.evaluate_baseline(progress=not args.no_progress) if baseline else None
    if distiller.group.is_main:
        report.write(result.run_dir / "eval")
        if base is not None:
            base.write(result.run_dir / "eval" / BASELINE_NAME)
        distiller.files["eval"] = "eval"
        distiller.write_manifest()
        print(report.format_table())
        if base is not None:
            print(f"against {BASELINE_NAME} images of the same classes (same models, epochs and seeds):")
            print(comparison_table(report.to_dict(), base.to_dict()))
        print(f"results: {result.run_dir / 'eval'}")
        print(f"grid: {result.run_dir / 'grid.png'}")
    return 0
