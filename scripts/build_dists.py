"""Build the sdist of each glad package, then its wheel FROM that sdist (as `python -m build` does), into one
directory, and print what was built. A small PEP 517 front end with no build isolation: the glad-ops build
needs the torch of the running environment (its headers and libtorch).

    python scripts/build_dists.py --out dist                      # the four packages
    python scripts/build_dists.py --out /tmp/d --packages glad-eval --check

`--check` also builds each wheel straight from the source tree and fails unless both wheels hold the same
files with the same .py contents (the sdist is complete). scripts/build_wheels.sh is the user-facing command
(it picks the CUDA toolkit); this file is its engine, importable by tests.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("glad-ops", "glad-generators", "glad-eval", "glad-distill")

# Runs one PEP 517 hook in a fresh interpreter, in the package directory; the result follows a marker line.
_HOOK_RUNNER = """
import importlib, json, sys
sys.path[:0] = json.loads(sys.argv[1])
backend = importlib.import_module(sys.argv[2])
result = getattr(backend, sys.argv[3])(sys.argv[4])
print("\\n@@glad-build-result@@" + result)
"""


@dataclass(frozen=True)
class Built:
    """One package's sdist and the wheel built from it (absolute paths)."""

    package: str
    sdist: Path
    wheel: Path


def build_system(project: Path) -> tuple[str, list[str]]:
    """(build-backend, backend-path as absolute paths) of the pyproject.toml in `project`."""
    table = tomllib.loads((project / "pyproject.toml").read_text())["build-system"]
    return table["build-backend"], [str(project / p) for p in table.get("backend-path", [])]


def run_hook(project: Path, hook: str, out_dir: Path, python: str = sys.executable) -> Path:
    """Call `hook` ('build_sdist' or 'build_wheel') of project's backend; the built file in `out_dir`."""
    backend, backend_path = build_system(project)
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = [python, "-c", _HOOK_RUNNER, json.dumps(backend_path), backend, hook, str(out_dir)]
    proc = subprocess.run(cmd, cwd=project, stdout=subprocess.PIPE, text=True)
    marker = "@@glad-build-result@@"
    lines = [line for line in proc.stdout.splitlines() if line.startswith(marker)]
    if proc.returncode != 0 or not lines:
        sys.stdout.write(proc.stdout)
        raise SystemExit(f"build_dists: {hook} of {project} failed (exit {proc.returncode}); see the log")
    return out_dir / lines[-1][len(marker) :]


def unpack_sdist(sdist: Path, into: Path) -> Path:
    """Extract `sdist` (.tar.gz) under `into`; its top directory."""
    with tarfile.open(sdist) as tar:
        tar.extractall(into, filter="data")
        top = tar.getmembers()[0].name.split("/", 1)[0]
    return into / top


def build_package(package: str, out_dir: Path, check: bool = False) -> Built:
    """sdist of packages/<package>, then the wheel built from the unpacked sdist (outside the repository)."""
    project = ROOT / "packages" / package
    sdist = run_hook(project, "build_sdist", out_dir)
    with tempfile.TemporaryDirectory(prefix=f"{package}-sdist-") as tmp:
        wheel = run_hook(unpack_sdist(sdist, Path(tmp)), "build_wheel", out_dir)
        if check:
            tree_wheel = run_hook(project, "build_wheel", Path(tmp) / "from-tree")
            problems = compare_wheels(wheel, tree_wheel)
            if problems:
                raise SystemExit(f"build_dists: {package}: the sdist's wheel differs: {'; '.join(problems)}")
    return Built(package, sdist, wheel)


def wheel_contents(wheel: Path) -> dict[str, str]:
    """{path in the wheel: sha256 of its bytes for .py files, 'binary' for others}, RECORD excluded."""
    out = {}
    with zipfile.ZipFile(wheel) as zf:
        for name in zf.namelist():
            if name.endswith(".dist-info/RECORD"):
                continue
            out[name] = hashlib.sha256(zf.read(name)).hexdigest() if name.endswith(".py") else "binary"
    return out


def compare_wheels(a: Path, b: Path) -> list[str]:
    """Differences between two wheels (file names, .py contents, file name tags); [] when they agree."""
    problems = []
    if a.name != b.name:
        problems.append(f"names {a.name} vs {b.name}")
    ca, cb = wheel_contents(a), wheel_contents(b)
    for name in sorted(ca.keys() ^ cb.keys()):
        problems.append(f"{name} only in {(a if name in ca else b).name}")
    problems += [f"{name} differs" for name in sorted(ca.keys() & cb.keys()) if ca[name] != cb[name]]
    return problems


def wheel_tag(wheel: Path) -> str:
    """'py3-none-linux_x86_64' from 'glad_ops-0.1.0+cpu-py3-none-linux_x86_64.whl'."""
    return "-".join(wheel.stem.split("-")[-3:])


def table(built: list[Built]) -> str:
    """What was built: file, size, tag; one line per file."""
    rows = [("file", "size", "tag")]
    for b in built:
        rows.append((b.sdist.name, f"{b.sdist.stat().st_size / 1024:.0f} KiB", "sdist"))
        rows.append((b.wheel.name, f"{b.wheel.stat().st_size / 1024:.0f} KiB", wheel_tag(b.wheel)))
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{f:{width}}  {s:>9}  {t}" for f, s, t in rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=ROOT / "dist", help="where the sdists and wheels go")
    p.add_argument("--packages", default=",".join(PACKAGES), help="comma-separated, default: all four")
    p.add_argument("--check", action="store_true", help="also build from the tree and compare the wheels")
    p.add_argument(
        "--require-ops-tag",
        default=None,
        help="fail unless glad-ops' wheel has this local tag, e.g. +cu130 or +cpu (the backend falls back "
        "to CPU-only or pure Python when compiling fails)",
    )
    args = p.parse_args(argv)
    names = [n for n in args.packages.split(",") if n]
    unknown = sorted(set(names) - set(PACKAGES))
    if unknown:
        p.error(f"unknown package(s) {unknown}; choose from {', '.join(PACKAGES)}")
    out = args.out.resolve()
    built = [build_package(name, out, check=args.check) for name in names]
    print(f"built into {out}:")
    print(table(built))
    ops = [b for b in built if b.package == "glad-ops"]
    if args.require_ops_tag and ops and f"{args.require_ops_tag}-" not in ops[0].wheel.name:
        raise SystemExit(
            f"build_dists: {ops[0].wheel.name} lacks {args.require_ops_tag}: compiling the kernels failed "
            "and the build fell back (see the [glad-ops build] warnings above)"
        )
    if args.check:
        print("check: each wheel built from its sdist equals the one built from the tree")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
