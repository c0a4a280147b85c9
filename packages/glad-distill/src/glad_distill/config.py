"""Typed, serialisable configuration of a distillation run (and of expert-buffer training).

Every run is fully described by a `DistillConfig`; presets are partial dictionaries merged over the defaults
(`DistillConfig.from_dict`). The defaults are the embedded default: mnist5k, a small random StyleGAN-XL at the
dataset's resolution, DM, IPC 1. Learning rates left at None take the per-method defaults of the GLaD code
(`METHOD_LEARNING_RATES`).
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from glad_eval.deprecation import renamed
from glad_eval.protocol.config import EvalConfig

from .bounds import available_bounds
from .observers.registry import check_logger_names

# Default learning rates per method and latent group: "img" for GLaD's f-latents, "w" for w+ (spec
# glad_method.md §1), "pixels" for pixel-space runs. The pixel rates are those of the source papers (DC 0.1,
# DM 1, MTT 1000 on CIFAR-10), not GLaD's ImageNet ones (DC 1, DM 10); DM's f-latent rate is 1, measured on
# random generators (GLaD's 10 saturated them). The presets of GLaD's settings set GLaD's rates.
METHOD_LEARNING_RATES: dict[str, dict[str, float]] = {
    "dc": {"img": 1.0, "w": 0.001, "pixels": 0.1},
    "dm": {"img": 1.0, "w": 0.01, "pixels": 1.0},
    "mtt": {"img": 10000.0, "w": 10.0, "pixels": 1000.0},
}
LR_KEYS = ("img", "w", "pixels")

# StyleGAN-XL's reduced-precision layers on CUDA (None: the generator's own setting, fp16 when released).
GENERATOR_PRECISIONS = (None, "fp16", "bf16", "fp32")

DEFAULT_EVAL_MODELS = tuple(EvalConfig.models)  # glad_eval's eval mode M


@dataclass
class NetConfig:
    """The matching network (DC, DM) or student (MTT): a glad_eval architecture and its options."""

    architecture: str = "convnet"
    depth: int | None = None  # None: chosen from the image size by glad_eval (32 -> 3, 128 -> 5)
    width: int = 128
    norm: str = "instancenorm"
    act: str = "relu"
    pooling: str = "avgpool"

    def build_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for glad_eval.models.build_architecture besides classes, channels and size."""
        kwargs = {"width": self.width, "norm": self.norm, "act": self.act, "pooling": self.pooling}
        if self.depth is not None:
            kwargs["depth"] = self.depth
        return kwargs


@dataclass
class LatentGeneratorConfig:
    """Which generator parameterises the synthetic images by latents (pixels included), where it is split, and
    how its latents start. Not glad_generators.GeneratorConfig, the StyleGAN-XL architecture a network is
    built from. (Called ``GeneratorConfig`` before 0.2; that name still works, with a DeprecationWarning.)"""

    name: str = "random-stylegan-xl"  # "pixel", "random-stylegan-xl", a file path, or a registered name
    layer: int | None = 2  # GLaD's n: latents = (F_n, w+); None = w+ only (full synthesis)
    init: str | None = None  # None = the generator's default ("random" for StyleGAN-XL, "noise" for pixels)
    chunk_size: int = 10  # images re-rendered per chunk in latent_backprop (GLaD's sg_batch)
    seed: int = 0  # weight seed of random generators
    channel_base: int | None = 512  # random generators only (None: glad_generators' default)
    channel_max: int | None = 16
    calibrate: bool = True  # random generators: rescale activations so images are of order 1
    class_map: list[int] | None = None  # dataset class -> generator class (e.g. ImageNet indices)
    avg_w_samples: int = 1000  # z samples per class for init "avg_w"
    precision: str | None = None  # StyleGAN-XL layers on CUDA: "fp16", "bf16", "fp32"; None = the generator's


