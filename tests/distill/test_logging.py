"""Run observers: image statistics, stats.jsonl, snapshots (readable by glad-eval, resume-consistent),
TensorBoard event files (read back with tensorboard's EventAccumulator), rank 0 only under torchrun."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
import torch
from conftest import tiny_config
from glad_distill import Distiller
from glad_distill.image_stats import image_statistics
from glad_distill.observers import list_snapshots, read_stats_file
from glad_eval.artifacts import load_distilled

EVAL = {"models": ["mlp"], "num_seeds": 1, "epochs": 1}


def _config(**overrides):
    return tiny_config(iterations=4, snapshot_every=2, eval_every=4, eval=EVAL, **overrides)


@pytest.fixture(scope="module")
def logged_run(tmp_path_factory, mnist):
    """A 4-iteration DM run with TensorBoard, snapshots every 2 iterations and one evaluation at the end."""
    pytest.importorskip("tensorboard", reason='tensorboard missing: pip install "glad-distill[tensorboard]"')
    run_dir = tmp_path_factory.mktemp("logged") / "run"
    distiller = Distiller(_config(log=["tensorboard"]), run_dir, dataset=mnist, progress=False)
    result = distiller.run()
    return run_dir, result


def _events(run_dir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(run_dir), size_guidance={"scalars": 0, "images": 0})
    accumulator.Reload()
    return accumulator


def test_image_statistics_counts_saturated_and_flat_pixels():
    images = torch.full((2, 3, 4, 4), 0.5)
    images[0, 0] = 0.0  # one channel of image 0 black: 16 saturated pixel values
    images[0, 1, 0, 0] = 1.0  # and one white value
    stats = image_statistics(images)
    assert stats["saturated_fraction"] == pytest.approx(17 / images.numel())
    assert stats["flat_images"] == 1  # image 1 is uniform grey; image 0 varies
    assert stats["channel_mean"] == pytest.approx([0.25, (0.5 * 31 + 1.0) / 32, 0.5])
    assert stats["channel_std"][2] == pytest.approx(0.0) and stats["channel_std"][0] == pytest.approx(0.25)
    with pytest.raises(ValueError, match=r"\[N, C, H, W\]"):
        image_statistics(torch.zeros(3, 4, 4))


def test_stats_jsonl_records_every_iteration_and_the_evaluation(logged_run):
    run_dir, result = logged_run
    records = read_stats_file(run_dir / "stats.jsonl")
    steps = [r for r in records if r["kind"] == "step"]
    assert [r["iteration"] for r in steps] == [1, 2, 3, 4]
    assert [r["loss"] for r in steps] == result.loss_history
    for record in steps:
        assert len(record["per_class_loss"]) == 10
        assert sum(record["per_class_loss"]) == pytest.approx(record["loss"], rel=1e-5)
        assert 0.0 <= record["saturated_fraction"] <= 1.0 and len(record["channel_mean"]) == 1
        assert set(record["latent_norms"]) == {"f", "w"} and record["lrs"] == {
            "f": 1.0,
            "w": 0.01,
        }  # DM defaults
    evals = [r for r in records if r["kind"] == "eval"]
    assert [e["iteration"] for e in evals] == [4] and "mlp" in evals[0]["report"]["per_model"]


def test_snapshots_are_glad_eval_sets_and_the_last_equals_the_final_images(logged_run):
    run_dir, result = logged_run
    snapshots = list_snapshots(run_dir)
    assert [i for i, _ in snapshots] == [2, 4]
    last = load_distilled(snapshots[-1][1])
    assert torch.equal(last.images, result.images01) and torch.equal(last.labels, result.labels)
    assert last.meta["iterations"] == 4 and last.meta["dataset"] == "mnist5k"
    assert not torch.equal(load_distilled(snapshots[0][1]).images, last.images)


def test_glad_eval_accepts_a_snapshot_file(logged_run, capsys):
    from glad_eval.cli import main

    run_dir, _ = logged_run
    path = run_dir / "snapshots" / "iter_000002.safetensors"
    assert main([str(path), "--models", "mlp", "--seeds", "1", "--epochs", "1", "--no-progress"]) == 0
    assert "mlp" in capsys.readouterr().out


def test_tensorboard_events_hold_scalars_grids_and_hparams(logged_run):
    run_dir, result = logged_run
    events = _events(run_dir)
    tags = events.Tags()
    loss = events.Scalars("loss/total")
    assert [e.step for e in loss] == [1, 2, 3, 4]
    assert [e.value for e in loss] == pytest.approx(result.loss_history, rel=1e-6)
    expected = {
        "loss/class/0", "loss/class/9", "images/saturated_fraction", "images/flat_images",
        "images/channel_mean/0", "images/channel_std/0", "latents/norm/f", "latents/norm/w", "lr/f", "lr/w",
        "eval/mlp", "eval/cross_arch_mean",
    }  # fmt: skip
    assert expected <= set(tags["scalars"])
    assert [e.value for e in events.Scalars("lr/f")] == pytest.approx([1.0] * 4)
    assert [e.step for e in events.Scalars("eval/mlp")] == [4]
    assert [e.step for e in events.Images("images/grid")] == [2, 4]
    hparams = events.PluginTagToContent("hparams")
    assert "_hparams_/experiment" in hparams and "_hparams_/session_start_info" in hparams
    assert b"generator.layer" in hparams["_hparams_/session_start_info"]


def test_resume_keeps_earlier_snapshots_and_a_consistent_history(mnist, tmp_path, logged_run):
    """Interrupted after iteration 3 (checkpoint at 2), then resumed: one record per iteration, the losses of
    the uninterrupted run, snapshots 2 and 4, TensorBoard steps 1..4 once each."""
    straight_dir, straight = logged_run
    config = _config(log=["tensorboard"], checkpoint_every=2)

    def interrupt(iteration):
        if iteration == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Distiller(config, tmp_path / "cut", dataset=mnist, progress=False, on_iteration=interrupt).run()
    assert [i for i, _ in list_snapshots(tmp_path / "cut")] == [2]
    assert len(read_stats_file(tmp_path / "cut" / "stats.jsonl")) == 3
    Distiller(config, tmp_path / "cut", dataset=mnist, progress=False, resume=True).run()
    steps = [r for r in read_stats_file(tmp_path / "cut" / "stats.jsonl") if r["kind"] == "step"]
    assert [r["iteration"] for r in steps] == [1, 2, 3, 4]
    assert [r["loss"] for r in steps] == straight.loss_history
    assert [i for i, _ in list_snapshots(tmp_path / "cut")] == [2, 4]
    assert [e.step for e in _events(tmp_path / "cut").Scalars("loss/total")] == [1, 2, 3, 4]


def test_missing_tensorboard_is_one_line_naming_the_extra(monkeypatch, tmp_path, capsys):
    from glad_distill.cli import main

    monkeypatch.setitem(sys.modules, "tensorboard", None)  # import tensorboard now raises ImportError
    with pytest.raises(ModuleNotFoundError, match=r'pip install "glad-distill\[tensorboard\]"'):
        tiny_config(log=["tensorboard"]).validate()
    out = tmp_path / "run"
    assert (
        main(["distill", "--log", "tensorboard", "--iterations", "1", "--out", str(out), "--no-progress"])
        == 3  # glad_eval.errors.ExitCode.MISSING: a missing package
    )
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "glad-distill[tensorboard]" in error
    assert not out.exists()


def test_unknown_logger_and_negative_snapshot_interval_are_refused():
    with pytest.raises(ValueError, match="unknown --log 'wandb'; available: tensorboard"):
        tiny_config(log=["wandb"]).validate()
    with pytest.raises(ValueError, match="snapshot_every must be >= 0"):
        tiny_config(snapshot_every=-1).validate()


def test_a_user_logger_sees_every_step_and_is_closed(mnist, tmp_path):
    class Recorder:
        def __init__(self):
            self.steps, self.closed = [], False

        def on_step(self, record):
            self.steps.append((record.iteration, record.images01.shape, record.summary["flat_images"]))

        def on_eval(self, iteration, report):
            pass

        def on_snapshot(self, iteration, images01):
            pass

        def close(self):
            self.closed = True

    recorder = Recorder()
    Distiller(tiny_config(), tmp_path / "run", dataset=mnist, progress=False, loggers=[recorder]).run()
    assert [s[0] for s in recorder.steps] == [1, 2] and recorder.steps[0][1] == (10, 1, 32, 32)
    assert recorder.closed
    assert not (tmp_path / "run" / "snapshots").exists()  # snapshot_every = 0: none


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_under_torchrun_only_rank_0_writes_and_per_class_losses_cover_every_class(tmp_path):
    pytest.importorskip("tensorboard", reason='tensorboard missing: pip install "glad-distill[tensorboard]"')
    tiny = [
        "distill", "--dataset", "mnist5k", "--ipc", "1", "--iterations", "2", "--batch-real", "8",
        "--net-width", "8", "--channel-base", "256", "--channel-max", "8", "--layer", "12", "--no-progress",
        "--log", "tensorboard", "--snapshot-every", "1", "--out", str(tmp_path / "two"),
    ]  # fmt: skip
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
                "--master-addr", "127.0.0.1", "--master-port", str(_free_port())]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    # "--": torchrun would otherwise read --log as an abbreviation of its own --log-dir
    done = subprocess.run(
        [*launcher, "-m", "glad_distill", "--", *tiny], capture_output=True, text=True, timeout=600, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    run_dir = tmp_path / "two"
    assert len(list(run_dir.glob("events.out.tfevents.*"))) == 1
    steps = [r for r in read_stats_file(run_dir / "stats.jsonl") if r["kind"] == "step"]
    assert [r["iteration"] for r in steps] == [1, 2]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    for record, loss in zip(steps, manifest["loss_history"], strict=True):
        assert all(v > 0 for v in record["per_class_loss"])  # both ranks' classes, summed
        assert sum(record["per_class_loss"]) == pytest.approx(loss, rel=1e-5)
    assert [i for i, _ in list_snapshots(run_dir)] == [1, 2]


def test_register_logger_works_as_a_call_and_as_a_decorator(monkeypatch):
    from glad_distill.observers import available_loggers, check_logger_names, register_logger
    from glad_distill.observers.registry import _REGISTRY

    monkeypatch.setattr(_REGISTRY, "_items", dict(_REGISTRY._items))
    checked = []

    @register_logger("Test-Decorated")
    def decorated(context):
        return None

    assert register_logger("test-called", decorated, lambda: checked.append(1)) is decorated
    assert {"test-decorated", "test-called"} <= set(available_loggers())
    check_logger_names(["TEST-called", "test-decorated"])
    assert checked == [1]
    with pytest.raises(ValueError, match="a logger named 'test-called' is already registered"):
        register_logger("test-called", lambda context: None)
