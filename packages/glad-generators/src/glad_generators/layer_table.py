"""Layer hyper-parameters of the ImageNet StyleGAN-XL recipe (spec §2.1, §2.4): stem at 16, superres stages.

Everything is computed in float64 with the same formulas (and operation order) as the released constructors,
so names, channel counts, sampling rates and paddings come out identical to the released models'.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import GeneratorConfig, MappingConfig, SynthesisInputConfig, SynthesisLayerConfig

STEM_RESOLUTION = 16


@dataclass(frozen=True)
class RecipeConfig:
    """Construction recipe of an ImageNet-style StyleGAN-XL (spec §2.1); defaults = the released models."""

    resolution: int = 128
    num_classes: int = 1000
    img_channels: int = 3
    channel_base: int = 65536
    channel_max: int = 1024
    stem_layers: int = 10
    head_layers: int = 7
    num_critical: int = 2
    first_cutoff: float = 2.0
    first_stopband: float = 2**2.1
    last_stopband_rel: float = 2**0.3
    margin_size: int = 10
    num_fp16_res: int = 4
    conv_kernel: int = 3
    filter_size: int = 6
    lrelu_upsampling: int = 2
    conv_clamp: float = 256.0
    stem_magnitude_ema_beta: float = 0.5 ** (
        2048 / 20000
    )  # training-only; 0.5 ** (batch / 20k) at batch 2048
    head_magnitude_ema_beta: float = 0.999

    def __post_init__(self) -> None:
        res = self.resolution
        if not isinstance(res, int) or res < STEM_RESOLUTION or res & (res - 1):
            raise ValueError(
                f"resolution must be a power of two >= {STEM_RESOLUTION} (16, 32, 64, ...), got {res!r}"
            )
        for name in ("num_classes", "img_channels", "channel_base", "channel_max"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if self.stem_layers <= self.num_critical or self.head_layers <= self.num_critical:
            raise ValueError(
                f"stem_layers ({self.stem_layers}) and head_layers ({self.head_layers}) must exceed "
                f"num_critical ({self.num_critical})"
            )


@dataclass(frozen=True)
class _Band:
    """Per-index arrays of one stage (stem or head): index i describes the output of layer i."""

    cutoffs: np.ndarray
    stopbands: np.ndarray
    sampling_rates: np.ndarray
    half_widths: np.ndarray
    sizes: np.ndarray
    channels: np.ndarray


def _band(
    num: int,
    res: int,
    first_cutoff: float,
    first_stopband: float,
    recipe: RecipeConfig,
    first_sampling_rate: float | None,
    first_channels: int | None,
) -> _Band:
    last_cutoff = res / 2
    last_stopband = last_cutoff * recipe.last_stopband_rel
    exponents = np.minimum(np.arange(num + 1) / (num - recipe.num_critical), 1)
    cutoffs = first_cutoff * (last_cutoff / first_cutoff) ** exponents
    stopbands = first_stopband * (last_stopband / first_stopband) ** exponents
    sampling_rates = np.exp2(np.ceil(np.log2(np.minimum(stopbands * 2, res))))
    if first_sampling_rate is not None:
        sampling_rates[0] = first_sampling_rate
    half_widths = np.maximum(stopbands, sampling_rates / 2) - cutoffs
    sizes = sampling_rates + recipe.margin_size * 2
    sizes[-2:] = res
    channels = np.rint(np.minimum((recipe.channel_base / 2) / cutoffs, recipe.channel_max))
    if first_channels is not None:
        channels[0] = first_channels
    channels[-1] = recipe.img_channels
    return _Band(cutoffs, stopbands, sampling_rates, half_widths, sizes, channels)


def make_layer(
    name: str,
    *,
    in_channels: int,
    out_channels: int,
    in_size: int,
    out_size: int,
    in_sampling_rate: float,
    out_sampling_rate: float,
    in_cutoff: float,
    out_cutoff: float,
    in_half_width: float,
    out_half_width: float,
    is_torgb: bool,
    is_critically_sampled: bool,
    use_fp16: bool,
    conv_kernel: int = 3,
    filter_size: int = 6,
    lrelu_upsampling: int = 2,
    conv_clamp: float | None = 256.0,
    magnitude_ema_beta: float = 0.999,
) -> SynthesisLayerConfig:
    """Derive a layer's resampling factors, filter taps and padding (spec §2.4, "Inside every layer")."""
    kernel = 1 if is_torgb else conv_kernel
    tmp_sampling_rate = max(in_sampling_rate, out_sampling_rate) * (1 if is_torgb else lrelu_upsampling)
    up = int(np.rint(tmp_sampling_rate / in_sampling_rate))
    down = int(np.rint(tmp_sampling_rate / out_sampling_rate))
    up_taps = filter_size * up if up > 1 and not is_torgb else 1
    down_taps = filter_size * down if down > 1 and not is_torgb else 1
    pad_total = (out_size - 1) * down + 1 - (in_size + kernel - 1) * up + up_taps + down_taps - 2
    pad_lo = (pad_total + up) // 2
    pad_hi = pad_total - pad_lo
    return SynthesisLayerConfig(
        name=name,
        in_channels=int(in_channels),
        out_channels=int(out_channels),
        in_size=int(in_size),
        out_size=int(out_size),
        in_sampling_rate=float(in_sampling_rate),
        out_sampling_rate=float(out_sampling_rate),
        tmp_sampling_rate=float(tmp_sampling_rate),
        in_cutoff=float(in_cutoff),
        out_cutoff=float(out_cutoff),
        in_half_width=float(in_half_width),
        out_half_width=float(out_half_width),
        conv_kernel=kernel,
        up_factor=up,
        down_factor=down,
        up_taps=up_taps,
        down_taps=down_taps,
        padding=(pad_lo, pad_hi, pad_lo, pad_hi),
        is_torgb=is_torgb,
        is_critically_sampled=is_critically_sampled,
        use_fp16=use_fp16,
        conv_clamp=conv_clamp,
        magnitude_ema_beta=magnitude_ema_beta,
    )


