"""Read the reference fixtures' generators (`fixtures/<gen>/config.json` + `weights.safetensors`) in tests.

`config.json` is an attribute dump of the official generator, written by the procedure that produced the
fixtures: `generator_class`, `mapping` (attributes, `layers` with the FC attributes, `num_ws_after_superres`),
`synthesis` (`attributes_after_superres`, `input`, `layer_names`, `layers`); `weights.safetensors` holds the
official state_dict. It exists only in ../shared/fixtures (and in what `official_layout.write_generator_dir`
writes), so it is read here rather than by `glad_generators.load`; the attributes go through the library's own
attribute -> config path (`config_from_attributes`, the one official pickles use). The dump's parsing
(`is_attribute_dump`, `attributes_from_dump`) is, for this release, the one of load's deprecated path
(glad_generators.persistence.attribute_dump); it moves here when that path is removed.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from glad_generators.build import from_state_dict
from glad_generators.config import GeneratorConfig
from glad_generators.nn import StyleGANXL
from glad_generators.persistence.attribute_dump import attributes_from_dump, is_attribute_dump
from glad_generators.persistence.official_attributes import config_from_attributes
from safetensors.torch import load_file

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.safetensors"


def read_fixture(directory: str | Path) -> tuple[GeneratorConfig, dict[str, torch.Tensor]]:
    """(config, official state_dict) of the generator fixture in `directory`."""
    directory = Path(directory)
    data = json.loads((directory / CONFIG_FILE).read_text())
    if not is_attribute_dump(data):
        raise ValueError(
            f"{directory / CONFIG_FILE} is not an official attribute dump "
            "(no generator_class/mapping/synthesis)"
        )
    source = {"file": directory.name, "format": "attribute-dump", "class_name": data["generator_class"]}
    config = config_from_attributes(attributes_from_dump(data, source))
    return config, load_file(str(directory / WEIGHTS_FILE))


def load_fixture(directory: str | Path, *, device: torch.device | str = "cpu") -> StyleGANXL:
    """The generator fixture in `directory` as a StyleGANXL (eval mode, frozen), as `glad_generators.load`
    builds one."""
    config, state_dict = read_fixture(directory)
    return from_state_dict(config, state_dict, device=device, source=str(directory))
