"""Small building blocks shared by the zoo: normalisation, activation and pooling factories (registries)."""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch import nn


def instance_norm(channels: int, spatial: tuple[int, int]) -> nn.Module:
    """'instancenorm' as in the reference zoo: GroupNorm(C, C, affine=True), eps 1e-5 (no running buffers)."""
    return nn.GroupNorm(channels, channels, affine=True)


def batch_norm(channels: int, spatial: tuple[int, int]) -> nn.Module:
    return nn.BatchNorm2d(channels)


def group_norm(channels: int, spatial: tuple[int, int]) -> nn.Module:
    """GroupNorm with 4 groups (the reference 'groupnorm')."""
    return nn.GroupNorm(4, channels, affine=True)


def layer_norm(channels: int, spatial: tuple[int, int]) -> nn.Module:
    """LayerNorm over [C, H, W] of the (pre-pool) feature map."""
    return nn.LayerNorm([channels, *spatial], elementwise_affine=True)


NORMS: dict[str, Callable[[int, tuple[int, int]], nn.Module] | None] = {
    "instancenorm": instance_norm,
    "batchnorm": batch_norm,
    "groupnorm": group_norm,
    "layernorm": layer_norm,
    "none": None,
}

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": lambda: nn.ReLU(inplace=True),
    "leakyrelu": lambda: nn.LeakyReLU(0.01, inplace=True),
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
}

POOLINGS: dict[str, Callable[[], nn.Module] | None] = {
    "avgpool": lambda: nn.AvgPool2d(kernel_size=2, stride=2),
    "maxpool": lambda: nn.MaxPool2d(kernel_size=2, stride=2),
    "none": None,
}


class GeneratorDropout(nn.Module):
    """nn.Dropout whose masks come from the module's own torch.Generator, never from the global RNG.

    Same semantics as nn.Dropout (zero with probability p, scale the rest by 1/(1-p) in training, identity in
    eval). The seed comes from ``seed_from(generator)`` (called by ``initialize``), so a model built from a
    seeded generator trains identically on every run and rank; without it the seed is fresh OS entropy.
    """

    def __init__(self, p: float) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability p={p!r} must lie in [0, 1)")
        self.p = float(p)
        self.seed = torch.Generator().seed()
        self._generator: torch.Generator | None = None

    def seed_from(self, generator: torch.Generator) -> None:
        """Take this module's mask seed from ``generator`` (one draw) and restart its mask stream."""
        self.seed = int(torch.randint(0, 2**62, (), generator=generator))
        self._generator = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        if self._generator is None or self._generator.device != x.device:
            self._generator = torch.Generator(device=x.device).manual_seed(self.seed)
        keep = torch.empty_like(x).bernoulli_(1.0 - self.p, generator=self._generator)
        return x * keep / (1.0 - self.p)

    def __getstate__(self):
        state = dict(super().__getstate__())
        state["_generator"] = None  # copies (EMA, pickles) restart the stream from `seed`
        return state

    def extra_repr(self) -> str:
        return f"p={self.p}"


def _lookup(table: dict, kind: str, value: str):
    if not isinstance(value, str) or value.lower() not in table:
        raise ValueError(f"{kind}={value!r} is not supported; choose one of {', '.join(table)}")
    return table[value.lower()]


def make_norm(norm: str, channels: int, spatial: tuple[int, int]) -> nn.Module | None:
    """The norm layer named ``norm`` for a [C, H, W] map, or None for 'none'."""
    factory = _lookup(NORMS, "norm", norm)
    return None if factory is None else factory(channels, spatial)


def make_act(act: str) -> nn.Module:
    return _lookup(ACTIVATIONS, "act", act)()


def make_pool(pooling: str) -> nn.Module | None:
    factory = _lookup(POOLINGS, "pooling", pooling)
    return None if factory is None else factory()


def first_conv_padding(channels: int, default: int, extra: int = 2) -> int:
    """Padding of a zoo network's first conv: one-channel (MNIST-style) inputs get ``extra`` more (§12)."""
    return default + extra if channels == 1 else default


def conv_out(size: int, kernel: int, padding: int, stride: int = 1) -> int:
    """Spatial size after a conv/pool: floor((size + 2p - k) / s) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


@torch.no_grad()
def feature_shape(features: nn.Module, channels: int, image_size: int) -> torch.Size:
    """Shape [C, H, W] of ``features`` applied to one image, computed on a meta-device copy."""
    probe = torch.empty(1, channels, image_size, image_size, device="meta")
    return copy.deepcopy(features).to("meta")(probe).shape[1:]


class UnsupportedImageSize(ValueError):
    """An architecture cannot be built for the requested image size (the evaluation protocol skips it and
    says why, instead of aborting the whole table). Raise it from a factory; it is a ValueError."""


def check_size(name: str, image_size: int, *, minimum: int = 1, multiple: int = 1, hint: str = "") -> None:
    """TypeError unless ``image_size`` is an int; :class:`UnsupportedImageSize` unless it is >= ``minimum``
    and a multiple of ``multiple`` (``hint``, if given, is appended to the message: how to make it fit)."""
    if not isinstance(image_size, int) or isinstance(image_size, bool):
        raise TypeError(f"{name}: image_size must be an int, got {type(image_size).__name__}")
    if image_size < minimum or image_size % multiple:
        raise UnsupportedImageSize(
            f"{name}: image_size={image_size} is not supported; it must be >= {minimum}"
            + (f" and a multiple of {multiple}" if multiple > 1 else "")
            + (f" ({hint})" if hint else "")
        )
