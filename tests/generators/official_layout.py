"""Write a generator laid out like the official fixtures (fixtures/README.md, spec §4): a generator directory.

`write_generator_dir(G, out_dir, ...)` writes what `fixtures/gen32/` holds, for any `StyleGANXL`:
* `G_official_style.pkl`: a stylegan-xl snapshot dict `{G, G_ema, augment_pipe, training_set_kwargs}`
  whose modules are persistence records `torch_utils.persistence._reconstruct_persistent_obj(meta)` (meta:
  type, version 6, module_src, class_name, state = the instance `__dict__`), with the attributes the official
  classes carry (numpy arrays/scalars where the official code has them), the stem's STALE constructor kwargs
  on the mapping / synthesis network of a SuperresGenerator, `conv_kernel` 3 in the ToRGB layer's kwargs (its
  attribute is 1), and `torch.nn.Embedding` pickled by reference. `G` holds other weights than `G_ema`, so
  reading the wrong entry shows.
* `config.json` (attribute dump), `weights.safetensors` (state_dict), `io.safetensors` (reference tensors of
  the same names as the fixtures', computed by `G` itself on the CPU in float32).

The pickle layout is checked against the real `gen32` pickle (test_official_layout.py); the tests of
test_fixture_generators.py then run on these directories exactly as on the shipped fixtures.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import pickle
from pathlib import Path
from typing import Any

import glad_generators
import numpy as np
import torch
from gen_helpers import Reduce, fake_module
from glad_generators.layer_table import RecipeConfig, stem_layers
from glad_generators.nn import FullyConnectedLayer, StyleGANXL
from safetensors.torch import save_file

PICKLE_NAME = "G_official_style.pkl"
MODULE_SRC = "# <module source redacted for fixture>"
HOOK_DICTS = (
    "_backward_pre_hooks",
    "_backward_hooks",
    "_forward_hooks",
    "_forward_hooks_with_kwargs",
    "_forward_hooks_always_called",
    "_forward_pre_hooks",
    "_forward_pre_hooks_with_kwargs",
    "_state_dict_hooks",
    "_state_dict_pre_hooks",
    "_load_state_dict_pre_hooks",
    "_load_state_dict_post_hooks",
)


class Obj:
    """One official object: class name, attributes (official types), tensors, children, constructor args."""

    def __init__(self, class_name, attributes, *, params=(), buffers=(), children=(), args=(), kwargs=None):
        self.class_name, self.attributes = class_name, attributes
        self.params, self.buffers, self.children = dict(params), dict(buffers), dict(children)
        self.args, self.kwargs = tuple(args), dict(kwargs or {})

    def state(self) -> dict[str, Any]:
        """The instance `__dict__` an official nn.Module pickles."""
        return {
            "training": False,
            "_parameters": {
                k: torch.nn.Parameter(v.clone(), requires_grad=False) for k, v in self.params.items()
            },
            "_buffers": {k: None if v is None else v.clone() for k, v in self.buffers.items()},
            "_non_persistent_buffers_set": set(),
            **{name: collections.OrderedDict() for name in HOOK_DICTS},
            "_is_full_backward_hook": None,
            "_modules": {name: child.picklable() for name, child in self.children.items()},
            **self.attributes,
            "_init_args": self.args,
            "_init_kwargs": self.kwargs,
        }

    def picklable(self) -> Any:
        meta = dict(
            type="class", version=6, module_src=MODULE_SRC, class_name=self.class_name, state=self.state()
        )
        return Reduce(_reconstruct_persistent_obj, meta)


class EmbeddingObj(Obj):
    """`torch.nn.Embedding` is not persistent: it pickles by reference, as a real module."""

    def picklable(self) -> Any:
        weight = self.params["weight"]
        return torch.nn.Embedding(*weight.shape, _weight=weight.clone(), _freeze=True).eval()


def recipe_from_attribute_dump(reference: dict) -> RecipeConfig:
    """The construction recipe of the generator an attribute dump (config.json) describes."""
    stem = reference["synthesis"]["init_kwargs"]  # the stem's constructor kwargs (spec §4.2)
    return RecipeConfig(
        resolution=reference["img_resolution"],
        num_classes=reference["c_dim"],
        img_channels=reference["img_channels"],
        channel_base=stem["channel_base"],
        channel_max=stem["channel_max"],
        stem_layers=stem["num_layers"],
        stem_magnitude_ema_beta=stem["magnitude_ema_beta"],
    )


@torch.no_grad()
def random_generator(recipe: RecipeConfig, seed: int) -> StyleGANXL:
    """A calibrated random generator of `recipe` whose biases, input affine weight, magnitude_ema and w_avg
    are all non-trivial (perturbed like fixtures/README.md describes), so that loading them wrongly shows."""
    options = {k: v for k, v in dataclasses.asdict(recipe).items() if k not in ("resolution", "num_classes")}
    G = glad_generators.random_stylegan_xl(
        recipe.resolution, recipe.num_classes, seed, calibrate=True, **options
    )
    rng = torch.Generator().manual_seed(seed + 1)
    for module in G.modules():
        if isinstance(module, FullyConnectedLayer):
            module.bias.add_(torch.randn(module.bias.shape, generator=rng) * 0.1 / module.bias_gain)
    G.synthesis.input.affine.weight.add_(
        torch.randn(G.synthesis.input.affine.weight.shape, generator=rng) * 0.2
    )
    for layer in G.synthesis.layers:
        layer.bias.add_(torch.randn(layer.bias.shape, generator=rng) * 0.2)
    return G


def _reconstruct_persistent_obj(meta):  # referenced by name only; never called
    raise AssertionError("unreachable")


def _tensors(module: torch.nn.Module, names: tuple[str, ...]) -> dict[str, torch.Tensor]:
    return {n: getattr(module, n).detach() for n in names if getattr(module, n, None) is not None}


def _fc(fc, args: tuple, kwargs: dict) -> Obj:
    attributes = dict(
        in_features=fc.in_features,
        out_features=fc.out_features,
        activation=fc.activation,
        weight_gain=np.float64(fc.weight_gain),
        bias_gain=kwargs.get("lr_multiplier", 1),  # the constructor argument, int 1 by default
    )
    return Obj(
        "FullyConnectedLayer", attributes, params=_tensors(fc, ("weight", "bias")), args=args, kwargs=kwargs
    )


def _layer(layer, w_dim: int, recipe: RecipeConfig) -> Obj:
    cfg = layer.config
    kwargs = dict(
        w_dim=w_dim,
        is_torgb=cfg.is_torgb,
        is_critically_sampled=cfg.is_critically_sampled,
        use_fp16=np.bool_(cfg.use_fp16),
        in_channels=cfg.in_channels,
        out_channels=cfg.out_channels,
        in_size=cfg.in_size,
        out_size=cfg.out_size,
        in_sampling_rate=int(cfg.in_sampling_rate),
        out_sampling_rate=int(cfg.out_sampling_rate),
        **{
            k: np.float64(getattr(cfg, k))
            for k in ("in_cutoff", "out_cutoff", "in_half_width", "out_half_width")
        },
        conv_kernel=recipe.conv_kernel,  # the constructor argument: 3 even for ToRGB
        use_radial_filters=False,
    )
    if cfg.magnitude_ema_beta != recipe.head_magnitude_ema_beta:  # stem layers get it passed explicitly
        kwargs["magnitude_ema_beta"] = cfg.magnitude_ema_beta
    attributes = {
        **kwargs,
        "in_size": np.array([cfg.in_size] * 2),
        "out_size": np.array([cfg.out_size] * 2),
        "conv_kernel": cfg.conv_kernel,  # the attribute: 1 for ToRGB
        "conv_clamp": int(cfg.conv_clamp),
        "magnitude_ema_beta": cfg.magnitude_ema_beta,
        "filter_size": recipe.filter_size,
        "lrelu_upsampling": recipe.lrelu_upsampling,
        "tmp_sampling_rate": int(cfg.tmp_sampling_rate),
        "up_factor": cfg.up_factor,
        "up_taps": cfg.up_taps,
        "down_factor": cfg.down_factor,
        "down_taps": cfg.down_taps,
        "down_radial": False,
        "padding": list(cfg.padding),
    }
    return Obj(
        "SynthesisLayer",
        attributes,
        params=_tensors(layer, ("weight", "bias")),
        buffers={
            n: getattr(layer, n) for n in ("magnitude_ema", "up_filter", "down_filter")
        },  # filter: None if 1 tap
        children={"affine": _fc(layer.affine, (w_dim, cfg.in_channels), {"bias_init": 1})},
        kwargs=kwargs,
    )


def official_objects(G: StyleGANXL, recipe: RecipeConfig) -> Obj:
    """The object tree of the official Generator (16 px) / SuperresGenerator (larger) equivalent to `G`."""
    cfg, w_dim = G.config, G.w_dim
    superres = cfg.resolution > 16
    _, stem = stem_layers(recipe)
    stem_num_ws = len(stem) + 1
    m = G.mapping
    mapping = Obj(
        "MappingNetwork",
        dict(
            z_dim=G.z_dim,
            c_dim=G.num_classes,
            w_dim=w_dim,
            num_ws=G.num_ws,
            num_layers=m.config.num_layers,
            w_avg_beta=m.config.w_avg_beta,
        ),
        buffers={"w_avg": m.w_avg.detach()},
        children={
            "embed": EmbeddingObj("Embedding", {}, params={"weight": m.embed.weight.detach()}),
            "embed_proj": _fc(m.embed_proj, (m.config.embed_dim, G.z_dim), {"activation": "lrelu"}),
            **{
                f"fc{i}": _fc(
                    getattr(m, f"fc{i}"),
                    (getattr(m, f"fc{i}").in_features, w_dim),
                    {"activation": "lrelu", "lr_multiplier": m.config.lr_multiplier},
                )
                for i in range(m.config.num_layers)
            },
        },
        kwargs=dict(
            z_dim=G.z_dim,
            c_dim=G.num_classes,
            w_dim=w_dim,
            num_ws=stem_num_ws,  # stale after a superres stage (spec §4.2)
            num_layers=m.config.num_layers,
            rand_embedding=False,
        ),
    )
    inp = G.synthesis.input
    input_kwargs = dict(
        w_dim=w_dim,
        channels=inp.channels,
        size=inp.size,
        sampling_rate=np.float64(inp.sampling_rate),
        bandwidth=np.float64(inp.bandwidth),
    )
    input_obj = Obj(
        "SynthesisInput",
        {**input_kwargs, "size": np.array([inp.size] * 2)},
        params=_tensors(inp, ("weight",)),
        buffers=_tensors(inp, ("transform", "freqs", "phases")),
        children={"affine": _fc(inp.affine, (w_dim, 4), {"weight_init": 0, "bias_init": [1, 0, 0, 0]})},
        kwargs=input_kwargs,
    )
    stem_kwargs = dict(  # the stem's constructor kwargs: stale after a superres stage
        w_dim=w_dim,
        img_resolution=16,
        img_channels=cfg.img_channels,
        channel_base=recipe.channel_base,
        channel_max=recipe.channel_max,
        num_layers=recipe.stem_layers,
        conv_kernel=recipe.conv_kernel,
        use_radial_filters=False,
        magnitude_ema_beta=recipe.stem_magnitude_ema_beta,
    )
    synthesis = Obj(
        "SynthesisNetwork",
        dict(
            w_dim=w_dim,
            num_ws=G.num_ws,
            img_resolution=cfg.resolution,
            img_channels=cfg.img_channels,
            num_layers=len(cfg.layers),
            num_critical=recipe.num_critical,
            margin_size=recipe.margin_size,
            output_scale=cfg.output_scale,
            num_fp16_res=recipe.num_fp16_res,
            channel_base=recipe.channel_base,
            last_stopband_rel=recipe.last_stopband_rel,
            first_stopband=recipe.first_stopband,
            first_cutoff=int(recipe.first_cutoff),
            channel_max=recipe.channel_max,
            conv_kernel=recipe.conv_kernel,
            use_radial_filters=False,
            sampling_rates=np.array([layer.out_sampling_rate for layer in stem]),  # the stem's (stale)
            layer_names=list(G.layer_names),
        ),
        children={
            "input": input_obj,
            **{layer.name: _layer(layer, w_dim, recipe) for layer in G.synthesis.layers},
        },
        kwargs=stem_kwargs,
    )
    dims = dict(z_dim=G.z_dim, c_dim=G.num_classes, w_dim=w_dim)
    if not superres:
        attributes = {**dims, "img_resolution": 16, "img_channels": cfg.img_channels, "num_ws": G.num_ws}
        kwargs = {
            **dims,
            "img_resolution": 16,
            "img_channels": cfg.img_channels,
            "mapping_kwargs": {"num_layers": m.config.num_layers, "rand_embedding": False},
            **{k: v for k, v in stem_kwargs.items() if k not in ("w_dim", "img_resolution", "img_channels")},
        }
        return Obj(
            "Generator", attributes, children={"synthesis": synthesis, "mapping": mapping}, kwargs=kwargs
        )
    path_stem = f"/redacted/stem{cfg.resolution // 2}.pkl"
    attributes = dict(
        path_stem=path_stem,
        up_factor=2,
        **dims,
        img_channels=cfg.img_channels,
        channel_base=recipe.channel_base,
        channel_max=recipe.channel_max,
        margin_size=recipe.margin_size,
        last_stopband_rel=recipe.last_stopband_rel,
        num_critical=recipe.num_critical,
        num_fp16_res=recipe.num_fp16_res,
        conv_kernel=recipe.conv_kernel,
        use_radial_filters=False,
        img_resolution=cfg.resolution,
        num_layers=len(cfg.layers),
        num_ws=G.num_ws,
        head_layer_names=list(G.layer_names[-(recipe.head_layers + 1) :]),
    )
    kwargs = dict(
        img_resolution=cfg.resolution,
        path_stem=path_stem,
        head_layers=recipe.head_layers,
        up_factor=2,
        c_dim=G.num_classes,
        img_channels=cfg.img_channels,
    )
    return Obj(
        "SuperresGenerator", attributes, children={"mapping": mapping, "synthesis": synthesis}, kwargs=kwargs
    )


def _plain(value: Any) -> Any:
    """JSON-able copy of an official attribute value (numpy arrays -> lists, numpy scalars -> Python)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def attribute_dump(root: Obj, G: StyleGANXL, construction: dict) -> dict[str, Any]:
    """`config.json` in the layout of fixtures/gen32/config.json."""
    mapping, synthesis = root.children["mapping"], root.children["synthesis"]
    fc_keys = ("in_features", "out_features", "activation", "weight_gain", "bias_gain")
    layers = {}
    for name in G.layer_names:
        layer = synthesis.children[name]
        shapes = {
            f"{role}_shape": None if layer.buffers[role] is None else list(layer.buffers[role].shape)
            for role in ("up_filter", "down_filter")
        }
        layers[name] = {**_plain(layer.attributes), **shapes, "init_kwargs": _plain(layer.kwargs)}
    inp = synthesis.children["input"]
    return {
        "generator_class": root.class_name,
        "z_dim": G.z_dim,
        "c_dim": G.num_classes,
        "w_dim": G.w_dim,
        "img_resolution": G.resolution,
        "img_channels": G.img_channels,
        "num_ws": G.num_ws,
        "mapping": {
            "class_name": "MappingNetwork",
            "init_kwargs": _plain(mapping.kwargs),
            "num_ws_after_superres": G.num_ws,
            "embed_num_embeddings": G.mapping.config.embed_rows,
            "embed_dim": G.mapping.config.embed_dim,
            "num_layers": G.mapping.config.num_layers,
            "w_avg_beta": G.mapping.config.w_avg_beta,
            "fc_lr_multiplier": G.mapping.config.lr_multiplier,
            "layers": {
                name: {k: _plain(child.attributes[k]) for k in fc_keys}
                for name, child in mapping.children.items()
                if name != "embed"
            },
        },
        "synthesis": {
            "class_name": "SynthesisNetwork",
            "init_kwargs": _plain(synthesis.kwargs),
            "attributes_after_superres": {
                k: _plain(synthesis.attributes[k])
                for k in (
                    "num_ws",
                    "img_resolution",
                    "num_layers",
                    "output_scale",
                    "margin_size",
                    "channel_base",
                    "channel_max",
                    "num_critical",
                    "num_fp16_res",
                )
            },
            "input": {"init_kwargs": _plain(inp.kwargs), **_plain(inp.attributes)},
            "layer_names": list(G.layer_names),
            "layers": layers,
        },
        "state_dict": [[k, list(v.shape), "float32"] for k, v in G.state_dict().items()],
        "construction": construction,
    }


