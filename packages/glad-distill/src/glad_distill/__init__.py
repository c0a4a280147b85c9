"""GLaD dataset distillation (DC, DM, MTT) in pixel and generator-latent space, and the glad CLI.

>>> from glad_distill import DistillConfig, Distiller
>>> config = DistillConfig(dataset="mnist5k", method="dm", ipc=1, iterations=100)
>>> result = Distiller(config, "runs/demo").run()      # writes manifest.json, images.safetensors, grid.png,
...
"""

from . import config as _config
from .config import BufferConfig, DistillConfig, EvalSettings, LatentGeneratorConfig, MTTConfig, NetConfig
from .distiller import Distiller, NonFiniteLossError, RunResult
from .presets import available_presets, load_preset

__version__ = "0.1.0"

__all__ = [
    "BufferConfig",
    "DistillConfig",
    "Distiller",
    "EvalSettings",
    "LatentGeneratorConfig",
    "MTTConfig",
    "NetConfig",
    "NonFiniteLossError",
    "RunResult",
    "available_presets",
    "load_preset",
]


def __getattr__(name: str):
    """``GeneratorConfig``: the deprecated name of ``LatentGeneratorConfig`` (warns; see .config)."""
    if name == "GeneratorConfig":
        return _config.__getattr__(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
