"""Presets: one per setting of the paper, each a valid config with the GLaD code's hyper-parameters
(spec glad_method.md §1), plus the embedded default of `glad run`."""

from __future__ import annotations

import itertools
import json

import pytest
from glad_distill import DistillConfig, available_presets, load_preset

PAPER_SETTINGS = [
    f"{family}-{method}-{space}-ipc{ipc}"
    for family, method, space, ipc in itertools.product(
        ("cifar10", "imagenet"), ("dc", "dm", "mtt"), ("pixel", "glad"), (1, 10)
    )
]
# spec §1: lr for F / pixels and for w+ per method; the README's ImageNet-128 layers; layer 2 on CIFAR-10.
LEARNING_RATES = {"dc": (1.0, 0.001), "dm": (10.0, 0.01), "mtt": (10000.0, 10.0)}
IMAGENET_LAYERS = {"dc": 16, "dm": 20, "mtt": 12}
# MTT: (syn_steps, expert_epochs, max_start_epoch, lr_lr, lr_img): GLaD's code (spec §1), and the public MTT
# values for the CIFAR-10 pixel baselines (spec §11).
MTT_SETTINGS = {
    "glad": (20, 3, 5, 1e-6, 10000.0),
    "cifar10-mtt-pixel-ipc1": (50, 2, 2, 1e-7, 1000.0),
    "cifar10-mtt-pixel-ipc10": (30, 2, 20, 1e-5, 1000.0),
}


def test_every_paper_setting_has_a_preset():
    assert set(PAPER_SETTINGS) | {"default"} == set(available_presets())


@pytest.mark.parametrize("name", PAPER_SETTINGS)
def test_preset_follows_the_glad_code(name):
    family, method, space, ipc = name.split("-")
    config = load_preset(name)
    config.validate()
    assert (config.method, config.ipc) == (method, int(ipc.removeprefix("ipc")))
    assert config.dataset == ("cifar10" if family == "cifar10" else "imagenette")
    lr_img, lr_w = LEARNING_RATES[method]
    if method == "mtt":
        *mtt_values, lr_img = MTT_SETTINGS.get(name, MTT_SETTINGS["glad"])
    assert (config.learning_rate("img"), config.learning_rate("w")) == (lr_img, lr_w)
    assert (config.iterations, config.eval_every, config.batch_real, config.momentum) == (1000, 100, 256, 0.5)
    assert config.dsa_strategy == "color_crop_cutout_flip_scale_rotate"
    assert (config.net.architecture, config.net.width, config.net.norm) == ("convnet", 128, "instancenorm")
    assert (config.eval.num_seeds, config.eval.epochs) == (5, 1000)
    if space == "pixel":
        assert (config.generator.name, config.generator.layer, config.generator.init) == (
            "pixel",
            None,
            "noise",
        )
    else:
        expected = ("cifar10.pkl", 2) if family == "cifar10" else ("imagenet128.pkl", IMAGENET_LAYERS[method])
        assert (config.generator.name, config.generator.layer) == expected
        assert config.generator.init == "random"
    if method == "mtt":
        mtt = config.mtt
        assert [mtt.syn_steps, mtt.expert_epochs, mtt.max_start_epoch, mtt.lr_lr] == mtt_values
        assert (mtt.lr_teacher, mtt.batch_syn, mtt.unroll) == (0.01, None, "first_order")
        assert mtt.buffers


def test_the_embedded_default():
    config = load_preset()
    assert (config.dataset, config.method, config.ipc) == ("mnist5k", "dm", 1)
    # layer, init and learning rates chosen by measurement (benchmarks/quality, README)
    assert (config.generator.name, config.generator.layer, config.generator.init) == (
        "random-stylegan-xl",
        13,
        "real",
    )
    assert (config.learning_rate("img"), config.learning_rate("w"), config.bound) == (1.0, 0.01, None)
    assert set(config.eval.models) == {"convnet", "resnet18", "vgg11", "alexnet", "vit"}


def test_overrides_and_json_files_merge_over_a_preset(tmp_path):
    config = load_preset("imagenet-dm-glad-ipc10", {"dataset": "imagewoof", "generator": {"layer": 8}})
    assert (config.dataset, config.generator.layer, config.generator.name) == (
        "imagewoof",
        8,
        "imagenet128.pkl",
    )
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"description": "mine", "config": {"method": "dc", "mtt": {"syn_steps": 7}}}))
    mine = load_preset(str(path))
    assert (mine.method, mine.mtt.syn_steps, mine.dataset) == ("dc", 7, DistillConfig().dataset)
    with pytest.raises(ValueError, match="unknown config key.*generator.layers"):
        load_preset("default", {"generator": {"layers": 3}})
    with pytest.raises(ValueError, match="unknown preset"):
        load_preset("no-such-preset")
