"""The deprecated generator registry (built-ins, registration, no entry points) and the `glad-generators`
command line."""

from __future__ import annotations

import importlib.metadata
import os
import pickle
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import glad_generators
import pytest
import torch
from fixture_format import load_fixture
from gen_helpers import Reduce
from glad_generators import cli, registry


def test_builtins_are_available_and_create_generators(generator_dir: Path) -> None:
    """The deprecated registry (one release) still serves the two builders, with a DeprecationWarning."""
    with pytest.deprecated_call(match="glad_generators.load / glad_generators.random_stylegan_xl"):
        assert {"stylegan-xl", "random-stylegan-xl"} <= set(registry.available())
    with pytest.deprecated_call():
        G = registry.create(
            "random-stylegan-xl", resolution=16, num_classes=3, seed=2, channel_base=128, channel_max=8
        )
    assert G.resolution == 16 and G.num_classes == 3
    with pytest.deprecated_call():
        H = registry.create("stylegan-xl", path=str(next(generator_dir.glob("*.pkl"))))
    assert H.layer_names == load_fixture(generator_dir).layer_names


def test_register_and_unknown_names(monkeypatch) -> None:
    monkeypatch.setattr(registry, "_FACTORIES", dict(registry._FACTORIES))
    with pytest.deprecated_call():

        @registry.register("toy")
        def toy(scale: float = 1.0):
            return torch.nn.Identity()

        assert "toy" in registry.available()
        assert isinstance(registry.create("toy"), torch.nn.Identity)
        with pytest.raises(ValueError, match="already registered"):
            registry.register("toy")(lambda: None)
        with pytest.raises(ValueError, match="unknown generator 'nope'.*random-stylegan-xl"):
            registry.create("nope")


def test_the_glad_generators_entry_point_group_is_not_read_here(monkeypatch) -> None:
    """Entry points of "glad.generators" are distillation generators (factory(GeneratorContext)), read by
    glad-distill only: glad-generators' deprecated registry neither lists nor loads them."""
    ep = EntryPoint(
        name="plugin-gan",
        value="glad_generators.random_generator:random_stylegan_xl",
        group="glad.generators",
    )
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group=None, **kw: [ep])
    with pytest.deprecated_call():
        assert "plugin-gan" not in registry.available()
        with pytest.raises(ValueError, match="unknown generator 'plugin-gan'"):
            registry.create("plugin-gan", resolution=16, num_classes=2, seed=0)


def test_cli_inspect_random(capsys) -> None:
    assert (
        cli.main(
            ["inspect", "random:32", "--channel-base", "256", "--channel-max", "16", "--num-classes", "10"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "num_ws 17" in out and "split n in [0, 15]" in out
    assert "L10_52_16" in out and "[-6, -9, -6, -9]" in out and "24/12" in out
    assert "parameters: 816,216" in out  # = gen32 (same architecture, spec §5.1)
    assert "[16, 52, 52]" in out  # F_n shapes


def test_cli_inspect_imagenet128(capsys) -> None:
    assert cli.main(["inspect", "random:128"]) == 0
    out = capsys.readouterr().out
    assert "num_ws 27" in out and "L21_148_861" in out and "parameters: 225,850,243" in out


def test_cli_convert_and_inspect_a_pickle(tmp_path: Path, generator_dir: Path, capsys) -> None:
    pkl = next(generator_dir.glob("*.pkl"))
    assert cli.main(["convert", str(pkl), str(tmp_path / "out")]) == 0
    converted, original = glad_generators.load(tmp_path / "out"), glad_generators.load(pkl)
    assert converted.config.layers == original.config.layers
    assert all(torch.equal(converted.state_dict()[k], v) for k, v in original.state_dict().items())
    assert cli.main(["inspect", str(tmp_path / "out")]) == 0
    assert original.layer_names[-1] in capsys.readouterr().out


def test_cli_errors_are_reported(tmp_path: Path, capsys) -> None:
    assert cli.main(["inspect", "random:abc"]) == 2
    assert "random:RESOLUTION" in capsys.readouterr().err
    assert cli.main(["convert", str(tmp_path / "missing.pkl"), str(tmp_path / "o")]) == 3
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
    hostile = tmp_path / "hostile.pkl"
    hostile.write_bytes(pickle.dumps({"G_ema": Reduce(os.system, f"touch {tmp_path / 'ran'}")}, protocol=4))
    for argv in (["inspect", str(hostile)], ["convert", str(hostile), str(tmp_path / "o")]):
        assert cli.main(argv) == 4  # refused file
        err = capsys.readouterr().err
        assert "hostile.pkl: the pickle references posix.system, which could run code" in err
        assert "nothing in it ran" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hostile.pkl"]


def test_cli_output_failures_and_debug(tmp_path: Path, capsys, monkeypatch) -> None:
    taken = tmp_path / "taken"
    taken.write_text("keep me")
    assert cli.main(["convert", "random.pkl", str(taken)]) == 5  # refused before the source is read
    err = capsys.readouterr().err
    assert "taken: exists and is not a directory; choose another OUT_DIR" in err and "Traceback" not in err
    assert taken.read_text() == "keep me"
    assert cli.main(["--debug", "inspect", "random:abc"]) == 2
    assert "Traceback" in capsys.readouterr().err
    monkeypatch.setenv("GLAD_DEBUG", "1")
    assert cli.main(["inspect", "random:abc"]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_module_entry_point_runs() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "glad_generators",
            "inspect",
            "random:16",
            "--channel-base",
            "128",
            "--channel-max",
            "8",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "L10_16_3" in result.stdout