@dataclass
class MTTConfig:
    """Trajectory matching (spec §1, §3): GLaD's constant-memory first-order variant or the full unroll."""

    buffers: str | None = None  # directory written by `glad buffers`
    expert_epochs: int = 3
    max_start_epoch: int = 5
    syn_steps: int = 20
    lr_teacher: float = 0.01  # initial learnable synthetic learning rate
    lr_lr: float = 1e-6  # SGD (momentum 0.5) learning rate of syn_lr
    batch_syn: int | None = None  # None: every synthetic image in every student step
    unroll: str = "first_order"  # "first_order" (GLaD, constant memory) or "full" (original MTT)


@dataclass
class EvalSettings:
    """Evaluation with glad_eval's protocol (periodic during distillation and after `glad run`): the fields
    of ``glad_eval.protocol.EvalConfig`` a run chooses, with EvalConfig's names and defaults (the manifest's
    ``eval`` keys). The others follow the run (`eval_config`)."""

    models: list[str] = field(default_factory=lambda: list(DEFAULT_EVAL_MODELS))
    num_seeds: int = EvalConfig.num_seeds
    epochs: int = EvalConfig.epochs
    seed: int = EvalConfig.seed

    def eval_config(self, **run: Any) -> EvalConfig:
        """glad_eval's EvalConfig of these settings; ``run``: its other fields (device, dsa_strategy, ...)."""
        return EvalConfig(**dataclasses.asdict(self), **run)


class LoadsDataset:
    """Mixin of the configs that name a dataset (fields ``data_root`` and ``image_size``)."""

    def dataset_options(self) -> dict[str, Any]:
        """``root`` and ``image_size`` keyword arguments for ``glad_eval.data.load_dataset``."""
        return {"root": self.data_root, "image_size": self.image_size}


@dataclass
class InversionConfig:
    """`--init real`: how latents are fitted to real images before distilling (Adam on the per-image MSE)."""

    steps: int = 300
    lr: float = 0.05


