"""Bounded images (the optimised images are the saved and evaluated ones), saturation records, --init real by
inversion, the random-real baseline and the pixel learning rates."""

from __future__ import annotations

import json

import pytest
import torch
from glad_distill import Distiller
from glad_distill.baseline import comparison_table, random_real_images
from glad_distill.bounds import available_bounds, get_bound
from glad_distill.config import DistillConfig
from glad_distill.distiller import SaturationWarning
from glad_distill.image_stats import image_statistics, saturation_warning
from glad_distill.inversion import InversionDivergedError, invert
from glad_eval.artifacts import load_distilled

PIXEL = {"name": "pixel", "layer": None}


@pytest.mark.parametrize("name", ["tanh", "clamp", "project"])
def test_bounds_map_any_raw_value_into_the_unit_interval_and_invert(name):
    bound = get_bound(name)
    raw = torch.linspace(-1e4, 1e4, 1001)
    images01 = bound(raw)
    assert images01.min() >= 0 and images01.max() <= 1
    targets = torch.linspace(0.01, 0.99, 50)
    torch.testing.assert_close(bound(bound.from_images01(targets)), targets, atol=1e-6, rtol=0)


def test_unknown_bound_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="bound must be one of clamp, project, tanh"):
        DistillConfig(bound="sigmoid").validate()
    assert available_bounds() == ["clamp", "project", "tanh"]


def test_project_needs_a_generator_that_projects(make_config, mnist, tmp_path):
    with pytest.raises(ValueError, match="cannot do .* use --bound tanh or clamp"):
        Distiller(make_config(bound="project"), tmp_path / "run", dataset=mnist, progress=False)
    assert not (tmp_path / "run").exists()


def _recording(monkeypatch, distiller):
    """Record the classifier images the objective receives at every iteration."""
    seen = []
    original = distiller.objective.__call__

    def record(batch, seeds):
        seen.append(batch.images.detach().clone())
        return original(batch, seeds)

    monkeypatch.setattr(distiller, "objective", _Wrapped(distiller.objective, record))
    return seen


class _Wrapped:
    def __init__(self, inner, call):
        self._inner, self._call = inner, call

    def __call__(self, batch, seeds):
        return self._call(batch, seeds)

    def __getattr__(self, name):
        return getattr(self._inner, name)


@pytest.mark.parametrize("generator", [PIXEL, {}])
def test_saved_images_are_the_images_the_objective_sees(generator, monkeypatch, make_config, mnist, tmp_path):
    """The images written after iteration 1 are, value for value, what the objective gets in iteration 2."""
    run_dir = tmp_path / "run"
    config = make_config(iterations=1, lr_img=100.0, generator=generator)  # a large step: images move a lot
    Distiller(config, run_dir, dataset=mnist, progress=False).run()
    saved = load_distilled(run_dir)
    resumed = Distiller(make_config(iterations=2, lr_img=100.0, generator=generator), run_dir, dataset=mnist,
                        progress=False, resume=True)  # fmt: skip
    seen = _recording(monkeypatch, resumed)
    resumed.run()
    assert torch.equal(seen[0], mnist.normalize(saved.images))
    assert saved.images.min() >= 0 and saved.images.max() <= 1


@pytest.mark.parametrize(("generator", "bound"), [(PIXEL, None), (PIXEL, "project"), ({}, None)])
def test_images_stay_in_range_and_saturation_is_recorded_and_warned_once(
    generator, bound, make_config, mnist, tmp_path
):
    config = make_config(iterations=3, lr_img=1e5, lr_w=10.0, generator=generator, bound=bound)
    with pytest.warns(SaturationWarning) as caught:
        result = Distiller(config, tmp_path / "run", dataset=mnist, progress=False).run()
    assert len([w for w in caught if w.category is SaturationWarning]) == 1
    assert result.images01.min() >= 0 and result.images01.max() <= 1
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    records = manifest["saturation"]["checkpoints"]
    assert [r["iteration"] for r in records] == [0, 1, 2, 3]
    real = manifest["saturation"]["real_saturated_fraction"]
    assert records[-1]["saturated_fraction"] > real + 0.5 * (1 - real) or records[-1]["flat_images"]
    assert manifest["bound"] == (bound or "tanh")


def test_image_statistics_find_saturated_pixels_and_flat_images():
    images = torch.full((3, 1, 4, 4), 0.5)
    images[0] = 0.0  # flat at a bound
    images[1, 0, 0] = torch.tensor([1.0, 0.2, 0.3, 0.4])
    stats = image_statistics(images)
    assert stats["flat_images"] == 2
    assert stats["saturated_fraction"] == pytest.approx(17 / 48)
    assert saturation_warning(stats, real_fraction=0.0) == (
        "the distilled images look saturated: 2 image(s) are one flat colour. Lower the learning rates "
        "(--lr-img, --lr-w)"
    )
    images[0] = torch.linspace(0, 1, 16).view(1, 4, 4)
    images[2] = torch.linspace(0, 1, 16).view(1, 4, 4)
    assert saturation_warning(image_statistics(images), real_fraction=0.0) is None
    images[:] = 0.0
    images[:, :, 0, 0] = 0.5  # 15/16 of the pixels at a bound: more than the real 0.8 + half of the rest
    assert "94% of pixels are at 0 or 1 (real images: 80%)" in saturation_warning(
        image_statistics(images), 0.8
    )
    assert saturation_warning(image_statistics(images), 0.9) is None