@torch.no_grad()
def _layer_outputs(G: StyleGANXL, ws: torch.Tensor) -> dict[str, torch.Tensor]:
    x = G.synthesis.input(ws[:, 0])
    out = {"feat.input": x}
    for idx, name in enumerate(G.layer_names):
        x = G.synthesis.run_layers(x, ws, idx, idx + 1)
        out[f"feat.{name}"] = x
    return out


def reference_io(G: StyleGANXL, labels: list[int], split_n: int, seed: int, psi2: float = 0.7) -> dict:
    """The tensors of fixtures/<gen>/io.safetensors, computed by `G` (CPU, float32)."""
    rng = torch.Generator().manual_seed(seed)
    z = torch.randn(len(labels), G.z_dim, generator=rng)
    label_tensor = torch.tensor(labels)
    c = torch.nn.functional.one_hot(label_tensor, G.num_classes).float()
    with torch.no_grad():
        ws1, ws2 = G.mapping(z, c), G.mapping(z, c, truncation_psi=psi2)
        images1, images2 = G(z, c), G(z, c, truncation_psi=psi2)
    feats = _layer_outputs(G, ws1)
    split_key = f"feat.{G.layer_names[split_n - 1]}" if split_n > 0 else "feat.input"
    features = feats[split_key].clone().requires_grad_(True)
    ws = ws1.clone().requires_grad_(True)
    split_r = torch.randn(images1.shape, generator=rng)
    loss = (G.split(split_n).render(features, ws).double() * split_r.double()).sum()
    loss.backward()
    return {
        "z": z,
        "labels": label_tensor,
        "c": c,
        "psi2": torch.tensor(psi2, dtype=torch.float64),
        "ws_psi1": ws1,
        "ws_psi2": ws2,
        **feats,
        "images_psi1": images1,
        "images_psi2": images2,
        "split_n": torch.tensor(split_n),
        "split_R": split_r,
        "split_loss": loss.detach(),
        "split_grad_F": features.grad,
        "split_grad_ws": ws.grad,
    }


