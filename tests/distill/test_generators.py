"""Generators: the pixel identity, the StyleGAN-XL split adapter, the registry and the dataset checks."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import torch
from glad_distill.config import LatentGeneratorConfig as GeneratorConfig
from glad_distill.generators import (
    GeneratorContext,
    PixelGenerator,
    StyleGANLatents,
    build_generator,
    register_generator,
    wrap_stylegan,
)
from safetensors import safe_open

glad_generators = pytest.importorskip("glad_generators")


def small_generator(num_classes=10, channels=1, resolution=32):
    return glad_generators.random_stylegan_xl(
        resolution, num_classes, 0, channel_base=256, channel_max=8, img_channels=channels
    )


def context(dataset, **config) -> GeneratorContext:
    return GeneratorContext(dataset, GeneratorConfig(**config), torch.device("cpu"))


def test_pixel_render_inverts_the_classifier_normalisation(mnist):
    pixel = PixelGenerator(mnist, init="noise")
    (latents,) = pixel.init_latents(torch.arange(10), generator=torch.Generator().manual_seed(0))
    assert latents.shape == (10, 1, 32, 32) and latents.dtype == torch.float32
    raw = pixel.render((latents,))
    torch.testing.assert_close(mnist.normalize((raw + 1) / 2), latents, rtol=0, atol=1e-5)


def test_pixel_real_init_draws_training_images_of_each_class(mnist):
    pixel = PixelGenerator(mnist, init="real")
    labels = torch.tensor([3, 3, 7])
    (latents,) = pixel.init_latents(labels, generator=torch.Generator().manual_seed(0))
    images255 = ((pixel.render((latents,)) + 1) / 2 * 255).round().to(torch.uint8)
    for image, label in zip(images255, labels.tolist(), strict=True):
        pool = mnist.train.images[mnist.train.indices_of(label)]
        assert (pool == image).flatten(1).all(1).any(), "init image is not a training image of its class"


def test_stylegan_latents_random_init_matches_the_split():
    G = small_generator()
    adapter = StyleGANLatents(G, layer=8, chunk_size=3)
    labels = torch.arange(10).repeat_interleave(2)
    features, ws = adapter.init_latents(labels, generator=torch.Generator().manual_seed(0))
    assert features.shape == (20, *G.split(8).feature_shape) and ws.shape == (20, G.num_ws, G.w_dim)
    assert features.dtype == ws.dtype == torch.float32 and features.abs().max() <= 10
    z = torch.randn(20, G.z_dim, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(ws, G.mapping(z, labels))  # class-conditional, psi = 1
    torch.testing.assert_close(adapter.render((features, ws)), G.synthesis(ws), rtol=1e-4, atol=1e-5)
    again = adapter.init_latents(labels, generator=torch.Generator().manual_seed(0))
    assert torch.equal(again[0], features) and torch.equal(again[1], ws)


def test_stylegan_avg_w_and_rand_f_inits():
    G = small_generator()
    labels = torch.tensor([0, 0, 5])
    _, ws = StyleGANLatents(G, layer=4, init="avg_w", avg_w_samples=50).init_latents(
        labels, generator=torch.Generator().manual_seed(0)
    )
    assert torch.equal(ws[0], ws[1]) and not torch.equal(ws[0], ws[2])
    random_f, _ = StyleGANLatents(G, layer=4).init_latents(labels, generator=torch.Generator().manual_seed(0))
    noise_f, _ = StyleGANLatents(G, layer=4, init="rand_f").init_latents(
        labels, generator=torch.Generator().manual_seed(0)
    )
    dims = (1, 2, 3)
    torch.testing.assert_close(noise_f.mean(dims), random_f.mean(dims), rtol=0.1, atol=0.05)
    torch.testing.assert_close(noise_f.std(dims), random_f.std(dims), rtol=0.1, atol=0.05)
    assert not torch.allclose(noise_f, random_f)


def test_w_only_latents_render_the_full_synthesis():
    G = small_generator()
    adapter = StyleGANLatents(G, layer=None)
    (ws,) = adapter.init_latents(torch.arange(3), generator=torch.Generator().manual_seed(1))
    assert adapter.latent_lr_keys == ("img",)
    torch.testing.assert_close(adapter.render((ws,)), G.synthesis(ws))


def test_precision_setting_reaches_the_generator(mnist, make_config):
    generator = build_generator(context(mnist, layer=12, channel_base=256, channel_max=8, precision="bf16"))
    assert generator.G.precision == "bf16" and generator.identity()["precision"] == "bf16"
    default = build_generator(context(mnist, layer=12, channel_base=256, channel_max=8))
    assert default.G.precision == "fp16"  # the generator's own default (used on CUDA only)
    with pytest.raises(ValueError, match="generator.precision must be one of None, fp16, bf16, fp32"):
        make_config(generator={"precision": "fp8"}).validate()


def test_rand_f_without_a_split_is_refused():
    with pytest.raises(ValueError, match="init 'rand_f' replaces the features F_n"):
        StyleGANLatents(small_generator(), layer=None, init="rand_f")


def test_out_of_range_layer_is_refused_with_the_valid_range(mnist):
    with pytest.raises(ValueError, match=r"layer 16 is out of range.*0\.\.15"):
        build_generator(context(mnist, layer=16, channel_base=256, channel_max=8))


def test_generator_file_with_wrong_channels_is_refused(mnist, tmp_path):
    glad_generators.save(small_generator(channels=3), tmp_path / "rgb")
    with pytest.raises(ValueError, match="3-channel images but dataset 'mnist5k' has 1"):
        build_generator(context(mnist, name=str(tmp_path / "rgb"), layer=4))


def test_random_generator_takes_the_dataset_channels(mnist):
    generator = build_generator(context(mnist, layer=12, channel_base=256, channel_max=8))
    assert generator.channels == 1 and generator.resolution == 32 and generator.num_classes == 10


def test_class_map_between_generator_and_dataset(mnist, tmp_path):
    glad_generators.save(small_generator(num_classes=20), tmp_path / "g20")
    with pytest.raises(ValueError, match="class_map"):
        build_generator(context(mnist, name=str(tmp_path / "g20"), layer=4))
    mapped = build_generator(
        context(mnist, name=str(tmp_path / "g20"), layer=4, class_map=list(range(10, 20)))
    )
    _, ws = mapped.init_latents(torch.tensor([0]), generator=torch.Generator().manual_seed(0))
    z = torch.randn(1, 64, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(ws, mapped.G.mapping(z, torch.tensor([10])))


def test_unknown_generator_name_lists_the_available_ones(mnist):
    with pytest.raises(ValueError, match="unknown generator 'nope'.*pixel"):
        build_generator(context(mnist, name="nope"))


class LinearDecoder:
    """A user's generator: images = tanh(code @ W), one 16-d code per image."""

    latent_names = ("code",)

    def __init__(self, dataset):
        self.num_classes, self.channels, self.resolution = dataset.num_classes, dataset.channels, 32
        self.weight = torch.randn(16, 32 * 32, generator=torch.Generator().manual_seed(0)) / 4

    def init_latents(self, labels, *, generator):
        return (torch.randn(len(labels), 16, generator=generator),)

    def render(self, latents):
        return torch.tanh(latents[0] @ self.weight).view(-1, 1, 32, 32)


