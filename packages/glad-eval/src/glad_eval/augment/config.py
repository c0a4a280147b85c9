"""The standard DSA magnitudes (spec §10), as one frozen dataclass."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_STRATEGY = "color_crop_cutout_flip_scale_rotate"


@dataclass(frozen=True)
class DSAConfig:
    """Magnitudes of the differentiable Siamese augmentations (defaults = the DC/DSA/DM/MTT/GLaD values).

    flip_prob: probability of a horizontal flip. scale_ratio: x and y scale factors drawn independently from
    [1/r, r]. rotate_degrees: angle drawn from [-d, d]. crop_ratio: translation by up to round(ratio*size)
    pixels (zero fill). cutout_ratio: side of the zeroed square relative to the image side. brightness: shift
    in [-b/2, b/2]. saturation: factor in [0, s]. contrast: factor in [c, 1 + c].
    """

    flip_prob: float = 0.5
    scale_ratio: float = 1.2
    rotate_degrees: float = 15.0
    crop_ratio: float = 0.125
    cutout_ratio: float = 0.5
    brightness: float = 1.0
    saturation: float = 2.0
    contrast: float = 0.5
