"""Fused StyleGAN kernels (bias_act, upfirdn2d, filtered_lrelu) as torch custom ops, with a pure-PyTorch reference path."""

__version__ = "0.1.0"
