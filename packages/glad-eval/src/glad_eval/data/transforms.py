"""uint8-preserving resizing: short-side resize + centre crop (PIL), tensor resampling, and the 28 px digit
convention (zero-pad to 32, resample other sizes)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


def resize_center_crop(image: Image.Image, size: int) -> np.ndarray:
    """Resize the short side of ``image`` to ``size`` (bilinear, antialiased) and centre-crop to size x size.

    Returns uint8 [size, size, 3] (RGB). JPEGs are decoded at reduced scale when that still covers ``size``.
    """
    image.draft("RGB", (size, size))  # JPEG DCT scaling: only ever shrinks to >= the requested size
    image = image.convert("RGB")
    w, h = image.size
    scale = size / min(w, h)
    new_w, new_h = max(size, round(w * scale)), max(size, round(h * scale))
    image = image.resize((new_w, new_h), Image.BILINEAR)
    left, top = (new_w - size) // 2, (new_h - size) // 2
    return np.asarray(image.crop((left, top, left + size, top + size)), dtype=np.uint8)


def resize_uint8(images: torch.Tensor, size: int) -> torch.Tensor:
    """Resample uint8 [N, C, H, W] to [N, C, size, size] (bilinear, antialiased), rounded back to uint8."""
    if images.shape[-1] == size and images.shape[-2] == size:
        return images
    out = F.interpolate(
        images.float(), size=(size, size), mode="bilinear", antialias=True, align_corners=False
    )
    return out.round_().clamp_(0, 255).to(torch.uint8)


DIGIT_SIZE = 28
"""Side of MNIST-style images (mnist5k, mnist, fashion-mnist)."""


def check_digit_size(name: str, size: int) -> None:
    """ValueError unless ``size`` can serve 28 px digits (28 raw, 32 padded, or larger resampled)."""
    if size < DIGIT_SIZE:
        raise ValueError(f"{name}: image_size={size} is too small; use 28 (raw) or 32 (default) or larger")


def serve_digits(images: torch.Tensor, size: int) -> torch.Tensor:
    """28 px uint8 [N, C, 28, 28] served at ``size``: 28 as is, 32 zero-padded by 2 px on every side (the
    usual MNIST-at-32 convention), other sizes the padded 32 px image resampled (:func:`resize_uint8`)."""
    if size == DIGIT_SIZE:
        return images
    return resize_uint8(F.pad(images, (2, 2, 2, 2)), size)
