"""grid.png: the distilled images, one row per class (label order), one column per image of that class.

The layout is torchvision's `make_grid`; the 8-bit conversion is glad_eval.images.images01_to_uint8 (rounding
to nearest; torchvision's `save_image` adds 0.5 and truncates, which differs at exact halves).
"""

from __future__ import annotations

from pathlib import Path

import torch
from glad_eval.fileio import atomic_write_with
from glad_eval.images import image01_to_pil
from PIL import Image
from torchvision.utils import make_grid

GAP_VALUE = 0.5  # the grey of the gaps and of the empty cells of classes with fewer images


def image_grid(
    images01: torch.Tensor, labels: torch.Tensor, *, min_cell: int = 64, gap: int = 2
) -> Image.Image:
    """An RGB PIL image of float [N, C, H, W] images in [0, 1] (C = 1 or 3), cells upscaled (nearest) to at
    least `min_cell` px, separated by `gap` grey pixels."""
    classes = labels.unique(sorted=True).tolist()
    counts = [int((labels == c).sum()) for c in classes]
    columns = max(counts)
    _, _, height, width = images01.shape
    scale = max(1, -(-min_cell // max(height, width)))
    cells = images01.float().clamp(0, 1).repeat_interleave(scale, 2).repeat_interleave(scale, 3)
    empty = torch.full_like(cells[:1], GAP_VALUE)
    tiles = [
        torch.cat([cells[labels == c], empty.expand(columns - n, -1, -1, -1)])
        for c, n in zip(classes, counts, strict=True)
    ]
    if len(tiles) == 1 and columns == 1:  # make_grid returns a lone image without its border: add a row
        tiles.append(empty)
    grid = make_grid(torch.cat(tiles), nrow=columns, padding=gap, pad_value=GAP_VALUE)
    return image01_to_pil(grid[:3, : gap + len(classes) * (height * scale + gap)])


def save_grid(path: str | Path, images01: torch.Tensor, labels: torch.Tensor) -> Path:
    grid = image_grid(images01.detach().cpu(), labels.cpu())
    return atomic_write_with(path, lambda tmp: grid.save(tmp, format="PNG"))