def test_inversion_reduces_the_reconstruction_error_independently_of_chunking():
    torch.manual_seed(0)
    weight = torch.randn(16, 8) / 4

    def render(latents):
        (z,) = latents
        return (z @ weight.T).view(-1, 1, 4, 4)

    latents = (torch.randn(6, 8),)
    targets = torch.rand(6, 1, 4, 4) * 0.8 + 0.1
    bound = get_bound("tanh")
    whole = invert(render, latents, targets, bound, steps=60, lr=0.05, chunk_size=6, progress=False)
    chunked = invert(render, latents, targets, bound, steps=60, lr=0.05, chunk_size=4, progress=False)
    assert all(after < before for after, before in zip(whole.mse, whole.initial_mse, strict=True))
    torch.testing.assert_close(whole.latents[0], chunked.latents[0])
    assert torch.equal(latents[0], latents[0].clone())  # the starting latents are not modified


def test_inversion_that_diverges_is_a_clear_error():
    def render(latents):
        return latents[0].view(-1, 1, 2, 2) ** 9

    with pytest.raises(InversionDivergedError, match="diverged .* lower --inversion-lr"):
        invert(render, (torch.ones(2, 4),), torch.zeros(2, 1, 2, 2), get_bound("clamp"), steps=50,
               lr=1e30, chunk_size=2, progress=False)  # fmt: skip


def test_init_real_fits_the_generator_to_real_images_and_records_the_error(make_config, mnist, tmp_path):
    config = make_config(iterations=0, generator={"init": "real"}, inversion={"steps": 30, "lr": 0.1})
    distiller = Distiller(config, tmp_path / "run", dataset=mnist, progress=False)
    record = distiller.initialisation
    assert len(record["mse"]) == 10 and record["mean_mse"] < 0.5 * record["mean_initial_mse"]
    real = random_real_images(mnist, distiller.labels, config.seed)
    errors = (distiller.render_images01() - real).square().flatten(1).mean(1)
    torch.testing.assert_close(errors, torch.tensor(record["mse"]), rtol=1e-4, atol=1e-6)
    distiller.run()
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["initialisation"]["mse"] == record["mse"]


def test_init_real_needs_enough_images_per_class(make_config, mnist, tmp_path):
    from glad_eval.data.dataset import Dataset, ImageSet

    train = ImageSet(mnist.train.images[:20], torch.arange(10).repeat(2))
    small = Dataset(**{**mnist.__dict__, "train": train})
    config = make_config(ipc=3, generator={"init": "real"})
    with pytest.raises(ValueError, match="needs 3 distinct real images of class 0 .* has 2; lower --ipc"):
        Distiller(config, tmp_path / "run", dataset=small, progress=False)
    assert not (tmp_path / "run" / "manifest.json").exists()


def test_random_real_baseline_is_the_pixel_real_init(make_config, mnist, tmp_path):
    config = make_config(iterations=0, generator={**PIXEL, "init": "real"}, bound="project")
    distiller = Distiller(config, tmp_path / "run", dataset=mnist, progress=False)
    real = random_real_images(mnist, distiller.labels, config.seed)
    # the same images, up to the float rounding of the pixel latents' normalise/denormalise round trip
    torch.testing.assert_close(distiller.render_images01(), real, rtol=0, atol=1e-6)
    assert distiller.initialisation is None  # exact already: nothing to fit
    # under the default bound (tanh) the pixels are fitted to the same images through tanh
    tanh_run = Distiller(make_config(iterations=0, generator={**PIXEL, "init": "real"}), tmp_path / "tanh",
                         dataset=mnist, progress=False)  # fmt: skip
    assert tanh_run.initialisation["mean_mse"] < 1e-3
    torch.testing.assert_close(tanh_run.render_images01(), real, rtol=0, atol=0.05)


def test_comparison_table_gives_the_gain_per_architecture():
    def report(convnet, vgg):
        return {
            "distill_model": "convnet",
            "per_model": {"convnet": {"mean": convnet}, "vgg11": {"mean": vgg}},
            "cross_arch_mean": vgg,
        }

    table = comparison_table(report(70.0, 50.0), report(60.0, 55.0))
    assert "convnet*" in table and "+10.00" in table and "-5.00" in table
    assert table.splitlines()[-1].split() == ["cross-arch", "50.00", "55.00", "-5.00"]


def test_pixel_learning_rates_follow_the_source_papers_and_glad_presets_keep_glads():
    from glad_distill import load_preset

    assert DistillConfig(method="dm").learning_rate("pixels") == 1.0
    assert DistillConfig(method="dc").learning_rate("pixels") == 0.1
    assert DistillConfig(method="dm", lr_img=3.0).learning_rate("pixels") == 3.0
    assert load_preset("cifar10-dm-pixel-ipc1").learning_rate("pixels") == 10.0
    assert load_preset("imagenet-dc-pixel-ipc10").learning_rate("pixels") == 1.0