def test_registered_user_generator_is_used(mnist):
    register_generator("test-linear-decoder")(lambda ctx: LinearDecoder(ctx.dataset))
    generator = build_generator(context(mnist, name="test-linear-decoder"))
    assert isinstance(generator, LinearDecoder)


def test_pixel_space_works_without_glad_generators(tmp_path):
    """glad_distill imports and distills in pixel space when glad_generators cannot be imported."""
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["glad_generators"] = None  # any import of it now fails
        import glad_distill
        from glad_distill import DistillConfig, Distiller, NetConfig
        from glad_distill import LatentGeneratorConfig as GeneratorConfig
        from glad_distill.generators import stylegan_available
        assert not stylegan_available()
        config = DistillConfig(iterations=1, batch_real=4, net=NetConfig(width=4),
                               generator=GeneratorConfig(name="pixel", layer=None))
        result = Distiller(config, r"{tmp_path / "run"}", progress=False).run()
        assert result.images01.shape == (10, 1, 32, 32)
        try:
            Distiller(DistillConfig(), r"{tmp_path / "run2"}", progress=False)
        except ModuleNotFoundError as error:
            assert "glad-distill[stylegan]" in str(error)
            print("OK")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("OK")
    assert not (tmp_path / "run2").exists()


def test_imagenet_subsets_map_to_imagenet_classes(mnist, tmp_path):
    """A 1000-class generator on an ImageNet subset uses the subset's ImageNet-1k indices as classes."""
    import dataclasses

    from glad_eval.data.imagenet import manifest

    indices = manifest()["subsets"]["imagewoof"]["indices"]  # what the ImageNet loader puts in class_indices
    imagewoof = dataclasses.replace(mnist, name="imagewoof", class_indices=indices)
    glad_generators.save(small_generator(num_classes=1000), tmp_path / "g1000")
    generator = build_generator(context(imagewoof, name=str(tmp_path / "g1000"), layer=4))
    assert generator.class_map == manifest()["subsets"]["imagewoof"]["indices"]
    assert generator.class_map[:3] == [193, 182, 258]


