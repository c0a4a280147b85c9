"""Optional on-disk cache of decoded dataset splits (uint8 tensors in safetensors files).

Enabled by pointing the environment variable ``GLAD_CACHE_DIR`` at a writable folder; off otherwise. Keys must
encode everything the decoded tensors depend on (dataset, size, split, a fingerprint of the source files).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from safetensors.torch import load_file, save_file

from ..fileio import atomic_write_with
from .dataset import ImageSet

CACHE_ENV = "GLAD_CACHE_DIR"


def cache_root() -> Path | None:
    """The cache folder from ``GLAD_CACHE_DIR``, or None when caching is off."""
    value = os.environ.get(CACHE_ENV)
    return Path(value).expanduser() if value else None


def fingerprint(paths: Iterable[Path]) -> str:
    """A short hash of the files' paths and sizes (changes when files are added, removed or replaced)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(f"{path}\0{path.stat().st_size}\n".encode())
    return digest.hexdigest()[:16]


def cached_split(key: str, build: Callable[[], ImageSet]) -> ImageSet:
    """``build()``'s split, read from / written to ``<GLAD_CACHE_DIR>/<key>.safetensors`` if caching is on."""
    root = cache_root()
    if root is None:
        return build()
    path = root / f"{key}.safetensors"
    if path.is_file():
        tensors = load_file(str(path))
        return ImageSet(tensors["images"], tensors["labels"])
    split = build()
    # a temporary file per process (torchrun ranks may write the same key), mode from the umask
    tensors = {"images": split.images.contiguous(), "labels": split.labels.contiguous()}
    atomic_write_with(path, lambda tmp: save_file(tensors, str(tmp)))
    return split
