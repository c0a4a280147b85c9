"""Modulated convolution + filtered leaky ReLU: one StyleGAN3/XL synthesis layer (spec §2.6)."""

from __future__ import annotations

import math

import glad_ops
import torch
from torch import nn

from ..config import SynthesisLayerConfig
from ..lowpass import kaiser_lowpass
from .fully_connected import FullyConnectedLayer
from .modulated_conv import modulated_conv2d


class SynthesisLayer(nn.Module):
    """x [N, in_channels, in_size, in_size], w [N, w_dim] → [N, out_channels, out_size, out_size].

    The output dtype is the `dtype` passed to forward (float16/bfloat16 for fp16 layers on CUDA, else
    float32).
    """

    def __init__(self, config: SynthesisLayerConfig, w_dim: int, device: torch.device | str | None = None):
        super().__init__()
        self.config = config
        self.name = config.name
        self.is_torgb = config.is_torgb
        self.use_fp16 = config.use_fp16
        self.affine = FullyConnectedLayer(w_dim, config.in_channels, bias_init=1.0, device=device)
        k = config.conv_kernel
        self.weight = nn.Parameter(torch.empty(config.out_channels, config.in_channels, k, k, device=device))
        self.bias = nn.Parameter(torch.empty(config.out_channels, device=device))
        self.register_buffer("magnitude_ema", torch.ones([], device=device))
        for role, taps in (("up_filter", config.up_taps), ("down_filter", config.down_taps)):
            self.register_buffer(role, torch.empty(taps, device=device) if taps > 1 else None)
        if torch.device(device or "cpu").type != "meta":
            self.reset_filters()

    @torch.no_grad()
    def reset_filters(self) -> None:
        """Recompute the Kaiser lowpass filters from the layer's cutoffs and half-widths (spec §2.4)."""
        cfg = self.config
        if self.up_filter is not None:
            self.up_filter.copy_(
                kaiser_lowpass(cfg.up_taps, cfg.in_cutoff, 2 * cfg.in_half_width, cfg.tmp_sampling_rate)
            )
        if self.down_filter is not None:
            self.down_filter.copy_(
                kaiser_lowpass(cfg.down_taps, cfg.out_cutoff, 2 * cfg.out_half_width, cfg.tmp_sampling_rate)
            )

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator) -> None:
        """affine as FC init (bias 1), conv weight N(0, 1), bias 0, magnitude_ema 1, filters recomputed."""
        self.affine.reset_parameters(generator)
        self.weight.copy_(torch.randn(self.weight.shape, generator=generator, device=generator.device))
        self.bias.zero_()
        self.magnitude_ema.fill_(1.0)
        self.reset_filters()

    def forward(
        self, x: torch.Tensor, w: torch.Tensor, *, dtype: torch.dtype = torch.float32, impl: str | None = None
    ) -> torch.Tensor:
        cfg = self.config
        styles = self.affine(w)
        if self.is_torgb:
            styles = styles / math.sqrt(cfg.in_channels * cfg.conv_kernel**2)
        x = modulated_conv2d(
            x.to(dtype),
            self.weight,
            styles,
            demodulate=not self.is_torgb,
            input_gain=self.magnitude_ema.rsqrt(),
            padding=cfg.conv_kernel - 1,
        )
        return glad_ops.filtered_lrelu(
            x,
            fu=self.up_filter,
            fd=self.down_filter,
            b=self.bias.to(dtype),
            up=cfg.up_factor,
            down=cfg.down_factor,
            padding=list(cfg.padding),
            gain=1.0 if self.is_torgb else math.sqrt(2),
            slope=1.0 if self.is_torgb else 0.2,
            clamp=cfg.conv_clamp,
            impl=impl,
        )

    def extra_repr(self) -> str:
        cfg = self.config
        return (
            f"name={cfg.name}, channels={cfg.in_channels}->{cfg.out_channels}, size={cfg.in_size}->"
            f"{cfg.out_size}, up={cfg.up_factor}, down={cfg.down_factor}, padding={list(cfg.padding)}, "
            f"torgb={cfg.is_torgb}, fp16={cfg.use_fp16}"
        )
