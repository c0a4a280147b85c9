"""Official generators (fixtures/<gen>/), loaded two ways (the official pickle through glad_generators.load,
the attribute dump through the tests' fixture_format), reproduce reference ws, layers, images, split."""

from __future__ import annotations

import json
from pathlib import Path

import glad_generators
import pytest
import torch
from fixture_format import load_fixture
from gen_helpers import assert_close
from glad_generators.nn import StyleGANXL
from safetensors.torch import load_file

LOADERS = ("pickle", "attribute_dump")
_CACHE: dict[tuple[Path, str], StyleGANXL] = {}


def load_fixture_generator(generator_dir: Path, how: str) -> StyleGANXL:
    key = (generator_dir, how)
    if key not in _CACHE:
        if how == "pickle":
            _CACHE[key] = glad_generators.load(next(generator_dir.glob("*.pkl")))
        else:
            _CACHE[key] = load_fixture(generator_dir)
    return _CACHE[key]


@pytest.fixture(scope="module")
def io(generator_dir: Path) -> dict[str, torch.Tensor]:
    return load_file(str(generator_dir / "io.safetensors"))


@pytest.fixture(scope="module")
def reference_config(generator_dir: Path) -> dict:
    return json.loads((generator_dir / "config.json").read_text())


@pytest.fixture(params=LOADERS)
def G(request: pytest.FixtureRequest, generator_dir: Path) -> StyleGANXL:
    return load_fixture_generator(generator_dir, request.param)


def test_structure_matches_reference(G: StyleGANXL, reference_config: dict, generator_dir: Path) -> None:
    syn = reference_config["synthesis"]
    assert G.layer_names == syn["layer_names"]
    assert G.num_ws == reference_config["num_ws"] == len(G.layer_names) + 1
    assert G.resolution == reference_config["img_resolution"]
    assert G.num_classes == reference_config["c_dim"]
    dims = ("z_dim", "w_dim", "img_channels")  # an unseen generator may differ from gen32 here
    assert (G.z_dim, G.w_dim, G.img_channels) == tuple(reference_config[key] for key in dims)
    for layer in G.config.layers:
        ref = syn["layers"][layer.name]
        assert list(layer.padding) == ref["padding"], layer.name
        assert (layer.up_factor, layer.down_factor, layer.up_taps, layer.down_taps) == (
            ref["up_factor"],
            ref["down_factor"],
            ref["up_taps"],
            ref["down_taps"],
        ), layer.name
        assert (layer.in_channels, layer.out_channels, layer.out_size) == (
            ref["in_channels"],
            ref["out_channels"],
            ref["out_size"][0],
        ), layer.name
    weights = load_file(str(generator_dir / "weights.safetensors"))
    state = G.state_dict()
    assert set(state) == set(weights)
    for key, value in weights.items():
        assert torch.equal(state[key], value), key


def test_mapping(G: StyleGANXL, io: dict[str, torch.Tensor]) -> None:
    psi2 = float(io["psi2"])
    assert_close(G.mapping(io["z"], io["c"]), io["ws_psi1"], "ws (psi 1, one-hot c)")
    assert_close(G.mapping(io["z"], io["labels"]), io["ws_psi1"], "ws (psi 1, int labels)")
    assert_close(G.mapping(io["z"], io["c"], truncation_psi=psi2), io["ws_psi2"], f"ws (psi {psi2})")


def test_every_layer(G: StyleGANXL, io: dict[str, torch.Tensor]) -> None:
    ws = io["ws_psi1"]
    assert_close(G.synthesis.input(ws[:, 0]), io["feat.input"], "feat.input")
    previous = io["feat.input"]
    for idx, name in enumerate(G.layer_names):  # each layer on the reference input: errors do not accumulate
        out = G.synthesis.run_layers(previous, ws, idx, idx + 1)
        assert_close(out, io[f"feat.{name}"], f"feat.{name}")
        previous = io[f"feat.{name}"]
    chained = G.synthesis.encode(ws, len(G.layer_names))
    assert_close(chained, io[f"feat.{G.layer_names[-1]}"], "chained synthesis layers")


def test_images(G: StyleGANXL, io: dict[str, torch.Tensor]) -> None:
    psi2 = float(io["psi2"])
    images = G(io["z"], io["c"])
    assert images.dtype == torch.float32
    assert_close(images, io["images_psi1"], "images (psi 1)")
    assert_close(G(io["z"], io["labels"], truncation_psi=psi2), io["images_psi2"], f"images (psi {psi2})")
    assert_close(G.synthesis(io["ws_psi1"]), io["images_psi1"], "synthesis(ws)")


def test_split_values_and_gradients(G: StyleGANXL, io: dict[str, torch.Tensor]) -> None:
    n = int(io["split_n"])
    split = G.split(n)
    reference_f = io[f"feat.{G.layer_names[n - 1]}"] if n > 0 else io["feat.input"]
    assert split.feature_shape == tuple(reference_f.shape[1:])
    assert_close(split.encode(io["ws_psi1"]), reference_f, f"F_{n}")

    features = reference_f.clone().requires_grad_(True)
    ws = io["ws_psi1"].clone().requires_grad_(True)
    images = split.render(features, ws)
    assert_close(images, io["images_psi1"], "split.render images")
    loss = (images.double() * io["split_R"].double()).sum()
    assert loss.item() == pytest.approx(float(io["split_loss"]), rel=1e-4)
    loss.backward()
    assert_close(features.grad, io["split_grad_F"], "dloss/dF_n")
    assert_close(ws.grad, io["split_grad_ws"], "dloss/dws")
    assert torch.count_nonzero(ws.grad[:, : n + 1]) == 0


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_on_cuda_fp32_and_fp16(generator_dir: Path, io: dict[str, torch.Tensor], monkeypatch) -> None:
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)
    monkeypatch.setattr(torch.backends.cuda.matmul, "allow_tf32", False)
    G = load_fixture(generator_dir, device="cuda")
    z, c = io["z"].cuda(), io["c"].cuda()
    assert_close(G(z, c, force_fp32=True).cpu(), io["images_psi1"], "CUDA float32 images")
    for impl in ("native", "ref"):
        G.ops_impl = impl
        half = G(z, c)  # use_fp16 layers in float16, as the released models on GPU
        assert half.dtype == torch.float32
        assert_close(half.cpu(), io["images_psi1"], f"CUDA float16 images ({impl})", rel=3e-2)
    n = int(io["split_n"])
    features = io[f"feat.{G.layer_names[n - 1]}"].cuda().requires_grad_(True)
    ws = io["ws_psi1"].cuda().requires_grad_(True)
    images = G.split(n).render(features, ws, force_fp32=True)
    (images.double() * io["split_R"].cuda().double()).sum().backward()
    assert_close(features.grad.cpu(), io["split_grad_F"], "CUDA dloss/dF_n")
    assert_close(ws.grad.cpu(), io["split_grad_ws"], "CUDA dloss/dws")
