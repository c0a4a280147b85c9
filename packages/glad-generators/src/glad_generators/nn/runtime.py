"""Execution settings shared by every layer of one generator: precision on CUDA and the glad_ops path."""

from __future__ import annotations

from dataclasses import dataclass

import torch

PRECISIONS = ("fp16", "bf16", "fp32")
OPS_IMPLS = (None, "ref", "native")

_HALF_DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16}


@dataclass
class Runtime:
    """Mutable run-time options (not part of the architecture config).

    precision: dtype of the layers flagged `use_fp16` when running on CUDA: "fp16" (as the released models,
        clamp 256 keeps values finite), "bf16", or "fp32". CPU always computes in float32.
    ops_impl: the `impl` passed to glad_ops (None = fastest available, "ref" = pure PyTorch, "native").
    """

    precision: str = "fp16"
    ops_impl: str | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {self.precision!r}")
        if self.ops_impl not in OPS_IMPLS:
            raise ValueError(f"ops_impl must be one of {OPS_IMPLS}, got {self.ops_impl!r}")

    def layer_dtype(self, use_fp16: bool, device: torch.device, force_fp32: bool) -> torch.dtype:
        """A layer's compute dtype: reduced precision only for `use_fp16` layers on CUDA, not force_fp32."""
        if use_fp16 and not force_fp32 and device.type == "cuda" and self.precision in _HALF_DTYPES:
            return _HALF_DTYPES[self.precision]
        return torch.float32
