"""Deprecated (removed in the next release): read an official generator described by an attribute dump.

Only `glad_generators.load`'s deprecated attribute-dump path uses this, and, for this release, the tests'
fixture reader (tests/generators/fixture_format.py) borrows its parsing rather than keeping a copy.

The dump format is the one of `fixtures/<gen>/config.json`: `generator_class`, `mapping` (attributes, `layers`
with the FC attributes, `num_ws_after_superres`), `synthesis` (`attributes_after_superres`, `input`,
`layer_names`, `layers`), with the official state_dict in `weights.safetensors`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file

from ..config import GeneratorConfig
from .official_attributes import OfficialAttributes, config_from_attributes


def is_attribute_dump(data: Any) -> bool:
    return isinstance(data, dict) and "generator_class" in data and "synthesis" in data and "mapping" in data


def attributes_from_dump(data: dict[str, Any], source: dict[str, Any]) -> OfficialAttributes:
    mapping, synthesis = data["mapping"], data["synthesis"]
    mapping_attrs = {
        **mapping.get("init_kwargs", {}),
        **{k: v for k, v in mapping.items() if not isinstance(v, dict)},
    }
    mapping_attrs["num_ws"] = mapping.get(
        "num_ws_after_superres", data.get("num_ws", mapping_attrs.get("num_ws"))
    )
    synthesis_attrs = {
        **synthesis.get("attributes_after_superres", {}),
        "layer_names": synthesis["layer_names"],
    }
    return OfficialAttributes(
        generator={"img_resolution": data.get("img_resolution"), "img_channels": data.get("img_channels")},
        mapping=mapping_attrs,
        mapping_fcs=mapping.get("layers", {}),
        embed_shape=(mapping.get("embed_num_embeddings", 1000), mapping.get("embed_dim", 320)),
        synthesis=synthesis_attrs,
        input=synthesis["input"],
        layers=synthesis["layers"],
        source=source,
    )


def read_attribute_dump(
    config_path: Path, weights_path: Path
) -> tuple[GeneratorConfig, dict[str, torch.Tensor]]:
    data = json.loads(Path(config_path).read_text())
    if not is_attribute_dump(data):
        raise ValueError(
            f"{config_path} is not an official attribute dump (no generator_class/mapping/synthesis)"
        )
    source = {
        "file": Path(config_path).parent.name,
        "format": "attribute-dump",
        "class_name": data["generator_class"],
    }
    config = config_from_attributes(attributes_from_dump(data, source))
    return config, load_file(str(weights_path))
