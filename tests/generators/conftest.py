"""Generator-test helpers: every generator fixture directory is discovered, so unseen ones are tested too.

A generator fixture directory holds `config.json` (official attribute dump), `weights.safetensors`,
`io.safetensors` and one official persistence pickle (`*.pkl`); see fixtures/README.md. Directories are
found under `<shared>/fixtures/` and in GLAD_GENERATOR_FIXTURES (os.pathsep-separated extra directories).
Besides those, `OFFICIAL_STYLE` generators of other resolutions (random weights) are written in the same
layout by `official_layout.write_generator_dir` and checked by the same tests, so nothing may assume gen32.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from glad_generators.layer_table import RecipeConfig
from official_layout import random_generator, write_generator_dir

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("GLAD_SHARED", REPO_ROOT.parent / "shared")).resolve()
REQUIRED = ("config.json", "weights.safetensors", "io.safetensors")

# name -> (recipe, io labels, split n): a SuperresGenerator grown twice (16 -> 32 -> 64), a bare 16 px stem.
OFFICIAL_STYLE = {
    "official-style-64px": (
        RecipeConfig(
            resolution=64, num_classes=7, channel_base=128, channel_max=8, stem_magnitude_ema_beta=0.9
        ),
        [6, 2],
        16,
    ),
    "official-style-16px": (
        RecipeConfig(resolution=16, num_classes=3, channel_base=64, channel_max=4),
        [1, 2],
        9,
    ),
}
_WRITTEN: dict[str, Path] = {}


def generator_fixture_dirs() -> list[Path]:
    roots = [p for p in sorted((SHARED / "fixtures").glob("*")) if p.is_dir()]
    roots += [Path(p) for p in os.environ.get("GLAD_GENERATOR_FIXTURES", "").split(os.pathsep) if p]
    return [p for p in roots if all((p / name).is_file() for name in REQUIRED) and list(p.glob("*.pkl"))]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "generator_dir" in metafunc.fixturenames:
        dirs = generator_fixture_dirs()
        if not dirs:
            pytest.fail(f"no generator fixture directory found under {SHARED / 'fixtures'}")
        metafunc.parametrize(
            "generator_dir",
            [*dirs, *OFFICIAL_STYLE],
            ids=[*(p.name for p in dirs), *OFFICIAL_STYLE],
            indirect=True,
            scope="module",
        )


def official_style_dir(name: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory of OFFICIAL_STYLE[name], written once per session."""
    if name not in _WRITTEN:
        recipe, labels, split_n = OFFICIAL_STYLE[name]
        G = random_generator(recipe, seed=len(_WRITTEN) + 1)
        _WRITTEN[name] = write_generator_dir(
            G, tmp_path_factory.mktemp(name), recipe, labels=labels, split_n=split_n
        )
    return _WRITTEN[name]


@pytest.fixture(scope="module")
def generator_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    param = request.param
    return param if isinstance(param, Path) else official_style_dir(param, tmp_path_factory)
