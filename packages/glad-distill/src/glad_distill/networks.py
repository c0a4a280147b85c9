"""Randomly initialised matching networks and MTT students, and MTT's flat-parameter layout.

Networks come from glad_eval's zoo (`NetConfig.architecture`, usually ConvNet), their weights drawn from an
explicit CPU torch.Generator (glad_eval.models.build_architecture(generator=...): PyTorch's default schemes,
global RNG untouched), so the same generator state gives the same network on every device and every rank.
"""

from __future__ import annotations

import math

import torch
from glad_eval.models import build_architecture
from torch import nn

from .config import NetConfig


def random_network(
    net: NetConfig,
    *,
    num_classes: int,
    channels: int,
    image_size: int,
    generator: torch.Generator,
    device: torch.device | str = "cpu",
) -> nn.Module:
    """A fresh network with default-initialised weights drawn from `generator`, moved to `device`."""
    return build_architecture(
        net.architecture,
        num_classes=num_classes,
        channels=channels,
        image_size=image_size,
        generator=generator,
        device=device,
        **net.build_kwargs(),
    )


def network_skeleton(net: NetConfig, *, num_classes: int, channels: int, image_size: int) -> nn.Module:
    """The network on the meta device: parameter names and shapes only (no memory, no random draws)."""
    with torch.device("meta"):
        return build_architecture(
            net.architecture,
            num_classes=num_classes,
            channels=channels,
            image_size=image_size,
            **net.build_kwargs(),
        )


def parameter_layout(module: nn.Module) -> list[tuple[str, tuple[int, ...]]]:
    """(name, shape) of every parameter in registration order: the layout of MTT's flat vectors."""
    return [(name, tuple(p.shape)) for name, p in module.named_parameters()]


def flatten_parameters(module: nn.Module) -> torch.Tensor:
    """All parameters as one float32 vector [P] in registration order."""
    return torch.cat([p.detach().reshape(-1).float() for p in module.parameters()])


def unflatten_parameters(
    flat: torch.Tensor, layout: list[tuple[str, tuple[int, ...]]]
) -> dict[str, torch.Tensor]:
    """Views of a flat vector [P] as {name: tensor of its shape} (differentiable)."""
    sizes = [math.prod(shape) for _, shape in layout]
    if flat.shape != (sum(sizes),):
        raise ValueError(f"flat parameters have shape {tuple(flat.shape)}, the network needs [{sum(sizes)}]")
    return {name: t.view(shape) for (name, shape), t in zip(layout, flat.split(sizes), strict=True)}
