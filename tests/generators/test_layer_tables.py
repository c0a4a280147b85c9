"""Layer tables of the ImageNet recipe match the spec (§2.1, §2.9, §5.1) and the official attribute dumps."""

from __future__ import annotations

import json
import re
from pathlib import Path

import glad_generators
import pytest
import torch
from glad_generators.layer_table import RecipeConfig, imagenet_config
from glad_generators.lowpass import kaiser_lowpass
from official_layout import recipe_from_attribute_dump
from safetensors.torch import load_file

# spec §2.1: (#layers, num_ws, layer names the table lists, in order; "…" ranges left out)
SPEC_2_1 = {
    16: (11, 12, ["L8_36_1024", "L9_16_1024", "L10_16_3"]),
    32: (16, 17, ["L9_36_1024", "L10_52_1024", "L14_52_1024", "L15_32_1024", "L16_32_3"]),
    64: (21, 22, ["L14_52_1024", "L15_84_1024", "L19_84_1024", "L20_64_1024", "L21_64_3"]),
    128: (
        26,
        27,
        [
            "L19_84_1024",
            "L20_148_1024",
            "L21_148_861",
            "L22_148_724",
            "L23_148_609",
            "L24_148_512",
            "L25_128_512",
            "L26_128_3",
        ],
    ),
    256: (
        31,
        32,
        [
            "L23_148_609",
            "L24_148_609",
            "L25_276_512",
            "L26_276_431",
            "L27_276_362",
            "L28_276_304",
            "L29_276_256",
            "L30_256_256",
            "L31_256_3",
        ],
    ),
    512: (
        36,
        37,
        [
            "L28_276_304",
            "L29_276_304",
            "L30_532_256",
            "L31_532_215",
            "L32_532_181",
            "L33_532_152",
            "L34_532_128",
            "L35_512_128",
            "L36_512_3",
        ],
    ),
}


def spec_table(spec_text: str, heading: str) -> list[list[str]]:
    """Rows of the markdown layer table that follows `heading` in the spec (cells as strings)."""
    section = spec_text[spec_text.index(heading) :]
    rows = []
    for line in section.splitlines():
        if re.match(r"^\| \d+ \|", line):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif rows and not line.startswith("|"):
            break
    return rows


def assert_row_matches(layer, row: list[str]) -> None:
    _, name, channels, size, sr, cutoff, half_width, updown, taps, padding, crit, rgb, fp16 = row
    assert layer.name == name
    assert f"{layer.in_channels}→{layer.out_channels}" == channels, name
    assert f"{layer.in_size}→{layer.out_size}" == size, name
    assert f"{layer.in_sampling_rate:g}→{layer.out_sampling_rate:g} ({layer.tmp_sampling_rate:g})" == sr, name
    assert f"{layer.in_cutoff:.4f}→{layer.out_cutoff:.4f}" == cutoff, name
    assert f"{layer.in_half_width:.4f}→{layer.out_half_width:.4f}" == half_width, name
    assert f"{layer.up_factor}/{layer.down_factor}" == updown, name
    assert f"{layer.up_taps}/{layer.down_taps}" == taps, name
    assert json.loads(padding) == list(layer.padding), name
    assert (crit == "Y", rgb == "Y", fp16 == "Y") == (
        layer.is_critically_sampled,
        layer.is_torgb,
        layer.use_fp16,
    )


@pytest.mark.parametrize("resolution", sorted(SPEC_2_1))
def test_depth_and_names_at_every_resolution(resolution: int) -> None:
    num_layers, num_ws, tail = SPEC_2_1[resolution]
    G = glad_generators.random_stylegan_xl(resolution, 1000, 0, device="meta")
    assert len(G.layer_names) == num_layers and G.num_ws == num_ws
    positions = [G.layer_names.index(name) for name in tail]
    assert positions == sorted(positions) and positions[-1] == num_layers - 1
    assert G.layer_names[0] == "L0_36_1024"
    assert G.resolution == resolution


