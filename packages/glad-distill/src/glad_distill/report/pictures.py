"""Pictures for the report: tensors -> PNG bytes -> data: URIs (the report embeds everything)."""

from __future__ import annotations

import base64
import io

import torch
from glad_eval.images import image01_to_pil
from PIL import Image


def png_bytes(image01: torch.Tensor) -> bytes:
    """PNG of one image float [C, H, W] in [0, 1] (C = 1: grayscale, C = 3: RGB)."""
    return pil_png(image01_to_pil(image01))


def pil_png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
