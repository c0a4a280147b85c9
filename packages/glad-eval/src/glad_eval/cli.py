"""``glad-eval``: evaluate a distilled set over the architecture zoo (also ``python -m glad_eval``, and under
``torchrun --nproc-per-node N -m glad_eval ...`` with the jobs sharded over the ranks)."""

from __future__ import annotations

import argparse
import ast
import os
import sys
from pathlib import Path

import torch

from . import models
from .artifacts import load_distilled
from .augment import DEFAULT_STRATEGY
from .data import available_datasets, load_dataset
from .distributed import join_process_group
from .errors import OutputError, add_debug_flag, debug_requested, run_guarded
from .flags import DEVICE_HELP, DSA_HELP, add_deprecated_alias
from .plugins import PLUGIN_FLAG, PLUGIN_HELP, load_requested_plugins
from .protocol import EvalConfig, evaluate, evaluate_real_train_set
from .protocol.config import AUTO_DEVICE, resolve_device
from .tensorboard import CurveLogger, require_tensorboard

DEFAULT_DATASET = "mnist5k"


def build_parser(prog: str = "glad-eval") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Train fresh models of every architecture on a distilled set and test them on the real "
        "test set (GLaD's protocol); prints a table of mean ± std accuracy per architecture and the "
        "cross-architecture mean.",
    )
    p.add_argument(
        "path",
        nargs="?",
        help="directory with images.safetensors, such a file, or an ImageFolder tree of PNGs (omit with "
        "--real-train-set)",
    )
    p.add_argument(
        "--real-train-set",
        action="store_true",
        help="train on the whole real training set of --dataset instead of a distilled set (the 'whole "
        "dataset' reference of distillation papers; pick --epochs accordingly, one epoch = N/batch steps)",
    )
    p.add_argument(
        "--dataset",
        help=f"real dataset to test on (default: the set's meta['dataset'], else {DEFAULT_DATASET}); one of "
        f"{', '.join(available_datasets())}",
    )
    p.add_argument(
        "--data-root",
        help="folder holding the dataset's files (CIFAR, ImageNet, MNIST idx files; Fashion-MNIST is also "
        "found in /usr/share/datasets/fashion-mnist; not mnist5k)",
    )
    p.add_argument("--image-size", type=int, help="serve the dataset at this size (default: its own default)")
    p.add_argument(
        "--download",
        action="store_true",
        help="allow downloading the dataset through torchvision (CIFAR, MNIST, Fashion-MNIST)",
    )
    p.add_argument("--models", help="comma-separated architectures (default: the --eval-mode pool)")
    p.add_argument("--eval-mode", choices=sorted(models.EVAL_MODES), default="M", help="default model pool")
    p.add_argument("--seeds", type=int, default=5, help="fresh models per architecture (default 5)")
    p.add_argument("--epochs", type=int, default=1000, help="training epochs per model (default 1000)")
    p.add_argument("--batch-size", type=int, default=256, help="training batch size (default 256)")
    p.add_argument(
        "--lr",
        action="append",
        default=[],
        metavar="[MODEL=]LR",
        help="learning-rate override, for every model (0.01) or one (vgg11=1e-4); repeatable",
    )
    p.add_argument(
        "--model-option",
        action="append",
        default=[],
        metavar="MODEL.KEY=VALUE",
        help="architecture option, e.g. convnet.depth=3 or convnet.norm=batchnorm; repeatable",
    )
    p.add_argument("--distill-model", default="convnet", help="architecture left out of the cross-arch mean")
    p.add_argument("--dsa", default=DEFAULT_STRATEGY, help=DSA_HELP)
    add_deprecated_alias(p, "--dsa-strategy", "--dsa", dest="dsa")
    p.add_argument("--seed", type=int, default=0, help="base seed of every model's init, shuffling and DSA")
    p.add_argument("--device", default=AUTO_DEVICE, help=DEVICE_HELP)
    p.add_argument("--out", help="write results.json and results.csv into this directory")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument(PLUGIN_FLAG, action="append", default=[], metavar="MODULE", help=PLUGIN_HELP)
    add_debug_flag(p)
    p.add_argument(
        "--log",
        choices=("tensorboard",),
        help="log every model's training curve as TensorBoard event files into --out",
    )
    return p


