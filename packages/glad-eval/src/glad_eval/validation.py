"""Checks that a distilled set fits a dataset, run before any training so bad input fails fast and clearly."""

from __future__ import annotations

import torch

from .artifacts import check_format
from .data import Dataset


def validate_distilled(images: torch.Tensor, labels: torch.Tensor, dataset: Dataset) -> None:
    """Raise ValueError/TypeError if ``images`` [N, C, H, W] in [0, 1] / ``labels`` [N] do not fit
    ``dataset``.

    Checked: types and shapes, channels, resolution (the message says how to serve the dataset at the images'
    size), label range, classes without images, NaN/inf, values outside [0, 1].
    """
    check_format(images, labels)
    _check_geometry(images, dataset)
    k = dataset.num_classes
    lo, hi = int(labels.min()), int(labels.max())
    if lo < 0 or hi >= k:
        raise ValueError(
            f"labels must lie in [0, {k}) for dataset {dataset.name!r} ({k} classes), got [{lo}, {hi}]"
        )
    counts = torch.bincount(labels.long().cpu(), minlength=k)
    empty = torch.nonzero(counts == 0).flatten().tolist()
    if empty:
        raise ValueError(
            f"class(es) {empty} of dataset {dataset.name!r} have no distilled images; every class needs at "
            "least one"
        )


def _check_geometry(images: torch.Tensor, dataset: Dataset) -> None:
    _, c, h, w = images.shape
    if c != dataset.channels:
        raise ValueError(
            f"images have {c} channel(s) but dataset {dataset.name!r} has {dataset.channels}; distil or "
            f"export the images for {dataset.name!r} (or pick the dataset they were made for with --dataset)"
        )
    if h != w:
        raise ValueError(f"images must be square, got {h}x{w} px")
    if h != dataset.image_size:
        raise ValueError(
            f"images are {h}x{w} px but dataset {dataset.name!r} is served at {dataset.image_size} px; "
            f"evaluate at {h} px with --image-size {h} (load_dataset(..., image_size={h})), or resample the "
            f"images to {dataset.image_size} px"
        )
