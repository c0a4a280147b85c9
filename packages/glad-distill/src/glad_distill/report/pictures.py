"""Pictures for the report: tensors -> PNG bytes -> data: URIs (the report embeds everything)."""

from __future__ import annotations

import base64
import io

import torch
from PIL import Image


def png_bytes(image01: torch.Tensor) -> bytes:
    """PNG of one image float [C, H, W] in [0, 1] (C = 1: grayscale, C = 3: RGB)."""
    array = (image01.detach().cpu().float().clamp(0, 1) * 255).round().to(torch.uint8)
    if array.shape[0] == 1:
        picture = Image.fromarray(array[0].numpy(), mode="L")
    else:
        picture = Image.fromarray(array[:3].permute(1, 2, 0).contiguous().numpy(), mode="RGB")
    return pil_png(picture)


def pil_png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
