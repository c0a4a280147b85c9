"""Class-conditional mapping network with per-class truncation (spec §2.3)."""

from __future__ import annotations

import torch
from torch import nn

from ..config import MappingConfig
from .api_compat import check_compat_kwargs
from .fully_connected import FullyConnectedLayer
from .runtime import Runtime


def normalize_2nd_moment(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """x * rsqrt(mean(x², dim=1) + eps) for x [N, F]."""
    return x * (x.square().mean(dim=1, keepdim=True) + eps).rsqrt()


def class_indices(c: torch.Tensor, num_classes: int, batch: int) -> torch.Tensor:
    """int64 class indices [N] from one-hot/score rows c [N, num_classes] (argmax) or labels [N] in [0, C)."""
    if not isinstance(c, torch.Tensor):
        raise TypeError(
            f"c must be a tensor (one-hot float [N, {num_classes}] or int64 labels [N]), got {type(c)}"
        )
    if c.dim() == 1 and not c.is_floating_point():
        if c.shape[0] != batch:
            raise ValueError(f"c has {c.shape[0]} labels but z has {batch} rows; pass one label per sample")
        if c.device.type != "meta" and c.numel() and (int(c.min()) < 0 or int(c.max()) >= num_classes):
            raise ValueError(
                f"class labels in c must lie in [0, {num_classes - 1}], got min {int(c.min())}, "
                f"max {int(c.max())}"
            )
        return c.long()
    if c.dim() == 2 and c.shape == (batch, num_classes):
        return c.argmax(dim=1)
    raise ValueError(
        f"c must be one-hot [N={batch}, {num_classes}] or int64 labels [{batch}], "
        f"got shape {tuple(c.shape)} and dtype {c.dtype}"
    )


class ClassEmbedding(nn.Module):
    """A lookup table `weight [rows, dim]` (state_dict key `embed.weight`, like torch.nn.Embedding)."""

    def __init__(self, rows: int, dim: int, device: torch.device | str | None = None):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(rows, dim, device=device))

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator) -> None:
        """Rows ~ N(0, 1) (the released models ship a pretrained table instead)."""
        self.weight.copy_(torch.randn(self.weight.shape, generator=generator, device=generator.device))

    def forward(self, index: torch.Tensor) -> torch.Tensor:
        return self.weight[index]


class MappingNetwork(nn.Module):
    """(z [N, z_dim], c) → ws [N, num_ws, w_dim] float32, with class-wise truncation toward `w_avg`."""

    def __init__(
        self, config: MappingConfig, device: torch.device | str | None = None, runtime: Runtime | None = None
    ):
        super().__init__()
        self.config = config
        self.runtime = runtime if runtime is not None else Runtime()
        self.z_dim, self.w_dim, self.num_ws = config.z_dim, config.w_dim, config.num_ws
        self.num_classes = config.num_classes
        self.embed = ClassEmbedding(config.embed_rows, config.embed_dim, device=device)
        self.embed_proj = FullyConnectedLayer(
            config.embed_dim,
            config.z_dim,
            activation="lrelu",
            lr_multiplier=config.embed_lr_multiplier,
            device=device,
        )
        features = [config.z_dim * 2] + [config.w_dim] * config.num_layers
        for idx in range(config.num_layers):
            layer = FullyConnectedLayer(
                features[idx],
                features[idx + 1],
                activation="lrelu",
                lr_multiplier=config.lr_multiplier,
                device=device,
            )
            self.add_module(f"fc{idx}", layer)
        self.register_buffer("w_avg", torch.zeros(config.num_classes, config.w_dim, device=device))

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator) -> None:
        """Random init (spec §2.2, §2.3): embedding N(0, 1), FC layers, w_avg = 0. Draws in module order."""
        self.embed.reset_parameters(generator)
        self.embed_proj.reset_parameters(generator)
        for idx in range(self.config.num_layers):
            getattr(self, f"fc{idx}").reset_parameters(generator)
        self.w_avg.zero_()

    def forward(
        self,
        z: torch.Tensor,
        c: torch.Tensor,
        truncation_psi: float = 1.0,
        truncation_cutoff: int | None = None,
        update_emas: bool = False,
    ) -> torch.Tensor:
        """Map latents to ws.

        Args:
            z: [N, z_dim] latents (any float dtype; computed in float32).
            c: one-hot float [N, num_classes] (only the argmax is used) or int64 labels [N].
            truncation_psi: lerp factor toward the class centre w_avg[class] (1 = no truncation).
            truncation_cutoff: truncate ws[:, :cutoff] only (None = all num_ws).
            update_emas: official-API keyword; only False is accepted (see `check_compat_kwargs`).
        Returns:
            ws [N, num_ws, w_dim] float32.
        """
        check_compat_kwargs(update_emas=update_emas)
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"z must have shape [N, {self.z_dim}], got {tuple(z.shape)}")
        if truncation_cutoff is not None and not 0 <= int(truncation_cutoff) <= self.num_ws:
            raise ValueError(
                f"truncation_cutoff must be None or in [0, {self.num_ws}], got {truncation_cutoff}"
            )
        impl = self.runtime.ops_impl
        k = class_indices(c, self.num_classes, z.shape[0]).to(self.w_avg.device)
        x = normalize_2nd_moment(z.to(torch.float32))
        y = normalize_2nd_moment(self.embed_proj(self.embed(k), impl=impl))
        x = torch.cat([x, y], dim=1)
        for idx in range(self.config.num_layers):
            x = getattr(self, f"fc{idx}")(x, impl=impl)
        ws = x.unsqueeze(1).expand(-1, self.num_ws, -1)
        if truncation_psi != 1:
            cutoff = self.num_ws if truncation_cutoff is None else int(truncation_cutoff)
            centre = self.w_avg[k].unsqueeze(1)
            ws = torch.cat([centre.lerp(ws[:, :cutoff], truncation_psi), ws[:, cutoff:]], dim=1)
        return ws.contiguous()
