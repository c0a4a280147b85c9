"""The official-style writer (official_layout.py) lays a generator out exactly like the real gen32 pickle, and
a snapshot's generator is read from the entry the spec names (G_ema, else G), also when saved from a GPU."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import glad_generators
import numpy as np
import pytest
import torch
from fixture_format import load_fixture
from gen_helpers import storages_saved_as_cuda
from glad_generators.layer_table import RecipeConfig
from glad_generators.persistence.safe_unpickler import PersistentRecord, Stub, safe_load_pickle
from official_layout import (
    attribute_dump,
    official_objects,
    official_pickle_bytes,
    random_generator,
    recipe_from_attribute_dump,
    with_other_weights,
)

NOT_COMPARED = {"path_stem"}  # a file path on the machine that grew the generator


def _same(a: Any, b: Any) -> bool:
    """Equal values of the same types (numpy arrays/scalars, tensors and containers compared inside)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, torch.Tensor):  # Parameter or Tensor: the type is compared above
        return a.dtype == b.dtype and a.requires_grad == b.requires_grad and torch.equal(a, b)
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(map(_same, a, b))
    return a == b


def assert_same_layout(real: Any, written: Any, where: str) -> None:
    """Same classes, attribute names, values and value types, recursively through `_modules`."""
    if isinstance(real, Stub):  # torch.nn.Embedding, pickled by reference: torch versions differ in its dict
        assert type(written).__name__ == type(real).__name__ == "Embedding", where
        weight = written.stub_state["_parameters"]["weight"]
        assert torch.equal(weight, real.stub_state["_parameters"]["weight"]), where
        return
    assert isinstance(written, PersistentRecord), where
    assert (written.class_name, written.version) == (real.class_name, real.version), where
    assert written.state.keys() == real.state.keys(), (where, written.state.keys() ^ real.state.keys())
    for key, value in real.state.items():
        if key == "_modules":
            assert list(written.state[key]) == list(value), where
            for name, child in value.items():
                assert_same_layout(child, written.state[key][name], f"{where}.{name}")
        elif key in ("_parameters", "_buffers"):
            assert written.state[key].keys() == value.keys(), (where, key)
            for name, tensor in value.items():
                assert _same(tensor, written.state[key][name]), (where, name)
        elif key == "_init_kwargs":
            ours = {k: v for k, v in written.state[key].items() if k not in NOT_COMPARED}
            assert _same({k: v for k, v in value.items() if k not in NOT_COMPARED}, ours), (
                where,
                value,
                ours,
            )
        elif key not in NOT_COMPARED and not key.endswith("hooks"):
            assert _same(value, written.state[key]), (where, key, value, written.state[key])


def test_writer_reproduces_the_real_gen32_pickle_and_dump(fixtures_dir: Path, tmp_path: Path) -> None:
    gen32 = fixtures_dir / "gen32"
    reference = json.loads((gen32 / "config.json").read_text())
    G = load_fixture(gen32)
    root = official_objects(G, recipe_from_attribute_dump(reference))
    path = tmp_path / "written.pkl"
    path.write_bytes(official_pickle_bytes({"G_ema": root}, 32))
    written, _ = safe_load_pickle(path)
    real, _ = safe_load_pickle(next(gen32.glob("*.pkl")))
    assert_same_layout(real["G_ema"], written["G_ema"], "G_ema")

    dump = json.loads(json.dumps(attribute_dump(root, G, construction={})))
    for key in ("generator_class", "z_dim", "c_dim", "w_dim", "img_resolution", "img_channels", "num_ws"):
        assert dump[key] == reference[key], key
    for section in ("mapping", "synthesis"):
        for key, value in reference[section].items():
            assert dump[section][key] == value, (section, key)
    assert dump["state_dict"] == reference["state_dict"]


@pytest.mark.parametrize("keys", [("G", "G_ema"), ("G",)])
def test_snapshot_entry_is_G_ema_else_G(tmp_path: Path, keys: tuple[str, ...]) -> None:
    recipe = RecipeConfig(resolution=16, num_classes=2, channel_base=32, channel_max=2)
    G = random_generator(recipe, seed=3)
    entries = {"G": with_other_weights(official_objects(G, recipe)), "G_ema": official_objects(G, recipe)}
    path = tmp_path / "snapshot.pkl"
    path.write_bytes(official_pickle_bytes({key: entries[key] for key in keys}, 16))
    loaded = glad_generators.load(path)
    sign = -1 if keys == ("G",) else 1
    assert torch.equal(loaded.mapping.fc0.weight, sign * G.mapping.fc0.weight)
    assert loaded.config.source["entry"] == keys[-1]


def test_snapshot_saved_from_a_gpu_loads_on_the_cpu(tmp_path: Path) -> None:
    """Every storage carries location 'cuda:0' (modules were not moved to the CPU before saving, §4.1)."""
    recipe = RecipeConfig(resolution=32, num_classes=3, channel_base=64, channel_max=4)
    G = random_generator(recipe, seed=5)
    with storages_saved_as_cuda():
        blob = official_pickle_bytes({"G_ema": official_objects(G, recipe)}, 32)
    assert blob.count(b"cuda:0") >= len(G.state_dict())
    path = tmp_path / "gpu_snapshot.pkl"
    path.write_bytes(blob)
    loaded = glad_generators.load(path)
    assert loaded.config == dataclasses.replace(G.config, source=loaded.config.source)
    assert all(t.device.type == "cpu" for t in loaded.state_dict().values())
    assert all(torch.equal(loaded.state_dict()[k], v) for k, v in G.state_dict().items())
    z, c = torch.randn(2, G.z_dim, generator=torch.Generator().manual_seed(0)), torch.tensor([0, 2])
    assert torch.equal(loaded(z, c), G(z, c))
