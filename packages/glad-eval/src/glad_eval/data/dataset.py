"""In-memory labelled image datasets: :class:`ImageSet` (one split) and :class:`Dataset` (train + test +
stats)."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..images import denormalize, normalize, uint8_to_images01


@dataclass
class ImageSet:
    """One split: ``images`` uint8 [N, C, H, W] on the CPU, ``labels`` int64 [N] in [0, num_classes)."""

    images: torch.Tensor
    labels: torch.Tensor
    _by_class: dict[int, torch.Tensor] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.images.dtype != torch.uint8 or self.images.dim() != 4:
            raise TypeError(
                f"ImageSet: images must be uint8 [N, C, H, W], got {self.images.dtype} "
                f"{tuple(self.images.shape)}"
            )
        if self.labels.dtype != torch.int64 or self.labels.shape != (self.images.shape[0],):
            raise TypeError(
                f"ImageSet: labels must be int64 [N] with N={self.images.shape[0]}, got {self.labels.dtype} "
                f"{tuple(self.labels.shape)}"
            )

    def __len__(self) -> int:
        return self.labels.shape[0]

    def indices_of(self, c: int) -> torch.Tensor:
        """Indices (int64, ascending) of the images of class ``c``."""
        c = int(c)
        if c not in self._by_class:
            self._by_class[c] = torch.nonzero(self.labels == c).flatten()
        return self._by_class[c]

    def float01(
        self, index: torch.Tensor | slice | None = None, device: torch.device | str | None = None
    ) -> torch.Tensor:
        """Images (all, or ``index``) as float32 in [0, 1] on ``device``."""
        images = self.images if index is None else self.images[index]
        return uint8_to_images01(images.to(device=device))


@dataclass
class Dataset:
    """A classification dataset served at ``image_size`` px with its normalisation statistics.

    ``mean``/``std``: per-channel tuples for :meth:`normalize`. ``class_names``: one per class, label order.
    ``class_indices``: for subsets of a larger label space (the ImageNet subsets), each class's index there
    (ImageNet-1k, torchvision order), e.g. to condition a class-conditional generator; None otherwise.
    """

    name: str
    num_classes: int
    channels: int
    image_size: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    class_names: list[str]
    train: ImageSet
    test: ImageSet
    class_indices: list[int] | None = None

    def normalize(self, x01: torch.Tensor) -> torch.Tensor:
        """[0, 1] -> classifier input with this dataset's mean/std (:func:`glad_eval.images.normalize`)."""
        return normalize(x01, self.mean, self.std)

    def denormalize(self, x: torch.Tensor) -> torch.Tensor:
        """Inverse of :meth:`normalize` (:func:`glad_eval.images.denormalize`)."""
        return denormalize(x, self.mean, self.std)

    def real_batch(
        self, c: int | None, n: int, *, generator: torch.Generator, device: torch.device | str | None = None
    ) -> torch.Tensor:
        """``n`` random training images of class ``c`` (None: any class), float32 [n, C, H, W] in [0, 1].

        Drawn without replacement from ``generator`` (a CPU generator); when n exceeds the class size, the
        class is reshuffled and repeated as often as needed.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"real_batch: n must be a positive int, got {n!r}")
        if c is not None and not 0 <= int(c) < self.num_classes:
            raise ValueError(f"real_batch: class c={c} is out of range [0, {self.num_classes})")
        pool = torch.arange(len(self.train)) if c is None else self.train.indices_of(c)
        if pool.numel() == 0:
            raise ValueError(f"real_batch: dataset {self.name!r} has no training images of class {c}")
        picks = [
            pool[torch.randperm(pool.numel(), generator=generator)] for _ in range(-(-n // pool.numel()))
        ]
        return self.train.float01(torch.cat(picks)[:n], device=device)
