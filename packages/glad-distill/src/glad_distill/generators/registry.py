"""Distillation generators by name: `register_generator`, the entry-point group "glad.generators", and files.

One factory contract, `factory(context: GeneratorContext) -> Generator`, for `@register_generator("name")` and
for an entry point of the group "glad.generators" (read lazily by this module's registry and nowhere else).
`build_generator(context)` resolves `context.config.name` (case-insensitive for names):
1. a registered name or entry point ("pixel", "random-stylegan-xl", a plug-in's);
2. else an existing file or directory: `glad_generators.load(path)` (an official .pkl or our saved format), as
   StyleGAN-XL latents (needs glad-generators: `pip install "glad-distill[stylegan]"`).
The generator is then checked against the dataset (channels, resolution).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from glad_eval.registry import Registry

from .pixel import build_pixel_generator
from .protocol import Generator, GeneratorContext
from .stylegan import load_stylegan, random_stylegan

ENTRY_POINT_GROUP = "glad.generators"
GeneratorFactory = Callable[[GeneratorContext], Generator]


def _from_plugin(name: str, factory: object) -> GeneratorFactory:
    if not callable(factory):
        raise TypeError(f"it is a {type(factory).__name__}, not a factory(context) -> Generator")
    return factory


_REGISTRY: Registry[GeneratorFactory] = Registry("generator", ENTRY_POINT_GROUP, from_plugin=_from_plugin)


def register_generator(name: str) -> Callable[[GeneratorFactory], GeneratorFactory]:
    """Decorator: `@register_generator("my-decoder") def build(context: GeneratorContext) -> Generator`."""
    return _REGISTRY.decorator(name)


def available_generators() -> list[str]:
    """Names `--generator` accepts besides file paths (registered and entry points, lower-case)."""
    return _REGISTRY.names()


def build_generator(context: GeneratorContext) -> Generator:
    """The Generator for this run, checked against the dataset (channels, resolution, classes)."""
    name = context.config.name
    if name in _REGISTRY:
        generator = _REGISTRY.get(name)(context)
        if not isinstance(generator, Generator):
            raise TypeError(
                f"generator {name!r}: its factory returned a {type(generator).__name__}, not a glad_distill "
                "Generator (num_classes, resolution, channels, init_latents, render); a StyleGAN-like module "
                "becomes one with glad_distill.generators.wrap_stylegan(module, context)"
            )
    elif Path(name).expanduser().exists():
        generator = load_stylegan(Path(name).expanduser(), context)
    else:
        raise ValueError(
            f"unknown generator {name!r}: not a file and not a registered name; available: "
            f"{', '.join(available_generators())} (or pass a path to a .pkl / saved generator)"
        )
    _check_matches_dataset(generator, context)
    return generator


def _check_matches_dataset(generator: Generator, context: GeneratorContext) -> None:
    dataset = context.dataset
    if generator.channels != dataset.channels:
        raise ValueError(
            f"the generator renders {generator.channels}-channel images but dataset {dataset.name!r} has "
            f"{dataset.channels} channels; use a generator with img_channels={dataset.channels} "
            "(random-stylegan-xl builds one automatically) or another dataset"
        )
    if generator.resolution != dataset.image_size:
        raise ValueError(
            f"the generator renders {generator.resolution} px images but dataset {dataset.name!r} is "
            f"served at {dataset.image_size} px; GLaD never resizes generator output: use a generator of "
            "the dataset's resolution"
        )


register_generator("pixel")(build_pixel_generator)
register_generator("random-stylegan-xl")(random_stylegan)
