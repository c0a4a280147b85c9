"""GLaD dataset distillation (DC, DM, MTT) in pixel and generator-latent space, and the glad CLI."""

__version__ = "0.1.0"
