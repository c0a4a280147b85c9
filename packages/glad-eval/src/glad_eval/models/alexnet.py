"""AlexNet as in GLaD's zoo (spec §12): channels 128-192-256-192-192, no norm, no dropout, no hidden FC.

``alexnet``: fc over 192*(H/8)*(W/8) (any size >= 8). ``alexnet_cifar``: fc fixed at 192*4*4 (32 px inputs
only).
"""

from __future__ import annotations

import torch
from torch import nn

from .layers import UnsupportedImageSize, check_size, feature_shape, first_conv_padding
from .registry import register_architecture


class AlexNet(nn.Module):
    """Input [N, C, H, W] -> logits [N, num_classes]. The first conv gets padding 4 for one-channel inputs."""

    def __init__(self, *, num_classes: int, channels: int, image_size: int, cifar: bool = False) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(channels, 128, kernel_size=5, padding=first_conv_padding(channels, 2)),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Conv2d(128, 192, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Conv2d(192, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(256, 192, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(192, 192, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=2, stride=2),
        )
        shape = feature_shape(self.features, channels, image_size)
        if min(shape[1:]) < 1 or (cifar and tuple(shape[1:]) != (4, 4)):
            raise UnsupportedImageSize(
                f"alexnet{'_cifar' if cifar else ''}: image_size={image_size} is not supported "
                + (
                    "(its fc layer is fixed at 192*4*4, i.e. 32 px inputs); use 'alexnet' for other sizes"
                    if cifar
                    else "(three 2x2 max-pools need at least 8 px)"
                )
            )
        self.fc = nn.Linear(shape.numel(), num_classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.embed(x))


@register_architecture("alexnet")
def alexnet(*, num_classes: int, channels: int, image_size: int) -> AlexNet:
    check_size("alexnet", image_size)
    return AlexNet(num_classes=num_classes, channels=channels, image_size=image_size)


@register_architecture("alexnet_cifar")
def alexnet_cifar(*, num_classes: int, channels: int, image_size: int) -> AlexNet:
    check_size("alexnet_cifar", image_size)
    return AlexNet(num_classes=num_classes, channels=channels, image_size=image_size, cifar=True)
