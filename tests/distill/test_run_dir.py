"""Run-directory states (run_dir.py), the manifest's generator settings, and atomic writes."""

from __future__ import annotations

import json
import os

import pytest
import torch
from glad_distill import Distiller
from glad_distill.checkpoint import CHECKPOINT_FILE, load_checkpoint
from glad_distill.run_dir import NothingToResumeError, config_differences, open_run_dir
from glad_eval.errors import OutputError
from glad_eval.fileio import atomic_write_bytes, stale_temporaries


class TinyDecoder:
    """A plug-in generator: images = tanh(code @ W), one 4-d code per image."""

    latent_names = ("code",)

    def __init__(self, dataset):
        self.num_classes, self.channels, self.resolution = dataset.num_classes, dataset.channels, 32
        self.weight = torch.randn(4, 32 * 32, generator=torch.Generator().manual_seed(0)) / 4

    def init_latents(self, labels, *, generator):
        return (torch.randn(len(labels), 4, generator=generator),)

    def render(self, latents):
        return torch.tanh(latents[0] @ self.weight).view(-1, 1, 32, 32)


@pytest.mark.parametrize(
    ("generator", "recorded"),
    [
        ({"name": "pixel", "layer": None}, {"name", "init"}),
        ({"name": "test-tiny-decoder", "layer": None}, {"name", "init", "chunk_size"}),
        (
            {"name": "random-stylegan-xl"},
            {"name", "layer", "init", "chunk_size", "precision", "class_map", "avg_w_samples", "seed",
             "channel_base", "channel_max", "calibrate"},
        ),
    ],
)  # fmt: skip
def test_manifest_records_only_the_settings_of_the_generator_in_use(
    generator, recorded, make_config, mnist, tmp_path, monkeypatch
):
    from glad_distill.generators.registry import _REGISTRY

    monkeypatch.setitem(_REGISTRY._factories, "test-tiny-decoder", lambda ctx: TinyDecoder(ctx.dataset))
    config = make_config(iterations=1, lr_img=0.1, generator=generator)
    Distiller(config, tmp_path / "run", dataset=mnist, progress=False).run()
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert set(manifest["config"]["generator"]) == recorded
    assert load_checkpoint(tmp_path / "run")["config"] == config.to_dict()  # the whole config, for --resume
    Distiller(config, tmp_path / "run", dataset=mnist, progress=False, resume=True)  # accepted


def test_resume_compares_only_recorded_settings():
    stored = {"ipc": 1, "generator": {"name": "pixel", "init": None}, "iterations": 5}
    current = {"ipc": 1, "generator": {"name": "pixel", "init": None, "layer": 7}, "iterations": 9}
    assert config_differences(stored, current, ("iterations",)) == []
    current["generator"]["init"] = "real"
    current["ipc"] = 2
    assert config_differences(stored, current, ("iterations",)) == ["ipc", "generator.init"]


def test_run_dir_states(tmp_path, capsys):
    empty = open_run_dir(tmp_path / "new", {}, resume=False)
    assert empty.checkpoint is None and empty.leftovers == []
    with pytest.raises(NothingToResumeError, match="the folder does not exist"):
        open_run_dir(tmp_path / "new", {}, resume=True)
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text("{}")
    with pytest.raises(OutputError, match="not a glad-distill run's"):  # someone else's file: kept
        open_run_dir(run, {}, resume=False)
    (run / "manifest.json").write_text(json.dumps({"format": "glad-distill-run/1"}))
    dead = run / ".checkpoint.pt.tmp-999999999"  # no such pid
    dead.write_bytes(b"half")
    live = run / f".checkpoint.pt.tmp-{os.getppid()}"  # a live writer's: left alone
    live.write_bytes(b"busy")
    with pytest.raises(NothingToResumeError, match="only an interrupted start's files.*without --resume"):
        open_run_dir(run, {}, resume=True)
    fresh = open_run_dir(run, {}, resume=False)
    assert fresh.clear_leftovers() == ["manifest.json", dead.name]
    assert f"cleared an interrupted start from {run}: manifest.json, {dead.name}" in capsys.readouterr().err
    assert sorted(p.name for p in run.iterdir()) == [live.name]
    (run / CHECKPOINT_FILE).write_bytes(b"")
    with pytest.raises(OutputError, match="already holds a run"):
        open_run_dir(run, {}, resume=False)
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is an existing file, not a directory"):
        open_run_dir(tmp_path / "file", {}, resume=True)


def test_atomic_write_failure_keeps_the_old_file_and_removes_its_temporary(tmp_path, monkeypatch):
    target = tmp_path / "data.bin"
    atomic_write_bytes(target, b"old")
    monkeypatch.setenv("GLAD_TEST_FAIL_AT", "write:data.bin:synced")
    monkeypatch.setattr("glad_eval.faults._hits", {})
    with pytest.raises(OutputError, match="no space left on the device"):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["data.bin"]
    assert stale_temporaries(tmp_path) == []
