"""GLaD dataset distillation (DC, DM, MTT) in pixel and generator-latent space, and the glad CLI.

>>> from glad_distill import DistillConfig, Distiller
>>> config = DistillConfig(dataset="mnist5k", method="dm", ipc=1, iterations=100)
>>> result = Distiller(config, "runs/demo").run()      # writes manifest.json, images.safetensors, grid.png,
...
"""

from .config import BufferConfig, DistillConfig, EvalSettings, GeneratorConfig, MTTConfig, NetConfig
from .distiller import Distiller, NonFiniteLossError, RunResult
from .presets import available_presets, load_preset

__version__ = "0.1.0"

__all__ = [
    "BufferConfig",
    "DistillConfig",
    "Distiller",
    "EvalSettings",
    "GeneratorConfig",
    "MTTConfig",
    "NetConfig",
    "NonFiniteLossError",
    "RunResult",
    "available_presets",
    "load_preset",
]
