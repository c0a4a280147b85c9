"""The quality benchmark: distil and evaluate every row with the project's own CLI, record and tabulate them.

Rows (config.json next to this file): ``whole`` (a ConvNet trained on the whole real training set,
`glad-eval --real-train-set`), ``random`` (random real images: `glad distill --generator pixel --init real
--iterations 0`), ``pixel-dm``, ``pixel-dc``, ``glad-dm``, ``glad-dc`` (`glad distill` with the row's flags,
a cheap ConvNet evaluation every iterations/points iterations for the accuracy-vs-iterations curve), each
then evaluated with `glad-eval RUN --models ... --seeds ... --epochs ...`. Every row lives in
<runs-dir>/<dataset>/<row id>; a row whose eval/results.json exists is skipped (--force redoes it), an
interrupted distillation is continued with `glad distill --resume`. Writes (merging with the day's earlier
rows) benchmarks/results/quality_<dataset>_<date>.json, one record per row x model, and the same as a markdown
table (.md, also printed).

    python benchmarks/quality/run_quality.py --dataset fashion-mnist --ipc 1,10
    python benchmarks/quality/run_quality.py --dataset mnist5k --ipc 1 --rows random,pixel-dm \\
        --iterations 2 --models convnet --epochs 2 --seeds 1 --runs-dir /tmp/q --results-dir /tmp/q/results
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from quality_config import DEFAULT_CONFIG, WHOLE, EvalPlan, QualityConfig, load_config
from quality_records import RESULTS, ROW_FILE, merge_records, row_records
from quality_table import markdown

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the glad / glad-eval entry points of this interpreter's environment


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", default="fashion-mnist", help="dataset name (fashion-mnist, mnist5k, ...)")
    p.add_argument("--data-root", help="folder holding the dataset's files (passed to glad / glad-eval)")
    p.add_argument("--ipc", default="1,10", help="comma-separated images per class (default 1,10)")
    p.add_argument("--rows", help="comma-separated rows (default: all of the config, whole first)")
    p.add_argument(
        "--models", help="final-evaluation architectures, comma-separated (default: config eval.models)"
    )
    p.add_argument(
        "--epochs", type=int, help="final-evaluation epochs per model (default: config eval.epochs)"
    )
    p.add_argument("--seeds", type=int, help="final-evaluation models per architecture (default: config)")
    p.add_argument(
        "--whole-epochs", type=int, help="epochs of the whole-dataset row (default: config whole.epochs)"
    )
    p.add_argument(
        "--iterations",
        help="distillation iterations: N for every distilled row, or ROW=N,... (e.g. "
        "pixel-dm=2000,glad-dm=200); default per row from the config; the random row always has 0",
    )
    p.add_argument(
        "--curve-points", type=int, help="periodic ConvNet evaluations per run (0: none; default: config)"
    )
    p.add_argument("--curve-epochs", type=int, help="epochs of each periodic evaluation (default: config)")
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:K (default cpu)")
    p.add_argument("--config", default=str(DEFAULT_CONFIG), help="settings file (default: config.json here)")
    p.add_argument("--runs-dir", default=str(REPO / "runs" / "quality"), help="where the row runs go")
    p.add_argument("--results-dir", default=str(REPO / "benchmarks" / "results"), help="where JSON/MD go")
    p.add_argument("--date", default=datetime.date.today().isoformat(), help="date in the file names")
    p.add_argument("--force", action="store_true", help="redo the selected rows even if they have results")
    p.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    return p.parse_args(argv)


def _csv(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def iteration_overrides(text: str | None, rows: list[str]) -> dict[str, int]:
    """--iterations: {} (config defaults), one N for every row, or ROW=N pairs (ValueError on a bad one)."""
    if not text:
        return {}
    if "=" not in text:
        return dict.fromkeys(rows, int(text))
    out = {}
    for item in _csv(text):
        row, _, value = item.partition("=")
        if row not in rows or not value.isdigit():
            raise ValueError(f"--iterations {item!r}: expected ROW=N with ROW one of {rows} and N >= 0")
        out[row] = int(value)
    return out


def flag_args(flags: dict[str, object]) -> list[str]:
    """{"layer": 2, "lr-img": 0.1} -> ["--layer", "2", "--lr-img", "0.1"] (True: a bare switch)."""
    out = []
    for key, value in flags.items():
        if value is True:
            out.append(f"--{key}")
        elif value is not None and value is not False:
            out += [f"--{key}", str(value)]
    return out


class Runner:
    """Runs the selected rows of one dataset as subprocesses of the project's CLI, one at a time."""

    def __init__(self, args: argparse.Namespace, config: QualityConfig) -> None:
        self.args, self.config = args, config
        self.root = Path(args.runs_dir) / args.dataset
        self.eval_plan = replace(
            config.eval,
            models=tuple(_csv(args.models)) if args.models else config.eval.models,
            seeds=args.seeds or config.eval.seeds,
            epochs=args.epochs or config.eval.epochs,
        )
        self.whole_plan = replace(config.whole, epochs=args.whole_epochs or config.whole.epochs)
        self.curve = replace(
            config.curve,
            points=config.curve.points if args.curve_points is None else args.curve_points,
            epochs=args.curve_epochs or config.curve.epochs,
        )
        self.iterations = iteration_overrides(args.iterations, [r for r in config.rows if r != "random"])
        self.failed: list[str] = []

    def data_flags(self) -> list[str]:
        root = ["--data-root", self.args.data_root] if self.args.data_root else []
        return ["--dataset", self.args.dataset, *root]

    def call(self, run_dir: Path, step: str, command: list[str]) -> bool:
        """Run ``command``, record it and its wall time in run_dir/row.json; False (+ message) on failure."""
        print("$ " + " ".join(command), flush=True)
        if self.args.dry_run:
            return True
        run_dir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        code = subprocess.call(command, cwd=REPO)
        wall = time.perf_counter() - started
        path = run_dir / ROW_FILE
        info = json.loads(path.read_text()) if path.is_file() else {"commands": {}, "wall_s": {}}
        info["commands"][step] = command  # the last attempt's; wall_s sums every attempt (e.g. a resume)
        info["wall_s"][step] = info["wall_s"].get(step, 0.0) + wall
        path.write_text(json.dumps(info, indent=2) + "\n")
        if code != 0:
            print(f"row {run_dir.name}: `{step}` failed with exit status {code}", file=sys.stderr)
        return code == 0

    def evaluate(self, run_dir: Path, source: list[str], plan: EvalPlan) -> bool:
        """`glad-eval SOURCE` with ``plan`` into run_dir/eval (results.json: the row is done)."""
        command = [str(BIN / "glad-eval"), *source, *self.data_flags(), "--models", ",".join(plan.models),
                   "--seeds", str(plan.seeds), "--epochs", str(plan.epochs), "--device", self.args.device,
                   "--out", str(run_dir / RESULTS.parent), "--no-progress"]  # fmt: skip
        return self.call(run_dir, "eval", command)

    def run_whole(self) -> Path:
        """The whole-dataset row: `glad-eval --real-train-set` (config ``whole``)."""
        run_dir = self.root / WHOLE
        if self._done(run_dir):
            return run_dir
        if not self.evaluate(run_dir, ["--real-train-set"], self.whole_plan):
            self.failed.append(WHOLE)
        return run_dir

    def distill_command(self, run_dir: Path, row: str, ipc: int, iterations: int) -> list[str]:
        """`glad distill` for a fresh run of ``row`` at ``ipc``, with the periodic curve evaluations."""
        _, flags = self.config.rows[row].settings(ipc)
        every = self.curve.eval_every(iterations)
        curve = ["--eval-every", str(every)]
        if every:
            curve += ["--eval-models", ",".join(self.curve.models), "--eval-seeds", str(self.curve.seeds),
                      "--eval-epochs", str(self.curve.epochs)]  # fmt: skip
        return [str(BIN / "glad"), "distill", *self.data_flags(), "--ipc", str(ipc), "--iterations",
                str(iterations), *flag_args(flags), *curve, "--device", self.args.device,
                "--out", str(run_dir), "--no-progress"]  # fmt: skip

    def run_distilled(self, row: str, ipc: int) -> Path:
        """A distilled row: distil (fresh, or --resume an interrupted run), then the final glad-eval."""
        run_dir = self.root / f"ipc{ipc}-{row}"
        if self._done(run_dir):
            return run_dir
        iterations = self.iterations.get(row, self.config.rows[row].settings(ipc)[0])
        manifest = run_dir / "manifest.json"
        fresh = self.args.force or not manifest.is_file()  # --force: removed (a dry run only pretends)
        status = None if fresh else json.loads(manifest.read_text()).get("status")
        if status == "completed" and (run_dir / "images.safetensors").is_file():
            ok = True
        elif status is not None:
            resume = [str(BIN / "glad"), "distill", "--resume", "--out", str(run_dir), "--iterations",
                      str(iterations), "--no-progress"]  # fmt: skip
            ok = self.call(run_dir, "distill", resume)
        else:
            ok = self.call(run_dir, "distill", self.distill_command(run_dir, row, ipc, iterations))
        if not ok or not self.evaluate(run_dir, [str(run_dir)], self.eval_plan):
            self.failed.append(run_dir.name)
        return run_dir

    def _done(self, run_dir: Path) -> bool:
        """Whether the row is finished and kept; with --force, the row's directory is removed first."""
        if self.args.force:
            if run_dir.exists() and not self.args.dry_run:
                shutil.rmtree(run_dir)
            return False
        if (run_dir / RESULTS).is_file():
            print(f"row {run_dir.name}: kept (results exist; --force redoes it)")
            return True
        return False


