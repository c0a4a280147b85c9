"""glad report: built from tiny real runs and read as a person would (every section, every picture decodes,
nothing external), bad input refused with one line, and rendered by headless Chromium when it is installed."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import re
import shutil
import subprocess

import pytest
import torch
from conftest import tiny_config
from glad_distill import Distiller
from glad_distill.report import SECTIONS, ReportOptions, build_report, load_run, nearest_real
from glad_distill.report.build import find_neighbours
from PIL import Image

pytest.importorskip("matplotlib", reason='matplotlib missing: pip install "glad-distill[report]"')

EVAL = {"models": ["mlp", "lenet"], "num_seeds": 1, "epochs": 1}
SRC = re.compile(r'src="([^"]*)"')
FAST = ReportOptions(neighbours=0)


@pytest.fixture(scope="module")
def runs(tmp_path_factory, mnist):
    """An evaluated run with snapshots and a recorded baseline, and a run never evaluated."""
    root = tmp_path_factory.mktemp("report")
    evaluated = root / "evaluated"
    config = tiny_config(iterations=4, snapshot_every=2, eval_every=2, eval=EVAL)
    Distiller(config, evaluated, dataset=mnist, progress=False).run()
    manifest = json.loads((evaluated / "manifest.json").read_text())
    baseline = json.loads(json.dumps(manifest["metrics"][-1]))
    baseline.pop("iteration")
    for result in baseline["per_model"].values():
        result["mean"] -= 5.0
    baseline["cross_arch_mean"] -= 5.0
    manifest["baseline"] = {"name": "random-real", "report": baseline}
    (evaluated / "manifest.json").write_text(json.dumps(manifest))
    plain = root / "plain"
    Distiller(tiny_config(iterations=2), plain, dataset=mnist, progress=False).run()
    return evaluated, plain


@pytest.fixture(scope="module")
def full_report(runs, tmp_path_factory):
    out = tmp_path_factory.mktemp("html") / "report.html"
    build_report([runs[0]], out, ReportOptions(neighbours=2, neighbour_images=3))
    return out


def _pictures(html: str) -> list[Image.Image]:
    pictures = []
    for src in SRC.findall(html):
        assert src.startswith("data:image/png;base64,"), src[:60]
        picture = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
        picture.load()  # decodes every pixel (raises on a broken PNG)
        pictures.append(picture)
    return pictures


def _section(html: str, name: str) -> str:
    start = html.index(f'<section id="{name}">')
    return html[start : html.index("</section>", start)]


def test_report_has_every_section_and_only_embedded_pictures(full_report, runs):
    html = full_report.read_text()
    for name in SECTIONS:
        assert f'<section id="{name}">' in html
    pictures = _pictures(html)
    # 3 plots + 10 grid images + 2 evolution frames + 3 distilled images x (1 + 2 neighbours)
    assert len(pictures) == 3 + 10 + 2 + 9
    assert all(p.width > 0 and p.height > 0 for p in pictures)
    lowered = html.lower()
    for external in ("http://", "https://", 'src="//', "<script", "<link", "url("):
        assert external not in lowered
    identity = _section(html, "identity")
    for text in ("mnist5k", "dm", "random-stylegan-xl", "4 of 4", "wall time", "torch", "cpu"):
        assert text in identity
    evolution = _section(html, "evolution")
    assert "iteration 2" in evolution and "iteration 4" in evolution
    grid = _section(html, "grid")
    assert all(f"<th>{c}</th>" in grid for c in "0123456789")  # one row per class, named


def test_final_table_shows_the_baseline_and_the_gain(full_report, runs):
    table = _section(full_report.read_text(), "final-table")
    final = load_run(runs[0]).final_evaluation
    for name in ("mlp", "lenet"):
        mean = final["per_model"][name]["mean"]
        assert f"{mean:.2f} ± 0.00" in table and f"{mean - 5.0:.2f} ± 0.00" in table
    assert table.count("+5.00") == 3  # mlp, lenet, cross-arch mean
    assert "no baseline recorded" not in table


def test_neighbours_section_names_the_embedding(full_report):
    neighbours = _section(full_report.read_text(), "neighbours")
    assert "randomly initialised ConvNet" in neighbours and neighbours.count("cos ") == 6


def test_a_run_never_evaluated_says_so(runs, tmp_path):
    out = build_report([runs[1]], tmp_path / "r.html", FAST)
    html = out.read_text()
    assert "not evaluated" in _section(html, "accuracy") and "not evaluated" in _section(html, "final-table")
    assert "no snapshots" in _section(html, "evolution")
    assert len(_pictures(html)) == 2 + 10  # loss + saturation plots, the grid


def test_several_runs_are_compared_and_other_datasets_labelled(runs, tmp_path):
    other = tmp_path / "evaluated"  # same folder name as the first run: labels are made distinct
    shutil.copytree(runs[0], other)
    manifest = json.loads((other / "manifest.json").read_text())
    manifest["config"]["dataset"] = "cifar10"
    (other / "manifest.json").write_text(json.dumps(manifest))
    html = build_report([runs[0], other, runs[1]], tmp_path / "r.html", FAST).read_text()
    assert "different datasets (cifar10, mnist5k)" in html
    assert "evaluated (2)" in _section(html, "identity") and "(cifar10, iteration 4)" in html
    assert _section(html, "final-table").count("no baseline recorded") == 0
    assert "plain: not evaluated" in _section(html, "accuracy")
    found = find_neighbours([load_run(other)], ReportOptions(neighbours=1, data_root=str(tmp_path / "none")))
    assert "pass --data-root" in found["evaluated"]


def test_bad_input_is_refused_with_one_line(runs, tmp_path, capsys):
    from glad_distill.cli import main

    with pytest.raises(ValueError, match="is not a glad run directory"):
        build_report([tmp_path], tmp_path / "r.html", FAST)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ValueError, match="not a writable directory"):
        build_report([runs[1]], blocker / "r.html", FAST)
    with pytest.raises(ValueError, match="is a directory"):
        build_report([runs[1]], tmp_path, FAST)
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "r.html")]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "is not a glad run directory" in error
    assert not (tmp_path / "r.html").exists()


def test_nearest_neighbours_find_an_exact_copy(mnist):
    from glad_eval.data.dataset import ImageSet

    small = dataclasses.replace(mnist, train=ImageSet(mnist.train.images[:300], mnist.train.labels[:300]))
    copies = small.train.float01(torch.tensor([5, 120]))
    found = nearest_real(copies, small, k=2)
    assert found.indices[:, 0].tolist() == [5, 120]
    assert found.similarity[:, 0].tolist() == pytest.approx([1.0, 1.0], abs=1e-5)
    assert (found.similarity[:, 1] < found.similarity[:, 0]).all()
    assert (
        torch.equal(found.images01[:, 0], copies)
        and found.labels[:, 0].tolist() == small.train.labels[[5, 120]].tolist()
    )


def test_chromium_renders_the_report_without_console_errors(full_report, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install chromium); the browser check is skipped")
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        [browser, "--headless", "--disable-gpu", "--no-sandbox", f"--screenshot={shot}",
         "--window-size=1200,2000", "--enable-logging=stderr", "--v=0", full_report.resolve().as_uri()],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    pixels = torch.from_numpy(__import__("numpy").asarray(Image.open(shot).convert("L"), dtype="float32"))
    assert pixels.shape == (2000, 1200) and pixels.std() > 20  # text, tables, plots: far from blank
    assert (pixels < 128).float().mean() > 0.01
