"""VGG-11 as in GLaD's zoo (spec §12): instance norm, no dropout, no 4096-unit layers.

``vgg11``: AdaptiveMaxPool2d(7x7) then Linear(512*49 -> K) (any input size >= 32; a 1x1 map is replicated).
``vgg11_cifar``: no pool, Linear(512 -> K); only fits inputs whose last map is 1x1 (32 px).
"""

from __future__ import annotations

import torch
from torch import nn

from .layers import UnsupportedImageSize, check_size, feature_shape, first_conv_padding, make_norm
from .registry import register_architecture

VGG11_LAYOUT = (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M")


class VGG11(nn.Module):
    """Input [N, C, H, W] -> logits [N, num_classes]. Each number of the layout is conv3x3 -> norm -> ReLU."""

    def __init__(
        self,
        *,
        num_classes: int,
        channels: int,
        image_size: int,
        norm: str = "instancenorm",
        head: str = "adaptive",
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width_in, size = channels, image_size
        for i, item in enumerate(VGG11_LAYOUT):
            if item == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
                size //= 2
                continue
            padding = first_conv_padding(channels, 1) if i == 0 else 1
            layers.append(nn.Conv2d(width_in, item, kernel_size=3, padding=padding))
            size += 2 * padding - 2
            norm_layer = make_norm(norm, item, (size, size))
            if norm_layer is not None:
                layers.append(norm_layer)
            layers.append(nn.ReLU(inplace=True))
            width_in = item
        self.features = nn.Sequential(*layers)
        if head == "adaptive":
            self.pool: nn.Module = nn.AdaptiveMaxPool2d((7, 7))
            self.classifier = nn.Linear(512 * 7 * 7, num_classes)
        elif head == "cifar":
            self.pool = nn.Identity()
            self.classifier = nn.Linear(512, num_classes)
        else:
            raise ValueError(f"vgg11: head={head!r} is not supported; use 'adaptive' or 'cifar'")
        shape = feature_shape(self.features, channels, image_size)
        if min(shape[1:]) < 1 or (head == "cifar" and tuple(shape[1:]) != (1, 1)):
            raise UnsupportedImageSize(
                f"vgg11{'_cifar' if head == 'cifar' else ''}: image_size={image_size} is not supported "
                + (
                    "(its classifier needs the 1x1 map of a 32 px input); use 'vgg11' for other sizes"
                    if head == "cifar"
                    else "(five 2x2 max-pools need at least 32 px)"
                )
            )

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.features(x)).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.embed(x))


@register_architecture("vgg11", default_lr=1e-4)
def vgg11(*, num_classes: int, channels: int, image_size: int, norm: str = "instancenorm") -> VGG11:
    check_size("vgg11", image_size)
    return VGG11(num_classes=num_classes, channels=channels, image_size=image_size, norm=norm)


@register_architecture("vgg11_cifar", default_lr=1e-4)
def vgg11_cifar(*, num_classes: int, channels: int, image_size: int, norm: str = "instancenorm") -> VGG11:
    check_size("vgg11_cifar", image_size)
    return VGG11(num_classes=num_classes, channels=channels, image_size=image_size, norm=norm, head="cifar")
