"""StyleGAN-XL split at layer n as a glad-distill Generator (GLaD's latent space).

Latents = (F_n [N, C_n, S_n, S_n], w+ [N, num_ws, w_dim]), both float32 master copies; F_n is the output of
the synthesis layers [0, n) and rendering runs layers n.. only (spec stylegan_xl.md §3). With layer None the
latents are w+ alone and rendering is the full synthesis. Works with any module exposing the glad_generators
API (`mapping`, `synthesis`, `split`, `layer_names`, `num_classes`, `resolution`, `img_channels`, `z_dim`);
needs glad_generators only to build random generators or to load files (`pip install
"glad-distill[stylegan]"`).
"""

from __future__ import annotations

import hashlib

import torch

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
