"""Generators that parameterise synthetic images: the protocol, the built-ins (pixel, StyleGAN-XL) and a
registry."""

from .pixel import PixelGenerator
from .protocol import Generator, GeneratorContext, default_bound, describe, latent_lr_keys, latent_names
from .registry import available_generators, build_generator, register_generator
from .stylegan import StyleGANLatents, module_sha256, stylegan_available, wrap_stylegan

__all__ = [
    "Generator",
    "GeneratorContext",
    "PixelGenerator",
    "StyleGANLatents",
    "available_generators",
    "build_generator",
    "default_bound",
    "describe",
    "latent_lr_keys",
    "latent_names",
    "module_sha256",
    "register_generator",
    "stylegan_available",
    "wrap_stylegan",
]
