"""GLaD's layer split (spec §3): F_n = output of layers [0, n); images = layers n.. applied to F_n."""

from __future__ import annotations

import operator

import torch

from .synthesis import SynthesisNetwork


def check_split_index(n: object, num_layers: int) -> int:
    """Validate a split index: an integer (int, numpy or 0-d torch integer) with 0 <= n <= num_layers - 1."""
    try:
        index = None if isinstance(n, bool) else operator.index(n)
    except TypeError:
        index = None
    if index is None:
        raise TypeError(
            f"split layer n must be an int in [0, {num_layers - 1}], got {n!r} ({type(n).__name__})"
        )
    n = index
    if not 0 <= n <= num_layers - 1:
        raise ValueError(
            f"split layer n must be in [0, {num_layers - 1}] for this generator "
            f"({num_layers} synthesis layers), got {n}"
        )
    return n


class LayerSplit:
    """The synthesis network cut before layer `n`; both halves are differentiable.

    encode(ws [N, num_ws, w_dim]) -> F_n float32 [N, *feature_shape]
    render(F_n, ws) -> images float32 [N, img_channels, R, R]; only ws[:, n + 1:] affect the images.
    render(encode(ws), ws) == synthesis(ws).
    """

    def __init__(self, synthesis: SynthesisNetwork, n: int):
        self.synthesis = synthesis
        self.n = check_split_index(n, len(synthesis.layer_names))

    @property
    def feature_shape(self) -> tuple[int, int, int]:
        """(C, H, W) of F_n."""
        return self.synthesis.feature_shape(self.n)

    @property
    def layer_name(self) -> str:
        """Name of the first layer that `render` runs (layer n)."""
        return self.synthesis.layer_names[self.n]

    def encode(self, ws: torch.Tensor, force_fp32: bool = False) -> torch.Tensor:
        return self.synthesis.encode(ws, self.n, force_fp32)

    def render(self, features: torch.Tensor, ws: torch.Tensor, force_fp32: bool = False) -> torch.Tensor:
        return self.synthesis.render(features, ws, self.n, force_fp32)

    def __repr__(self) -> str:
        return f"LayerSplit(n={self.n}, layer={self.layer_name!r}, feature_shape={self.feature_shape})"
