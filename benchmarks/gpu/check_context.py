"""The machinery of the GPU check (benchmarks/gpu/check.py): the phase registry, the context every phase
gets (paths, mode, log, clock) and the subprocess runner with its time caps."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PURE_PACKAGES = ("glad-generators", "glad-eval", "glad-distill")
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


def time_left(ctx: Context) -> float:
    return ctx.deadline - time.monotonic()


def ctx_cap(ctx: Context, name: str) -> float:
    """The phase's own cap, never past the overall deadline."""
    p = PHASES[name]
    return min(p.dry_cap_s if ctx.dry_run else p.cap_s, time_left(ctx))