def test_avg_w_is_the_class_mean_of_the_mapping():
    G = small_generator()
    labels = torch.tensor([2, 2, 7])
    _, ws = StyleGANLatents(G, layer=4, init="avg_w", avg_w_samples=40).init_latents(
        labels, generator=torch.Generator().manual_seed(0)
    )
    draws = torch.Generator().manual_seed(0)  # one block of 40 z per class, classes in ascending order
    for cls, row in ((2, 0), (7, 2)):
        z = torch.randn(40, G.z_dim, generator=draws)
        expected = G.mapping(z, torch.full((40,), cls)).mean(0)
        torch.testing.assert_close(ws[row], expected, rtol=1e-5, atol=1e-6)


PLUGIN_MODULE = '''
import torch


class PluginDecoder:
    """images = tanh(code @ W) from one 16-d code per image; W drawn from the factory's seed."""

    latent_names = ("code",)

    def __init__(self, num_classes, resolution, channels, seed):
        self.num_classes, self.resolution, self.channels = num_classes, resolution, channels
        size = channels * resolution * resolution
        self.weight = torch.randn(16, size, generator=torch.Generator().manual_seed(seed)) / 4

    def init_latents(self, labels, *, generator):
        return (torch.randn(len(labels), 16, generator=generator),)

    def render(self, latents):
        return torch.tanh(latents[0] @ self.weight).view(-1, self.channels, self.resolution, self.resolution)


def build(context):
    dataset = context.dataset
    return PluginDecoder(dataset.num_classes, dataset.image_size, dataset.channels, context.config.seed)
'''


