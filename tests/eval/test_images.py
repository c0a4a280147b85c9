"""glad_eval.images: the one conversion generator output [-1, 1] <-> [0, 1] <-> classifier input, with its
operation order fixed (the results are bitwise those of the formulas it replaced)."""

from __future__ import annotations

import numpy as np
import torch
from glad_eval.images import (
    denormalize,
    image01_to_pil,
    images01_to_raw,
    images01_to_uint8,
    normalize,
    raw_to_images01,
    uint8_to_images01,
)

MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)


def _raw(shape=(2, 3, 4, 4)):
    return torch.randn(shape, generator=torch.Generator().manual_seed(0))


def test_raw_and_images01_are_the_fixed_formulas():
    raw = _raw()
    assert torch.equal(raw_to_images01(raw), (raw + 1) / 2)
    assert torch.equal(images01_to_raw(raw_to_images01(raw)), ((raw + 1) / 2) * 2 - 1)
    assert torch.equal(raw_to_images01(torch.tensor([-1.0, 0.0, 1.0])), torch.tensor([0.0, 0.5, 1.0]))


def test_normalize_uses_the_channel_statistics_and_inverts():
    x01 = raw_to_images01(_raw()).clamp(0, 1)
    mean, std = torch.tensor(MEAN).view(-1, 1, 1), torch.tensor(STD).view(-1, 1, 1)
    x = normalize(x01, MEAN, STD)
    assert torch.equal(x, (x01 - mean) / std)
    assert torch.equal(denormalize(x, MEAN, STD), x * std + mean)
    torch.testing.assert_close(denormalize(x, MEAN, STD), x01)
    assert normalize(x01.double(), MEAN, STD).dtype == torch.float64  # the input's dtype is kept


def test_uint8_round_trip_rounds_to_nearest_and_clamps():
    pictures = torch.arange(256, dtype=torch.uint8).view(1, 1, 16, 16)
    x01 = uint8_to_images01(pictures)
    assert x01.dtype == torch.float32 and torch.equal(images01_to_uint8(x01), pictures)
    odd = torch.tensor([-0.3, 126.5 / 255, 1.7])  # below, at a half (to even: 126), above
    assert images01_to_uint8(odd).tolist() == [0, 126, 255]


def test_pil_pictures_are_grayscale_or_rgb():
    gray, rgb = torch.rand(1, 5, 6), torch.rand(3, 5, 6)
    assert image01_to_pil(gray).mode == "L" and image01_to_pil(rgb).mode == "RGB"
    assert np.array_equal(np.array(image01_to_pil(rgb)), images01_to_uint8(rgb).permute(1, 2, 0).numpy())
