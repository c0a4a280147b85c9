"""Execution settings shared by every layer of one generator: precision on CUDA and the glad_ops path."""

from __future__ import annotations

from dataclasses import dataclass

import torch

PRECISIONS = ("fp16", "bf16", "fp32")
OPS_IMPLS = (None, "ref", "native")

_HALF_DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16}
_CHOICES = {"precision": PRECISIONS, "ops_impl": OPS_IMPLS}


@dataclass
class Runtime:
    """Mutable run-time options (not part of the architecture config).

    precision: dtype of the layers flagged `use_fp16` when running on CUDA: "fp16" (as the released models,
        clamp 256 keeps values finite), "bf16", or "fp32". CPU always computes in float32.
    ops_impl: the `impl` passed to glad_ops (None = fastest available, "ref" = pure PyTorch, "native").
    """

    precision: str = "fp16"
    ops_impl: str | None = None

    def __setattr__(self, name: str, value: object) -> None:
        """Every assignment (the constructor's too) is validated."""
        choices = _CHOICES.get(name)
        if choices is not None and value not in choices:
            raise ValueError(f"{name} must be one of {choices}, got {value!r}")
        super().__setattr__(name, value)

    def layer_dtype(self, use_fp16: bool, device: torch.device, force_fp32: bool) -> torch.dtype:
        """A layer's compute dtype: reduced precision only for `use_fp16` layers on CUDA, not force_fp32."""
        if use_fp16 and not force_fp32 and device.type == "cuda" and self.precision in _HALF_DTYPES:
            return _HALF_DTYPES[self.precision]
        return torch.float32
