"""The config as the manifest records it: only the generator settings that apply to the generator in use.

`DistillConfig` keeps every field (so `to_dict()` / `from_dict()` round-trip and checkpoints hold the whole
config); the manifest drops the generator settings that mean nothing for the generator that ran, e.g. `layer`,
`channel_base` and `calibrate` for the pixel generator or a plug-in. `--resume` compares only the settings
recorded (run_dir.config_differences).
"""

from __future__ import annotations

from typing import Any

from .config import DistillConfig

_STYLEGAN = ("name", "layer", "init", "chunk_size", "precision", "class_map", "avg_w_samples")
# generator kind -> the LatentGeneratorConfig fields that apply to it
APPLICABLE_GENERATOR_SETTINGS: dict[str, tuple[str, ...]] = {
    "pixel": ("name", "init"),
    "stylegan-xl": _STYLEGAN,  # a file, or a registered StyleGAN-like module
    "random-stylegan-xl": (*_STYLEGAN, "seed", "channel_base", "channel_max", "calibrate"),
    "plugin": ("name", "init", "chunk_size"),
}


def generator_kind(name: str, generator: object) -> str:
    """The key of APPLICABLE_GENERATOR_SETTINGS for a built generator called `name` in the config."""
    from .generators.stylegan import StyleGANLatents

    if name in ("pixel", "random-stylegan-xl"):
        return name
    return "stylegan-xl" if isinstance(generator, StyleGANLatents) else "plugin"


def recorded_config(config: DistillConfig, generator: object) -> dict[str, Any]:
    """`config.to_dict()` with `generator` reduced to the settings that apply to `generator`."""
    data = config.to_dict()
    keep = APPLICABLE_GENERATOR_SETTINGS[generator_kind(config.generator.name, generator)]
    data["generator"] = {k: v for k, v in data["generator"].items() if k in keep}
    return data