def test_generator_plugs_in_through_an_entry_point(monkeypatch, tmp_path, mnist, make_config):
    """A distribution declaring `[glad.generators] plugin-decoder = module:factory` is found by name."""
    from glad_distill import Distiller
    from glad_distill.generators import available_generators

    (tmp_path / "glad_test_plugin_decoder.py").write_text(PLUGIN_MODULE)
    dist_info = tmp_path / "glad_test_plugin_decoder-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: glad-test-plugin-decoder\nVersion: 0.1\n"
    )
    (dist_info / "entry_points.txt").write_text(
        "[glad.generators]\nplugin-decoder = glad_test_plugin_decoder:build\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "plugin-decoder" in available_generators()

    generator = build_generator(context(mnist, name="plugin-decoder", seed=3))
    assert type(generator).__name__ == "PluginDecoder"
    assert (generator.num_classes, generator.resolution, generator.channels) == (10, 32, 1)
    expected = torch.randn(16, 32 * 32, generator=torch.Generator().manual_seed(3)) / 4
    assert torch.equal(generator.weight, expected)  # the factory got the configured seed

    config = make_config(iterations=1, generator={"name": "plugin-decoder", "layer": None})
    distiller = Distiller(config, tmp_path / "run", dataset=mnist, progress=False)
    before = distiller.latents[0].detach().clone()
    distiller.run()
    assert distiller.latent_names == ("code",) and not torch.equal(distiller.latents[0], before)


class HalfPrecisionDecoder(LinearDecoder):
    """LinearDecoder keeping its latents and computing in bfloat16 (as fp16/bf16 generator layers do); it
    returns float32 images."""

    def __init__(self, dataset):
        super().__init__(dataset)
        self.weight = self.weight.to(torch.bfloat16)

    def init_latents(self, labels, *, generator):
        return tuple(t.to(torch.bfloat16) for t in super().init_latents(labels, generator=generator))

    def render(self, latents):
        return super().render((latents[0].to(torch.bfloat16),)).float()


def test_latents_are_float32_master_copies_of_a_bf16_generator(monkeypatch, mnist, make_config, tmp_path):
    from glad_distill import Distiller
    from glad_distill.generators.registry import _REGISTRY

    monkeypatch.setitem(_REGISTRY._items, "test-bf16-decoder", lambda ctx: HalfPrecisionDecoder(ctx.dataset))
    config = make_config(iterations=1, lr_img=1e-3, generator={"name": "test-bf16-decoder", "layer": None})
    distiller = Distiller(config, tmp_path / "run", dataset=mnist, progress=False)
    (before,) = [t.detach().clone() for t in distiller.latents]
    assert before.dtype == torch.float32
    distiller.run()
    (after,) = distiller.latents
    assert after.dtype == torch.float32 and after.requires_grad
    step = (after - before).abs()
    assert step.max() > 0
    # The updates are far below bfloat16's resolution: a bf16 copy would not have moved at all.
    assert not torch.equal(after.detach().to(torch.bfloat16).float(), after.detach())
    with safe_open(str(tmp_path / "run" / "latents.safetensors"), framework="pt") as handle:
        assert handle.get_tensor("code").dtype == torch.float32


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("precision", ["fp16", "bf16"])
def test_stylegan_latents_stay_float32_when_layers_run_in_half_precision(precision):
    from glad_ops import latent_backprop

    G = small_generator().cuda().eval().requires_grad_(False)
    G.precision = precision
    layer = 10
    assert any(G.synthesis.layers[i].use_fp16 for i in range(layer, len(G.layer_names)))
    adapter = StyleGANLatents(G, layer=layer, chunk_size=4)
    latents = adapter.init_latents(torch.arange(10), generator=torch.Generator().manual_seed(0))
    assert all(t.dtype == torch.float32 and t.is_cuda for t in latents)
    images = adapter.render(latents)
    assert images.dtype == torch.float32 and torch.isfinite(images).all()
    image_grad = torch.randn(images.shape, generator=torch.Generator().manual_seed(1)).cuda()
    grads = latent_backprop(adapter.render, latents, image_grad, 4)
    for grad, latent in zip(grads, latents, strict=True):
        assert grad.dtype == torch.float32 and grad.shape == latent.shape and torch.isfinite(grad).all()
    assert grads[0].abs().sum() > 0


class LazyEntryPoint:
    """An installed `[glad.generators] lazy-decoder = ...` entry point that counts its loads."""

    name = "lazy-decoder"

    def __init__(self):
        self.loads = 0

    def load(self):
        self.loads += 1
        return lambda context: LinearDecoder(context.dataset)


def test_entry_point_factories_take_the_context_and_load_only_when_named(monkeypatch, mnist):
    """The "glad.generators" group is read by glad-distill's registry, lazily, with the same factory(context)
    contract as register_generator; names are case-insensitive."""
    from glad_distill.generators.registry import _REGISTRY, ENTRY_POINT_GROUP

    monkeypatch.setattr(_REGISTRY, "_items", dict(_REGISTRY._items))
    ep = LazyEntryPoint()
    monkeypatch.setattr(
        "importlib.metadata.entry_points", lambda group: [ep] if group == ENTRY_POINT_GROUP else []
    )
    assert isinstance(build_generator(context(mnist, name="pixel")), PixelGenerator) and ep.loads == 0
    assert isinstance(build_generator(context(mnist, name="Lazy-Decoder")), LinearDecoder) and ep.loads == 1
    assert isinstance(build_generator(context(mnist, name="lazy-decoder")), LinearDecoder) and ep.loads == 1


def test_a_factory_that_returns_no_generator_is_refused(monkeypatch, mnist):
    from glad_distill.generators.registry import _REGISTRY

    monkeypatch.setattr(_REGISTRY, "_items", dict(_REGISTRY._items))
    register_generator("test-module")(lambda context: small_generator())
    with pytest.raises(TypeError, match="'test-module'.*not a glad_distill Generator.*wrap_stylegan"):
        build_generator(context(mnist, name="test-module"))
    register_generator("test-wrapped")(lambda context: wrap_stylegan(small_generator(), context))
    assert isinstance(build_generator(context(mnist, name="test-wrapped", layer=4)), StyleGANLatents)


def test_registering_a_name_twice_is_refused_unless_it_is_the_same_factory(monkeypatch):
    from glad_distill.generators.registry import _REGISTRY

    monkeypatch.setattr(_REGISTRY, "_items", dict(_REGISTRY._items))

    def build(context):
        return LinearDecoder(context.dataset)

    register_generator("test-twice")(build)
    register_generator("TEST-TWICE")(build)  # the same object again: a no-op
    with pytest.raises(ValueError, match="a generator named 'test-twice' is already registered"):
        register_generator("test-twice")(lambda context: None)
    with pytest.raises(ValueError, match="a generator named 'pixel' is already registered"):
        register_generator("pixel")(build)
