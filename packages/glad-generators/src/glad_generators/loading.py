"""`load(path)`: a generator from an official StyleGAN-XL pickle or our saved format.

Each accepted format is one `SourceFormat` entry (a detector and a reader); `load` uses the first match.
The reference fixtures' attribute dump (config.json with generator_class + weights.safetensors) is still read,
with a DeprecationWarning, for one release (`DEPRECATED_FORMATS`); the tests read it with their own loader.
"""

from __future__ import annotations

import json
import pickle
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError

from .build import from_state_dict
from .config import GeneratorConfig
from .nn import StyleGANXL
from .persistence.attribute_dump import is_attribute_dump, read_attribute_dump
from .persistence.official_pickle import read_official_pickle
from .persistence.safe_unpickler import UnsafePickleError
from .saved_format import CONFIG_FILE, WEIGHTS_FILE, is_saved_config, read_saved, weights_metadata_config

Reader = Callable[[Path], tuple[GeneratorConfig, dict[str, torch.Tensor]]]


@dataclass(frozen=True)
class SourceFormat:
    name: str
    description: str
    matches: Callable[[Path], bool]
    read: Reader


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None


def _config_dir(path: Path) -> Path | None:
    """The directory holding config.json + weights.safetensors that `path` designates, if any."""
    if path.is_dir():
        return path
    if path.name in (CONFIG_FILE, WEIGHTS_FILE):
        return path.parent
    return None


def _dir_with(path: Path, predicate: Callable[[object], bool]) -> bool:
    folder = _config_dir(path)
    return (
        folder is not None
        and (folder / CONFIG_FILE).is_file()
        and (folder / WEIGHTS_FILE).is_file()
        and predicate(_read_json(folder / CONFIG_FILE))
    )


def _is_pickle(path: Path) -> bool:
    if not path.is_file():
        return False
    with open(path, "rb") as handle:
        head = handle.read(2)
    return len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= 5  # PROTO opcode, protocol 2..5


def _is_bare_safetensors(path: Path) -> bool:
    if not (path.is_file() and path.suffix == ".safetensors"):
        return False
    try:
        return weights_metadata_config(path) is not None
    except Exception:  # not a readable safetensors file
        return False


FORMATS: tuple[SourceFormat, ...] = (
    SourceFormat(
        "saved",
        f"a directory written by glad_generators.save ({WEIGHTS_FILE} + {CONFIG_FILE})",
        lambda p: _dir_with(p, is_saved_config),
        lambda p: read_saved(_config_dir(p) / CONFIG_FILE, _config_dir(p) / WEIGHTS_FILE),
    ),
    SourceFormat(
        "safetensors",
        "a .safetensors file written by glad_generators.save (config in its metadata)",
        _is_bare_safetensors,
        lambda p: read_saved(None, p),
    ),
    SourceFormat(
        "official-pickle",
        "an official StyleGAN-XL .pkl (G_ema, else G; read without executing it)",
        _is_pickle,
        read_official_pickle,
    ),
)


def _read_attribute_dump_deprecated(path: Path) -> tuple[GeneratorConfig, dict[str, torch.Tensor]]:
    warnings.warn(
        f"{path}: loading an official attribute dump ({CONFIG_FILE} with generator_class + {WEIGHTS_FILE}) "
        "is deprecated and will be removed in the next release; load the official .pkl instead, or load "
        "this directory once and glad_generators.save() it to the saved format",
        DeprecationWarning,
        stacklevel=4,  # the caller of load() / read_generator()
    )
    return read_attribute_dump(_config_dir(path) / CONFIG_FILE, _config_dir(path) / WEIGHTS_FILE)


# Read for one more release, with a DeprecationWarning; not listed among the accepted formats.
DEPRECATED_FORMATS: tuple[SourceFormat, ...] = (
    SourceFormat(
        "attribute-dump",
        f"an official attribute dump ({CONFIG_FILE} with generator_class + {WEIGHTS_FILE}; deprecated)",
        lambda p: _dir_with(p, is_attribute_dump),
        _read_attribute_dump_deprecated,
    ),
)


# What a damaged or foreign file raises while it is read (EOFError: an empty pickle); reported as ValueError.
UNREADABLE = (
    ValueError,
    LookupError,
    TypeError,
    AttributeError,
    EOFError,
    pickle.UnpicklingError,
    SafetensorError,
)


def accepted_formats() -> str:
    return "; ".join(f.description for f in FORMATS)


def read_generator(path: str | Path) -> tuple[GeneratorConfig, dict[str, torch.Tensor]]:
    """(config, state_dict) from any accepted format, without building the network."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"generator path {path} does not exist (accepted: {accepted_formats()})")
    for source_format in (*FORMATS, *DEPRECATED_FORMATS):
        if source_format.matches(path):
            try:
                return source_format.read(path)
            except UnsafePickleError:
                raise
            except UNREADABLE as error:
                if str(path) in str(error):
                    raise
                raise ValueError(
                    f"{path} could not be read as {source_format.description}: {error}"
                ) from error
    raise ValueError(f"{path} is not a generator this library can read. Accepted: {accepted_formats()}.")


def load(path: str | Path, *, device: torch.device | str = "cpu") -> StyleGANXL:
    """Load a StyleGAN-XL generator (eval mode, requires_grad False) onto `device`.

    Args:
        path: an official `.pkl` (the `G_ema` entry, else `G`), or a directory written by `save` (or its
            `weights.safetensors`). An official attribute dump directory (config.json with
            generator_class + weights.safetensors) still loads, with a DeprecationWarning, for one release.
        device: where to put the weights.
    """
    config, state_dict = read_generator(path)
    return from_state_dict(config, state_dict, device=device, source=str(path))
