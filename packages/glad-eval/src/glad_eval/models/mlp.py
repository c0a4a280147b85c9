"""A plain multi-layer perceptron (not in GLaD's zoo; a cheap sanity baseline)."""

from __future__ import annotations

import torch
from torch import nn

from .layers import check_size, make_act
from .registry import register_architecture


class MLP(nn.Module):
    """Flatten [N, C, H, W] -> Linear(C*H*W, w) -> act -> Linear(w, w) -> act -> Linear(w, K); w = width."""

    def __init__(
        self, *, num_classes: int, channels: int, image_size: int, width: int = 128, act: str = "relu"
    ):
        super().__init__()
        self.features = nn.Sequential(
            nn.Flatten(1),
            nn.Linear(channels * image_size * image_size, width),
            make_act(act),
            nn.Linear(width, width),
            make_act(act),
        )
        self.classifier = nn.Linear(width, num_classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.embed(x))


@register_architecture("mlp")
def mlp(*, num_classes: int, channels: int, image_size: int, **kw) -> MLP:
    check_size("mlp", image_size)
    return MLP(num_classes=num_classes, channels=channels, image_size=image_size, **kw)
