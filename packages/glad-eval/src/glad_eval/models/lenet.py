"""LeNet-5 style network (not in GLaD's zoo): two 5x5 convs with max-pools, then 120-84-K fully connected."""

from __future__ import annotations

import torch
from torch import nn

from .layers import check_size, feature_shape, first_conv_padding
from .registry import register_architecture


class LeNet(nn.Module):
    """Input [N, C, H, W] -> logits [N, num_classes]; one-channel inputs get padding 2 in the first conv."""

    def __init__(self, *, num_classes: int, channels: int, image_size: int) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(channels, 6, kernel_size=5, padding=first_conv_padding(channels, 0)),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=2, stride=2),
        )
        shape = feature_shape(self.features, channels, image_size)
        if min(shape[1:]) < 1:
            raise ValueError(f"lenet: image_size={image_size} is too small; it needs at least 16 px")
        self.fc = nn.Sequential(
            nn.Linear(shape.numel(), 120), nn.ReLU(inplace=True), nn.Linear(120, 84), nn.ReLU(inplace=True)
        )
        self.classifier = nn.Linear(84, num_classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x).flatten(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.embed(x))


@register_architecture("lenet")
def lenet(*, num_classes: int, channels: int, image_size: int) -> LeNet:
    check_size("lenet", image_size)
    return LeNet(num_classes=num_classes, channels=channels, image_size=image_size)
