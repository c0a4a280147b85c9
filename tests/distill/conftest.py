"""Shared fixtures for the glad-distill tests: the mnist5k dataset (loaded once) and tiny run configs."""

from __future__ import annotations

import pytest
from glad_distill import DistillConfig, NetConfig
from glad_distill import LatentGeneratorConfig as GeneratorConfig


@pytest.fixture(scope="session")
def mnist():
    from glad_eval.data import load_dataset

    return load_dataset("mnist5k")


def tiny_config(**overrides) -> DistillConfig:
    """A config small enough for CPU tests: width-8 networks, 8 real images per class, a small random
    StyleGAN-XL split late (layer 12 of 16), no augmentation unless asked."""
    base = DistillConfig(
        dataset="mnist5k",
        method="dm",
        ipc=1,
        iterations=2,
        batch_real=8,
        dsa_strategy="none",
        checkpoint_every=1,
        generator=GeneratorConfig(
            name="random-stylegan-xl", layer=12, chunk_size=4, channel_base=256, channel_max=8
        ),
        net=NetConfig(width=8),
    )
    data = base.to_dict()
    for key, value in overrides.items():
        if isinstance(value, dict):
            data[key].update(value)
        else:
            data[key] = value
    return DistillConfig.from_dict(data)


@pytest.fixture
def make_config():
    return tiny_config
