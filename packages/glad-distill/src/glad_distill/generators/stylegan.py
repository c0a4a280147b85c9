"""StyleGAN-XL split at layer n as a glad-distill Generator (GLaD's latent space); the one module of
glad-distill that uses glad-generators.

Latents = (F_n [N, C_n, S_n, S_n], w+ [N, num_ws, w_dim]), both float32 master copies; F_n is the output of
the synthesis layers [0, n) and rendering runs layers n.. only (spec stylegan_xl.md §3). With layer None the
latents are w+ alone and rendering is the full synthesis. Works with any module exposing the glad_generators
API (`mapping`, `synthesis`, `split`, `layer_names`, `num_classes`, `resolution`, `img_channels`, `z_dim`);
needs glad_generators (an optional dependency, imported here guarded: `pip install "glad-distill[stylegan]"`)
only to build random generators or to load files.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch

from .protocol import GeneratorContext

try:  # the optional "stylegan" extra: pixel space and user generators work without it
    import glad_generators
    from glad_generators.persistence.safe_unpickler import UnsafePickleError
except ImportError:
    glad_generators = None
    UnsafePickleError = None  # nothing can raise it without glad-generators

STYLEGAN_INITS = ("random", "avg_w", "rand_f", "real")


class StyleGANLatents:
    """GLaD's parameterisation of images by a (frozen) StyleGAN-XL.

    Args:
        G: the generator module (eval mode; its parameters are not optimised).
        layer: GLaD's n, 0 <= n <= len(G.layer_names) - 1, or None for w+ only.
        init: "random" (z ~ N(0, I), ws = mapping(z, class), psi 1), "avg_w" (per class the mean w over
            `avg_w_samples` z; all images of a class start equal) or "rand_f" (F replaced by Gaussian noise
            with F's per-image mean and std) or "real" (the "random" draw, which the distiller then fits to
            real images by inversion).
        class_map: dataset class k -> generator class class_map[k]; None = identity.
        chunk_size: images per generator call during initialisation.
        source: where G came from (name or path), for the manifest.
    """

    def __init__(
        self,
        G: torch.nn.Module,
        *,
        layer: int | None,
        init: str = "random",
        class_map: list[int] | None = None,
        chunk_size: int = 10,
        avg_w_samples: int = 1000,
        source: str = "",
    ):
        num_layers = len(G.layer_names)
        if layer is not None and not 0 <= layer <= num_layers - 1:
            raise ValueError(
                f"layer {layer} is out of range for this generator: it has {num_layers} synthesis layers, so "
                f"--layer must be in 0..{num_layers - 1} (or -1 for w+ only); e.g. use 2 for 32 px generators"
            )
        if init not in STYLEGAN_INITS:
            raise ValueError(f"StyleGAN-XL init must be one of {', '.join(STYLEGAN_INITS)}, got {init!r}")
        if init == "rand_f" and layer is None:
            raise ValueError(
                "init 'rand_f' replaces the features F_n, but with --layer -1 the latents are w+ alone; "
                "choose a split layer (--layer n) or another init (random, avg_w)"
            )
        if class_map is not None and any(not 0 <= c < max(G.num_classes, 1) for c in class_map):
            raise ValueError(
                f"class_map entries must be generator classes in 0..{G.num_classes - 1}, got {class_map}"
            )
        self.G = G
        self.layer = layer
        self.init = init
        self.class_map = None if class_map is None else list(class_map)
        self.chunk_size = chunk_size
        self.avg_w_samples = avg_w_samples
        self.source = source
        self.num_classes = int(G.num_classes)
        self.resolution = int(G.resolution)
        self.channels = int(G.img_channels)
        self._split = None if layer is None else G.split(layer)
        if layer is None:
            self.latent_names, self.latent_lr_keys = ("w",), ("img",)  # GLaD: w alone gets lr_img
        else:
            self.latent_names, self.latent_lr_keys = ("f", "w"), ("img", "w")

    @property
    def device(self) -> torch.device:
        return next(self.G.parameters()).device

    def split(self, layer: int | None) -> StyleGANLatents:
        """The same generator split at another layer."""
        return StyleGANLatents(
            self.G,
            layer=layer,
            init=self.init,
            class_map=self.class_map,
            chunk_size=self.chunk_size,
            avg_w_samples=self.avg_w_samples,
            source=self.source,
        )

    # -- initialisation -------------------------------------------------------------------------------------
    @torch.no_grad()
    def init_latents(self, labels: torch.Tensor, *, generator: torch.Generator) -> tuple[torch.Tensor, ...]:
        """(F_n float32 [N, C_n, S_n, S_n], ws float32 [N, num_ws, w_dim]), or (ws,) when layer is None."""
        gen_labels = self._generator_classes(labels)
        if self.init == "avg_w":
            ws = self._class_mean_ws(gen_labels, generator)
        else:
            z = torch.randn(labels.shape[0], self.G.z_dim, generator=generator).to(self.device)
            ws = self._mapping(z, gen_labels.to(self.device))
        if self._split is None:
            return (ws.float(),)
        features = torch.cat([self._split.encode(chunk) for chunk in ws.split(self.chunk_size)])
        features = features.float().nan_to_num(posinf=5.0, neginf=-5.0).clamp(-10.0, 10.0)
        if self.init == "rand_f":
            dims = tuple(range(1, features.dim()))
            mean = features.mean(dim=dims, keepdim=True)
            std = features.std(dim=dims, keepdim=True)
            noise = torch.randn(features.shape, generator=generator).to(features.device)
            features = noise * std + mean
        return features, ws.float()

    def _generator_classes(self, labels: torch.Tensor) -> torch.Tensor:
        if self.class_map is None:
            return labels
        return torch.tensor(self.class_map, dtype=torch.int64)[labels]

    def _mapping(self, z: torch.Tensor, gen_labels: torch.Tensor) -> torch.Tensor:
        if self.num_classes == 0:
            c = torch.zeros(z.shape[0], 0, device=z.device)
        else:
            c = gen_labels.to(z.device)
        return torch.cat(
            [
                self.G.mapping(z_chunk, c_chunk, truncation_psi=1.0)
                for z_chunk, c_chunk in zip(
                    z.split(self.chunk_size * 10), c.split(self.chunk_size * 10), strict=True
                )
            ]
        )

    def _class_mean_ws(self, gen_labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        means = {}
        for cls in gen_labels.unique(sorted=True).tolist():
            z = torch.randn(self.avg_w_samples, self.G.z_dim, generator=generator).to(self.device)
            means[cls] = self._mapping(z, torch.full((self.avg_w_samples,), cls, dtype=torch.int64)).mean(0)
        return torch.stack([means[cls] for cls in gen_labels.tolist()])

    # -- rendering ------------------------------------------------------------------------------------------
    def render(self, latents: tuple[torch.Tensor, ...]) -> torch.Tensor:
        """Images float32 [N, C, R, R] in about [-1, 1]. F and w+ stay float32 master copies: fp16/bf16 layers
        cast their inputs themselves, and the gradient flows back into the float32 tensors."""
        if self._split is None:
            (ws,) = latents
            return self.G.synthesis(ws).float()
        features, ws = latents
        return self._split.render(features, ws).float()

    # -- identity -------------------------------------------------------------------------------------------
    def identity(self) -> dict:
        return {
            "name": self.source,
            "class": f"{type(self.G).__module__}.{type(self.G).__qualname__}",
            "layer": self.layer,
            "init": self.init,
            "num_classes": self.num_classes,
            "resolution": self.resolution,
            "channels": self.channels,
            "num_ws": int(getattr(self.G, "num_ws", 0)),
            "precision": getattr(self.G, "precision", None),
            "layer_names": list(self.G.layer_names),
            "class_map": self.class_map,
            "sha256": module_sha256(self.G),
        }


def module_sha256(module: torch.nn.Module) -> str:
    """SHA-256 over the module's state_dict (sorted keys, names, shapes, dtypes and raw bytes)."""
    digest = hashlib.sha256()
    for key, tensor in sorted(module.state_dict().items()):
        tensor = tensor.detach().cpu().contiguous()
        digest.update(f"{key}:{tuple(tensor.shape)}:{tensor.dtype}".encode())
        digest.update(tensor.view(-1).view(torch.uint8).numpy().tobytes() if tensor.numel() else b"")
    return digest.hexdigest()


