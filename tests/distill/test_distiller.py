"""The distillation loop: loss goes down, outputs round-trip into glad-eval, resume is exact, NaN stops."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from glad_distill import Distiller, NonFiniteLossError
from glad_distill.checkpoint import load_checkpoint
from glad_distill.objectives import SyntheticBatch
from glad_distill.run_dir import NothingToResumeError
from glad_eval.artifacts import load_distilled
from glad_eval.errors import OutputError
from glad_eval.seeding import StepSeeds
from PIL import Image
from safetensors import safe_open


def fixed_seed_loss(distiller: Distiller) -> float:
    """The objective at the current latents, with fixed random draws (network, real batches)."""
    with torch.no_grad():
        raw = distiller.generator.render(tuple(t.detach() for t in distiller.latents))
    images = distiller.dataset.normalize((raw + 1) / 2)
    batch = SyntheticBatch(images, distiller.labels, list(range(10)))
    return distiller.objective(batch, StepSeeds(12345)).loss.item()


@pytest.mark.parametrize("generator", ["pixel", "random-stylegan-xl"])
def test_loss_decreases_on_mnist(generator, make_config, mnist, tmp_path):
    layer = None if generator == "pixel" else 12
    config = make_config(iterations=5, batch_real=16, generator={"name": generator, "layer": layer})
    distiller = Distiller(config, tmp_path / "run", dataset=mnist, progress=False)
    before = fixed_seed_loss(distiller)
    distiller.run()
    after = fixed_seed_loss(distiller)
    assert after < 0.8 * before, (before, after)


def test_outputs_round_trip_into_glad_eval(make_config, mnist, tmp_path):
    from glad_eval.protocol import EvalConfig, evaluate

    run_dir = tmp_path / "run"
    result = Distiller(make_config(ipc=2), run_dir, dataset=mnist, progress=False).run()

    distilled = load_distilled(run_dir)
    assert torch.equal(distilled.images, result.images01) and torch.equal(distilled.labels, result.labels)
    assert distilled.labels.tolist() == [c for c in range(10) for _ in range(2)]
    assert distilled.meta["method"] == "dm" and distilled.meta["class_names"][3] == "3"
    with safe_open(str(run_dir / "latents.safetensors"), framework="pt") as handle:
        assert set(handle.keys()) == {"f", "w", "labels"}
        assert handle.get_tensor("f").shape[0] == 20 and handle.get_tensor("w").shape[1:] == (17, 512)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "completed" and manifest["iterations_completed"] == 2
    assert len(manifest["generator"]["sha256"]) == 64 and manifest["versions"]["torch"] == torch.__version__
    assert manifest["config"]["generator"]["layer"] == 12 and len(manifest["loss_history"]) == 2
    grid = Image.open(run_dir / "grid.png")
    assert grid.size == (2 + 2 * 66, 2 + 10 * 66)  # 2 columns, 10 rows of 64 px cells with 2 px gaps

    report = evaluate(
        distilled.images,
        distilled.labels,
        mnist,
        EvalConfig(models=("mlp",), num_seeds=1, epochs=2),
        progress=False,
    )
    assert 0.0 <= report.per_model["mlp"].mean <= 100.0


@pytest.mark.parametrize("method", ["dm", "dc"])
def test_resume_equals_uninterrupted_bitwise(method, make_config, mnist, tmp_path):
    config = make_config(method=method, iterations=2, dsa_strategy="color_crop_cutout_flip_scale_rotate")
    straight = Distiller(config, tmp_path / "straight", dataset=mnist, progress=False).run()

    def interrupt(iteration):
        if iteration == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Distiller(config, tmp_path / "cut", dataset=mnist, progress=False, on_iteration=interrupt).run()
    assert load_checkpoint(tmp_path / "cut")["iteration"] == 1
    resumed = Distiller(config, tmp_path / "cut", dataset=mnist, progress=False, resume=True).run()

    assert torch.equal(resumed.images01, straight.images01)
    assert resumed.loss_history == straight.loss_history
    for a, b in zip(
        load_checkpoint(tmp_path / "cut")["latents"],
        load_checkpoint(tmp_path / "straight")["latents"],
        strict=True,
    ):
        assert torch.equal(a, b)


@pytest.fixture
def nan_objective(monkeypatch):
    """Registers the objective "test-nan" (NaN from its third call on)."""
    from glad_distill.objectives.registry import _REGISTRY

    monkeypatch.setitem(_REGISTRY._items, "test-nan", lambda context: NaNAfter(good=2))
    return "test-nan"


def test_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(
    nan_objective, make_config, mnist, tmp_path
):
    config = make_config(iterations=6, method=nan_objective, lr_img=0.01, lr_w=0.001,
                         generator={"name": "pixel", "layer": None})  # fmt: skip
    run_dir = tmp_path / "run"
    with pytest.raises(NonFiniteLossError, match="NaN|inf") as caught:
        Distiller(config, run_dir, dataset=mnist, progress=False).run()
    checkpoint = load_checkpoint(run_dir)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "stopped" and "lower the learning rates" in manifest["message"].lower()
    assert checkpoint["iteration"] == manifest["iterations_completed"] < 6
    assert f"({checkpoint['iteration']} iterations)" in str(caught.value)
    assert all(torch.isfinite(t).all() for t in checkpoint["latents"])
    assert all(torch.isfinite(torch.tensor(loss)) for loss in checkpoint["loss_history"])
    assert not (run_dir / "images.safetensors").exists()


def test_existing_run_and_changed_resume_config_are_refused(make_config, mnist, tmp_path):
    config = make_config(iterations=1, generator={"name": "pixel", "layer": None})
    Distiller(config, tmp_path / "run", dataset=mnist, progress=False).run()
    with pytest.raises(OutputError, match=r"already holds a run \(checkpoint.pt\); pass --resume"):
        Distiller(config, tmp_path / "run", dataset=mnist, progress=False)
    changed = make_config(iterations=1, ipc=2, generator={"name": "pixel", "layer": None})
    with pytest.raises(ValueError, match="differs from the run .* in ipc"):
        Distiller(changed, tmp_path / "run", dataset=mnist, progress=False, resume=True)
    with pytest.raises(NothingToResumeError, match="nothing to resume .* the folder does not exist"):
        Distiller(config, tmp_path / "empty", dataset=mnist, progress=False, resume=True)


def test_periodic_evaluation_is_recorded(make_config, mnist, tmp_path):
    config = make_config(
        iterations=2, eval_every=1, generator={"name": "pixel", "layer": None},
        eval={"models": ["mlp"], "num_seeds": 1, "epochs": 1},
    )  # fmt: skip
    Distiller(config, tmp_path / "run", dataset=mnist, progress=False).run()
    metrics = json.loads((tmp_path / "run" / "manifest.json").read_text())["metrics"]
    assert [m["iteration"] for m in metrics] == [1, 2]
    assert set(metrics[0]["per_model"]) == {"mlp"}


class RecordingObjective:
    """A user's objective (sum of squares of the images) that records what the distiller hands it."""

    splits_classes = True

    def __init__(self):
        self.seen: list[torch.Tensor] = []

    def __call__(self, batch, seeds):
        from glad_distill.objectives import ObjectiveOutput

        self.seen.append(batch.images.clone())
        return ObjectiveOutput(loss=batch.images.pow(2).sum(), image_grad=2 * batch.images)

    def commit(self):
        pass

    def pending_is_finite(self):
        return True

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


