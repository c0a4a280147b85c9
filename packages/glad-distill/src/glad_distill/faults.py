"""Test-only fault injection (glad_eval.faults): GLAD_TEST_KILL_AT / GLAD_TEST_FAIL_AT at named points."""

from glad_eval.faults import FAIL_ENV, KILL_ENV, fault_point

__all__ = ["FAIL_ENV", "KILL_ENV", "fault_point"]
