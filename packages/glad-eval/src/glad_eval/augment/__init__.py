"""Differentiable Siamese Augmentation (spec §10), every draw from an explicit torch.Generator.

>>> dsa = DSA()                                       # color_crop_cutout_flip_scale_rotate, mode "S"
>>> x_aug = dsa(x, generator=g)                       # per-sample parameters
>>> p = dsa.sample(n, generator=g, per_sample=False)  # Siamese: one shared parameter set ...
>>> dsa.apply(real, p), dsa.apply(syn, p)             # ... applied to both batches
"""

from .config import DEFAULT_STRATEGY, DSAConfig
from .dsa import DSA, MODES, DSAParams, parse_strategy
from .ops import FAMILIES, OPS, AugmentOp

__all__ = [
    "DEFAULT_STRATEGY",
    "DSA",
    "DSAConfig",
    "DSAParams",
    "FAMILIES",
    "MODES",
    "OPS",
    "AugmentOp",
    "parse_strategy",
]
