"""StyleGAN-XL on glad-ops: safe pickle loading, random generators, GLaD's layer split.

G = glad_generators.load("imagenet128.pkl")                  # official pickle (nothing in it is executed)
G = glad_generators.random_stylegan_xl(32, 10, seed=0, channel_base=256, channel_max=16)
ws = G.mapping(z, labels)                                    # [N, num_ws, 512]
split = G.split(12); F = split.encode(ws); img = split.render(F, ws)
glad_generators.save(G, "out_dir"); G2 = glad_generators.load("out_dir")
"""

__version__ = "0.1.0"

from . import registry  # deprecated (one release): use load / random_stylegan_xl
from .build import build, from_state_dict
from .config import GeneratorConfig, MappingConfig, SynthesisInputConfig, SynthesisLayerConfig
from .layer_table import RecipeConfig, imagenet_config
from .loading import load, read_generator
from .nn import LayerSplit, StyleGANXL
from .random_generator import random_stylegan_xl
from .saved_format import save

__all__ = [
    "GeneratorConfig",
    "LayerSplit",
    "MappingConfig",
    "RecipeConfig",
    "StyleGANXL",
    "SynthesisInputConfig",
    "SynthesisLayerConfig",
    "build",
    "from_state_dict",
    "imagenet_config",
    "load",
    "random_stylegan_xl",
    "read_generator",
    "registry",
    "save",
]
