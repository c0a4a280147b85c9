"""Logging overhead benchmark: one distillation step with and without the run observers, at glad run's
default snapshot interval.

Two Distillers on the same config (the embedded default that `glad run` distils: mnist5k, DM, a small random
StyleGAN-XL at 32 px split at layer 2, IPC 1) advance in alternating blocks of `--block` iterations (ABBA
order, so drift and other processes hit both alike):
  plain:  no logger at all (not even stats.jsonl);
  logged: stats.jsonl + TensorBoard (--log tensorboard) + a snapshot every `--snapshot-every` iterations
          (the snapshot file, the TensorBoard grid, and the extra render they need).
A block times `step()` plus the observers' work (`Distiller._notify_step`), exactly what `run()` does per
iteration besides checkpoints and evaluations (both off here). Prints the observers' own time per iteration as
a share of a plain step (the overhead figure), and the whole-loop difference between the variants (median over
blocks; only meaningful on a quiet machine: on a shared CPU identical blocks vary by 3x).

    .venv/bin/python benchmarks/distill/bench_logging.py [--device cpu|cuda] [--blocks 6] [--block 10]
        [--snapshot-every 10] [--ipc 1] [--out DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch
from glad_distill import Distiller, load_preset
from glad_eval.data import load_dataset

RESULTS = Path(__file__).resolve().parents[1] / "results"


def synchronize(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def advance(distiller: Distiller, count: int) -> tuple[float, float]:
    """Seconds per iteration of the run loop over `count` iterations: (whole loop, the observers' share).
    The observers' share is timed on its own too: on a busy machine the whole-loop difference between the
    variants is noisier than the logging it measures."""
    device = distiller.config.device
    synchronize(device)
    start = time.perf_counter()
    observers = 0.0
    for _ in range(count):
        loss = distiller.step()
        distiller.iteration += 1
        synchronize(device)
        begin = time.perf_counter()
        distiller._notify_step(loss)
        synchronize(device)
        observers += time.perf_counter() - begin
    return (time.perf_counter() - start) / count, observers / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--blocks", type=int, default=6, help="timed blocks per variant")
    parser.add_argument("--block", type=int, default=10, help="iterations per block")
    parser.add_argument(
        "--snapshot-every", type=int, default=10, help="glad run's default for 200 iterations"
    )
    parser.add_argument("--ipc", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    dataset = load_dataset("mnist5k", progress=False)
    base = {"ipc": args.ipc, "iterations": 10**6, "checkpoint_every": 10**6, "device": args.device}
    with tempfile.TemporaryDirectory() as root:
        plain = Distiller(load_preset("default", base), Path(root) / "plain", dataset=dataset, progress=False)
        plain.loggers = []  # not even stats.jsonl
        logged_config = load_preset(
            "default", {**base, "log": ["tensorboard"], "snapshot_every": args.snapshot_every}
        )
        logged = Distiller(logged_config, Path(root) / "logged", dataset=dataset, progress=False)
        advance(plain, 2), advance(logged, 2)  # warm-up (the first snapshot is not due yet)
        logged.iteration = plain.iteration = 0
        times: dict[str, list[float]] = {"plain": [], "logged": []}
        observer_times: list[float] = []
        step_times: dict[str, list[float]] = {"plain": [], "logged": []}
        for block in range(args.blocks):
            order = [("plain", plain), ("logged", logged)]
            for name, distiller in order if block % 2 == 0 else order[::-1]:
                loop, observers = advance(distiller, args.block)
                times[name].append(loop)
                step_times[name].append(loop - observers)
                if name == "logged":
                    observer_times.append(observers)
        snapshots = len(list((Path(root) / "logged" / "snapshots").glob("*.safetensors")))
        for distiller in (plain, logged):
            for logger in distiller.loggers:
                logger.close()
    per_step = {name: statistics.median(values) for name, values in times.items()}
    overhead = 100.0 * (per_step["logged"] - per_step["plain"]) / per_step["plain"]
    observers = statistics.mean(
        observer_times
    )  # snapshots fall in some blocks only: the mean, not the median
    observer_share = 100.0 * observers / per_step["plain"]
    result = {
        "benchmark": "distill_logging_overhead",
        "date": dt.date.today().isoformat(),
        "device": args.device if not args.device.startswith("cuda") else torch.cuda.get_device_name(),
        "platform": platform.platform(),
        "threads": torch.get_num_threads(),
        "ipc": args.ipc,
        "block": args.block,
        "blocks": args.blocks,
        "snapshot_every": args.snapshot_every,
        "snapshots_written": snapshots,
        "seconds_per_step": per_step,
        "all_blocks": times,
        "step_only_seconds_per_step": {name: statistics.median(v) for name, v in step_times.items()},
        "step_only_blocks": step_times,
        "overhead_percent": overhead,
        "observer_seconds_per_step": observers,
        "observer_percent_of_plain_step": observer_share,
    }
    print(
        f"{result['device']}: plain {per_step['plain'] * 1e3:.1f} ms/step, logged "
        f"{per_step['logged'] * 1e3:.1f} ms/step (stats.jsonl + TensorBoard + snapshot every "
        f"{args.snapshot_every}): {overhead:+.2f}%; the "
        f"observers alone {observers * 1e3:.2f} ms/step = {observer_share:.2f}% of a plain step"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    tag = "cpu" if args.device == "cpu" else "cuda"
    path = args.out / f"distill_logging_{tag}_{result['date']}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
