"""The architecture zoo: every model builds and trains a step at 32 and 128 px, ConvNet's standard shapes and
parameter counts, seeded initialisation, and the registry."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
import torch
from glad_eval import models
from glad_eval.artifacts import save_distilled
from glad_eval.models.vit import ViT
from glad_eval.registry import Registry
from torch import nn

from .helpers import real_subset

CIFAR_ONLY = {"alexnet_cifar", "resnet18_cifar", "vgg11_cifar"}
BUILT_INS = {
    "convnet", "resnet18", "vgg11", "alexnet", "vit", "alexnet_cifar", "resnet18_cifar", "vgg11_cifar",
    "vit_cifar", "mlp", "lenet",
}  # fmt: skip


def test_zoo_lists_every_builtin():
    assert BUILT_INS <= set(models.available_architectures())
    assert set(models.EVAL_MODES["M"]) == {"convnet", "resnet18", "vgg11", "alexnet", "vit"}
    assert set(models.EVAL_MODES["CIFAR"]) == {
        "convnet",
        "alexnet_cifar",
        "resnet18_cifar",
        "vgg11_cifar",
        "vit_cifar",
    }


@pytest.mark.parametrize("size", [32, 128])
@pytest.mark.parametrize("name", sorted(BUILT_INS))
def test_every_architecture_trains_a_step(name, size):
    if size != 32 and name in CIFAR_ONLY:
        with pytest.raises(ValueError, match=f"image_size={size} is not supported"):
            models.build_architecture(name, num_classes=10, channels=3, image_size=size)
        return
    g = torch.Generator().manual_seed(0)
    model = models.build_architecture(name, num_classes=7, channels=3, image_size=size, generator=g)
    batch = 2 if size == 32 else 1  # keep the 128 px cases cheap on CPU
    x = torch.randn(batch, 3, size, size, generator=g, requires_grad=True)
    logits = model(x)
    assert logits.shape == (batch, 7) and logits.dtype == torch.float32
    nn.functional.cross_entropy(logits, torch.tensor([1, 5][:batch])).backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


@pytest.mark.parametrize("name", ["convnet", "alexnet", "vgg11", "lenet", "resnet18", "mlp", "alexnet_cifar"])
@pytest.mark.parametrize("size", [28, 32])
def test_one_channel_digits(name, size):
    model = models.build_architecture(name, num_classes=10, channels=1, image_size=size)
    assert model(torch.rand(2, 1, size, size)).shape == (2, 10)


def count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def test_convnet_standard_parameter_counts():
    assert count(models.build_architecture("convnet", num_classes=10, channels=3, image_size=32)) == 320_010
    assert count(models.build_architecture("convnet", num_classes=10, channels=3, image_size=128)) == 615_690


@pytest.mark.parametrize(("size", "depth"), [(28, 3), (32, 3), (64, 4), (128, 5), (256, 6)])
def test_convnet_depth_follows_image_size(size, depth):
    channels = 1 if size == 28 else 3  # a 28 px one-channel digit is padded to 32 px inside (pad 3)
    with torch.device("meta"):
        net = models.build_architecture("convnet", num_classes=10, channels=channels, image_size=size)
    assert net.depth == depth
    assert sum(isinstance(m, nn.Conv2d) for m in net.modules()) == depth
    side = 32 // 2**depth if size == 28 else size // 2**depth
    assert net.classifier.in_features == 128 * side * side


def test_convnet_layout_and_parameter_order():
    net = models.build_architecture("convnet", num_classes=10, channels=3, image_size=32, depth=2, width=8)
    expected = []
    for block in range(2):
        conv, norm = 4 * block, 4 * block + 1
        expected += [
            f"features.{conv}.weight",
            f"features.{conv}.bias",
            f"features.{norm}.weight",
            f"features.{norm}.bias",
        ]
    expected += ["classifier.weight", "classifier.bias"]
    assert [name for name, _ in net.named_parameters()] == expected
    norm = net.features[1]
    assert isinstance(norm, nn.GroupNorm) and norm.num_groups == norm.num_channels == 8 and norm.affine
    assert isinstance(net.features[2], nn.ReLU) and isinstance(net.features[3], nn.AvgPool2d)


@pytest.mark.parametrize(
    ("norm", "layer_type"),
    [("instancenorm", nn.GroupNorm), ("batchnorm", nn.BatchNorm2d), ("groupnorm", nn.GroupNorm),
     ("layernorm", nn.LayerNorm), ("none", None)],
)  # fmt: skip
def test_convnet_norm_options(norm, layer_type):
    net = models.build_architecture(
        "convnet", num_classes=4, channels=3, image_size=16, depth=2, width=8, norm=norm
    )
    norms = [m for m in net.features if isinstance(m, nn.GroupNorm | nn.BatchNorm2d | nn.LayerNorm)]
    if layer_type is None:
        assert norms == []
    else:
        assert len(norms) == 2 and all(type(m) is layer_type for m in norms)
    if norm == "groupnorm":
        assert norms[0].num_groups == 4
    if norm == "layernorm":
        assert tuple(norms[0].normalized_shape) == (8, 16, 16) and tuple(norms[1].normalized_shape) == (
            8,
            8,
            8,
        )
    assert net(torch.randn(3, 3, 16, 16)).shape == (3, 4)


@pytest.mark.parametrize(
    ("option", "value"), [("act", "leakyrelu"), ("act", "sigmoid"), ("pooling", "maxpool")]
)
def test_convnet_act_and_pooling_options(option, value):
    net = models.build_architecture(
        "convnet", num_classes=4, channels=3, image_size=16, depth=2, width=8, **{option: value}
    )
    kinds = {"leakyrelu": nn.LeakyReLU, "sigmoid": nn.Sigmoid, "maxpool": nn.MaxPool2d}
    assert any(isinstance(m, kinds[value]) for m in net.features)


def test_convnet_pooling_none_keeps_resolution():
    net = models.build_architecture(
        "convnet", num_classes=4, channels=3, image_size=8, depth=2, width=4, pooling="none"
    )
    assert net.classifier.in_features == 4 * 8 * 8


@pytest.mark.parametrize(
    ("kw", "message"),
    [({"norm": "weird"}, "norm='weird'"), ({"act": "tanhh"}, "act='tanhh'"), ({"depth": 0}, "depth"),
     ({"depth": 6}, "pools a 32 px input down to nothing"), ({"width": 0}, "width")],
)  # fmt: skip
def test_convnet_rejects_bad_options(kw, message):
    with pytest.raises(ValueError, match=message):
        models.build_architecture("convnet", num_classes=10, channels=3, image_size=32, **kw)


def test_convnet_embed_is_flattened_features():
    net = models.build_architecture("convnet", num_classes=10, channels=3, image_size=32, width=16)
    x = torch.randn(2, 3, 32, 32)
    emb = net.embed(x)
    assert emb.shape == (2, net.feature_dim) == (2, 16 * 4 * 4)
    torch.testing.assert_close(net(x), net.classifier(emb))
    torch.testing.assert_close(emb, net.features(x).reshape(2, -1))


def test_reference_head_sizes():
    alex = models.build_architecture("alexnet", num_classes=10, channels=3, image_size=64)
    assert alex.fc.in_features == 192 * 8 * 8
    vgg = models.build_architecture("vgg11", num_classes=10, channels=3, image_size=32)
    assert vgg.classifier.in_features == 512 * 49
    pooled = vgg.pool(vgg.features(torch.randn(1, 3, 32, 32)))
    assert (
        pooled.shape == (1, 512, 7, 7) and (pooled == pooled[:, :, :1, :1]).all()
    )  # the 1x1 map, replicated
    assert (
        models.build_architecture(
            "vgg11_cifar", num_classes=10, channels=3, image_size=32
        ).classifier.in_features
        == 512
    )
    res = models.build_architecture("resnet18", num_classes=10, channels=3, image_size=32)
    assert res.conv1.kernel_size == (3, 3) and res.conv1.stride == (1, 1) and res.conv1.bias is None
    assert not any(isinstance(m, nn.MaxPool2d) for m in res.modules())


def test_vit_variants():
    vit = models.build_architecture("vit", num_classes=10, channels=3, image_size=64)
    assert not any(isinstance(m, nn.LayerNorm) for m in vit.modules())
    assert len(vit.layers) == 10 and vit.pos_embedding.shape == (1, 4 * 4 + 1, 512)
    assert vit.layers[0][0].to_qkv.bias is None and vit.layers[0][0].to_qkv.out_features == 3 * 512
    cifar = models.build_architecture("vit_cifar", num_classes=10, channels=3, image_size=32)
    assert len(cifar.layers) == 6 and cifar.pos_embedding.shape == (1, 8 * 8 + 1, 512)
    assert sum(isinstance(m, nn.LayerNorm) for m in cifar.modules()) == 2 * 6 + 1
    with pytest.raises(ValueError, match="multiple of 16"):
        models.build_architecture("vit", num_classes=10, channels=3, image_size=40)


def test_vit_patch_order_is_row_col_channel():
    vit = ViT(
        num_classes=2, channels=3, image_size=4, patch=2, dim=8, depth=1, heads=2, dim_head=4, mlp_dim=8
    )
    x = torch.arange(3 * 4 * 4, dtype=torch.float32).view(1, 3, 4, 4)
    patches = vit.patchify(x)
    assert patches.shape == (1, 4, 2 * 2 * 3)
    for index, (row, col) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        expected = [x[0, c, 2 * row + i, 2 * col + j] for i in range(2) for j in range(2) for c in range(3)]
        assert patches[0, index].tolist() == [float(v) for v in expected]


def test_seeded_build_is_reproducible_and_leaves_global_rng_alone():
    state = torch.get_rng_state()
    a = models.build_architecture(
        "vit", num_classes=10, channels=3, image_size=32, generator=torch.Generator().manual_seed(3)
    )
    b = models.build_architecture(
        "vit", num_classes=10, channels=3, image_size=32, generator=torch.Generator().manual_seed(3)
    )
    c = models.build_architecture(
        "vit", num_classes=10, channels=3, image_size=32, generator=torch.Generator().manual_seed(4)
    )
    assert torch.equal(torch.get_rng_state(), state)
    for (name, pa), pb, pc in zip(a.named_parameters(), b.parameters(), c.parameters(), strict=True):
        assert torch.equal(pa, pb), name
        if pa.numel() > 1 and not name.endswith(".bias") or "to_out" in name:
            assert not torch.equal(pa, pc), name


def test_seeded_init_uses_pytorch_default_distributions():
    g = torch.Generator().manual_seed(0)
    net = models.build_architecture(
        "convnet", num_classes=10, channels=3, image_size=32, norm="batchnorm", generator=g
    )
    conv, bn = net.features[4], net.features[5]
    bound = 1 / math.sqrt(128 * 9)  # kaiming_uniform(a=sqrt(5)) and the bias both give U(-1/sqrt(fan_in), +)
    for tensor in (conv.weight, conv.bias):
        assert tensor.abs().max() <= bound and tensor.abs().max() > 0.95 * bound
        assert abs(tensor.mean().item()) < 0.1 * bound
    assert torch.equal(bn.weight, torch.ones(128)) and torch.equal(bn.bias, torch.zeros(128))
    assert torch.equal(bn.running_mean, torch.zeros(128)) and torch.equal(bn.running_var, torch.ones(128))
    vit = models.build_architecture("vit", num_classes=10, channels=3, image_size=32, generator=g)
    assert 0.9 < vit.pos_embedding.std().item() < 1.1  # N(0, 1), unscaled


def test_build_rejects_unknown_names_and_bad_sizes():
    with pytest.raises(ValueError, match="unknown architecture 'resnet50'.*available: .*convnet"):
        models.build_architecture("resnet50", num_classes=10, channels=3, image_size=32)
    with pytest.raises(ValueError, match="num_classes must be a positive int"):
        models.build_architecture("convnet", num_classes=0, channels=3, image_size=32)


def test_register_adds_an_architecture():
    @models.register_architecture("tiny_test_net", default_lr=0.5)
    def tiny(*, num_classes, channels, image_size):
        return nn.Sequential(nn.Flatten(), nn.Linear(channels * image_size * image_size, num_classes))

    net = models.build_architecture(
        "TINY_TEST_NET", num_classes=3, channels=1, image_size=4, generator=torch.Generator()
    )
    assert net(torch.randn(2, 1, 4, 4)).shape == (2, 3)
    assert models.default_lr("tiny_test_net") == 0.5 and "tiny_test_net" in models.available_architectures()


def test_in_channels_is_the_deprecated_spelling_of_channels():
    """build_architecture(in_channels=) and plug-in factories written with `in_channels` still work this
    release, with a DeprecationWarning, and build the same model."""
    new = models.build_architecture(
        "mlp", num_classes=3, channels=2, image_size=4, generator=torch.Generator()
    )
    with pytest.deprecated_call(match="use channels"):
        old = models.build_architecture(
            "mlp", num_classes=3, in_channels=2, image_size=4, generator=torch.Generator()
        )
    pairs = zip(new.state_dict().values(), old.state_dict().values(), strict=True)
    assert all(torch.equal(a, b) for a, b in pairs)

    @models.register_architecture("old_style_test_net")
    def old_style(*, num_classes, in_channels, image_size):
        return nn.Sequential(nn.Flatten(), nn.Linear(in_channels * image_size * image_size, num_classes))

    with pytest.deprecated_call(match="factories take `channels` now"):
        net = models.build_architecture("old_style_test_net", num_classes=3, channels=2, image_size=4)
    assert net(torch.randn(5, 2, 4, 4)).shape == (5, 3)


class FakeEntryPoint:
    def __init__(self, name, obj):
        self.name, self._obj = name, obj

    def load(self):
        if isinstance(self._obj, Exception):
            raise self._obj
        return self._obj


def test_registry_loads_entry_point_plugins(monkeypatch):
    def plugin(**kw):
        return "built"

    points = [FakeEntryPoint("PluginNet", plugin), FakeEntryPoint("broken", ImportError("missing dep"))]
    monkeypatch.setattr(
        "importlib.metadata.entry_points", lambda group: points if group == "test.group" else []
    )
    registry = Registry("architecture", "test.group")
    with pytest.warns(UserWarning, match="broken"):
        assert registry.names() == ["pluginnet"]
    assert registry.get("pluginnet") is plugin


PLUGIN_MODULE = """
from torch import nn


