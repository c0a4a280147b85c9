"""`glad distill` and `glad run` (distill, then evaluate over the zoo)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..config import DistillConfig, merge_dicts
from ..distiller import Distiller
from ..manifest import read_manifest
from ..presets import DEFAULT_PRESET, available_presets, load_preset
from .options import DISTILL_OPTIONS, add_options, overrides_from


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
        stored = read_manifest(args.out)["config"]
        return DistillConfig.from_dict(merge_dicts(stored, overrides))
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


def run_distill(args: argparse.Namespace) -> int:
    if args.preset == "list":
        print_presets()
        return 0
    distiller, result = distill_from_args(args)
    if distiller.group.is_main:
        print(f"grid: {result.run_dir / 'grid.png'}")
    return 0


def run_run(args: argparse.Namespace) -> int:
    """Distil, then evaluate the images with the config's evaluation settings; print the table."""
    if args.preset == "list":
        print_presets()
        return 0
    distiller, result = distill_from_args(args, default_snapshots=True)
    report = distiller.evaluate(progress=not args.no_progress)
    if distiller.group.is_main:
        report.write(result.run_dir / "eval")
        distiller.files["eval"] = "eval"
        distiller.write_manifest()
        print(report.format_table())
        print(f"results: {result.run_dir / 'eval'}")
        print(f"grid: {result.run_dir / 'grid.png'}")
    return 0
