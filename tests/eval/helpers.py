"""Helpers for the glad-eval tests: tiny synthetic datasets and small real subsets."""

from __future__ import annotations

import torch
from glad_eval.data import Dataset, ImageSet


def make_dataset(
    *, num_classes: int = 3, channels: int = 3, image_size: int = 16, per_class: int = 4, seed: int = 0
) -> Dataset:
    """A random uint8 dataset (train and test with ``per_class`` images per class) for fast protocol tests."""
    g = torch.Generator().manual_seed(seed)

    def split(n: int) -> ImageSet:
        images = torch.randint(0, 256, (n * num_classes, channels, image_size, image_size), generator=g)
        labels = torch.arange(num_classes).repeat_interleave(n)
        return ImageSet(images.to(torch.uint8), labels)

    return Dataset(
        name="synthetic",
        num_classes=num_classes,
        channels=channels,
        image_size=image_size,
        mean=(0.5,) * channels,
        std=(0.25,) * channels,
        class_names=[f"c{i}" for i in range(num_classes)],
        train=split(per_class),
        test=split(per_class),
    )


def real_subset(dataset: Dataset, per_class: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``per_class`` real training images of every class (float32 in [0, 1]) and their labels."""
    g = torch.Generator().manual_seed(seed)
    images = torch.cat([dataset.real_batch(c, per_class, generator=g) for c in range(dataset.num_classes)])
    labels = torch.arange(dataset.num_classes).repeat_interleave(per_class)
    return images, labels