@dataclass
class DistillConfig(LoadsDataset):
    """One distillation run. `to_dict()` / `from_dict()` round-trip exactly through JSON."""

    dataset: str = "mnist5k"
    data_root: str | None = None
    image_size: int | None = None  # dataset served at this size (as glad_eval serves it); None = its default
    method: str = "dm"
    ipc: int = 1
    iterations: int = 200
    lr_img: float | None = None  # f-latents or pixels; None = METHOD_LEARNING_RATES[method]["img"/"pixels"]
    lr_w: float | None = None  # w+; None = METHOD_LEARNING_RATES[method]["w"]
    momentum: float = 0.5
    batch_real: int = 256
    dsa_strategy: str = "color_crop_cutout_flip_scale_rotate"  # "none" disables augmentation
    seed: int = 0
    device: str = "cpu"
    eval_every: int = 0  # 0: no periodic evaluation
    checkpoint_every: int = 10
    bound: str | None = None  # how images stay in [0, 1] (bounds.py); None = the generator's default_bound
    snapshot_every: int = 0  # keep the images every N iterations in snapshots/ (0: never)
    log: list[str] = field(default_factory=list)  # extra run loggers by name, e.g. ["tensorboard"]
    generator: LatentGeneratorConfig = field(default_factory=LatentGeneratorConfig)
    net: NetConfig = field(default_factory=NetConfig)
    mtt: MTTConfig = field(default_factory=MTTConfig)
    eval: EvalSettings = field(default_factory=EvalSettings)
    inversion: InversionConfig = field(default_factory=InversionConfig)

    def learning_rate(self, key: str) -> float:
        """The learning rate of a latent group: key "img" (F), "pixels" (both set by lr_img) or "w" (w+)."""
        override = {"img": self.lr_img, "pixels": self.lr_img, "w": self.lr_w}[key]
        return METHOD_LEARNING_RATES[self.method][key] if override is None else override

    def validate(self) -> None:
        """Raise ValueError naming the first bad field; called before any work starts. The method's name is
        checked against the objective registry by ``glad_distill.objectives.check_objective`` (the
        objectives sit above this module), which the Distiller calls first."""
        if self.method not in METHOD_LEARNING_RATES and (self.lr_img is None or self.lr_w is None):
            raise ValueError(
                f"method {self.method!r} has no default learning rates: set lr_img and lr_w "
                "(--lr-img, --lr-w)"
            )
        positive = {
            "ipc": self.ipc,
            "batch_real": self.batch_real,
            "generator.chunk_size": self.generator.chunk_size,
            "generator.avg_w_samples": self.generator.avg_w_samples,
            "mtt.syn_steps": self.mtt.syn_steps,
            "mtt.expert_epochs": self.mtt.expert_epochs,
            "mtt.max_start_epoch": self.mtt.max_start_epoch,
            "eval.num_seeds": self.eval.num_seeds,
            "eval.epochs": self.eval.epochs,
            "checkpoint_every": self.checkpoint_every,
            "inversion.steps": self.inversion.steps,
        }
        for name, value in positive.items():
            if value < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")
        for name, value in {
            "iterations": self.iterations,
            "eval_every": self.eval_every,
            "snapshot_every": self.snapshot_every,
        }.items():
            if value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")
        _check_ranges(self)
        if self.mtt.unroll not in ("first_order", "full"):
            raise ValueError(f"mtt.unroll must be 'first_order' or 'full', got {self.mtt.unroll!r}")
        if self.mtt.batch_syn is not None and self.mtt.batch_syn < 1:
            raise ValueError(f"mtt.batch_syn must be >= 1 or None (all images), got {self.mtt.batch_syn}")
        if self.method == "mtt" and not self.mtt.buffers:
            raise ValueError(
                "method 'mtt' needs expert trajectories: set --buffers DIR (written by `glad buffers`)"
            )
        if self.generator.layer is not None and self.generator.layer < 0:
            raise ValueError(
                f"generator.layer must be >= 0 (GLaD's split index n) or None for w+ only, got "
                f"{self.generator.layer}"
            )
        if self.generator.precision not in GENERATOR_PRECISIONS:
            raise ValueError(
                f"generator.precision must be one of {', '.join(map(str, GENERATOR_PRECISIONS))}, got "
                f"{self.generator.precision!r}"
            )
        if not (self.inversion.lr > 0 and math.isfinite(self.inversion.lr)):
            raise ValueError(
                f"inversion.lr (--inversion-lr) must be a finite number > 0, got {self.inversion.lr}"
            )
        if self.bound is not None:
            if self.bound not in available_bounds():
                raise ValueError(f"bound must be one of {', '.join(available_bounds())}, got {self.bound!r}")
        if not self.eval.models:
            raise ValueError("eval.models must name at least one architecture")
        check_image_size(self.image_size)
        check_logger_names(self.log)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DistillConfig:
        """Build from a (possibly partial) nested dict; unknown keys raise ValueError naming them."""
        return _from_dict(cls, data, "")


# Upper bounds (inclusive) of counts, so a typo fails at once instead of after hours; seeds are in [0, 2**63).
MAX_COUNT = 10**9
MAX_SEED = 2**63


def _check_ranges(config: DistillConfig) -> None:
    """Learning rates finite and > 0, momentum in [0, 1), counts <= MAX_COUNT, seeds in [0, MAX_SEED)."""
    rates = {
        "lr_img (--lr-img)": config.lr_img,
        "lr_w (--lr-w)": config.lr_w,
        "mtt.lr_teacher (--lr-teacher)": config.mtt.lr_teacher,
        "mtt.lr_lr (--lr-lr)": config.mtt.lr_lr,
    }
    for name, value in rates.items():
        check_learning_rate(name, value)
    if not 0.0 <= config.momentum < 1.0:  # also false for NaN
        raise ValueError(f"momentum (--momentum) must be in [0, 1), got {config.momentum}")
    counts = {
        "iterations": config.iterations,
        "ipc": config.ipc,
        "batch_real": config.batch_real,
        "eval_every": config.eval_every,
        "checkpoint_every": config.checkpoint_every,
        "generator.chunk_size": config.generator.chunk_size,
        "mtt.syn_steps": config.mtt.syn_steps,
        "eval.epochs": config.eval.epochs,
        "eval.num_seeds": config.eval.num_seeds,
    }
    for name, value in counts.items():
        if value > MAX_COUNT:
            raise ValueError(f"{name} must be <= {MAX_COUNT}, got {value}")
    seeds = {"seed": config.seed, "generator.seed": config.generator.seed, "eval.seed": config.eval.seed}
    for name, value in seeds.items():
        check_seed(name, value)


