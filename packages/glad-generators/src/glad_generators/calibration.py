"""Give a freshly initialised generator the running statistics of a trained one (optional, random models)."""

from __future__ import annotations

import torch

from .nn import StyleGANXL


@torch.no_grad()
def calibrate_(
    generator_module: StyleGANXL, rng: torch.Generator, *, num_samples: int = 8, w_avg_samples: int = 32
) -> StyleGANXL:
    """Set every layer's `magnitude_ema` and the mapping's `w_avg` from random latents, in place.

    magnitude_ema of layer i = mean square of its input over `num_samples` random (z, class) pairs, computed
    sequentially (each layer already uses its calibrated gain), which keeps activations at unit scale through
    the network like a trained model (the released code learns it with `update_emas`). w_avg[c] = mean of
    mapping(z, c) over `w_avg_samples` z per class (the class centres used by truncation). Draws from `rng`
    (a CPU torch.Generator); computes in float32.
    """
    if num_samples < 1 or w_avg_samples < 1:
        raise ValueError(f"num_samples and w_avg_samples must be >= 1, got {num_samples}, {w_avg_samples}")
    device = generator_module.mapping.w_avg.device
    mapping, synthesis = generator_module.mapping, generator_module.synthesis
    for c in range(generator_module.num_classes):
        z = torch.randn(w_avg_samples, generator_module.z_dim, generator=rng).to(device)
        labels = torch.full((w_avg_samples,), c, dtype=torch.long, device=device)
        mapping.w_avg[c] = mapping(z, labels)[:, 0].mean(dim=0)
    z = torch.randn(num_samples, generator_module.z_dim, generator=rng).to(device)
    labels = torch.arange(num_samples, device=device) % generator_module.num_classes
    ws = mapping(z, labels)
    x = synthesis.input(ws[:, 0])
    for idx, layer in enumerate(synthesis.layers):
        layer.magnitude_ema.fill_(x.square().mean().item())
        x = layer(x, ws[:, idx + 1], dtype=torch.float32, impl=synthesis.runtime.ops_impl)
    return generator_module
