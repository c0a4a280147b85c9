"""One call that shows everything a GPU can: build, CUDA tests, kernel / generator / distillation benchmarks.

Phases (each a subprocess with a time cap, all within one overall budget; a phase that runs out of time is
recorded as such and the next one still runs):

  environment   python, torch, CUDA, device, capability, nvcc, commit, fixtures
  build         glad-ops wheel for this device's architecture against this torch (pip wheel, no isolation;
                CMake straight from CMakeLists.txt if pip cannot build), installed into a private folder
  tests         every test file with a `cuda` mark, `-m cuda` (fixtures: GLAD_SHARED, ./shared, ../shared)
  ops           benchmarks/ops/bench_ops.py, float16 and float32: CUDA kernels vs the reference path in the
                same run; bias_act against a same-size device copy and against memory bandwidth
  generator     benchmarks/generators/bench_generator.py: full-size random ImageNet-128 StyleGAN-XL at 128 px,
                fp32 / bf16 / fp16, native and reference (images/s, peak memory)
  distill       benchmarks/distill/bench_distill.py: one GLaD DM and one GLaD MTT step at IPC 1, 10, 50
                (seconds per step, peak torch.cuda.max_memory_allocated)

The phases live in check_phases.py, the runner (context, caps, log) in check_context.py.
Writes <out>/gpu_check.json (every phase: status, seconds, results; device, torch, CUDA, date) and
<out>/gpu_check.log (the output of every command). `--dry-run` runs the same phases on the CPU with tiny
shapes (the build makes the pure-Python wheel, so nothing is compiled; the later phases use the glad-ops of
the environment): tests/test_gpu_check_dryrun.py runs it, so this script cannot rot.

    python benchmarks/gpu/check.py --out "$OUT"             # on the lent GPU machine (via check.sh)
    python benchmarks/gpu/check.py --dry-run --out /tmp/chk  # anywhere, about a minute on 2 CPU cores
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path

import check_phases  # noqa: F401 - registers the phases
from check_context import MIN_PHASE_S, PHASES, ROOT, Context, ctx_cap, time_left

DEFAULT_BUDGET_S = 470  # the device tool allows 10 minutes a command; leave room for start-up and copies


def find_shared() -> Path | None:
    """The shared/ folder with the reference fixtures: $GLAD_SHARED, ./shared, ../shared."""
    for candidate in (os.environ.get("GLAD_SHARED"), ROOT / "shared", ROOT.parent / "shared"):
        if candidate and (Path(candidate) / "fixtures").is_dir():
            return Path(candidate).resolve()
    return None


def run_check(out: Path, dry_run: bool, budget_s: float, only: list[str] | None = None) -> dict:
    """Run the phases (all, or `only`) and write gpu_check.json and gpu_check.log under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    report: dict = {
        "check": "benchmarks/gpu/check.py",
        "dry_run": dry_run,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "budget_s": budget_s,
        "phases": {},
    }
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp, open(out / "gpu_check.log", "w") as log:
        ctx = Context(out, Path(tmp), dry_run, start + budget_s, log, shared=find_shared())
        ctx.raw.mkdir()
        for name, p in PHASES.items():
            if only and name not in only:
                continue
            if time_left(ctx) < MIN_PHASE_S:
                report["phases"][name] = {"status": "skipped: the overall budget ran out"}
                ctx.log(f"== {name}: skipped (budget)")
                continue
            ctx.log(f"\n== {name} (cap {ctx_cap(ctx, name):.0f} s, {time_left(ctx):.0f} s left)")
            t0 = time.monotonic()
            try:
                result = p.run(ctx)
            except Exception as err:  # noqa: BLE001 - a broken phase must not stop the others
                result = {"status": f"error: {type(err).__name__}: {err}"}
            result.setdefault("status", "ok")
            result["phase_seconds"] = round(time.monotonic() - t0, 1)
            report["phases"][name] = result
            ctx.log(f"== {name}: {result['status']} in {result['phase_seconds']} s")
            (out / "gpu_check.json").write_text(json.dumps(_with_device(report, ctx), indent=1) + "\n")
        report = _with_device(report, ctx)
        report["total_seconds"] = round(time.monotonic() - start, 1)
        (out / "gpu_check.json").write_text(json.dumps(report, indent=1) + "\n")
        ctx.log("\n" + summary(report))
    return report


def _with_device(report: dict, ctx: Context) -> dict:
    """Device, torch, CUDA and Python at the top of the report (from the environment phase)."""
    facts = ctx.facts
    keys = ("device", "capability", "torch", "torch_cuda", "nvcc", "python", "commit")
    return {**report, **{k: facts.get(k) for k in keys}}


def summary(report: dict) -> str:
    """A few lines: one per phase with its status and time."""
    lines = [f"gpu check ({'dry run' if report['dry_run'] else report.get('device')}): "
             f"torch {report.get('torch')}, CUDA {report.get('torch_cuda')}, {report['date']}"]  # fmt: skip
    for name, result in report["phases"].items():
        extra = ""
        if name == "tests" and result.get("summary"):
            extra = f" — {result['summary']}"
        lines.append(f"  {name:<12} {result['status']:<40} {result.get('phase_seconds', 0):>6} s{extra}")
    lines.append(f"  total {report.get('total_seconds')} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dry-run", action="store_true", help="CPU, tiny shapes, nothing compiled")
    p.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", "gpu-check-out")))
    p.add_argument("--budget", type=float, default=DEFAULT_BUDGET_S, help="seconds for all phases together")
    p.add_argument("--only", default=None, help=f"comma-separated subset of {', '.join(PHASES)}")
    args = p.parse_args(argv)
    only = args.only.split(",") if args.only else None
    unknown = sorted(set(only or ()) - set(PHASES))
    if unknown:
        p.error(f"--only: unknown phase(s) {unknown}; choose from {', '.join(PHASES)}")
    report = run_check(args.out, args.dry_run, args.budget, only)
    bad = [n for n, r in report["phases"].items() if r["status"] != "ok"]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
