"""ResNet-18 as in GLaD's zoo (spec §12): CIFAR-style 3x3 stem with no max-pool, instance norm by default.

``resnet18`` ends in an adaptive 1x1 average pool (any input size); ``resnet18_cifar`` in a fixed 4x4 average
pool, which only fits inputs whose last stage is 4x4 (32 px).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .layers import UnsupportedImageSize, check_size, feature_shape, make_norm
from .registry import register_architecture


def _norm(norm: str, channels: int) -> nn.Module:
    if norm == "layernorm":
        raise ValueError(
            "resnet18: norm='layernorm' is not supported; use instancenorm, batchnorm, groupnorm or none"
        )
    layer = make_norm(norm, channels, (1, 1))
    return nn.Identity() if layer is None else layer


class BasicBlock(nn.Module):
    """conv3x3(stride) -> norm -> relu -> conv3x3 -> norm, plus shortcut (identity or conv1x1(stride) ->
    norm), relu."""

    def __init__(self, in_planes: int, planes: int, stride: int, norm: str) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = _norm(norm, planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = _norm(norm, planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False), _norm(norm, planes)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet18(nn.Module):
    """Input [N, C, H, W] -> logits [N, num_classes]. ``head``: 'adaptive' (GLaD) or 'cifar' (fixed 4x4
    avg-pool)."""

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
        self.conv1 = nn.Conv2d(channels, 64, 3, stride=1, padding=1, bias=False)
        self.bn1 = _norm(norm, 64)
        stages, in_planes = [], 64
        for planes, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            stages.append(
                nn.Sequential(
                    BasicBlock(in_planes, planes, stride, norm), BasicBlock(planes, planes, 1, norm)
                )
            )
            in_planes = planes
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        if head == "adaptive":
            self.pool: nn.Module = nn.AdaptiveAvgPool2d(1)
        elif head == "cifar":
            self.pool = nn.AvgPool2d(4)
        else:
            raise ValueError(f"resnet18: head={head!r} is not supported; use 'adaptive' or 'cifar'")
        self.classifier = nn.Linear(512, num_classes)
        if head == "cifar":
            shape = feature_shape(
                nn.Sequential(self.conv1, self.layer1, self.layer2, self.layer3, self.layer4, self.pool),
                channels,
                image_size,
            )
            if tuple(shape[1:]) != (1, 1):
                raise UnsupportedImageSize(
                    f"resnet18_cifar: image_size={image_size} is not supported (its fixed 4x4 pool needs 32 "
                    "px inputs); use 'resnet18' for other sizes"
                )

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled features [N, 512]."""
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        return self.pool(out).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.embed(x))


@register_architecture("resnet18")
def resnet18(*, num_classes: int, channels: int, image_size: int, norm: str = "instancenorm") -> ResNet18:
    check_size("resnet18", image_size, minimum=8)
    return ResNet18(num_classes=num_classes, channels=channels, image_size=image_size, norm=norm)


@register_architecture("resnet18_cifar")
def resnet18_cifar(
    *, num_classes: int, channels: int, image_size: int, norm: str = "instancenorm"
) -> ResNet18:
    check_size("resnet18_cifar", image_size)
    return ResNet18(
        num_classes=num_classes, channels=channels, image_size=image_size, norm=norm, head="cifar"
    )
