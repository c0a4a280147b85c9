"""Command line: `glad-generators inspect PATH|random:RES` and `glad-generators convert IN.pkl OUT_DIR`."""

from __future__ import annotations

import argparse
import errno
import os
import sys
import traceback
from pathlib import Path

from .build import build
from .loading import load, read_generator
from .persistence.safe_unpickler import UnsafePickleError
from .random_generator import random_stylegan_xl
from .saved_format import save
from .summary import format_summary

RANDOM_PREFIX = "random:"


def _parse_random(spec: str) -> int:
    text = spec[len(RANDOM_PREFIX) :]
    if not text.isdigit():
        raise ValueError(f"expected {RANDOM_PREFIX}RESOLUTION (e.g. random:128), got {spec!r}")
    return int(text)


def _inspect(args: argparse.Namespace) -> int:
    if args.source.startswith(RANDOM_PREFIX):
        generator = random_stylegan_xl(
            _parse_random(args.source),
            args.num_classes,
            0,
            channel_base=args.channel_base,
            channel_max=args.channel_max,
            img_channels=args.img_channels,
            device="meta",
        )
        title = (
            f"random StyleGAN-XL (ImageNet recipe, channel_base {args.channel_base}, channel_max "
            f"{args.channel_max}; structure only)"
        )
    else:
        config, _ = read_generator(args.source)
        generator = build(config, device="meta")
        title = f"{args.source}"
    print(format_summary(generator, title=title))
    return 0


def _convert(args: argparse.Namespace) -> int:
    if args.out_dir.exists() and not args.out_dir.is_dir():  # refused before reading anything
        raise FileExistsError(
            errno.EEXIST, "exists and is not a directory; choose another OUT_DIR", args.out_dir
        )
    generator = load(args.source)
    out = save(generator, args.out_dir)
    print(
        f"wrote {out / 'weights.safetensors'} and {out / 'config.json'} "
        f"({len(generator.layer_names)} layers, num_ws {generator.num_ws}, resolution {generator.resolution})"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="glad-generators", description=__doc__)
    parser.add_argument(
        "--debug", action="store_true", help=f"show the traceback of a failure (also: {DEBUG_ENV}=1)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    inspect = commands.add_parser(
        "inspect", help="print the layer table, split shapes F_n and parameter counts"
    )
    inspect.add_argument(
        "source", help="a generator file/directory (see load) or random:RES, e.g. random:128"
    )
    inspect.add_argument("--num-classes", type=int, default=1000, help="classes of a random:RES generator")
    inspect.add_argument(
        "--channel-base", type=int, default=65536, help="channel_base of a random:RES generator"
    )
    inspect.add_argument(
        "--channel-max", type=int, default=1024, help="channel_max of a random:RES generator"
    )
    inspect.add_argument(
        "--img-channels", type=int, default=3, help="image channels of a random:RES generator"
    )
    inspect.set_defaults(run=_inspect)
    convert = commands.add_parser(
        "convert", help="convert an official .pkl to our format (safetensors + json)"
    )
    convert.add_argument("source", help="official StyleGAN-XL .pkl (or any path `load` accepts)")
    convert.add_argument("out_dir", type=Path, help="output directory (weights.safetensors + config.json)")
    convert.set_defaults(run=_convert)
    for sub in (inspect, convert):
        sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    return parser


# Exit codes, the same numbers as glad_eval.errors.ExitCode (glad-generators does not depend on glad-eval).
EXIT_BAD_INPUT, EXIT_MISSING, EXIT_REFUSED, EXIT_OUTPUT, EXIT_INTERRUPTED = 2, 3, 4, 5, 130
DEBUG_ENV = "GLAD_DEBUG"
# Most specific first: exception class -> (exit code, fix appended to its message).
FAILURES: tuple[tuple[type[BaseException], int, str], ...] = (
    (
        UnsafePickleError,
        EXIT_REFUSED,
        "nothing in it ran; use an official StyleGAN-XL pickle or a folder written by `convert`",
    ),
    (FileNotFoundError, EXIT_MISSING, ""),
    (OSError, EXIT_OUTPUT, "check that the path is writable and the disk has space"),
    (ValueError, EXIT_BAD_INPUT, ""),
    (TypeError, EXIT_BAD_INPUT, ""),
)


def _message(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        text = f"{error.filename}: {error.strerror}" if error.filename else error.strerror
    else:
        text = str(error) or type(error).__name__
    return " ".join(text.split())


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; exit codes 0 ok, 2 bad input, 3 missing file, 4 refused pickle, 5 unwritable output."""
    args = build_parser().parse_args(argv)
    debug = getattr(args, "debug", False) or os.environ.get(DEBUG_ENV, "") not in ("", "0")
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("glad-generators: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:
        for kind, code, fix in FAILURES:
            if isinstance(error, kind):
                if debug:
                    traceback.print_exc()
                message = _message(error)
                print(f"glad-generators: error: {message}{'; ' + fix if fix else ''}", file=sys.stderr)
                return code
        raise
