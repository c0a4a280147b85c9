"""glad_eval.seeding: both derivations keep their exact numbers (saved runs, resumes and tables depend on
them), and the names they had before still work with a DeprecationWarning."""

from __future__ import annotations

import importlib

import pytest
import torch
from glad_eval.seeding import StepSeeds, derive_seed, draw_seed, job_generator


def test_named_seeds_are_frozen():
    assert derive_seed(0, "convnet", 1, "init") == 6339789075670080336
    assert derive_seed(123, "x") == 3782092860120667435
    draws = torch.randint(0, 1000, (4,), generator=job_generator(0, "convnet", 0, "train"))
    assert draws.tolist() == [858, 199, 511, 878]


def test_step_streams_are_frozen_and_pure():
    seeds = StepSeeds(42)
    streams = (seeds.network(), seeds.for_class(3), seeds.trajectory(), seeds.stream(7))
    assert [g.initial_seed() for g in streams] == [
        9129838320742759465,
        7465241460517268406,
        4875857236239627170,
        5263063403417382009,
    ]
    assert StepSeeds(42).for_class(3).initial_seed() == seeds.for_class(3).initial_seed()
    assert draw_seed(torch.Generator().manual_seed(5)) == 4095051218741643470


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("glad_eval.protocol.seeds", "derive_seed"),
        ("glad_eval.protocol.seeds", "job_generator"),
    ],
)
def test_old_seeding_names_still_work_and_warn(module, name):
    new = getattr(importlib.import_module("glad_eval.seeding"), name)
    with pytest.warns(DeprecationWarning, match=f"glad_eval.seeding.{name}"):
        assert getattr(importlib.import_module(module), name) is new


def test_protocol_keeps_exporting_the_named_seeds():
    import glad_eval.protocol as protocol

    assert protocol.derive_seed is derive_seed and protocol.job_generator is job_generator