def build(*, num_classes, channels, image_size):
    return nn.Sequential(nn.Flatten(), nn.Linear(channels * image_size * image_size, num_classes))


build.default_lr = 0.02
"""


def test_installed_entry_point_architecture_runs_through_the_cli(tmp_path, mnist5k):
    """An installed distribution declaring a `glad.architectures` entry point: glad-eval finds the
    architecture by name (case-insensitive), trains it with the factory's default_lr and reports it."""
    site = tmp_path / "site"
    (site / "toy_plugin-0.1.dist-info").mkdir(parents=True)
    (site / "toy_plugin-0.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-plugin\n")
    (site / "toy_plugin-0.1.dist-info" / "entry_points.txt").write_text(
        "[glad.architectures]\nToyPluginNet = toy_plugin:build\n"
    )
    (site / "toy_plugin.py").write_text(PLUGIN_MODULE)
    images, labels = real_subset(mnist5k, per_class=1)
    save_distilled(tmp_path / "set", images, labels, {"dataset": "mnist5k"})
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    argv = [str(tmp_path / "set"), "--models", "ToyPluginNet,mlp"]
    run = subprocess.run(
        [sys.executable, "-m", "glad_eval", *argv, "--epochs", "1", "--seeds", "1", "--device", "cpu",
         "--no-progress", "--distill-model", "mlp", "--out", str(tmp_path / "out")],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    assert data["cross_arch_models"] == ["toypluginnet"] and "toypluginnet" in run.stdout
    assert data["config"]["lrs"]["toypluginnet"] == 0.02  # the factory's default_lr attribute


def test_old_zoo_names_still_work_and_warn():
    with pytest.deprecated_call(match="use glad_eval.models.build_architecture"):
        build = models.build
    assert build is models.build_architecture
    for old, new in (("available", "available_architectures"), ("register", "register_architecture"),
                     ("get_entry", "architecture_entry")):  # fmt: skip
        with pytest.deprecated_call(match=f"glad_eval.models.{old} is deprecated.*models.{new}"):
            assert getattr(models, old) is getattr(models, new)
    with pytest.deprecated_call():
        from glad_eval.models import get_entry
    assert get_entry("ConvNet").name == "convnet"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        models.nope  # noqa: B018


def test_registry_policy_case_aliases_duplicates_and_replace():
    def a():
        return "a"

    def b():
        return "b"

    registry = Registry("widget")
    assert registry.add("Alpha", a, aliases=("first",)) is a
    assert registry.get("ALPHA") is a and registry.get("First") is a and "alpha" in registry
    assert registry.names() == ["alpha"]  # aliases resolve but are not listed
    registry.add("alpha", a)  # the same object again: a no-op
    with pytest.raises(ValueError, match="a widget named 'alpha' is already registered"):
        registry.add("ALPHA", b)
    with pytest.raises(ValueError, match="unknown widget 'beta'; available: alpha"):
        registry.get("beta")
    with pytest.raises(TypeError, match="widget name must be a non-empty string"):
        registry.add("", a)
    replacing = Registry("widget", replace=True)
    replacing.add("alpha", a)
    replacing.add("alpha", b)
    assert replacing.get("alpha") is b


def test_registry_finds_an_entry_point_installed_after_a_listing(monkeypatch):
    def plugin(**kw):
        return "built"

    points = []
    monkeypatch.setattr(
        "importlib.metadata.entry_points", lambda group: points if group == "test.late" else []
    )
    registry = Registry("architecture", "test.late")
    assert registry.names() == [] and "late" not in registry
    points.append(FakeEntryPoint("Late", plugin))
    assert registry.get("LATE") is plugin and registry.names() == ["late"]