def stylegan_available() -> bool:
    """Whether glad-generators (the `stylegan` extra) is importable."""
    return glad_generators is not None


def random_stylegan(context: GeneratorContext) -> StyleGANLatents:
    """Factory of "random-stylegan-xl": an untrained StyleGAN-XL of the dataset's resolution, classes and
    channels (no file needed), sized by the config's channel_base / channel_max, seeded by its seed."""
    _require_glad_generators("the generator 'random-stylegan-xl'")
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
    return wrap_stylegan(module, context, source="random-stylegan-xl")


def load_stylegan(path: Path, context: GeneratorContext) -> StyleGANLatents:
    """The generator in `path` (an official .pkl or our saved format, see `glad_generators.load`)."""
    _require_glad_generators(f"loading the generator file {str(path)!r}")
    module = glad_generators.load(str(path), device=context.device)
    return wrap_stylegan(module, context, source=context.config.name)


def wrap_stylegan(module: torch.nn.Module, context: GeneratorContext, *, source: str = "") -> StyleGANLatents:
    """A StyleGAN-like module (glad_generators API), frozen on the context's device, as the Generator the
    config describes (layer, init, class map, precision, chunk size). `source` names it in the manifest."""
    module = module.to(context.device).eval().requires_grad_(False)
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
        source=source or config.name,
    )


def _class_map(module: torch.nn.Module, context: GeneratorContext) -> list[int] | None:
    """Dataset class -> generator class: the config's map, else the dataset's `class_indices` (ImageNet
    subsets: ImageNet-1k label indices), else identity."""
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
    indices = dataset.class_indices
    if indices is not None and len(indices) == dataset.num_classes and max(indices) < num_classes:
        return [int(i) for i in indices]
    raise ValueError(
        f"the generator has {num_classes} classes but dataset {dataset.name!r} has {dataset.num_classes} and "
        "no mapping between them is known; set generator.class_map (one generator class per dataset class)"
    )


def _require_glad_generators(purpose: str) -> None:
    if glad_generators is None:
        raise ModuleNotFoundError(
            f'{purpose} needs glad-generators: pip install "glad-distill[stylegan]" '
            "(pixel space works without it)"
        )
