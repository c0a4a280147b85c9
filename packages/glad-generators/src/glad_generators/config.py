"""Typed, JSON-serialisable configuration that fully describes a StyleGAN-XL generator (spec §2).

A `GeneratorConfig` holds every hyper-parameter the forward pass needs, layer by layer, so a network can be
rebuilt from it alone (on any device, including `meta`). Weights live elsewhere (a state_dict / safetensors).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

CONFIG_FORMAT = "glad-generators/stylegan-xl"
CONFIG_VERSION = 1


@dataclass(frozen=True)
class MappingConfig:
    """Mapping network (spec §2.3): z [N, z_dim] + class → ws [N, num_ws, w_dim].

    `embed_rows` x `embed_dim` is the class-embedding table (1000 x 320 in the released models, even when
    `num_classes` is smaller); `embed_proj` projects it to z_dim with learning-rate multiplier
    `embed_lr_multiplier`; `num_layers` FC layers (lr multiplier `lr_multiplier`) map [z, embedding] to w.
    """

    z_dim: int = 64
    w_dim: int = 512
    num_classes: int = 1000
    num_ws: int = 27
    num_layers: int = 2
    embed_rows: int = 1000
    embed_dim: int = 320
    lr_multiplier: float = 0.01
    embed_lr_multiplier: float = 1.0
    w_avg_beta: float = 0.998


@dataclass(frozen=True)
class SynthesisInputConfig:
    """Fourier-feature input layer (spec §2.5): `channels` features on a `size` x `size` grid."""

    channels: int
    size: int
    sampling_rate: float
    bandwidth: float


@dataclass(frozen=True)
class SynthesisLayerConfig:
    """One synthesis layer (spec §2.4, §2.6); sizes are square, `padding` is [x0, x1, y0, y1].

    `conv_kernel` is the effective kernel (1 for ToRGB). `up_taps`/`down_taps` = 1 means "no filter".
    The cutoffs / half-widths / sampling rates describe the layer and define its Kaiser filters.
    """

    name: str
    in_channels: int
    out_channels: int
    in_size: int
    out_size: int
    in_sampling_rate: float
    out_sampling_rate: float
    tmp_sampling_rate: float
    in_cutoff: float
    out_cutoff: float
    in_half_width: float
    out_half_width: float
    conv_kernel: int
    up_factor: int
    down_factor: int
    up_taps: int
    down_taps: int
    padding: tuple[int, int, int, int]
    is_torgb: bool = False
    is_critically_sampled: bool = False
    use_fp16: bool = True
    conv_clamp: float | None = 256.0
    magnitude_ema_beta: float = 0.999

    def __post_init__(self) -> None:
        object.__setattr__(self, "padding", tuple(int(p) for p in self.padding))
        if len(self.padding) != 4:
            raise ValueError(
                f"layer {self.name}: padding must have 4 entries [x0, x1, y0, y1], got {self.padding}"
            )
        for attr in (
            "in_channels",
            "out_channels",
            "in_size",
            "out_size",
            "conv_kernel",
            "up_factor",
            "down_factor",
            "up_taps",
            "down_taps",
        ):
            if int(getattr(self, attr)) < 1:
                raise ValueError(f"layer {self.name}: {attr} must be >= 1, got {getattr(self, attr)}")


@dataclass(frozen=True)
class GeneratorConfig:
    """A complete StyleGAN-XL generator: mapping, input layer and the ordered synthesis layers.

    `num_ws = len(layers) + 1` (ws[:, 0] drives the input layer, ws[:, i + 1] layer i).
    """

    resolution: int
    img_channels: int
    mapping: MappingConfig
    input: SynthesisInputConfig
    layers: tuple[SynthesisLayerConfig, ...]
    output_scale: float = 0.25
    source: dict[str, Any] = field(default_factory=dict)  # provenance only (recipe / original file); not used

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        if not self.layers:
            raise ValueError("GeneratorConfig.layers is empty; a generator needs at least its ToRGB layer")
        if self.mapping.num_ws != len(self.layers) + 1:
            raise ValueError(
                f"mapping.num_ws = {self.mapping.num_ws} but there are {len(self.layers)} synthesis "
                f"layers; num_ws must be len(layers) + 1 = {len(self.layers) + 1}"
            )
        names = [layer.name for layer in self.layers]
        if len(set(names)) != len(names):
            raise ValueError(f"GeneratorConfig.layers has duplicate names: {names}")
        prev_channels, prev_size = self.input.channels, self.input.size
        for layer in self.layers:
            if (layer.in_channels, layer.in_size) != (prev_channels, prev_size):
                raise ValueError(
                    f"layer {layer.name} expects {layer.in_channels} channels at {layer.in_size}px but "
                    f"receives {prev_channels} channels at {prev_size}px"
                )
            prev_channels, prev_size = layer.out_channels, layer.out_size
        if (prev_channels, prev_size) != (self.img_channels, self.resolution):
            raise ValueError(
                f"the last layer outputs {prev_channels} channels at {prev_size}px, but the config says "
                f"img_channels={self.img_channels}, resolution={self.resolution}"
            )

    @property
    def num_ws(self) -> int:
        return self.mapping.num_ws

    @property
    def layer_names(self) -> list[str]:
        return [layer.name for layer in self.layers]

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON dict tagged with the format name and version."""
        return {"format": CONFIG_FORMAT, "version": CONFIG_VERSION, **dataclasses.asdict(self)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GeneratorConfig:
        """Inverse of `to_dict`; raises ValueError for another format or version."""
        if data.get("format") != CONFIG_FORMAT:
            raise ValueError(
                f"not a glad-generators config: format is {data.get('format')!r}, expected {CONFIG_FORMAT!r}"
            )
        if data.get("version") != CONFIG_VERSION:
            raise ValueError(
                f"unsupported glad-generators config version {data.get('version')!r} "
                f"(this library reads version {CONFIG_VERSION})"
            )
        body = {k: v for k, v in data.items() if k not in ("format", "version")}
        return cls(
            resolution=body["resolution"],
            img_channels=body["img_channels"],
            mapping=MappingConfig(**body["mapping"]),
            input=SynthesisInputConfig(**body["input"]),
            layers=tuple(SynthesisLayerConfig(**layer) for layer in body["layers"]),
            output_scale=body.get("output_scale", 0.25),
            source=body.get("source", {}),
        )

    @classmethod
    def from_json(cls, text: str) -> GeneratorConfig:
        return cls.from_dict(json.loads(text))