def _stage_layers(
    band: _Band, num: int, res: int, index_offset: int, recipe: RecipeConfig, magnitude_ema_beta: float
) -> list[SynthesisLayerConfig]:
    layers = []
    for i in range(num + 1):
        prev = max(i - 1, 0)
        size, channels = int(band.sizes[i]), int(band.channels[i])
        layers.append(
            make_layer(
                f"L{i + index_offset}_{size}_{channels}",
                in_channels=int(band.channels[prev]),
                out_channels=channels,
                in_size=int(band.sizes[prev]),
                out_size=size,
                in_sampling_rate=band.sampling_rates[prev],
                out_sampling_rate=band.sampling_rates[i],
                in_cutoff=band.cutoffs[prev],
                out_cutoff=band.cutoffs[i],
                in_half_width=band.half_widths[prev],
                out_half_width=band.half_widths[i],
                is_torgb=i == num,
                is_critically_sampled=i >= num - recipe.num_critical,
                use_fp16=bool(band.sampling_rates[i] * 2**recipe.num_fp16_res > res),
                conv_kernel=recipe.conv_kernel,
                filter_size=recipe.filter_size,
                lrelu_upsampling=recipe.lrelu_upsampling,
                conv_clamp=recipe.conv_clamp,
                magnitude_ema_beta=magnitude_ema_beta,
            )
        )
    return layers


def stem_layers(recipe: RecipeConfig) -> tuple[SynthesisInputConfig, list[SynthesisLayerConfig]]:
    """The 16x16 stem: input layer + `stem_layers` layers + ToRGB (spec §2.4, "Stem")."""
    num, res = recipe.stem_layers, STEM_RESOLUTION
    band = _band(num, res, recipe.first_cutoff, recipe.first_stopband, recipe, None, None)
    layers = _stage_layers(band, num, res, 0, recipe, recipe.stem_magnitude_ema_beta)
    first = SynthesisInputConfig(
        channels=int(band.channels[0]),
        size=int(band.sizes[0]),
        sampling_rate=float(band.sampling_rates[0]),
        bandwidth=float(band.cutoffs[0]),
    )
    return first, layers


def superres_stage(
    layers: list[SynthesisLayerConfig], res: int, recipe: RecipeConfig
) -> list[SynthesisLayerConfig]:
    """Grow `layers` to resolution `res`: drop the critical tail, add `head_layers` + ToRGB (§2.4)."""
    kept = [layer for layer in layers if not layer.is_critically_sampled]
    stem_len = len(kept) + 1
    last = kept[-1]
    band = _band(
        recipe.head_layers,
        res,
        last.out_cutoff,
        last.out_half_width + last.out_cutoff,
        recipe,
        last.out_sampling_rate,
        last.out_channels,
    )
    return kept + _stage_layers(
        band, recipe.head_layers, res, stem_len, recipe, recipe.head_magnitude_ema_beta
    )


def imagenet_config(recipe: RecipeConfig) -> GeneratorConfig:
    """The full generator config of `recipe`: stem at 16, then one superres stage per doubling."""
    first, layers = stem_layers(recipe)
    res = STEM_RESOLUTION
    while res < recipe.resolution:
        res *= 2
        layers = superres_stage(layers, res, recipe)
    mapping = MappingConfig(
        num_classes=recipe.num_classes, num_ws=len(layers) + 1, embed_rows=max(1000, recipe.num_classes)
    )
    return GeneratorConfig(
        resolution=recipe.resolution,
        img_channels=recipe.img_channels,
        mapping=mapping,
        input=first,
        layers=tuple(layers),
        output_scale=0.25,
        source={
            "recipe": "stylegan-xl-imagenet",
            "channel_base": recipe.channel_base,
            "channel_max": recipe.channel_max,
            "stem_layers": recipe.stem_layers,
            "head_layers": recipe.head_layers,
        },
    )
