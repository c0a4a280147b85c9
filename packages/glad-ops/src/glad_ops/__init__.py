"""Fused StyleGAN kernels (bias_act, upfirdn2d, filtered_lrelu) as torch custom ops, with a pure-PyTorch reference path."""

__version__ = "0.1.0"

from .latent_backprop import latent_backprop  # noqa: E402

__all__ = ["latent_backprop"]