def _parse_lrs(items: list[str], model_names: tuple[str, ...]) -> dict[str, float]:
    lrs: dict[str, float] = {}
    for item in items:
        name, _, value = item.rpartition("=")
        try:
            lr = float(value)
        except ValueError:
            raise ValueError(
                f"--lr {item!r}: expected LR or MODEL=LR with a number, e.g. 0.01 or vgg11=1e-4"
            ) from None
        for target in [name.lower()] if name else model_names:
            lrs[target] = lr
    return lrs


def _parse_model_options(items: list[str]) -> dict[str, dict]:
    options: dict[str, dict] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        model, dot, option = key.partition(".")
        if not (sep and dot and model and option):
            raise ValueError(f"--model-option {item!r}: expected MODEL.KEY=VALUE, e.g. convnet.depth=3")
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            value = raw
        options.setdefault(model.lower(), {})[option] = value
    return options


def config_from_args(args: argparse.Namespace) -> EvalConfig:
    names = (
        tuple(m.strip().lower() for m in args.models.split(",") if m.strip())
        if args.models
        else models.EVAL_MODES[args.eval_mode]
    )
    return EvalConfig(
        models=names,
        num_seeds=args.seeds,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lrs=_parse_lrs(args.lr, names),
        model_kwargs=_parse_model_options(args.model_option),
        distill_model=args.distill_model,
        dsa_strategy=args.dsa,
        seed=args.seed,
        device=resolve_device(args.device),
    )


def check_out_dir(out: str | None) -> None:
    """OutputError unless ``--out`` can become a directory we may write (checked before hours of training)."""
    if out is None:
        return
    path = Path(out).expanduser().absolute()
    if path.exists() and not path.is_dir():
        raise OutputError(f"--out {out}: a file of that name exists; pass a directory for results.json/.csv")
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"--out {out}: cannot create it, {existing} is not a writable directory")


def check_source(args: argparse.Namespace) -> None:
    """ValueError unless exactly one training source is named: PATH, or --real-train-set with --dataset."""
    if args.real_train_set:
        if args.path is not None:
            raise ValueError(
                f"--real-train-set trains on the real training set; drop PATH {args.path!r} or the flag"
            )
        if not args.dataset:
            raise ValueError("--real-train-set needs --dataset NAME (the real set to train and test on)")
    elif args.path is None:
        raise ValueError("give PATH (a distilled set) or --real-train-set --dataset NAME")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (glad_eval.errors.ExitCode: 0 ok, 2 bad input, 3 missing, 5
    output, 6 device)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:  # first, so plug-in datasets and architectures are known to --help and to everything below
        load_requested_plugins(argv)
    except ValueError as exc:
        print(f"glad-eval: error: {exc}", file=sys.stderr)
        return 2
    args = build_parser().parse_args(argv)
    try:
        return run_guarded("glad-eval", lambda: _run(args), debug=debug_requested(args))
    finally:
        if torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()


def _run(args: argparse.Namespace) -> int:
    check_source(args)
    config = config_from_args(args)
    config.validate()
    check_out_dir(args.out)
    if args.log == "tensorboard":
        if not args.out:
            raise ValueError("--log tensorboard writes its event files into --out; pass --out DIR")
        require_tensorboard()
    world = join_process_group(config.device)
    distilled = None if args.real_train_set else load_distilled(args.path)
    dataset_name = args.dataset or (distilled and distilled.meta.get("dataset")) or DEFAULT_DATASET
    dataset = load_dataset(
        dataset_name,
        root=args.data_root,
        image_size=args.image_size,
        download=args.download,
        progress=not args.no_progress and world.is_main,
    )
    curves = CurveLogger(args.out, rank=world.rank) if args.log == "tensorboard" else None
    try:
        if distilled is None:
            report = evaluate_real_train_set(dataset, config, progress=not args.no_progress)
        else:
            report = evaluate(
                distilled.images,
                distilled.labels,
                dataset,
                config,
                progress=not args.no_progress,
                on_epoch=None if curves is None else curves.on_epoch,
            )
        if curves is not None and world.is_main:
            curves.add_report(report)
    finally:
        if curves is not None:
            curves.close()
    if world.is_main:
        print(report.format_table())
        if args.out:
            json_path, csv_path = report.write(args.out)
            print(f"wrote {json_path} and {csv_path}")
    return 0
