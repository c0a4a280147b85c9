"""Read an official StyleGAN-XL persistence pickle (spec §4) into a config + state_dict, executing nothing."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from ..config import GeneratorConfig
from .official_attributes import OfficialAttributes, config_from_attributes
from .safe_unpickler import PersistentRecord, Stub, safe_load_pickle

GENERATOR_KEYS = ("G_ema", "G")


def _state(obj: Any, where: str) -> Mapping[str, Any]:
    """The instance dict of a persistent record or of a stubbed torch module (e.g. torch.nn.Embedding)."""
    if isinstance(obj, PersistentRecord):
        return obj.state
    if isinstance(obj, Stub) and isinstance(obj.stub_state, Mapping) and "_parameters" in obj.stub_state:
        return obj.stub_state
    raise ValueError(f"{where} is not a module (got {obj!r})")


def _attributes(state: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if not k.startswith("_") and k != "training"}


def _children(state: Mapping[str, Any], where: str) -> dict[str, Mapping[str, Any]]:
    modules = state.get("_modules") or {}
    return {name: _state(child, f"{where}.{name}") for name, child in modules.items() if child is not None}


def collect_state_dict(state: Mapping[str, Any], prefix: str = "") -> dict[str, torch.Tensor]:
    """state_dict of a module record: own parameters, persistent buffers, then children (official order)."""
    out: dict[str, torch.Tensor] = {}
    skip = set(state.get("_non_persistent_buffers_set") or ())
    for group in ("_parameters", "_buffers"):
        for name, tensor in (state.get(group) or {}).items():
            if tensor is None or (group == "_buffers" and name in skip):
                continue
            if not isinstance(tensor, torch.Tensor):
                raise ValueError(f"{prefix}{name} is not a tensor (got {type(tensor).__name__})")
            out[prefix + name] = tensor.detach()
    for name, child in _children(state, prefix.rstrip(".") or "<root>").items():
        out.update(collect_state_dict(child, f"{prefix}{name}."))
    return out


def attributes_from_record(generator: Mapping[str, Any], source: dict[str, Any]) -> OfficialAttributes:
    """OfficialAttributes from the state of a Generator / SuperresGenerator record."""
    children = _children(generator, "G")
    for name in ("mapping", "synthesis"):
        if name not in children:
            raise ValueError(
                f"the generator object has no {name!r} sub-module; is this a StyleGAN-XL generator?"
            )
    mapping, synthesis = children["mapping"], children["synthesis"]
    mapping_children = _children(mapping, "mapping")
    if "embed" not in mapping_children:
        raise ValueError(
            "mapping network has no class embedding 'embed'; only StyleGAN-XL generators are supported"
        )
    embed_weight = mapping_children["embed"]["_parameters"]["weight"]
    synthesis_children = _children(synthesis, "synthesis")
    layer_names = list(synthesis.get("layer_names") or [])
    return OfficialAttributes(
        generator=_attributes(generator),
        mapping=_attributes(mapping),
        mapping_fcs={name: _attributes(child) for name, child in mapping_children.items() if name != "embed"},
        embed_shape=tuple(embed_weight.shape),
        synthesis=_attributes(synthesis),
        input=_attributes(synthesis_children.get("input", {})),
        layers={
            name: _attributes(synthesis_children[name]) for name in layer_names if name in synthesis_children
        },
        source=source,
    )


def read_official_pickle(path: str | Path) -> tuple[GeneratorConfig, dict[str, torch.Tensor]]:
    """(config, state_dict) of the `G_ema` (else `G`) generator inside an official pickle."""
    data, stubbed = safe_load_pickle(path)
    if not isinstance(data, Mapping):
        raise ValueError(
            f"{path}: the pickle holds a {type(data).__name__}, not the dict of a StyleGAN-XL "
            f"snapshot (expected keys {' or '.join(GENERATOR_KEYS)})"
        )
    key = next((k for k in GENERATOR_KEYS if isinstance(data.get(k), PersistentRecord)), None)
    if key is None:
        raise ValueError(
            f"{path}: no generator found; expected a persistent module under "
            f"{' or '.join(repr(k) for k in GENERATOR_KEYS)}, found keys {sorted(map(str, data))}"
        )
    record = data[key]
    if record.class_name not in ("Generator", "SuperresGenerator"):
        raise ValueError(
            f"{path}: {key} is a {record.class_name}, expected a StyleGAN-XL Generator/SuperresGenerator"
        )
    source = {
        "file": Path(path).name,
        "entry": key,
        "class_name": record.class_name,
        "stubbed_globals": sorted(stubbed),
    }
    config = config_from_attributes(attributes_from_record(record.state, source))
    full = collect_state_dict(record.state)
    state_dict = {k: v for k, v in full.items() if k.startswith(("mapping.", "synthesis."))}
    return config, state_dict