def official_pickle_bytes(entries: dict[str, Obj], resolution: int) -> bytes:
    """A stylegan-xl snapshot dict: the given entries (`G`, `G_ema`), no augment pipe, dataset kwargs."""
    with fake_module("torch_utils.persistence", _reconstruct_persistent_obj=_reconstruct_persistent_obj):
        snapshot = {
            **{key: obj.picklable() for key, obj in entries.items()},
            "augment_pipe": None,
            "training_set_kwargs": {
                "class_name": "training.dataset.ImageFolderDataset",
                "resolution": resolution,
            },
        }
        return pickle.dumps(snapshot, protocol=4)


def with_other_weights(obj: Obj) -> Obj:
    """`obj` with every parameter negated (the training `G` of a snapshot differs from `G_ema`)."""
    for node in _walk(obj):
        node.params = {k: -v for k, v in node.params.items()}
    return obj


def write_generator_dir(
    G: StyleGANXL, out_dir: Path, recipe: RecipeConfig, *, labels: list[int], split_n: int, seed: int = 0
) -> Path:
    """Write config.json, weights.safetensors, io.safetensors and the official-style pickle of `G`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    root = official_objects(G, recipe)
    entries = {"G": with_other_weights(official_objects(G, recipe)), "G_ema": root}
    (out_dir / PICKLE_NAME).write_bytes(official_pickle_bytes(entries, G.resolution))
    io = reference_io(G, labels, split_n, seed)
    construction = {"labels": labels, "psi2": 0.7, "split_n": split_n, "io_seed": seed}
    (out_dir / "config.json").write_text(json.dumps(attribute_dump(root, G, construction), indent=1))
    save_file({k: v.contiguous() for k, v in G.state_dict().items()}, str(out_dir / "weights.safetensors"))
    save_file({k: v.detach().contiguous() for k, v in io.items()}, str(out_dir / "io.safetensors"))
    return out_dir


def _walk(obj: Obj):
    yield obj
    for child in obj.children.values():
        yield from _walk(child)
