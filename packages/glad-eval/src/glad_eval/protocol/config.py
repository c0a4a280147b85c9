"""EvalConfig: everything that defines one evaluation run (spec §5, §12 defaults)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch

from .. import models
from ..augment import DEFAULT_STRATEGY, MODES, parse_strategy
from ..errors import DeviceUnavailableError

MAX_SEED = 2**63  # seeds are in [0, MAX_SEED)


@dataclass
class EvalConfig:
    """One evaluation run: which architectures, how many fresh models each, and how they are trained.

    ``models``: architecture names (default: eval_mode M = convnet, resnet18, vgg11, alexnet, vit).
    ``num_seeds``: fresh models per architecture. ``epochs``: training epochs (warm-up over the first half,
    cosine over the second; §12). ``lrs``: per-architecture learning-rate overrides (others use the zoo's
    defaults, 1e-3 and 1e-4 for VGG11). ``ema_decay``: the EMA's maximum decay (decay_n = min(1 - 1/n,
    ema_decay)). ``model_kwargs``: per-architecture build options, e.g. {"convnet": {"depth": 3}}.
    ``distill_model``: the architecture the set was distilled with (left out of the cross-architecture mean).
    ``seed``: every model's initial weights, shuffling and augmentation derive from it, per (architecture,
    seed index).
    """

    models: tuple[str, ...] = models.EVAL_MODES["M"]
    num_seeds: int = 5
    epochs: int = 1000
    batch_size: int = 256
    lrs: dict[str, float] = field(default_factory=dict)
    momentum: float = 0.9
    weight_decay: float = 5e-4
    ema_decay: float = 0.995
    dsa_strategy: str = DEFAULT_STRATEGY
    dsa_mode: str = "S"
    device: str = "cpu"
    distill_model: str = "convnet"
    seed: int = 0
    model_kwargs: dict[str, dict] = field(default_factory=dict)
    test_batch_size: int = 500

    def __post_init__(self) -> None:
        if isinstance(self.models, str):
            self.models = tuple(m.strip() for m in self.models.split(",") if m.strip())
        self.models = tuple(m.lower() for m in self.models)
        self.lrs = {k.lower(): v for k, v in dict(self.lrs).items()}
        self.model_kwargs = {k.lower(): dict(v) for k, v in dict(self.model_kwargs).items()}
        self.distill_model = self.distill_model.lower()

    def validate(self) -> None:
        """Raise ValueError/TypeError naming the first bad field (unknown model, non-positive count, ...)."""
        if not self.models:
            raise ValueError("EvalConfig.models is empty; name at least one architecture, e.g. ('convnet',)")
        if len(set(self.models)) != len(self.models):
            raise ValueError(f"EvalConfig.models lists an architecture twice: {self.models}")
        for name in self.models:
            models.architecture_entry(name)  # ValueError listing the zoo
        try:
            models.architecture_entry(self.distill_model)
        except ValueError as exc:
            raise ValueError(
                f"EvalConfig.distill_model (left out of the cross-architecture mean): {exc}"
            ) from None
        for key in ("num_seeds", "epochs", "batch_size", "test_batch_size"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"EvalConfig.{key} must be a positive int, got {value!r}")
        for key, extra in (("lrs", self.lrs), ("model_kwargs", self.model_kwargs)):
            stray = sorted(set(extra) - set(self.models))
            if stray:
                raise ValueError(
                    f"EvalConfig.{key} names {stray}, which are not in models {list(self.models)}"
                )
        for name, lr in self.lrs.items():
            if not isinstance(lr, int | float) or not math.isfinite(lr) or lr <= 0:
                raise ValueError(f"EvalConfig.lrs[{name!r}] must be a positive number, got {lr!r}")
        if not 0.0 <= self.ema_decay < 1.0:
            raise ValueError(f"EvalConfig.ema_decay must be in [0, 1), got {self.ema_decay!r}")
        if not (0 <= self.momentum < 1 and 0 <= self.weight_decay < math.inf):
            raise ValueError(
                f"EvalConfig.momentum must be in [0, 1) and weight_decay finite and >= 0, got "
                f"{self.momentum!r} and {self.weight_decay!r}"
            )
        parse_strategy(self.dsa_strategy)
        if self.dsa_mode not in MODES:
            raise ValueError(f"EvalConfig.dsa_mode={self.dsa_mode!r}; use one of {MODES}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            raise TypeError(f"EvalConfig.seed must be an int, got {type(self.seed).__name__}")
        if not 0 <= self.seed < MAX_SEED:
            raise ValueError(f"EvalConfig.seed must be in [0, 2**63), got {self.seed}")
        check_device(self.device)

    def lr_for(self, name: str) -> float:
        """The SGD learning rate of architecture ``name``: the override if given, else the zoo default."""
        return float(self.lrs.get(name, models.default_lr(name)))

    def to_dict(self) -> dict:
        out = asdict(self)
        out["models"] = list(self.models)
        out["lrs"] = {name: self.lr_for(name) for name in self.models}
        return out


AUTO_DEVICE = "auto"  # the CLIs' default device: cuda when available, else cpu


def resolve_device(device: str | None) -> str:
    """``device`` itself, or for ``"auto"``/None ``"cuda"`` when CUDA is available, else ``"cpu"``."""
    if device is None or device == AUTO_DEVICE:
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def check_device(device: str) -> None:
    """ValueError (DeviceUnavailableError for an absent device) unless ``device`` names a device this
    machine has (cpu, or an available accelerator and an index below its device count). Creates no
    accelerator context, so it is safe before torchrun picks a rank's GPU."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"EvalConfig.device={device!r} is not a torch device name; use cpu, cuda or cuda:N"
        ) from None
    if dev.type == "cpu":
        return
    available = torch.accelerator.is_available()
    accelerator = torch.accelerator.current_accelerator() if available else None
    if accelerator is None or accelerator.type != dev.type:
        raise DeviceUnavailableError(
            f"EvalConfig.device={device!r}: this machine has no usable {dev.type} device (accelerator: "
            f"{accelerator.type if accelerator else 'none'}); use --device cpu"
        )
    count = torch.accelerator.device_count()
    if dev.index is not None and dev.index >= count:
        raise DeviceUnavailableError(
            f"EvalConfig.device={device!r}: index {dev.index} is out of range, this machine has {count} "
            f"{dev.type} device(s) (0..{count - 1})"
        )