class NaNAfter(RecordingObjective):
    """The same objective, whose loss and gradient become NaN after `good` calls: images stay finite by
    construction (bounds.py), so a diverging objective is how a run meets NaN."""

    def __init__(self, good: int):
        super().__init__()
        self.good = good

    def __call__(self, batch, seeds):
        output = super().__call__(batch, seeds)
        if len(self.seen) > self.good:
            output.loss, output.image_grad = output.loss * float("nan"), output.image_grad * float("nan")
        return output


def test_registered_objective_sees_images_normalised_with_the_dataset_statistics(
    monkeypatch, make_config, mnist, tmp_path
):
    """The classifier input is dataset.normalize(bound(G(latents))) with StyleGAN-XL's default bound
    (tanh: (tanh(raw) + 1) / 2), the real data's own mean/std."""
    from glad_distill.objectives.registry import _REGISTRY

    recorder = RecordingObjective()
    monkeypatch.setitem(_REGISTRY._items, "test-recording", lambda context: recorder)
    with pytest.raises(ValueError, match="no default learning rates: set lr_img and lr_w"):
        make_config(method="test-recording").validate()
    config = make_config(method="test-recording", iterations=1, lr_img=0.01, lr_w=0.001)
    distiller = Distiller(config, tmp_path / "run", dataset=mnist, progress=False)
    latents = tuple(t.detach().clone() for t in distiller.latents)
    distiller.run()

    (images,) = recorder.seen
    raw = distiller.generator.render(latents)
    mean, std = torch.tensor(mnist.mean).view(1, -1, 1, 1), torch.tensor(mnist.std).view(1, -1, 1, 1)
    torch.testing.assert_close(images, ((torch.tanh(raw) + 1) / 2 - mean) / std, rtol=1e-5, atol=1e-5)
    assert not torch.allclose(images, raw)  # a real normalisation, not the identity
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["config"]["method"] == "test-recording" and manifest["status"] == "completed"
    assert manifest["seeds"] == {"run": 0, "generator_weights": 0, "evaluation": 0}
    assert manifest["timings"]["distill_s"] > 0 and manifest["timings"]["setup_s"] > 0


