"""The individual DSA operations. Each op has a ``draw`` (parameters from uniform draws, on the generator's
device) and an ``apply`` (differentiable w.r.t. the images), registered by name in :data:`OPS`.

Parameters are stored as uniforms in [0, 1) of shape [B, k] (B = batch size, or 1 for one shared set) and
turned into magnitudes at apply time, so integer offsets (crop, cutout) adapt to the image size they meet.
``apply`` takes images ``x`` [N, C, H, W] (any float dtype, any device) and ``u`` [N or 1, k] and returns a
tensor like ``x``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .config import DSAConfig


@dataclass(frozen=True)
class AugmentOp:
    """One DSA op: ``num_uniforms`` uniforms per sample, turned into an augmentation by ``apply(x, u,
    config)``."""

    name: str
    num_uniforms: int
    apply: Callable[[torch.Tensor, torch.Tensor, DSAConfig], torch.Tensor]

    def draw(self, batch: int, generator: torch.Generator) -> torch.Tensor:
        """Uniforms [batch, num_uniforms] float32 on ``generator.device``."""
        return torch.rand(batch, self.num_uniforms, generator=generator, device=generator.device)


def _column(u: torch.Tensor, k: int, x: torch.Tensor) -> torch.Tensor:
    """Column k of u as a [N or 1, 1, 1, 1] tensor in x's dtype and device."""
    return u[:, k].to(device=x.device, dtype=x.dtype).view(-1, 1, 1, 1)


def brightness(x: torch.Tensor, u: torch.Tensor, cfg: DSAConfig) -> torch.Tensor:
    return x + (_column(u, 0, x) - 0.5) * cfg.brightness


def saturation(x: torch.Tensor, u: torch.Tensor, cfg: DSAConfig) -> torch.Tensor:
    mean = x.mean(dim=1, keepdim=True)
    return (x - mean) * (_column(u, 0, x) * cfg.saturation) + mean


def contrast(x: torch.Tensor, u: torch.Tensor, cfg: DSAConfig) -> torch.Tensor:
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (_column(u, 0, x) + cfg.contrast) + mean


def flip(x: torch.Tensor, u: torch.Tensor, cfg: DSAConfig) -> torch.Tensor:
    """Horizontal flip where u < flip_prob."""
    return torch.where(_column(u, 0, x) < cfg.flip_prob, x.flip(3), x)


def _affine(x: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """Resample x through the affine map theta [N or 1, 2, 3] (bilinear, zero padding, align_corners=True)."""
    theta = theta.expand(x.shape[0], 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=True)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=True)


def scale(x: torch.Tensor, u: torch.Tensor, cfg: DSAConfig) -> torch.Tensor:
    """Independent x/y zoom factors in [1/r, r]."""
    r = cfg.scale_ratio
    s = u.to(device=x.device, dtype=x.dtype) * (r - 1.0 / r) + 1.0 / r  # [B, 2]
    zero = torch.zeros_like(s[:, 0])
    theta = torch.stack([torch.stack([s[:, 0], zero, zero], 1), torch.stack([zero, s[:, 1], zero], 1)], 1)
    return _affine(x, theta)


def rotate(x: torch.Tensor, u: torch.Tensor, cfg: DSAConfig) -> torch.Tensor:
    """Rotation by an angle in [-rotate_degrees, rotate_degrees]."""
    angle = (u[:, 0].to(device=x.device, dtype=x.dtype) - 0.5) * 2 * cfg.rotate_degrees / 180 * math.pi
    cos, sin, zero = torch.cos(angle), torch.sin(angle), torch.zeros_like(angle)
    theta = torch.stack([torch.stack([cos, sin, zero], 1), torch.stack([-sin, cos, zero], 1)], 1)
    return _affine(x, theta)


def _offsets(u: torch.Tensor, count: int, device: torch.device) -> torch.Tensor:
    """Integers floor(u * count) in [0, count), as int64 on ``device``."""
    return (u.to(device=device, dtype=torch.float32) * count).floor().long().clamp_(0, count - 1)


def crop(x: torch.Tensor, u: torch.Tensor, cfg: DSAConfig) -> torch.Tensor:
    """Translate by whole pixels, up to round(crop_ratio * side) each way; vacated pixels are zero (exact
    gather)."""
    n, _, h, w = x.shape
    max_y, max_x = int(h * cfg.crop_ratio + 0.5), int(w * cfg.crop_ratio + 0.5)
    ty = _offsets(u[:, 0], 2 * max_y + 1, x.device) - max_y
    tx = _offsets(u[:, 1], 2 * max_x + 1, x.device) - max_x
    rows = (
        (torch.arange(h, device=x.device) + ty[:, None] + 1).clamp_(0, h + 1).expand(n, h)
    )  # in padded coords
    cols = (torch.arange(w, device=x.device) + tx[:, None] + 1).clamp_(0, w + 1).expand(n, w)
    padded = F.pad(x, (1, 1, 1, 1))
    batch = torch.arange(n, device=x.device)[:, None, None]
    return padded[batch, :, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)


def cutout(x: torch.Tensor, u: torch.Tensor, cfg: DSAConfig) -> torch.Tensor:
    """Zero a square of side round(cutout_ratio * side) centred at a random pixel (clipped at the border)."""
    _, _, h, w = x.shape
    size_y, size_x = int(h * cfg.cutout_ratio + 0.5), int(w * cfg.cutout_ratio + 0.5)
    cy = _offsets(u[:, 0], h + (1 - size_y % 2), x.device) - size_y // 2
    cx = _offsets(u[:, 1], w + (1 - size_x % 2), x.device) - size_x // 2
    rows, cols = torch.arange(h, device=x.device), torch.arange(w, device=x.device)
    in_y = (rows >= cy[:, None]) & (rows < cy[:, None] + size_y)  # [B, H]
    in_x = (cols >= cx[:, None]) & (cols < cx[:, None] + size_x)  # [B, W]
    keep = ~(in_y[:, :, None] & in_x[:, None, :])
    return x * keep[:, None].to(x.dtype)


OPS: dict[str, AugmentOp] = {
    op.name: op
    for op in (
        AugmentOp("brightness", 1, brightness),
        AugmentOp("saturation", 1, saturation),
        AugmentOp("contrast", 1, contrast),
        AugmentOp("crop", 2, crop),
        AugmentOp("cutout", 2, cutout),
        AugmentOp("flip", 1, flip),
        AugmentOp("scale", 2, scale),
        AugmentOp("rotate", 1, rotate),
    )
}

FAMILIES: dict[str, tuple[str, ...]] = {
    "color": ("brightness", "saturation", "contrast"),
    "crop": ("crop",),
    "cutout": ("cutout",),
    "flip": ("flip",),
    "scale": ("scale",),
    "rotate": ("rotate",),
}
"""Strategy words -> the ops they chain (``color`` chains brightness, saturation, contrast)."""
