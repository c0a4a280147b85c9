"""Generators by name: built-ins, files, glad_generators' registry and the "glad.generators" entry points.

`build_generator(context)` resolves `context.config.name` in this order:
1. a name registered here with `register_generator` ("pixel", "random-stylegan-xl", ...);
2. an existing file or directory: `glad_generators.load(path)` (official .pkl or our saved format);
3. a name in glad_generators' registry (when glad-generators is installed);
4. an entry point of the group "glad.generators".
A factory from 3 or 4 may return an object that already implements the Generator protocol, or a StyleGAN-like
module (with `mapping` and `split`), which is wrapped in `StyleGANLatents` at the configured layer. Factories
are called with the keyword arguments they accept among: num_classes, resolution, img_channels, seed, device.
"""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

import torch

from ..registry import Registry
from .pixel import build_pixel_generator
from .protocol import Generator, GeneratorContext
from .stylegan import StyleGANLatents

ENTRY_POINT_GROUP = "glad.generators"
GeneratorFactory = Callable[[GeneratorContext], Generator]

_REGISTRY: Registry[GeneratorFactory] = Registry("generator")


def register_generator(name: str) -> Callable[[GeneratorFactory], GeneratorFactory]:
    """Decorator: `@register_generator("my-decoder") def build(context: GeneratorContext) -> Generator`."""
    return _REGISTRY.register(name)


def available_generators() -> list[str]:
    """Names `--generator` accepts besides file paths."""
    names = set(_REGISTRY.names()) | {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    if stylegan_available():
        import glad_generators

        names |= set(glad_generators.registry.available())
    return sorted(names)


def stylegan_available() -> bool:
    """Whether glad-generators (the `stylegan` extra) is importable."""
    try:
        return importlib.util.find_spec("glad_generators") is not None
    except (ImportError, ValueError):
        return False


def build_generator(context: GeneratorContext) -> Generator:
    """The Generator for this run, checked against the dataset (channels, resolution, classes)."""
    name = context.config.name
    if name in _REGISTRY:
        generator = _REGISTRY[name](context)
    elif Path(name).expanduser().exists():
        glad_generators = _require_glad_generators(f"loading the generator file {name!r}")
        module = glad_generators.load(str(Path(name).expanduser()), device=context.device)
        generator = _as_generator(module, context, source=name)
    else:
        generator = _as_generator(_create_registered(name, context), context, source=name)
    _check_matches_dataset(generator, context)
    return generator


@register_generator("pixel")
def _pixel(context: GeneratorContext) -> Generator:
    return build_pixel_generator(context)


@register_generator("random-stylegan-xl")
def _random_stylegan_xl(context: GeneratorContext) -> Generator:
    """An untrained StyleGAN-XL of the dataset's resolution, classes and channels (no file needed)."""
    glad_generators = _require_glad_generators("the generator 'random-stylegan-xl'")
    config, dataset = context.config, context.dataset
    sizes = {k: getattr(config, k) for k in ("channel_base", "channel_max") if getattr(config, k) is not None}
    module = glad_generators.random_stylegan_xl(
        dataset.image_size,
        dataset.num_classes,
        config.seed,
        img_channels=dataset.channels,
        calibrate=config.calibrate,
        **sizes,
    )
    module = module.to(context.device).eval().requires_grad_(False)
    return _wrap_stylegan(module, context, source="random-stylegan-xl")


def _create_registered(name: str, context: GeneratorContext):
    if stylegan_available():
        import glad_generators

        if name in glad_generators.registry.available():
            factory = glad_generators.registry.get(name)
            return factory(**_factory_kwargs(factory, context))
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            factory = ep.load()
            return factory(**_factory_kwargs(factory, context))
    raise ValueError(
        f"unknown generator {name!r}: not a file and not a registered name; available: "
        f"{', '.join(available_generators())} (or pass a path to a .pkl / saved generator)"
    )


def _factory_kwargs(factory: Callable, context: GeneratorContext) -> dict:
    """The offered keyword arguments the factory accepts (all of them if it takes **kwargs)."""
    offered = {
        "num_classes": context.dataset.num_classes,
        "resolution": context.dataset.image_size,
        "img_channels": context.dataset.channels,
        "seed": context.config.seed,
        "device": context.device,
    }
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return {}
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return offered
    return {k: v for k, v in offered.items() if k in parameters}


def _as_generator(obj, context: GeneratorContext, *, source: str) -> Generator:
    if isinstance(obj, Generator):
        return obj
    if isinstance(obj, torch.nn.Module) and hasattr(obj, "mapping") and hasattr(obj, "split"):
        return _wrap_stylegan(obj.to(context.device).eval().requires_grad_(False), context, source=source)
    raise TypeError(
        f"generator {source!r} resolved to a {type(obj).__name__}, which is neither a glad_distill Generator "
        "(num_classes, resolution, channels, init_latents, render) nor a StyleGAN-like module "
        "(mapping, split)"
    )


def _wrap_stylegan(module: torch.nn.Module, context: GeneratorContext, *, source: str) -> StyleGANLatents:
    config = context.config
    if config.precision is not None:
        if not hasattr(module, "precision"):
            raise ValueError(
                f"generator {source!r} has no precision setting; leave generator.precision (--precision) "
                "unset"
            )
        module.precision = config.precision
    return StyleGANLatents(
        module,
        layer=config.layer,
        init=config.init or "random",
        class_map=_class_map(module, context),
        chunk_size=config.chunk_size,
        avg_w_samples=config.avg_w_samples,
        source=source,
    )


def _class_map(module: torch.nn.Module, context: GeneratorContext) -> list[int] | None:
    """Dataset class -> generator class: the config's map, else the dataset's source indices, else
    identity."""
    config, dataset = context.config, context.dataset
    if config.class_map is not None:
        if len(config.class_map) != dataset.num_classes:
            raise ValueError(
                f"generator.class_map has {len(config.class_map)} entries but dataset {dataset.name!r} has "
                f"{dataset.num_classes} classes; give one generator class per dataset class"
            )
        return list(config.class_map)
    num_classes = int(module.num_classes)
    if num_classes in (0, dataset.num_classes):
        return None
    source_indices = _source_class_indices(dataset)
    if (
        source_indices is not None
        and len(source_indices) == dataset.num_classes
        and max(source_indices) < num_classes
    ):
        return source_indices
    raise ValueError(
        f"the generator has {num_classes} classes but dataset {dataset.name!r} has {dataset.num_classes} and "
        "no mapping between them is known; set generator.class_map (one generator class per dataset class)"
    )


def _source_class_indices(dataset) -> list[int] | None:
    """The dataset's classes as indices of its source dataset (ImageNet subsets: ImageNet-1k label
    indices)."""
    indices = getattr(dataset, "class_indices", None)
    if indices is None:
        try:
            from glad_eval.data.imagenet import manifest

            indices = manifest()["subsets"].get(dataset.name, {}).get("indices")
        except (ImportError, KeyError):
            indices = None
    return None if indices is None else [int(i) for i in indices]


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


def _require_glad_generators(purpose: str):
    if not stylegan_available():
        raise ModuleNotFoundError(
            f'{purpose} needs glad-generators: pip install "glad-distill[stylegan]" '
            "(pixel space works without it)"
        )
    import glad_generators

    return glad_generators
