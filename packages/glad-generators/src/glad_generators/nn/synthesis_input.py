"""Fourier-feature input layer of the synthesis network (spec §2.5)."""

from __future__ import annotations

import math

import torch
from torch import nn

from ..config import SynthesisInputConfig
from .fully_connected import FullyConnectedLayer


class SynthesisInput(nn.Module):
    """w [N, w_dim] → features [N, channels, size, size] float32 (rotated, translated band-limited sines)."""

    def __init__(self, config: SynthesisInputConfig, w_dim: int, device: torch.device | str | None = None):
        super().__init__()
        self.config = config
        self.channels, self.size = config.channels, config.size
        self.sampling_rate, self.bandwidth = config.sampling_rate, config.bandwidth
        self.affine = FullyConnectedLayer(
            w_dim, 4, weight_init=0.0, bias_init=[1.0, 0.0, 0.0, 0.0], device=device
        )
        self.weight = nn.Parameter(torch.empty(self.channels, self.channels, device=device))
        self.register_buffer("transform", torch.eye(3).to(device))  # eye on meta is slow
        self.register_buffer("freqs", torch.empty(self.channels, 2, device=device))
        self.register_buffer("phases", torch.empty(self.channels, device=device))

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator) -> None:
        """Random frequencies within radius `bandwidth`, phases U(-0.5, 0.5), weight N(0, 1) (spec §2.5)."""
        self.affine.reset_parameters(generator)
        self.weight.copy_(torch.randn(self.weight.shape, generator=generator, device=generator.device))
        freqs = torch.randn(self.channels, 2, generator=generator, device=generator.device)
        radii = freqs.square().sum(dim=1, keepdim=True).sqrt()
        self.freqs.copy_(freqs / (radii * radii.square().exp().pow(0.25)) * self.bandwidth)
        self.phases.copy_(torch.rand(self.channels, generator=generator, device=generator.device) - 0.5)
        self.transform.copy_(torch.eye(3))

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        n = w.shape[0]
        t = self.affine(w)
        t = t / t[:, :2].norm(dim=1, keepdim=True)
        cos, sin, tx, ty = t.unbind(dim=1)
        rotation = torch.eye(3, device=w.device).repeat(n, 1, 1)
        rotation[:, 0, 0], rotation[:, 0, 1], rotation[:, 1, 0], rotation[:, 1, 1] = cos, -sin, sin, cos
        translation = torch.eye(3, device=w.device).repeat(n, 1, 1)
        translation[:, 0, 2], translation[:, 1, 2] = -tx, -ty
        transform = rotation @ translation @ self.transform.unsqueeze(0)

        phases = self.phases.unsqueeze(0) + (self.freqs @ transform[:, :2, 2:]).squeeze(2)  # [N, C]
        freqs = self.freqs @ transform[:, :2, :2]  # [N, C, 2]
        amplitudes = 1 - (freqs.norm(dim=2) - self.bandwidth) / (self.sampling_rate / 2 - self.bandwidth)
        amplitudes = amplitudes.clamp(0, 1)

        coords = torch.arange(self.size, device=w.device, dtype=torch.float32) + 0.5 - self.size / 2
        coords = coords / self.sampling_rate
        gy, gx = torch.meshgrid(coords, coords, indexing="ij")
        grid = torch.stack([gx, gy], dim=-1).reshape(1, self.size * self.size, 2)  # [1, H*W, 2]
        x = grid @ freqs.transpose(1, 2) + phases.unsqueeze(1)  # [N, H*W, C]
        x = torch.sin(x * (2 * math.pi)) * amplitudes.unsqueeze(1)
        x = x @ (self.weight / math.sqrt(self.channels)).t()
        return x.reshape(n, self.size, self.size, self.channels).permute(0, 3, 1, 2)

    def extra_repr(self) -> str:
        return (
            f"channels={self.channels}, size={self.size}, sampling_rate={self.sampling_rate:g}, "
            f"bandwidth={self.bandwidth:g}"
        )
