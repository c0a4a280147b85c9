"""The synthesis network: Fourier input, the synthesis layers in order, then the output scale (spec §2.7)."""

from __future__ import annotations

import torch
from torch import nn

from ..config import GeneratorConfig
from .api_compat import check_compat_kwargs
from .runtime import Runtime
from .synthesis_input import SynthesisInput
from .synthesis_layer import SynthesisLayer


class SynthesisNetwork(nn.Module):
    """ws [N, num_ws, w_dim] → images [N, img_channels, resolution, resolution] float32, about [-1, 1].

    Layers are registered under their names (state_dict keys `<name>.weight`, ...). ws[:, 0] drives the input
    layer and ws[:, i + 1] layer i. `run_layers` / `encode` / `render` expose layer ranges for GLaD's split.
    """

    def __init__(
        self,
        config: GeneratorConfig,
        device: torch.device | str | None = None,
        runtime: Runtime | None = None,
    ):
        super().__init__()
        self.config = config
        self.runtime = runtime if runtime is not None else Runtime()
        self.w_dim, self.num_ws = config.mapping.w_dim, config.num_ws
        self.img_resolution, self.img_channels = config.resolution, config.img_channels
        self.output_scale = config.output_scale
        self.layer_names = list(config.layer_names)
        self.input = SynthesisInput(config.input, self.w_dim, device=device)
        for layer_config in config.layers:
            self.add_module(layer_config.name, SynthesisLayer(layer_config, self.w_dim, device=device))

    @property
    def layers(self) -> list[SynthesisLayer]:
        return [getattr(self, name) for name in self.layer_names]

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator) -> None:
        """Random init of the input layer, then of every layer in execution order."""
        self.input.reset_parameters(generator)
        for layer in self.layers:
            layer.reset_parameters(generator)

    def check_ws(self, ws: torch.Tensor) -> torch.Tensor:
        """Validate ws [N, num_ws, w_dim] and return it as float32."""
        if (
            not isinstance(ws, torch.Tensor)
            or ws.dim() != 3
            or tuple(ws.shape[1:]) != (self.num_ws, self.w_dim)
        ):
            shape = tuple(ws.shape) if isinstance(ws, torch.Tensor) else type(ws).__name__
            raise ValueError(
                f"ws must have shape [N, {self.num_ws}, {self.w_dim}] (N, num_ws, w_dim), got {shape}"
            )
        return ws.to(torch.float32)

    def feature_shape(self, n: int) -> tuple[int, int, int]:
        """(C, H, W) of the feature map entering layer n (n = 0: the input layer's output)."""
        if n == 0:
            return (self.input.channels, self.input.size, self.input.size)
        cfg = self.config.layers[n - 1]
        return (cfg.out_channels, cfg.out_size, cfg.out_size)

    def run_layers(
        self, x: torch.Tensor, ws: torch.Tensor, start: int, stop: int, force_fp32: bool = False
    ) -> torch.Tensor:
        """Apply layers [start, stop) to x with ws[:, start + 1 : stop + 1] (output: last layer's dtype)."""
        impl = self.runtime.ops_impl
        for idx in range(start, stop):
            layer = getattr(self, self.layer_names[idx])
            dtype = self.runtime.layer_dtype(layer.use_fp16, x.device, force_fp32)
            x = layer(x, ws[:, idx + 1], dtype=dtype, impl=impl)
        return x

    def encode(self, ws: torch.Tensor, n: int, force_fp32: bool = False) -> torch.Tensor:
        """F_n: the input layer then layers [0, n); float32 [N, *feature_shape(n)]."""
        ws = self.check_ws(ws)
        x = self.input(ws[:, 0])
        return self.run_layers(x, ws, 0, n, force_fp32).to(torch.float32)

    def render(
        self, features: torch.Tensor, ws: torch.Tensor, n: int, force_fp32: bool = False
    ) -> torch.Tensor:
        """Images from F_n: layers [n, end) with ws[:, n + 1:], times output_scale; float32."""
        ws = self.check_ws(ws)
        expected = (ws.shape[0], *self.feature_shape(n))
        if tuple(features.shape) != expected:
            raise ValueError(
                f"features for layer {n} must have shape {list(expected)} [N, C, H, W], "
                f"got {list(features.shape)}"
            )
        x = self.run_layers(features, ws, n, len(self.layer_names), force_fp32)
        return (x * self.output_scale).to(torch.float32)

    def forward(
        self,
        ws: torch.Tensor,
        force_fp32: bool = False,
        noise_mode: str = "const",
        update_emas: bool = False,
    ) -> torch.Tensor:
        """Full synthesis: images [N, img_channels, R, R] float32.

        `noise_mode` and `update_emas`: StyleGAN API compatibility (see `check_compat_kwargs`).
        """
        check_compat_kwargs(noise_mode=noise_mode, update_emas=update_emas)
        ws = self.check_ws(ws)
        return self.render(self.input(ws[:, 0]), ws, 0, force_fp32)