def test_imagenet128_full_table_on_meta(shared_dir: Path) -> None:
    G = glad_generators.random_stylegan_xl(128, 1000, 0, device="meta")
    assert all(t.device.type == "meta" for t in G.state_dict().values())
    rows = spec_table((shared_dir / "spec" / "stylegan_xl.md").read_text(), "### 2.9")
    assert len(rows) == 26 == len(G.config.layers)
    for layer, row in zip(G.config.layers, rows, strict=True):
        assert_row_matches(layer, row)
    inp = G.config.input
    assert (inp.channels, inp.size, inp.sampling_rate, inp.bandwidth) == (1024, 36, 16, 2)
    assert G.num_ws == 27
    total = G.num_parameters()
    mapping = sum(p.numel() for p in G.mapping.parameters())
    assert total / 1e6 == pytest.approx(225.85, abs=0.005)
    assert mapping / 1e6 == pytest.approx(0.67, abs=0.005)
    assert G.config.layers[-1].conv_kernel == 1 and G.synthesis.L26_128_3.up_filter is None
    assert tuple(G.synthesis.L20_148_1024.up_filter.shape) == (24,)


def test_gen32_table_matches_spec_5_1(shared_dir: Path) -> None:
    config = imagenet_config(RecipeConfig(resolution=32, num_classes=10, channel_base=256, channel_max=16))
    rows = spec_table((shared_dir / "spec" / "stylegan_xl.md").read_text(), "### 5.1")
    assert len(rows) == len(config.layers) == 16
    for layer, row in zip(config.layers, rows, strict=True):
        assert_row_matches(layer, row)


def test_recipe_reproduces_official_constructor_attributes(generator_dir: Path) -> None:
    """The recipe (stem + superres stages) gives exactly the attributes the official constructors produced."""
    reference = json.loads((generator_dir / "config.json").read_text())
    config = imagenet_config(recipe_from_attribute_dump(reference))
    assert config.layer_names == reference["synthesis"]["layer_names"]
    for layer in config.layers:
        ref = reference["synthesis"]["layers"][layer.name]
        for field in (
            "in_channels",
            "out_channels",
            "up_factor",
            "down_factor",
            "up_taps",
            "down_taps",
            "conv_kernel",
            "is_torgb",
            "is_critically_sampled",
            "use_fp16",
            "magnitude_ema_beta",
        ):
            assert getattr(layer, field) == ref[field], (layer.name, field)
        for field in (
            "in_sampling_rate",
            "out_sampling_rate",
            "tmp_sampling_rate",
            "in_cutoff",
            "out_cutoff",
            "in_half_width",
            "out_half_width",
        ):
            assert getattr(layer, field) == pytest.approx(ref[field], rel=1e-12, abs=1e-12), (
                layer.name,
                field,
            )
        assert [layer.in_size, layer.out_size] == [ref["in_size"][0], ref["out_size"][0]]
        assert list(layer.padding) == ref["padding"], layer.name


def test_kaiser_filters_match_the_official_weights(generator_dir: Path) -> None:
    reference = json.loads((generator_dir / "config.json").read_text())
    weights = load_file(str(generator_dir / "weights.safetensors"))
    checked = 0
    for name, ref in reference["synthesis"]["layers"].items():
        for role, taps, cutoff, half_width in (
            ("up_filter", "up_taps", "in_cutoff", "in_half_width"),
            ("down_filter", "down_taps", "out_cutoff", "out_half_width"),
        ):
            f = kaiser_lowpass(ref[taps], ref[cutoff], 2 * ref[half_width], ref["tmp_sampling_rate"])
            key = f"synthesis.{name}.{role}"
            if f is None:
                assert key not in weights
                continue
            torch.testing.assert_close(f, weights[key], rtol=0, atol=1e-7)
            checked += 1
    assert checked > 0


def test_lowpass_rejects_bad_arguments() -> None:
    assert kaiser_lowpass(1, 2.0, 1.0, 16.0) is None
    with pytest.raises(ValueError, match="cutoff"):
        kaiser_lowpass(12, 9.0, 1.0, 16.0)
    with pytest.raises(ValueError, match="width"):
        kaiser_lowpass(12, 2.0, 0.0, 16.0)