def machine(device: str) -> dict:
    import torch

    cpu = ""
    if Path("/proc/cpuinfo").is_file():
        cpu = next(
            (
                l.split(":", 1)[1].strip()
                for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")
            ),
            "",
        )
    info = {
        "device": device,
        "platform": platform.platform(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cpu_model": cpu,
        "cpus": os.cpu_count(),
    }
    if device.startswith("cuda") and torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(torch.device(device))
    return info


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = load_config(args.config)
        rows = _csv(args.rows) if args.rows else config.row_names
        unknown = [r for r in rows if r not in config.row_names]
        if unknown:
            raise ValueError(f"--rows: unknown row(s) {unknown}; this config has {config.row_names}")
        ipcs = [int(k) for k in _csv(args.ipc)]
        if not ipcs or min(ipcs) < 1:
            raise ValueError(f"--ipc {args.ipc!r}: expected positive integers, e.g. 1,10")
        runner = Runner(args, config)
    except ValueError as exc:
        print(f"run_quality: error: {exc}", file=sys.stderr)
        return 2
    done: list[tuple[Path, int | None, str]] = []
    if WHOLE in rows:
        done.append((runner.run_whole(), None, WHOLE))
    for ipc in ipcs:
        for row in (r for r in rows if r != WHOLE):
            done.append((runner.run_distilled(row, ipc), ipc, row))
    if args.dry_run:
        return 0
    paper = {name: row.paper_iterations for name, row in config.rows.items()}
    new = [
        rec
        for run_dir, ipc, row in done
        for rec in row_records(run_dir, args.dataset, ipc, row, paper.get(row))
    ]
    out = Path(args.results_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / f"quality_{args.dataset}_{args.date}.json"
    old = json.loads(json_path.read_text())["records"] if json_path.is_file() else []
    records = merge_records(old, new)
    info = machine(args.device)
    payload = {
        "benchmark": "quality",
        "dataset": args.dataset,
        "date": args.date,
        "machine": info,
        "config": json.loads(Path(args.config).read_text()),
        "records": records,
    }
    json_path.write_text(json.dumps(payload, indent=2) + "\n")
    text = markdown(args.dataset, args.date, records, config.row_names, info)
    md_path = json_path.with_suffix(".md")
    md_path.write_text(text)
    print(text)
    print(f"wrote {json_path} and {md_path}")
    if runner.failed:
        print(f"run_quality: failed rows: {', '.join(runner.failed)} (rerun to retry them)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
