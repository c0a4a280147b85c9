"""The StyleGAN-XL network modules (spec §2.2–§2.7), built from a `GeneratorConfig` on any device."""

from .fully_connected import FullyConnectedLayer
from .generator import StyleGANXL
from .mapping import MappingNetwork
from .runtime import PRECISIONS, Runtime
from .split import LayerSplit
from .synthesis import SynthesisNetwork
from .synthesis_input import SynthesisInput
from .synthesis_layer import SynthesisLayer

__all__ = [
    "PRECISIONS",
    "FullyConnectedLayer",
    "LayerSplit",
    "MappingNetwork",
    "Runtime",
    "StyleGANXL",
    "SynthesisInput",
    "SynthesisLayer",
    "SynthesisNetwork",
]
