"""Differentiable Siamese Augmentation (DSA) with explicit randomness.

``DSA.sample`` draws one parameter set (which family, and its magnitudes) from a torch.Generator;
``DSA.apply`` applies it differentiably. Applying the same ``DSAParams`` to two batches is the Siamese use
(real and synthetic images see the same augmentation).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .config import DEFAULT_STRATEGY, DSAConfig
from .ops import FAMILIES, OPS

MODES = ("S", "M")


@dataclass(frozen=True)
class DSAParams:
    """One draw of augmentation parameters.

    ``ops``: op names applied in order. ``values``: op name -> uniforms [batch_size, k] float32 (see ops.py).
    ``batch_size``: B; B == 1 means one parameter set shared by every image of any batch
    (``per_sample=False``).
    """

    ops: tuple[str, ...]
    values: dict[str, torch.Tensor]
    batch_size: int

    @property
    def per_sample(self) -> bool:
        return self.batch_size != 1

    def to(self, device: torch.device | str) -> DSAParams:
        return DSAParams(self.ops, {k: v.to(device) for k, v in self.values.items()}, self.batch_size)


def parse_strategy(strategy: str) -> tuple[str, ...]:
    """'color_crop_...' -> ('color', 'crop', ...); '' or 'none' -> (). ValueError names unknown words."""
    if not isinstance(strategy, str):
        raise TypeError(
            f"DSA: strategy must be a string like {DEFAULT_STRATEGY!r}, got {type(strategy).__name__}"
        )
    if strategy.lower() in ("", "none"):
        return ()
    words = tuple(strategy.lower().split("_"))
    unknown = [w for w in words if w not in FAMILIES]
    if unknown:
        raise ValueError(
            f"DSA: strategy {strategy!r} has unknown augmentation(s) {unknown}; use '_'-joined words from "
            f"{', '.join(FAMILIES)} (or 'none')"
        )
    return words


def _check_images(x: torch.Tensor) -> None:
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or not x.is_floating_point():
        raise ValueError(
            "DSA: x must be a float tensor [N, C, H, W], got "
            + (f"{tuple(x.shape)} of dtype {x.dtype}" if isinstance(x, torch.Tensor) else type(x).__name__)
        )


class DSA:
    """Differentiable Siamese augmentation for image batches [N, C, H, W] (spec §10).

    ``strategy``: '_'-joined families (color, crop, cutout, flip, scale, rotate). ``mode``: "S" applies one
    family chosen at random per call (the reference setting), "M" applies every family in order. ``config``:
    magnitudes.
    """

    def __init__(
        self, strategy: str = DEFAULT_STRATEGY, mode: str = "S", config: DSAConfig | None = None
    ) -> None:
        self.families = parse_strategy(strategy)
        if mode not in MODES:
            raise ValueError(
                f"DSA: mode={mode!r} is not supported; use 'S' (one family per call) or 'M' (all)"
            )
        self.strategy, self.mode = strategy, mode
        self.config = DSAConfig() if config is None else config

    def __repr__(self) -> str:
        return f"DSA(strategy={self.strategy!r}, mode={self.mode!r})"

    def sample(
        self,
        batch_size: int,
        *,
        generator: torch.Generator,
        device: torch.device | str | None = None,
        per_sample: bool = True,
    ) -> DSAParams:
        """Draw parameters for ``batch_size`` images (one set for all of them if ``per_sample`` is False).

        Every draw comes from ``generator`` (on its own device), so equal generator states give equal
        parameters. ``device``: where the returned tensors live (default: the generator's device).
        """
        if not isinstance(generator, torch.Generator):
            raise TypeError(
                f"DSA.sample: generator must be a torch.Generator, got {type(generator).__name__}"
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"DSA.sample: batch_size must be a positive int, got {batch_size!r}")
        families = self.families
        if self.mode == "S" and families:
            pick = int(
                torch.randint(len(families), (1,), generator=generator, device=generator.device).item()
            )
            families = (families[pick],)
        ops = tuple(op for family in families for op in FAMILIES[family])
        rows = batch_size if per_sample else 1
        values = {op: OPS[op].draw(rows, generator) for op in ops}
        params = DSAParams(ops, values, rows)
        return params if device is None else params.to(device)

    def apply(self, x: torch.Tensor, params: DSAParams) -> torch.Tensor:
        """Augment ``x`` [N, C, H, W] (float) with ``params``; differentiable w.r.t. ``x``. Returns [N, C, H,
        W].

        Per-sample parameters need N == params.batch_size; shared ones (batch_size 1) fit any N.
        """
        _check_images(x)
        if params.batch_size != 1 and params.batch_size != x.shape[0]:
            raise ValueError(
                f"DSA.apply: params were drawn per sample for {params.batch_size} images but x has "
                f"{x.shape[0]}; draw them with sample(x.shape[0], ...) or per_sample=False for a shared set"
            )
        for op in params.ops:
            x = OPS[op].apply(x, params.values[op], self.config)
        return x

    def __call__(
        self, x: torch.Tensor, *, generator: torch.Generator, per_sample: bool = True
    ) -> torch.Tensor:
        """Sample parameters for ``x`` from ``generator`` and apply them."""
        _check_images(x)
        return self.apply(x, self.sample(x.shape[0], generator=generator, per_sample=per_sample))
