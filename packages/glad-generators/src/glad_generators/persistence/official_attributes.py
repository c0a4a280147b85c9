"""Rebuild a `GeneratorConfig` from the attributes of an official StyleGAN-XL generator (spec §4.2).

The attributes come either from the records of a persistence pickle or from an attribute dump such as
`fixtures/<gen>/config.json`. Only per-object attributes are used (layer_names, each layer's own attributes,
mapping num_ws), never the stem's stale constructor kwargs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..config import GeneratorConfig, MappingConfig, SynthesisInputConfig, SynthesisLayerConfig


@dataclass
class OfficialAttributes:
    """Plain attribute dicts of the objects that make up an official generator."""

    generator: Mapping[str, Any]  # img_resolution, img_channels
    mapping: Mapping[str, Any]  # z_dim, c_dim, w_dim, num_ws, num_layers, w_avg_beta
    mapping_fcs: Mapping[
        str, Mapping[str, Any]
    ]  # embed_proj, fc0, ...: in/out_features, activation, bias_gain
    embed_shape: tuple[int, int]  # rows, dim of the class-embedding table
    synthesis: Mapping[str, Any]  # layer_names, output_scale
    input: Mapping[str, Any]  # channels, size, sampling_rate, bandwidth
    layers: Mapping[str, Mapping[str, Any]]  # per layer name: its attributes
    source: dict[str, Any] = field(default_factory=dict)


def _int(value: Any, what: str) -> int:
    if isinstance(value, (list, tuple, np.ndarray)):
        values = [int(v) for v in np.asarray(value).reshape(-1)]
        if len(set(values)) != 1:
            raise ValueError(f"{what} = {values}: only square feature maps are supported")
        return values[0]
    return int(value)


def _get(attrs: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in attrs:
        raise ValueError(
            f"{where} lacks the attribute {key!r}; is this a StyleGAN-XL (StyleGAN3-T) generator?"
        )
    return attrs[key]


_INT_ATTRIBUTES = (
    "in_channels",
    "out_channels",
    "conv_kernel",
    "up_factor",
    "down_factor",
    "up_taps",
    "down_taps",
)
_FLOAT_ATTRIBUTES = (
    "in_sampling_rate",
    "out_sampling_rate",
    "tmp_sampling_rate",
    "in_cutoff",
    "out_cutoff",
    "in_half_width",
    "out_half_width",
)


def _layer_config(name: str, attrs: Mapping[str, Any]) -> SynthesisLayerConfig:
    where = f"synthesis layer {name}"
    g = lambda key: _get(attrs, key, where)  # noqa: E731
    if bool(attrs.get("use_radial_filters", False)) or bool(attrs.get("down_radial", False)):
        raise ValueError(f"{where} uses radial (stylegan3-r) filters, which are not supported")
    clamp = attrs.get("conv_clamp", None)
    return SynthesisLayerConfig(
        name=name,
        **{key: int(g(key)) for key in _INT_ATTRIBUTES},
        **{key: float(g(key)) for key in _FLOAT_ATTRIBUTES},
        **{key: bool(g(key)) for key in ("is_torgb", "use_fp16")},
        in_size=_int(g("in_size"), f"{where}.in_size"),
        out_size=_int(g("out_size"), f"{where}.out_size"),
        padding=tuple(int(p) for p in g("padding")),
        is_critically_sampled=bool(attrs.get("is_critically_sampled", False)),
        conv_clamp=None if clamp is None else float(clamp),
        magnitude_ema_beta=float(attrs.get("magnitude_ema_beta", 0.999)),
    )


def _lr_multiplier(fc: Mapping[str, Any], name: str) -> float:
    if fc.get("activation") != "lrelu":
        raise ValueError(f"mapping.{name} has activation {fc.get('activation')!r}; StyleGAN-XL uses 'lrelu'")
    return float(fc.get("lr_multiplier", _get(fc, "bias_gain", f"mapping.{name}")))


def config_from_attributes(attrs: OfficialAttributes) -> GeneratorConfig:
    """Our `GeneratorConfig` for the official generator described by `attrs`."""
    layer_names = [str(name) for name in _get(attrs.synthesis, "layer_names", "synthesis")]
    missing = [name for name in layer_names if name not in attrs.layers]
    if missing:
        raise ValueError(f"synthesis.layer_names lists {missing}, which have no layer object")
    layers = tuple(_layer_config(name, attrs.layers[name]) for name in layer_names)
    m = attrs.mapping
    num_layers = int(_get(m, "num_layers", "mapping"))
    fc_names = [f"fc{i}" for i in range(num_layers)]
    for name in ["embed_proj", *fc_names]:
        if name not in attrs.mapping_fcs:
            raise ValueError(
                f"mapping network lacks its layer {name!r} (expected embed_proj, {', '.join(fc_names)})"
            )
    lrs = {_lr_multiplier(attrs.mapping_fcs[name], name) for name in fc_names}
    if len(lrs) != 1:
        raise ValueError(
            f"mapping fc layers use different learning-rate multipliers {sorted(lrs)}; unsupported"
        )
    mapping = MappingConfig(
        z_dim=int(_get(m, "z_dim", "mapping")),
        w_dim=int(_get(m, "w_dim", "mapping")),
        num_classes=int(_get(m, "c_dim", "mapping")),
        num_ws=int(_get(m, "num_ws", "mapping")),
        num_layers=num_layers,
        embed_rows=int(attrs.embed_shape[0]),
        embed_dim=int(attrs.embed_shape[1]),
        lr_multiplier=lrs.pop(),
        embed_lr_multiplier=_lr_multiplier(attrs.mapping_fcs["embed_proj"], "embed_proj"),
        w_avg_beta=float(m.get("w_avg_beta", 0.998)),
    )
    if mapping.num_classes < 1:
        raise ValueError(
            "unconditional generators (c_dim = 0) are not supported; StyleGAN-XL is class-conditional"
        )
    i = attrs.input
    first = SynthesisInputConfig(
        channels=int(_get(i, "channels", "synthesis.input")),
        size=_int(_get(i, "size", "synthesis.input"), "synthesis.input.size"),
        sampling_rate=float(_get(i, "sampling_rate", "synthesis.input")),
        bandwidth=float(_get(i, "bandwidth", "synthesis.input")),
    )
    g = attrs.generator
    return GeneratorConfig(
        resolution=int(g.get("img_resolution", layers[-1].out_size)),
        img_channels=int(g.get("img_channels", layers[-1].out_channels)),
        mapping=mapping,
        input=first,
        layers=layers,
        output_scale=float(attrs.synthesis.get("output_scale", 0.25)),
        source=dict(attrs.source),
    )
