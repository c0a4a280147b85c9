"""Our own on-disk format: a directory with `weights.safetensors` (official key names) + `config.json`.

The config is also stored in the safetensors metadata (key `glad_generator_config`), so the weights file alone
is self-describing.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from .config import CONFIG_FORMAT, GeneratorConfig
from .nn import StyleGANXL

WEIGHTS_FILE = "weights.safetensors"
CONFIG_FILE = "config.json"
METADATA_KEY = "glad_generator_config"


def save(generator: StyleGANXL, out_dir: str | Path) -> Path:
    """Write `out_dir/weights.safetensors` + `out_dir/config.json`; returns out_dir (see `load`)."""
    if not isinstance(generator, StyleGANXL):
        raise TypeError(f"generator must be a glad_generators StyleGANXL, got {type(generator).__name__}")
    if any(t.device.type == "meta" for t in generator.state_dict().values()):
        raise ValueError("generator has no weights (it was built on the meta device); nothing to save")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"out_dir {out_dir} exists and is not a directory; pass a directory path")
    out_dir.mkdir(parents=True, exist_ok=True)
    config_json = generator.config.to_json()
    tensors = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in generator.state_dict().items()}
    save_file(tensors, str(out_dir / WEIGHTS_FILE), metadata={METADATA_KEY: config_json})
    (out_dir / CONFIG_FILE).write_text(config_json + "\n")
    return out_dir


def is_saved_config(data: object) -> bool:
    return isinstance(data, dict) and data.get("format") == CONFIG_FORMAT


def weights_metadata_config(weights_path: Path) -> GeneratorConfig | None:
    """The config embedded in a weights file's metadata, or None."""
    with safe_open(str(weights_path), framework="pt") as handle:
        text = (handle.metadata() or {}).get(METADATA_KEY)
    return None if text is None else GeneratorConfig.from_json(text)


def read_saved(
    config_path: Path | None, weights_path: Path
) -> tuple[GeneratorConfig, dict[str, torch.Tensor]]:
    """(config, state_dict) in our format; config from `config_path` if given, else the weights' metadata."""
    if config_path is not None:
        config = GeneratorConfig.from_dict(json.loads(Path(config_path).read_text()))
    else:
        config = weights_metadata_config(weights_path)
        if config is None:
            raise ValueError(
                f"{weights_path} carries no generator config in its metadata and has no config.json beside it"
            )
    return config, load_file(str(weights_path))
