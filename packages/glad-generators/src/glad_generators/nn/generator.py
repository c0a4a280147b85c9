"""`StyleGANXL`: mapping + synthesis network built from a `GeneratorConfig` (spec §2)."""

from __future__ import annotations

import torch
from torch import nn

from ..config import GeneratorConfig
from .mapping import MappingNetwork
from .runtime import Runtime
from .split import LayerSplit
from .synthesis import SynthesisNetwork


class StyleGANXL(nn.Module):
    """Class-conditional StyleGAN-XL generator.

    G(z [N, z_dim], c, truncation_psi=1.0, truncation_cutoff=None, force_fp32=False) -> images float32
    [N, img_channels, resolution, resolution], about [-1, 1]; `c` one-hot [N, num_classes] or labels [N].
    Built on any device (`meta` builds the structure without allocating weights); weights are uninitialised
    until loaded or drawn (`glad_generators.random_stylegan_xl`, `glad_generators.load`).

    Run-time options: `precision` ("fp16" | "bf16" | "fp32", applies on CUDA to the layers flagged use_fp16;
    CPU always computes in float32) and `ops_impl` (None | "ref" | "native", forwarded to glad_ops).
    """

    def __init__(self, config: GeneratorConfig, device: torch.device | str | None = None):
        super().__init__()
        self.config = config
        self.runtime = Runtime()
        self.mapping = MappingNetwork(config.mapping, device=device, runtime=self.runtime)
        self.synthesis = SynthesisNetwork(config, device=device, runtime=self.runtime)

    z_dim = property(lambda self: self.config.mapping.z_dim)
    w_dim = property(lambda self: self.config.mapping.w_dim)
    num_classes = property(lambda self: self.config.mapping.num_classes)
    c_dim = num_classes
    num_ws = property(lambda self: self.config.num_ws)
    resolution = property(lambda self: self.config.resolution)
    img_resolution = resolution
    img_channels = property(lambda self: self.config.img_channels)
    layer_names = property(lambda self: list(self.config.layer_names))

    @property
    def precision(self) -> str:
        return self.runtime.precision

    @precision.setter
    def precision(self, value: str) -> None:
        self.runtime.precision = value  # validated by Runtime

    @property
    def ops_impl(self) -> str | None:
        return self.runtime.ops_impl

    @ops_impl.setter
    def ops_impl(self, value: str | None) -> None:
        self.runtime.ops_impl = value  # validated by Runtime

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator) -> None:
        """Draw every weight from `generator` (mapping first, then synthesis), as a fresh official model."""
        self.mapping.reset_parameters(generator)
        self.synthesis.reset_parameters(generator)

    def forward(
        self,
        z: torch.Tensor,
        c: torch.Tensor,
        truncation_psi: float = 1.0,
        truncation_cutoff: int | None = None,
        force_fp32: bool = False,
        noise_mode: str = "const",
        update_emas: bool = False,
    ) -> torch.Tensor:
        """Images [N, img_channels, R, R] float32 = synthesis(mapping(z, c, ...)); see the class docstring."""
        ws = self.mapping(
            z, c, truncation_psi=truncation_psi, truncation_cutoff=truncation_cutoff, update_emas=update_emas
        )
        return self.synthesis(ws, force_fp32=force_fp32, noise_mode=noise_mode, update_emas=update_emas)

    def split(self, n: int) -> LayerSplit:
        """GLaD's split before layer n (0 <= n <= len(layer_names) - 1); see `LayerSplit`."""
        return LayerSplit(self.synthesis, n)

    def num_parameters(self) -> int:
        """Number of trainable parameter elements (works on the meta device)."""
        return sum(p.numel() for p in self.parameters())