def check_learning_rate(name: str, value: float | None) -> None:
    """ValueError unless `value` is None (the default) or a finite number > 0."""
    if value is not None and not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value}")


def check_seed(name: str, value: int) -> None:
    if not 0 <= value < MAX_SEED:
        raise ValueError(f"{name} must be in [0, 2**63), got {value}")


@dataclass
class BufferConfig(LoadsDataset):
    """Expert-trajectory training for MTT (`glad buffers`): SGD without momentum, DSA, on the real data."""

    dataset: str = "mnist5k"
    data_root: str | None = None
    image_size: int | None = None  # as DistillConfig.image_size: experts must match the distillation
    num_experts: int = 10
    epochs: int = 15
    lr: float = 0.01
    batch_size: int = 256
    dsa_strategy: str = "color_crop_cutout_flip_scale_rotate"
    seed: int = 0
    device: str = "cpu"
    net: NetConfig = field(default_factory=NetConfig)

    def validate(self) -> None:
        for name in ("num_experts", "epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        check_learning_rate("lr (--lr)", self.lr)
        check_seed("seed", self.seed)
        check_image_size(self.image_size)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BufferConfig:
        return _from_dict(cls, data, "")


def check_image_size(image_size: int | None) -> None:
    """ValueError unless ``image_size`` is None (the dataset's default) or a positive int."""
    if image_size is not None and (isinstance(image_size, bool) or image_size < 1):
        raise ValueError(f"image_size must be >= 1 (or None: the dataset's default), got {image_size}")


def merge_dicts(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Recursive merge: nested dicts merge key by key, everything else in `override` replaces `base`."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_dicts(merged[key], value)
        else:
            merged[key] = value
    return merged


def _from_dict(cls, data: dict[str, Any], prefix: str):
    if not isinstance(data, dict):
        raise ValueError(
            f"config section {prefix or '<root>'!r} must be a JSON object, got {type(data).__name__}"
        )
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ValueError(
            f"unknown config key(s) {', '.join(prefix + k for k in unknown)}; valid keys: {', '.join(fields)}"
        )
    hints = typing.get_type_hints(cls)
    values = {}
    for name, value in data.items():
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            values[name] = _from_dict(hint, value, f"{prefix}{name}.")
        else:
            values[name] = _coerce(value, hint, prefix + name)
    return cls(**values)


def _coerce(value: Any, hint: Any, name: str) -> Any:
    """Accept JSON values for a field typed `hint` (int for float allowed); raise ValueError otherwise."""
    args = typing.get_args(hint)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        candidates = [a for a in args if a is not type(None)]
        return _coerce(value, candidates[0], name)
    if origin is list:
        if not isinstance(value, list | tuple):
            raise ValueError(f"config key {name!r} must be a list, got {value!r}")
        return [_coerce(v, args[0], name) for v in value]
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hint is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if hint is str and isinstance(value, str):
        return value
    if hint is bool and isinstance(value, bool):
        return value
    raise ValueError(f"config key {name!r} must be of type {getattr(hint, '__name__', hint)}, got {value!r}")


__getattr__ = renamed(
    __name__,
    {
        "GeneratorConfig": (
            "glad_distill.LatentGeneratorConfig (glad_generators.GeneratorConfig is the StyleGAN-XL "
            "architecture, a different thing)",
            LatentGeneratorConfig,
        )
    },
)
