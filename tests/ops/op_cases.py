"""Load the op fixtures (shared/fixtures/ops.json + ops.safetensors) and replay one case through glad_ops.

`load_cases(dir)` reads every case once; `run_case(case, impl)` calls the op the case names with its exact
parameters and returns the computed tensors under the fixture's role names (y, dx, db, f_out).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import glad_ops
import torch
from safetensors.torch import load_file

REPO_ROOT = Path(__file__).resolve().parents[2]


def default_fixtures_dir() -> Path:
    """The fixtures folder at collection time (as in tests/conftest.py: $GLAD_SHARED or ../shared)."""
    return Path(os.environ.get("GLAD_SHARED", REPO_ROOT.parent / "shared")).resolve() / "fixtures"


def case_ids(fixtures_dir: Path) -> list[str]:
    path = fixtures_dir / "ops.json"
    if not path.is_file():
        return ["<ops.json missing>"]
    return [case["id"] for case in json.loads(path.read_text())["cases"]]


@dataclass(frozen=True)
class OpCase:
    id: str
    op: str
    params: dict
    tensors: dict[str, torch.Tensor]  # role -> tensor; absent role = None


def load_cases(fixtures_dir: Path) -> dict[str, OpCase]:
    spec = json.loads((fixtures_dir / "ops.json").read_text())
    data = load_file(str(fixtures_dir / "ops.safetensors"))
    return {
        c["id"]: OpCase(
            c["id"], c["op"], c["params"], {role: data[key] for role, key in c["tensors"].items()}
        )
        for c in spec["cases"]
    }


def _call(case: OpCase, x: torch.Tensor, b: torch.Tensor | None, impl: str) -> torch.Tensor:
    p, t = case.params, case.tensors
    if case.op == "bias_act":
        return glad_ops.bias_act(
            x, b, dim=p["dim"], act=p["act"], alpha=p["alpha"], gain=p["gain"], clamp=p["clamp"], impl=impl
        )
    if case.op == "upfirdn2d":
        return glad_ops.upfirdn2d(
            x,
            t.get("f"),
            up=p["up"],
            down=p["down"],
            padding=p["padding"],
            flip_filter=p["flip_filter"],
            gain=p["gain"],
            impl=impl,
        )
    if case.op == "upsample2d":
        return glad_ops.upsample2d(
            x,
            t.get("f"),
            up=p["up"],
            padding=p["padding"],
            flip_filter=p["flip_filter"],
            gain=p["gain"],
            impl=impl,
        )
    if case.op == "downsample2d":
        return glad_ops.downsample2d(
            x,
            t.get("f"),
            down=p["down"],
            padding=p["padding"],
            flip_filter=p["flip_filter"],
            gain=p["gain"],
            impl=impl,
        )
    if case.op == "filter2d":
        return glad_ops.filter2d(
            x, t.get("f"), padding=p["padding"], flip_filter=p["flip_filter"], gain=p["gain"], impl=impl
        )
    if case.op == "filtered_lrelu":
        return glad_ops.filtered_lrelu(
            x,
            t.get("fu"),
            t.get("fd"),
            b,
            up=p["up"],
            down=p["down"],
            padding=p["padding"],
            gain=p["gain"],
            slope=p["slope"],
            clamp=p["clamp"],
            flip_filter=p["flip_filter"],
            impl=impl,
        )
    raise KeyError(f"no runner for op {case.op!r} (case {case.id})")


def run_case(case: OpCase, impl: str) -> dict[str, torch.Tensor]:
    """Replay `case`; returns {'f_out'} for setup_filter, else {'y', 'dx'[, 'db']} with dx = d<y, dy>/dx."""
    p, t = case.params, case.tensors
    if case.op == "setup_filter":
        f_in = None if p["f_is_none"] else t["f_in"]
        out = glad_ops.setup_filter(
            f_in,
            normalize=p["normalize"],
            flip_filter=p["flip_filter"],
            gain=p["gain"],
            separable=p["separable"],
        )
        return {"f_out": out}
    x = t["x"].clone().requires_grad_(True)
    b = t["b"].clone().requires_grad_(True) if "b" in t else None
    y = _call(case, x, b, impl)
    grads = torch.autograd.grad(y, [x] if b is None else [x, b], t["dy"])
    result = {"y": y.detach(), "dx": grads[0]}
    if b is not None:
        result["db"] = grads[1]
    return result


def max_scaled_error(got: torch.Tensor, expected: torch.Tensor) -> float:
    """max_i |got_i - expected_i| / max(1, |expected_i|) (0 for empty tensors)."""
    if expected.numel() == 0:
        return 0.0
    err = (got.double() - expected.double()).abs() / expected.double().abs().clamp(min=1)
    return err.max().item()
