"""The fixtures' attribute dump is the tests' format (fixture_format.py), no longer one `glad_generators.load`
lists; `load` still reads it for one release, with a DeprecationWarning, giving the same generator."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import glad_generators
import pytest
import torch
from fixture_format import load_fixture, read_fixture
from glad_generators.loading import accepted_formats


def test_load_of_an_attribute_dump_still_works_and_warns(fixtures_dir: Path) -> None:
    gen32 = fixtures_dir / "gen32"
    with pytest.warns(DeprecationWarning, match=r"attribute dump.*deprecated.*official \.pkl"):
        old = glad_generators.load(gen32)
    new = load_fixture(gen32)
    assert old.config == new.config
    old_state, new_state = old.state_dict(), new.state_dict()
    assert old_state.keys() == new_state.keys()
    assert all(torch.equal(old_state[key], new_state[key]) for key in new_state)


def test_attribute_dump_is_not_an_accepted_format() -> None:
    accepted = accepted_formats()
    assert "attribute dump" not in accepted
    assert ".pkl" in accepted and "glad_generators.save" in accepted


def test_read_fixture_names_a_config_that_is_not_a_dump(fixtures_dir: Path, tmp_path: Path) -> None:
    shutil.copy(fixtures_dir / "gen32" / "weights.safetensors", tmp_path / "weights.safetensors")
    (tmp_path / "config.json").write_text(json.dumps({"mapping": {}}))
    with pytest.raises(ValueError, match=r"config\.json is not an official attribute dump"):
        read_fixture(tmp_path)
