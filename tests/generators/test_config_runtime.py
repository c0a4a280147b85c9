"""Config serialisation and validation, build on meta, precision / ops_impl settings."""

from __future__ import annotations

import dataclasses
import json

import glad_generators
import pytest
import torch
from glad_generators import GeneratorConfig
from glad_generators.nn import Runtime


@pytest.fixture(scope="module")
def config() -> GeneratorConfig:
    return glad_generators.imagenet_config(
        glad_generators.RecipeConfig(resolution=64, num_classes=7, channel_base=256, channel_max=16)
    )


def test_json_round_trip(config: GeneratorConfig) -> None:
    text = config.to_json()
    assert json.loads(text)["format"] == "glad-generators/stylegan-xl"
    assert GeneratorConfig.from_json(text) == config


def test_invalid_configs_are_refused(config: GeneratorConfig) -> None:
    with pytest.raises(ValueError, match="num_ws"):
        dataclasses.replace(config, mapping=dataclasses.replace(config.mapping, num_ws=5))
    shorter = dataclasses.replace(config.mapping, num_ws=config.num_ws - 1)
    with pytest.raises(ValueError, match="expects .* channels"):
        dataclasses.replace(config, mapping=shorter, layers=config.layers[:9] + config.layers[10:])
    with pytest.raises(ValueError, match="img_channels"):
        dataclasses.replace(config, img_channels=1)
    with pytest.raises(ValueError, match="format"):
        GeneratorConfig.from_dict({"format": "something-else"})
    with pytest.raises(ValueError, match="version"):
        GeneratorConfig.from_dict({**config.to_dict(), "version": 99})


def test_meta_build_allocates_nothing(config: GeneratorConfig) -> None:
    G = glad_generators.build(config, device="meta")
    assert all(t.device.type == "meta" for t in G.state_dict().values())
    assert G.layer_names == config.layer_names and G.num_ws == len(config.layers) + 1
    with pytest.raises(ValueError, match="meta"):
        glad_generators.save(G, "/nonexistent/never-written")


def test_weights_must_match_the_config(config: GeneratorConfig) -> None:
    G = glad_generators.random_stylegan_xl(64, 7, 0, channel_base=256, channel_max=16)
    state = G.state_dict()
    del state["synthesis.L0_36_16.bias"]
    with pytest.raises(ValueError, match="missing.*L0_36_16.bias"):
        glad_generators.from_state_dict(config, state)


def test_layer_dtypes() -> None:
    cuda, cpu = torch.device("cuda"), torch.device("cpu")
    assert Runtime("fp16").layer_dtype(True, cuda, force_fp32=False) == torch.float16
    assert Runtime("bf16").layer_dtype(True, cuda, force_fp32=False) == torch.bfloat16
    assert Runtime("fp32").layer_dtype(True, cuda, force_fp32=False) == torch.float32
    assert Runtime("fp16").layer_dtype(True, cuda, force_fp32=True) == torch.float32
    assert Runtime("fp16").layer_dtype(False, cuda, force_fp32=False) == torch.float32
    assert Runtime("fp16").layer_dtype(True, cpu, force_fp32=False) == torch.float32


def test_runtime_settings_are_validated_and_used() -> None:
    G = glad_generators.random_stylegan_xl(16, 2, 0, channel_base=128, channel_max=8)
    with pytest.raises(ValueError, match="precision"):
        G.precision = "fp8"
    with pytest.raises(ValueError, match="ops_impl"):
        G.ops_impl = "cuda"
    with pytest.raises(ValueError, match="precision"):  # the shared Runtime validates every assignment
        G.runtime.precision = "fp8"
    with pytest.raises(ValueError, match="ops_impl"):
        Runtime(ops_impl="cuda")
    assert (G.precision, G.ops_impl) == ("fp16", None)
    z, c = torch.randn(2, 64, generator=torch.Generator().manual_seed(0)), torch.tensor([0, 1])
    G.ops_impl = "ref"
    ref = G(z, c)
    G.ops_impl, G.precision = None, "bf16"  # CPU: still float32
    torch.testing.assert_close(G(z, c), ref, rtol=1e-5, atol=1e-6)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("precision", ["fp16", "bf16"])
def test_reduced_precision_on_cuda(precision: str) -> None:
    G = glad_generators.random_stylegan_xl(
        32, 10, 0, channel_base=256, channel_max=16, calibrate=True, device="cuda"
    )
    z = torch.randn(4, 64, generator=torch.Generator().manual_seed(0)).cuda()
    c = torch.arange(4, device="cuda")
    full = G(z, c, force_fp32=True)
    G.precision = precision
    half = G(z, c)
    assert half.dtype == torch.float32
    split = G.split(10)
    assert split.encode(G.mapping(z, c)).dtype == torch.float32
    tol = 0.05 if precision == "bf16" else 0.01
    assert (half - full).abs().max() <= tol * full.abs().max()
