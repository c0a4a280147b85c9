"""Presets: partial configs for every setting of the paper, shipped as JSON files in
glad_distill/preset_files/.

Names are `<family>-<method>-<space>-ipc<k>`: family cifar10 (32 px) or imagenet (128 px subsets, choose one
with
--dataset), method dc/dm/mtt, space pixel or glad; plus "default", the embedded default of `glad run`.
A preset may also be given as a path to a JSON file of the same form.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from .config import DistillConfig, merge_dicts

DEFAULT_PRESET = "default"


def _preset_files() -> dict[str, Any]:
    folder = resources.files("glad_distill") / "preset_files"
    return {entry.name[: -len(".json")]: entry for entry in folder.iterdir() if entry.name.endswith(".json")}


def available_presets() -> dict[str, str]:
    """{name: description} of every shipped preset, sorted by name."""
    return {
        name: json.loads(entry.read_text())["description"] for name, entry in sorted(_preset_files().items())
    }


def preset_dict(name: str) -> dict[str, Any]:
    """The partial config dict of a shipped preset or a JSON file path."""
    files = _preset_files()
    if name in files:
        document = json.loads(files[name].read_text())
    elif Path(name).is_file():
        document = json.loads(Path(name).read_text())
    else:
        raise ValueError(
            f"unknown preset {name!r}; list them with `glad distill --preset list`, or pass a JSON file path"
        )
    if not isinstance(document, dict) or not isinstance(document.get("config"), dict):
        raise ValueError(f"preset {name!r} must be a JSON object with a 'config' object")
    return document["config"]


def load_preset(name: str = DEFAULT_PRESET, overrides: dict[str, Any] | None = None) -> DistillConfig:
    """DistillConfig = defaults <- preset <- overrides (nested dicts merge key by key)."""
    merged = merge_dicts(DistillConfig().to_dict(), preset_dict(name))
    return DistillConfig.from_dict(merge_dicts(merged, overrides or {}))
