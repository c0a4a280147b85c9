"""Every expected failure of the CLIs is one line naming the problem and the fix, with its class's exit code
(glad_eval.errors.ExitCode), no traceback unless --debug / GLAD_DEBUG; inputs are checked before anything is
written (issue 12: one test per row of its table, at least)."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from glad_distill.checkpoint import load_checkpoint
from glad_distill.cli import main
from glad_eval.errors import ExitCode

PIXEL = [
    "distill", "--generator", "pixel", "--layer", "-1", "--dataset", "mnist5k", "--iterations", "2",
    "--checkpoint-every", "1", "--batch-real", "8", "--net-width", "8", "--dsa", "none", "--no-progress",
]  # fmt: skip


class Reduce:
    """Pickles as `func(*args)`: unpickling it would call func."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def failure(capsys) -> str:
    """The stderr of a failed command: exactly one line, no traceback."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("finished") / "run"
    assert main([*PIXEL, "--out", str(out)]) == 0
    return out


def test_hostile_generator_pickle_is_refused_with_a_message(tmp_path, capsys):
    ran = tmp_path / "ran"
    hostile = tmp_path / "hostile.pkl"
    hostile.write_bytes(pickle.dumps({"G_ema": Reduce(os.system, f"touch {ran}")}, protocol=4))
    out = tmp_path / "run"
    args = ["distill", "--generator", str(hostile), "--layer", "2", "--iterations", "1", "--no-progress"]
    assert main([*args, "--out", str(out)]) == ExitCode.REFUSED
    line = failure(capsys)
    assert line.startswith("glad distill: error:") and "could run code" in line
    assert "nothing in it ran" in line
    assert not ran.exists() and not out.exists()


def test_out_an_existing_file_is_refused(tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("keep me")
    assert main([*PIXEL, "--out", str(taken)]) == ExitCode.OUTPUT
    assert "is an existing file, not a directory; choose another --out" in failure(capsys)
    assert taken.read_text() == "keep me"


def test_out_on_an_unwritable_file_system_is_a_message(capsys):
    if not Path("/sys").is_dir() or os.access("/sys", os.W_OK) is False:
        pytest.skip("needs /sys (unwritable even for root)")
    assert main([*PIXEL, "--out", "/sys/glad-run"]) == ExitCode.OUTPUT
    line = failure(capsys)
    assert "cannot write" in line and "/sys/glad-run" in line and "choose a writable --out" in line


def test_read_only_file_system_mid_run_keeps_the_checkpoint(tmp_path, capsys, monkeypatch):
    """EROFS from the file system (injected at os.replace of the second checkpoint)."""
    import errno

    import glad_eval.fileio as fileio

    real_replace, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if str(dst).endswith("checkpoint.pt") and sum(str(c).endswith("checkpoint.pt") for c in calls) == 2:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(fileio.os, "replace", replace)
    out = tmp_path / "run"
    assert main([*PIXEL, "--out", str(out)]) == ExitCode.OUTPUT
    assert "the file system is read-only; choose a writable --out" in failure(capsys)
    assert load_checkpoint(out)["iteration"] == 0
    assert [p.name for p in out.iterdir() if ".tmp-" in p.name] == []


def test_full_disk_through_torch_save_keeps_the_last_good_checkpoint(tmp_path, capsys, monkeypatch):
    """torch.save reports a full disk as RuntimeError '[enforce fail at inline_container.cc]'."""
    import glad_distill.checkpoint as checkpoint

    real_save, count = torch.save, []

    def save(obj, path):
        count.append(path)
        if len(count) == 3:  # iteration 0 and 1 are written, iteration 2's write fails
            Path(path).write_bytes(b"partial")
            raise RuntimeError("[enforce fail at inline_container.cc:664] . unexpected pos 64 vs 0")
        return real_save(obj, path)

    monkeypatch.setattr(checkpoint.torch, "save", save)
    out = tmp_path / "run"
    assert main([*PIXEL, "--out", str(out)]) == ExitCode.OUTPUT
    assert "no space left on the device" in failure(capsys)
    assert load_checkpoint(out)["iteration"] == 1  # the last good checkpoint, intact
    assert [p.name for p in out.iterdir() if ".tmp-" in p.name] == []


def test_full_disk_in_a_real_process_is_one_line_and_resumable(tmp_path):
    out = tmp_path / "run"
    env = {**os.environ, "GLAD_TEST_FAIL_AT": "write:checkpoint.pt:written:2"}
    env.pop("GLAD_DEBUG", None)
    command = [sys.executable, "-m", "glad_distill", *PIXEL, "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == ExitCode.OUTPUT, done.stderr
    assert "Traceback" not in done.stderr
    assert "no space left on the device" in done.stderr and "--resume" in done.stderr
    assert load_checkpoint(out)["iteration"] == 0
    env.pop("GLAD_TEST_FAIL_AT")
    resumed = [sys.executable, "-m", "glad_distill", "distill", "--resume", "--out", str(out)]
    done = subprocess.run(resumed, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "manifest.json").read_text())["iterations_completed"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lr-img", "nan"], "lr_img (--lr-img) must be a finite number > 0, got nan"),
        (["--lr-img", "-1"], "lr_img (--lr-img) must be a finite number > 0, got -1.0"),
        (["--lr-w", "inf"], "lr_w (--lr-w) must be a finite number > 0"),
        (["--momentum", "1"], "momentum (--momentum) must be in [0, 1)"),
        (["--momentum", "-0.1"], "momentum (--momentum) must be in [0, 1)"),
        (["--iterations", "-1"], "iterations must be >= 0"),
        (["--iterations", "10000000000"], "iterations must be <= 1000000000"),
        (["--chunk-size", "0"], "generator.chunk_size must be >= 1"),
        (["--eval-epochs", "0"], "eval.epochs must be >= 1"),
        (["--seed", "-1"], "seed must be in [0, 2**63)"),
        (["--generator-seed", str(2**63)], "generator.seed must be in [0, 2**63)"),
    ],
)
def test_bad_numbers_are_refused_before_anything_is_written(args, message, tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*PIXEL, *args, "--out", str(out)]) == ExitCode.BAD_INPUT
    assert message in failure(capsys)
    assert not out.exists()


def test_debug_flag_and_environment_show_the_traceback(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    assert main(["--debug", *PIXEL, "--lr-img", "nan", "--out", str(out)]) == ExitCode.BAD_INPUT
    assert "Traceback" in capsys.readouterr().err
    assert main([*PIXEL, "--lr-img", "nan", "--debug", "--out", str(out)]) == ExitCode.BAD_INPUT
    assert "Traceback" in capsys.readouterr().err
    monkeypatch.setenv("GLAD_DEBUG", "1")
    assert main([*PIXEL, "--lr-img", "nan", "--out", str(out)]) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert "Traceback" in err and err.rstrip().endswith("got nan")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_missing_device_has_its_own_exit_code(tmp_path, capsys):
    assert main([*PIXEL, "--device", "cuda", "--out", str(tmp_path / "run")]) == ExitCode.DEVICE
    assert "CUDA is not available; use --device cpu" in failure(capsys)
    assert not (tmp_path / "run").exists()


def test_missing_run_and_data_are_missing(tmp_path, capsys):
    assert main(["distill", "--resume", "--out", str(tmp_path / "none"), "--no-progress"]) == ExitCode.MISSING
    assert "nothing to resume" in failure(capsys)
    assert main(["export", str(tmp_path / "none")]) == ExitCode.MISSING
    assert "export needs a finished run" in failure(capsys)


def test_export_refuses_an_existing_file_and_a_non_empty_folder(finished_run, tmp_path, capsys):
    taken = tmp_path / "taken.png"
    taken.write_text("keep me")
    full = tmp_path / "full"
    full.mkdir()
    (full / "mine.txt").write_text("keep me too")
    for out, what in ((taken, "an existing file"), (full, "a non-empty folder")):
        assert main(["export", str(finished_run), "--out", str(out)]) == ExitCode.OUTPUT
        assert f"is {what}; choose another --out or pass --force" in failure(capsys)
    assert taken.read_text() == "keep me" and (full / "mine.txt").read_text() == "keep me too"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["export", str(finished_run), "--out", str(empty)]) == 0
    assert len(list(empty.iterdir())) == 10
    for out in (taken, full):  # --force replaces, it does not merge
        assert main(["export", str(finished_run), "--out", str(out), "--force"]) == 0
        assert sorted(p.name for p in out.iterdir()) == [f"{c}_{c}" for c in range(10)]
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []


def test_eval_flags_without_eval_every_evaluate_the_final_images(tmp_path, capsys):
    out = tmp_path / "run"
    args = [*PIXEL, "--eval-models", "mlp", "--eval-seeds", "1", "--eval-epochs", "1", "--out", str(out)]
    assert main(args) == 0
    assert "mlp" in capsys.readouterr().out
    results = json.loads((out / "eval" / "results.json").read_text())
    assert set(results["per_model"]) == {"mlp"} and results["config"]["epochs"] == 1
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["files"]["eval"] == "eval" and len(manifest["metrics"]) == 1


def test_run_files_share_the_umask_mode(tmp_path, capsys):
    old = os.umask(0o027)
    try:
        assert main([*PIXEL, "--out", str(tmp_path / "run")]) == 0
        assert main(["export", str(tmp_path / "run"), "--out", str(tmp_path / "png")]) == 0
    finally:
        os.umask(old)
    files = [p for p in (tmp_path / "run").iterdir() if p.is_file()]
    assert {p.name for p in files} >= {"latents.safetensors", "images.safetensors", "manifest.json"}
    assert {p.name: p.stat().st_mode & 0o777 for p in files} == {p.name: 0o640 for p in files}
    assert {p.stat().st_mode & 0o777 for p in (tmp_path / "png").rglob("*.png")} == {0o640}


def test_buffers_bad_input_is_refused_before_anything_is_written(tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("keep me")
    base = ["buffers", "--dataset", "mnist5k", "--num-experts", "1", "--epochs", "1", "--no-progress"]
    assert main([*base, "--out", str(taken)]) == ExitCode.OUTPUT
    assert "is an existing file, not a directory" in failure(capsys)
    assert main([*base, "--lr", "nan", "--out", str(tmp_path / "b")]) == ExitCode.BAD_INPUT
    assert "lr (--lr) must be a finite number > 0, got nan" in failure(capsys)
    assert main([*base, "--seed", "-3", "--out", str(tmp_path / "b")]) == ExitCode.BAD_INPUT
    assert "seed must be in [0, 2**63)" in failure(capsys)
    assert taken.read_text() == "keep me" and not (tmp_path / "b").exists()
