"""Command-line options that override config fields: one table, used by `glad distill`, `glad run` and
`glad buffers`. An option left out keeps the preset's (or the default's) value."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from glad_eval.flags import DEVICE_HELP, DSA_HELP
from glad_eval.protocol.config import resolve_device


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _layer(text: str) -> int | None:
    value = int(text)
    return None if value == -1 else value


def _optional_int(text: str) -> int | None:
    return None if text.lower() in ("none", "all", "auto") else int(text)


@dataclass(frozen=True)
class Option:
    flag: str
    path: str  # dotted config path, e.g. "generator.layer"
    type: Any
    help: str
    metavar: str | None = None


NET_OPTIONS = (
    Option("--net", "net.architecture", str, "matching network / student architecture (glad_eval zoo name)"),
    Option("--net-depth", "net.depth", _optional_int, "network depth (auto: from the image size)"),
    Option("--net-width", "net.width", int, "network width (channels)"),
    Option(
        "--net-norm", "net.norm", str, "network norm: instancenorm, batchnorm, groupnorm, layernorm, none"
    ),
)

IMAGE_SIZE_OPTION = Option(
    "--image-size",
    "image_size",
    int,
    "serve the dataset at this size, padded or resampled exactly as glad-eval --image-size does "
    "(default: the dataset's own, e.g. 32 for the MNIST family, 28 = raw digits)",
)

DISTILL_OPTIONS = (
    Option(
        "--dataset",
        "dataset",
        str,
        "dataset name (mnist5k, mnist, fashion-mnist, cifar10, imagenette, imagenet-a, ...)",
    ),
    Option("--data-root", "data_root", str, "folder holding the dataset (CIFAR, ImageNet, MNIST idx files)"),
    IMAGE_SIZE_OPTION,
    Option("--method", "method", str, "objective: dc, dm, mtt or a name added with register_objective"),
    Option(
        "--generator",
        "generator.name",
        str,
        "pixel, random-stylegan-xl, a .pkl/saved-generator PATH, or a registered name",
    ),
    Option("--layer", "generator.layer", _layer, "GLaD's split layer n (latents = F_n and w+); -1 = w+ only"),
    Option(
        "--init",
        "generator.init",
        str,
        "latent init: random, avg_w, rand_f, real (StyleGAN-XL: fitted to real images by inversion); "
        "noise, real (pixel)",
    ),
    Option(
        "--bound",
        "bound",
        str,
        "how images stay in [0, 1]: tanh (squash), clamp, project (pixels); default: the generator's",
    ),
    Option("--inversion-steps", "inversion.steps", int, "--init real: Adam steps fitting each image"),
    Option("--inversion-lr", "inversion.lr", float, "--init real: Adam learning rate of the fit"),
    Option("--ipc", "ipc", int, "images per class"),
    Option("--iterations", "iterations", int, "distillation iterations"),
    Option("--eval-every", "eval_every", int, "evaluate with the zoo every N iterations (0: never)"),
    Option("--checkpoint-every", "checkpoint_every", int, "checkpoint every N iterations"),
    Option(
        "--snapshot-every",
        "snapshot_every",
        int,
        "keep the images every N iterations in RUN/snapshots/ (0: never; glad run: iterations/20)",
    ),
    Option("--log", "log", _csv, "run loggers, comma-separated: tensorboard (event files in the run dir)"),
    Option("--device", "device", resolve_device, DEVICE_HELP + "; --resume keeps the run's"),
    Option("--seed", "seed", int, "the run's seed (every random draw derives from it)"),
    Option("--lr-img", "lr_img", float, "learning rate of F (or pixels); default per method"),
    Option("--lr-w", "lr_w", float, "learning rate of w+; default per method"),
    Option("--momentum", "momentum", float, "SGD momentum of the latents"),
    Option("--batch-real", "batch_real", int, "real images per class and iteration (DC, DM)"),
    Option("--dsa", "dsa_strategy", str, DSA_HELP),
    Option("--chunk-size", "generator.chunk_size", int, "images per generator re-render (memory vs speed)"),
    Option(
        "--precision",
        "generator.precision",
        str,
        "StyleGAN-XL layer precision on CUDA: fp16 (the released models' default), bf16 or fp32",
    ),
    Option("--generator-seed", "generator.seed", int, "weight seed of random generators"),
    Option("--channel-base", "generator.channel_base", _optional_int, "random-stylegan-xl channel_base"),
    Option("--channel-max", "generator.channel_max", _optional_int, "random-stylegan-xl channel_max"),
    *NET_OPTIONS,
    Option("--buffers", "mtt.buffers", str, "MTT: expert buffer directory (glad buffers --out)"),
    Option("--syn-steps", "mtt.syn_steps", int, "MTT: student steps per iteration"),
    Option("--expert-epochs", "mtt.expert_epochs", int, "MTT: expert epochs to match"),
    Option("--max-start-epoch", "mtt.max_start_epoch", int, "MTT: start epochs are drawn from 0..N-1"),
    Option("--lr-teacher", "mtt.lr_teacher", float, "MTT: initial synthetic learning rate"),
    Option("--lr-lr", "mtt.lr_lr", float, "MTT: learning rate of the synthetic learning rate"),
    Option("--batch-syn", "mtt.batch_syn", _optional_int, "MTT: synthetic minibatch (all: every image)"),
    Option("--unroll", "mtt.unroll", str, "MTT: first_order (GLaD, constant memory) or full (original MTT)"),
    Option("--eval-models", "eval.models", _csv, "evaluation architectures, comma-separated"),
    Option("--eval-seeds", "eval.num_seeds", int, "models per architecture in evaluations"),
    Option("--eval-epochs", "eval.epochs", int, "training epochs per evaluated model"),
)

BUFFER_OPTIONS = (
    Option("--dataset", "dataset", str, "dataset name"),
    Option("--data-root", "data_root", str, "folder holding the dataset"),
    IMAGE_SIZE_OPTION,
    Option("--num-experts", "num_experts", int, "number of expert trajectories"),
    Option("--epochs", "epochs", int, "epochs per expert"),
    Option("--lr", "lr", float, "expert SGD learning rate (no momentum)"),
    Option("--batch-size", "batch_size", int, "expert minibatch size"),
    Option("--dsa", "dsa_strategy", str, DSA_HELP),
    Option("--seed", "seed", int, "seed of the experts' initialisation and shuffling"),
    Option("--device", "device", resolve_device, DEVICE_HELP),
    *NET_OPTIONS,
)


def add_options(parser: argparse.ArgumentParser, options: tuple[Option, ...]) -> None:
    for option in options:
        parser.add_argument(
            option.flag,
            dest=_dest(option),
            type=option.type,
            default=argparse.SUPPRESS,
            help=option.help,
            metavar=option.metavar or option.flag.lstrip("-").upper().replace("-", "_"),
        )


def overrides_from(args: argparse.Namespace, options: tuple[Option, ...]) -> dict[str, Any]:
    """Nested dict of the options given on the command line."""
    overrides: dict[str, Any] = {}
    for option in options:
        if hasattr(args, _dest(option)):
            node = overrides
            *parents, leaf = option.path.split(".")
            for key in parents:
                node = node.setdefault(key, {})
            node[leaf] = getattr(args, _dest(option))
    return overrides


def _dest(option: Option) -> str:
    return "opt_" + option.flag.lstrip("-").replace("-", "_")
