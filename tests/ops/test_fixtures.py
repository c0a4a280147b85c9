"""Every case of fixtures/ops.* (official reference outputs, float64): values and gradients."""

from __future__ import annotations

import pytest

from .op_cases import case_ids, default_fixtures_dir, max_scaled_error, run_case

CASE_IDS = case_ids(default_fixtures_dir())
TOLERANCE = 1e-9  # max |got - expected| / max(1, |expected|), per element


def check_case(case, impl: str) -> None:
    got = run_case(case, impl)
    assert got, "the case produced no outputs"
    for role, value in got.items():
        expected = case.tensors[role]
        assert value.shape == expected.shape, (
            f"{case.id} {role}: shape {list(value.shape)} != {list(expected.shape)}"
        )
        assert value.dtype == expected.dtype, f"{case.id} {role}: dtype {value.dtype} != {expected.dtype}"
        err = max_scaled_error(value, expected)
        assert err <= TOLERANCE, f"{case.id} {role}: scaled error {err:.3g} > {TOLERANCE}"


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_ref_matches_fixture(op_cases, case_id):
    check_case(op_cases[case_id], "ref")


@pytest.mark.parametrize("case_id", [c for c in CASE_IDS if not c.startswith("setup_filter")])
def test_native_matches_fixture(op_cases, native_cpu, case_id):
    check_case(op_cases[case_id], "native")
