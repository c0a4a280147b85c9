"""The evaluation architecture zoo, looked up by name.

>>> from glad_eval import models
>>> net = models.build_architecture("convnet", num_classes=10, channels=3, image_size=32)  # depth 3
>>> models.available_architectures()  # convnet, resnet18, vgg11, alexnet, vit, *_cifar, mlp, lenet, plugins

Third-party architectures register with :func:`register_architecture` or the entry-point group
``glad.architectures``;
a factory that cannot take the requested image size raises :class:`UnsupportedImageSize` (the evaluation
protocol then skips that architecture and says why).
"""

from __future__ import annotations

import warnings

import torch

from ..deprecation import renamed
from . import alexnet, convnet, lenet, mlp, resnet, vgg, vit  # noqa: F401  (register the built-ins)
from .convnet import ConvNet, auto_depth
from .init import initialize
from .layers import UnsupportedImageSize
from .registry import (
    ENTRY_POINT_GROUP,
    architecture_entry,
    available_architectures,
    channels_argument,
    default_lr,
    register_architecture,
)

EVAL_MODES: dict[str, tuple[str, ...]] = {
    "M": ("convnet", "resnet18", "vgg11", "alexnet", "vit"),
    "CIFAR": ("convnet", "alexnet_cifar", "resnet18_cifar", "vgg11_cifar", "vit_cifar"),
}
"""The model pools of the reference protocol (spec §5): eval_mode ``M`` and ``CIFAR``."""


def _check_positive_int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"build_architecture: {name} must be a positive int, got {value!r}")


def build_architecture(
    name: str,
    *,
    num_classes: int,
    channels: int | None = None,
    image_size: int,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    **kw,
) -> torch.nn.Module:
    """Build architecture ``name`` for ``channels`` x ``image_size`` x ``image_size`` inputs and
    ``num_classes``.

    ``generator``: draw the initial weights from it (PyTorch's default schemes; reproducible, global RNG
    untouched); None uses PyTorch's ordinary initialisation. ``device``: where the model lives (default CPU).
    ``kw`` goes to the architecture (e.g. ConvNet's depth, width, norm, act, pooling). Unknown names raise
    ValueError listing the zoo. (``in_channels=`` is the name before 0.2: accepted with a DeprecationWarning.)
    """
    if "in_channels" in kw:
        warnings.warn(
            "build_architecture(in_channels=...) is deprecated and will be removed in the next release; use "
            "channels=...",
            DeprecationWarning,
            stacklevel=2,
        )
        channels = kw.pop("in_channels") if channels is None else channels
    for arg, value in (("num_classes", num_classes), ("channels", channels), ("image_size", image_size)):
        _check_positive_int(arg, value)
    entry = architecture_entry(name)
    args = dict(num_classes=num_classes, image_size=image_size, **kw)
    args.update(channels_argument(entry, channels))
    if generator is None:
        model = entry.factory(**args)
    else:
        with torch.device("meta"):
            model = entry.factory(**args)
        model = initialize(model.to_empty(device=generator.device), generator)
    return model if device is None else model.to(device)


__getattr__ = renamed(
    __name__,
    {
        "build": ("glad_eval.models.build_architecture", build_architecture),
        "available": ("glad_eval.models.available_architectures", available_architectures),
        "register": ("glad_eval.models.register_architecture", register_architecture),
        "get_entry": ("glad_eval.models.architecture_entry", architecture_entry),
    },
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "EVAL_MODES",
    "ConvNet",
    "UnsupportedImageSize",
    "architecture_entry",
    "auto_depth",
    "available_architectures",
    "build_architecture",
    "default_lr",
    "initialize",
    "register_architecture",
]
