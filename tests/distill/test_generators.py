"""Generators: the pixel identity, the StyleGAN-XL split adapter, the registry and the dataset checks."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import torch
from glad_distill.config import GeneratorConfig
from glad_distill.generators import (
    GeneratorContext,
    PixelGenerator,
    StyleGANLatents,
    build_generator,
    register_generator,
)

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
        from glad_distill import DistillConfig, Distiller, GeneratorConfig, NetConfig
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

    imagewoof = dataclasses.replace(mnist, name="imagewoof")  # only the name and class count matter here
    glad_generators.save(small_generator(num_classes=1000), tmp_path / "g1000")
    generator = build_generator(context(imagewoof, name=str(tmp_path / "g1000"), layer=4))
    assert generator.class_map == manifest()["subsets"]["imagewoof"]["indices"]
    assert generator.class_map[:3] == [193, 182, 258]
