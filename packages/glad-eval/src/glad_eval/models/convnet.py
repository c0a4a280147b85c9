"""ConvNet, the distillation and evaluation workhorse (spec §5, §12).

``depth`` blocks of [conv 3x3 (width channels) -> norm -> act -> pool 2x2] in one ``features`` Sequential,
then flatten -> ``classifier`` Linear(F -> K). Parameter order (MTT's flat vectors depend on it):
features.0.weight, features.0.bias, features.1.weight, ..., classifier.weight, classifier.bias.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .layers import check_size, conv_out, first_conv_padding, make_act, make_norm, make_pool
from .registry import register_architecture


def auto_depth(image_size: int) -> int:
    """Depth for an image side: 28/32 -> 3, 64 -> 4, 128 -> 5, 256 -> 6, 512 -> 7 (one pool per halving to ~4
    px)."""
    return max(1, round(math.log2(image_size / 4)))


class ConvNet(nn.Module):
    """The reference ConvNet. Input [N, C, H, H] (normalised images), output logits [N, num_classes] float32.

    A one-channel input gets padding 3 in the first conv (so a 28 px MNIST digit becomes 32 px inside).
    ``norm``: instancenorm (GroupNorm(C, C)), batchnorm, groupnorm (4 groups), layernorm ([C, H, W] of the
    pre-pool map) or none. ``act``: relu, leakyrelu, sigmoid, gelu. ``pooling``: avgpool, maxpool or none.
    """

    def __init__(
        self,
        *,
        num_classes: int,
        channels: int,
        image_size: int,
        depth: int | None = None,
        width: int = 128,
        norm: str = "instancenorm",
        act: str = "relu",
        pooling: str = "avgpool",
    ) -> None:
        super().__init__()
        check_size("convnet", image_size)
        depth = auto_depth(image_size) if depth is None else depth
        if not isinstance(depth, int) or depth < 1:
            raise ValueError(f"convnet: depth must be a positive int or None (auto), got {depth!r}")
        if not isinstance(width, int) or width < 1:
            raise ValueError(f"convnet: width must be a positive int, got {width!r}")
        self.depth, self.width, self.norm, self.act, self.pooling = depth, width, norm, act, pooling

        layers: list[nn.Module] = []
        width_in, size = channels, image_size
        for d in range(depth):
            padding = first_conv_padding(channels, 1) if d == 0 else 1
            layers.append(nn.Conv2d(width_in, width, kernel_size=3, padding=padding))
            width_in, size = width, conv_out(size, 3, padding)
            norm_layer = make_norm(norm, width, (size, size))
            if norm_layer is not None:
                layers.append(norm_layer)
            layers.append(make_act(act))
            pool = make_pool(pooling)
            if pool is not None:
                layers.append(pool)
                size //= 2
            if size < 1:
                raise ValueError(
                    f"convnet: depth={depth} pools a {image_size} px input down to nothing; use depth <= "
                    f"{auto_depth(image_size)} (or depth=None for the automatic choice)"
                )
        self.features = nn.Sequential(*layers)
        self.feature_dim = width * size * size
        self.classifier = nn.Linear(self.feature_dim, num_classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Flattened features before the classifier: [N, C, H, W] -> [N, feature_dim]."""
        return self.features(x).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.embed(x))


@register_architecture("convnet")
def convnet(*, num_classes: int, channels: int, image_size: int, **kw) -> ConvNet:
    return ConvNet(num_classes=num_classes, channels=channels, image_size=image_size, **kw)
