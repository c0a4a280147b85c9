"""Plug-ins loaded by name (``--plugin``, ``$GLAD_PLUGINS``) in both CLIs without any dist-info, and
``glad distill/run/buffers --image-size`` on an idx dataset written by the test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from glad_distill.cli import main as glad_main
from glad_eval.artifacts import load_distilled, save_distilled
from glad_eval.cli import main as eval_main
from glad_eval.data.idx import write_idx
from glad_eval.plugins import plugins_from_argv

PLUGIN = textwrap.dedent(
    '''
    """A user's dataset: 2 classes of 8 px grey squares, dark (0) or bright (1)."""
    import torch
    from glad_eval.data import Dataset, ImageSet, register_dataset


    @register_dataset("squares")
    def load_squares(*, root=None, image_size=None, download=False):
        size = image_size or 8
        labels = torch.arange(2).repeat(6)
        images = (labels * 200 + 20).to(torch.uint8).view(-1, 1, 1, 1).expand(-1, 1, size, size).contiguous()
        split = ImageSet(images, labels)
        return Dataset("squares", 2, 1, size, (0.5,), (0.4,), ["dark", "bright"], split, split)
    '''
)


@pytest.fixture
def plugin_dir(tmp_path) -> Path:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "my_squares.py").write_text(PLUGIN)
    return folder


def cli(args: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """A fresh interpreter: nothing registered but what the plug-in mechanism imports."""
    full_env = os.environ | env
    return subprocess.run([sys.executable, *args], cwd=cwd, env=full_env, capture_output=True, text=True)


def test_glad_eval_loads_a_plugin_from_the_current_folder(plugin_dir, tmp_path):
    images = torch.tensor([0.1, 0.9]).view(2, 1, 1, 1).expand(2, 1, 8, 8).contiguous()
    save_distilled(tmp_path / "set", images, torch.arange(2), {"dataset": "squares"})
    args = ["-m", "glad_eval", str(tmp_path / "set"), "--plugin", "my_squares", "--models", "mlp",
            "--seeds", "1", "--epochs", "1", "--device", "cpu", "--no-progress"]  # fmt: skip
    done = cli(args, cwd=plugin_dir, env={})
    assert done.returncode == 0, done.stderr
    assert "squares: 2 distilled images" in done.stdout and "mlp" in done.stdout


def test_glad_distill_loads_plugins_named_in_the_environment(plugin_dir, tmp_path):
    out = tmp_path / "run"
    pythonpath = os.pathsep.join([str(plugin_dir), os.environ.get("PYTHONPATH", "")])
    args = ["-m", "glad_distill", "distill", "--dataset", "squares", "--generator", "pixel", "--layer", "-1",
            "--iterations", "1", "--batch-real", "2", "--net-width", "4", "--dsa", "none", "--no-progress",
            "--out", str(out)]  # fmt: skip
    done = cli(args, cwd=tmp_path, env={"GLAD_PLUGINS": "my_squares", "PYTHONPATH": pythonpath})
    assert done.returncode == 0, done.stderr
    assert load_distilled(out).images.shape == (2, 1, 8, 8)


def test_a_missing_plugin_is_one_clear_line_and_nothing_is_written(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    assert glad_main(["distill", "--plugin", "no_such_plugin_xyz", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("glad: error: plugin 'no_such_plugin_xyz': no module of that name on the path")
    assert "PYTHONPATH" in err and "\n" not in err and not out.exists()
    assert eval_main([str(tmp_path), "--plugin=bad name"]) == 2
    assert "plugin 'bad name' is not a module name" in capsys.readouterr().err


def test_a_plugin_that_fails_names_itself(tmp_path, capsys, monkeypatch):
    (tmp_path / "broken_plugin_xyz.py").write_text("import no_such_dependency_xyz\n")
    monkeypatch.chdir(tmp_path)  # found in the current folder, as a console script would find it
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    assert eval_main([str(tmp_path), "--plugin", "broken_plugin_xyz"]) == 2
    assert "plugin 'broken_plugin_xyz' failed to import: No module named 'no_such_dependency_xyz'" in (
        capsys.readouterr().err
    )


def test_plugin_flags_are_found_anywhere_before_a_double_dash():
    argv = ["distill", "--plugin", "a", "--ipc", "2", "--plugin=b.c", "--", "--plugin", "d"]
    assert plugins_from_argv(argv) == ["a", "b.c"]


def write_mnist_root(folder: Path) -> Path:
    """20 train and 10 test random 28 px digits, two of every class in each split."""
    folder.mkdir(parents=True)
    g = torch.Generator().manual_seed(0)
    for prefix, n in (("train", 20), ("t10k", 10)):
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", torch.randint(0, 256, (n, 28, 28), generator=g,
                  dtype=torch.uint8))  # fmt: skip
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", (torch.arange(n) % 10).to(torch.uint8))
    return folder


def test_run_at_28px_skips_vit_and_records_the_size(tmp_path, capsys):
    root, out = write_mnist_root(tmp_path / "mnist"), tmp_path / "run"
    args = ["run", "--dataset", "mnist", "--data-root", str(root), "--image-size", "28",
            "--generator", "pixel", "--layer", "-1", "--iterations", "1", "--batch-real", "4",
            "--net-width", "8", "--no-progress", "--eval-models", "mlp,vit", "--eval-seeds", "1",
            "--eval-epochs", "1", "--out", str(out)]  # fmt: skip
    assert glad_main(args) == 0
    captured = capsys.readouterr()
    assert "skipping vit: image_size=28 is not supported" in captured.err
    assert any(line.split()[:2] == ["vit", "skipped"] for line in captured.out.splitlines())
    assert json.loads((out / "manifest.json").read_text())["config"]["image_size"] == 28
    assert load_distilled(out).images.shape == (10, 1, 28, 28)
    results = json.loads((out / "eval" / "results.json").read_text())
    assert list(results["per_model"]) == ["mlp"] and list(results["skipped"]) == ["vit"]


def test_buffers_take_the_image_size(tmp_path, capsys):
    root, out = write_mnist_root(tmp_path / "mnist"), tmp_path / "buffers"
    args = ["buffers", "--dataset", "mnist", "--data-root", str(root), "--image-size", "28",
            "--num-experts", "1", "--epochs", "1", "--net-width", "4", "--dsa", "none", "--no-progress",
            "--out", str(out)]  # fmt: skip
    assert glad_main(args) == 0
    assert json.loads((out / "buffers.json").read_text())["resolution"] == 28


def test_bad_image_size_and_missing_idx_files_write_nothing(tmp_path, capsys):
    out = tmp_path / "run"
    assert glad_main(["distill", "--image-size", "0", "--out", str(out), "--no-progress"]) == 2
    assert "image_size must be >= 1" in capsys.readouterr().err and not out.exists()
    args = ["distill", "--dataset", "mnist", "--data-root", str(tmp_path / "empty"), "--out", str(out)]
    assert glad_main([*args, "--no-progress"]) == 3  # glad_eval.errors.ExitCode.MISSING: missing data
    err = capsys.readouterr().err
    assert f"are not in {tmp_path / 'empty'}, {tmp_path / 'empty' / 'MNIST' / 'raw'}" in err
    assert "--download" in err and not out.exists()


def test_an_installed_glad_datasets_entry_point_needs_no_flag(plugin_dir, tmp_path):
    """The README's second route: a distribution declaring the loader in the `glad.datasets` group."""
    dist_info = plugin_dir / "my_squares-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: my-squares\nVersion: 0.1\n")
    (dist_info / "entry_points.txt").write_text("[glad.datasets]\nep-squares = my_squares:load_squares\n")
    images = torch.tensor([0.1, 0.9]).view(2, 1, 1, 1).expand(2, 1, 8, 8).contiguous()
    save_distilled(tmp_path / "set", images, torch.arange(2), {})
    pythonpath = os.pathsep.join([str(plugin_dir), os.environ.get("PYTHONPATH", "")])
    args = ["-m", "glad_eval", str(tmp_path / "set"), "--dataset", "EP-Squares", "--models", "mlp",
            "--seeds", "1", "--epochs", "1", "--device", "cpu", "--no-progress"]  # fmt: skip
    done = cli(args, cwd=tmp_path, env={"PYTHONPATH": pythonpath})
    assert done.returncode == 0, done.stderr
    assert "squares: 2 distilled images" in done.stdout
