"""Build a `StyleGANXL` from a config, with or without weights."""

from __future__ import annotations

import torch

from .config import GeneratorConfig
from .nn import StyleGANXL


def build(config: GeneratorConfig, device: torch.device | str | None = None) -> StyleGANXL:
    """The network of `config` with UNINITIALISED weights (any device; `meta` allocates nothing)."""
    if not isinstance(config, GeneratorConfig):
        raise TypeError(f"config must be a GeneratorConfig, got {type(config).__name__}")
    return StyleGANXL(config, device=device)


def from_state_dict(
    config: GeneratorConfig,
    state_dict: dict[str, torch.Tensor],
    device: torch.device | str = "cpu",
    source: str = "state_dict",
) -> StyleGANXL:
    """The network of `config` with weights from `state_dict` (official key names); eval, requires_grad False.

    Raises ValueError naming `source` when keys or shapes do not match the config.
    """
    generator = build(config, device="meta")
    expected = generator.state_dict()
    missing = sorted(set(expected) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(expected))
    wrong = sorted(
        k for k in set(expected) & set(state_dict) if tuple(expected[k].shape) != tuple(state_dict[k].shape)
    )
    if missing or unexpected or wrong:
        details = "; ".join(
            f"{label}: {keys[:6]}{' ...' if len(keys) > 6 else ''}"
            for label, keys in (("missing", missing), ("unexpected", unexpected), ("wrong shape", wrong))
            if keys
        )
        raise ValueError(f"{source}: the weights do not match the generator config ({details})")
    tensors = {k: v.detach().to(torch.float32) for k, v in state_dict.items()}
    generator.load_state_dict(tensors, strict=True, assign=True)
    generator = generator.to(device)
    return generator.eval().requires_grad_(False)
