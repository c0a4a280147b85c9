"""grid.png: the distilled images, one row per class (label order), one column per image of that class."""

from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image

from .io import atomic_write_with


def image_grid(
    images01: torch.Tensor, labels: torch.Tensor, *, min_cell: int = 64, gap: int = 2
) -> Image.Image:
    """An RGB PIL image of float [N, C, H, W] images in [0, 1] (C = 1 or 3), cells upscaled (nearest) to at
    least `min_cell` px, separated by `gap` grey pixels."""
    classes = labels.unique(sorted=True).tolist()
    rows = [images01[labels == c] for c in classes]
    columns = max(r.shape[0] for r in rows)
    _, channels, height, width = images01.shape
    scale = max(1, -(-min_cell // max(height, width)))
    cell_h, cell_w = height * scale, width * scale
    canvas = torch.full((3, len(rows) * (cell_h + gap) + gap, columns * (cell_w + gap) + gap), 0.5)
    for i, row in enumerate(rows):
        for j, image in enumerate(row):
            rgb = (
                image.float().clamp(0, 1).expand(3, -1, -1)
                if channels == 1
                else image.float().clamp(0, 1)[:3]
            )
            big = rgb.repeat_interleave(scale, 1).repeat_interleave(scale, 2)
            top, left = gap + i * (cell_h + gap), gap + j * (cell_w + gap)
            canvas[:, top : top + cell_h, left : left + cell_w] = big
    array = (canvas * 255).round().to(torch.uint8).permute(1, 2, 0).contiguous().numpy()
    return Image.fromarray(array, mode="RGB")


def save_grid(path: str | Path, images01: torch.Tensor, labels: torch.Tensor) -> Path:
    grid = image_grid(images01.detach().cpu(), labels.cpu())
    return atomic_write_with(path, lambda tmp: grid.save(tmp, format="PNG"))
