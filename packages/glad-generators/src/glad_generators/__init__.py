"""StyleGAN-XL on glad-ops: safe loading of official pickles, random generators, GLaD's layer split, a generator registry."""

__version__ = "0.1.0"