def test_grid_has_one_row_per_class_in_label_order():
    from glad_distill.grid import image_grid

    g = torch.Generator().manual_seed(0)
    images = torch.rand(5, 1, 4, 4, generator=g)
    labels = torch.tensor([2, 0, 2, 1, 0])
    grid = torch.from_numpy(np.array(image_grid(images, labels, min_cell=8, gap=1))).permute(2, 0, 1)
    assert grid.shape == (3, 1 + 3 * 9, 1 + 2 * 9)  # 3 classes x 2 columns of 8 px cells, 1 px gaps
    for row, indices in enumerate(([1, 4], [3], [0, 2])):
        for column, index in enumerate(indices):
            cell = grid[:, 1 + 9 * row : 9 + 9 * row, 1 + 9 * column : 9 + 9 * column]
            expected = (images[index].repeat_interleave(2, 1).repeat_interleave(2, 2) * 255).round()
            assert torch.equal(cell, expected.to(torch.uint8).expand(3, -1, -1))
    assert (grid[:, 10:18, 10:18] == 128).all()  # class 1 has one image: its second cell stays grey


def test_non_finite_loss_through_the_cli_exits_with_the_message(nan_objective, tmp_path, capsys):
    from glad_distill.cli import main

    out = tmp_path / "run"
    args = ["distill", "--generator", "pixel", "--layer", "-1", "--iterations", "3", "--batch-real", "8",
            "--net-width", "8", "--method", nan_objective, "--lr-img", "0.01", "--lr-w", "0.001",
            "--checkpoint-every", "1", "--no-progress", "--out", str(out)]  # fmt: skip
    assert main(args) == 7  # glad_eval.errors.ExitCode.STOPPED
    assert "stopped" in capsys.readouterr().err
    manifest = json.loads((out / "manifest.json").read_text())
    assert (
        manifest["status"] == "stopped"
        and load_checkpoint(out)["iteration"] == manifest["checkpoint_iteration"]
    )
