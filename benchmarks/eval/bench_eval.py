"""Benchmark of glad-eval's training loop: seconds per model-epoch for each architecture at IPC 1 and 10, at
32 px and 128 px, and the share of the epoch spent outside the model's forward/backward.

Phases (benchmarks/eval/phase_timer.py, which times the loop from outside by wrapping what it calls):
forward_backward (model forward, loss, backward), optimizer (SGD step), data (the rest: shuffling, batch
gathering, the loop), augment (DSA sampling + applying), bookkeeping (lr schedule, EMA update).
"overhead" = (data + augment + bookkeeping) / total, the goal being <= 10%; the optimizer step is reported
on its own. On CUDA it also times the whole zoo (5 architectures x 5 seeds x 1000 epochs) for IPC 10 at
32 px with ``glad_eval.protocol.evaluate``.

    .venv/bin/python benchmarks/eval/bench_eval.py                # CPU: 32 px at IPC 1, 10; 128 px at IPC 1
    .venv/bin/python benchmarks/eval/bench_eval.py --full         # every (size, IPC) pair
    .venv/bin/python benchmarks/eval/bench_eval.py --device cuda  # GPU: all pairs, then the zoo wall time
    .venv/bin/python benchmarks/eval/bench_eval.py --cases 128x10 --tag 128px_ipc10  # chosen cases only

Writes benchmarks/results/eval_<device>_<date>[_<tag>].json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import time
from pathlib import Path

import torch
from glad_eval import models
from glad_eval.data import Dataset, ImageSet
from glad_eval.protocol import EvalConfig, Job, build_model, evaluate, train_model
from phase_timer import PhaseTimer  # benchmarks/eval/phase_timer.py (the script's directory is on sys.path)

ZOO = models.EVAL_MODES["M"]
NUM_CLASSES = 10
OVERHEAD_PHASES = ("data", "augment", "bookkeeping")


def synthetic_dataset(size: int, test_per_class: int = 10) -> Dataset:
    """A 10-class, 3-channel random dataset at ``size`` px (only its shape matters for timing)."""
    g = torch.Generator().manual_seed(0)
    n = NUM_CLASSES * test_per_class
    images = torch.randint(0, 256, (n, 3, size, size), generator=g, dtype=torch.uint8)
    split = ImageSet(images, torch.arange(NUM_CLASSES).repeat_interleave(test_per_class))
    return Dataset(
        "synthetic", NUM_CLASSES, 3, size, (0.5,) * 3, (0.25,) * 3, [str(c) for c in range(10)], split, split
    )


def time_epochs(name: str, size: int, ipc: int, epochs: int, device: torch.device) -> dict:
    """Train one fresh model for 1 warm-up epoch + ``epochs`` timed epochs; per-epoch seconds by phase."""
    dataset = synthetic_dataset(size)
    g = torch.Generator().manual_seed(1)
    x = dataset.normalize(torch.rand(NUM_CLASSES * ipc, 3, size, size, generator=g).to(device))
    y = torch.arange(NUM_CLASSES).repeat_interleave(ipc).to(device)
    warm = EvalConfig(models=(name,), num_seeds=1, epochs=1, device=str(device))
    model = build_model(Job(name, 0), dataset, warm, device)
    train_model(model, x, y, lr=1e-3, config=warm, generator=g)
    config = EvalConfig(models=(name,), num_seeds=1, epochs=epochs, device=str(device))
    timer = PhaseTimer(device)
    with timer.watch(model):
        train_model(model, x, y, lr=1e-3, config=config, generator=g)
    total = sum(timer.seconds.values())
    phases = {k: v / epochs for k, v in timer.seconds.items()}
    return {
        "model": name,
        "image_size": size,
        "ipc": ipc,
        "epochs_timed": epochs,
        "seconds_per_epoch": total / epochs,
        "phases_per_epoch": phases,
        "overhead_share": sum(phases.get(k, 0.0) for k in OVERHEAD_PHASES) / (total / epochs),
        "optimizer_share": phases.get("optimizer", 0.0) / (total / epochs),
    }


def zoo_wall_time(device: torch.device) -> dict:
    """The whole eval_mode-M zoo, 5 seeds x 1000 epochs, IPC 10 at 32 px, through evaluate()."""
    dataset = synthetic_dataset(32, test_per_class=1000)
    g = torch.Generator().manual_seed(2)
    x = torch.rand(NUM_CLASSES * 10, 3, 32, 32, generator=g)
    y = torch.arange(NUM_CLASSES).repeat_interleave(10)
    config = EvalConfig(device=str(device))
    start = time.perf_counter()
    report = evaluate(x, y, dataset, config, progress=False)
    return {
        "models": list(config.models),
        "num_seeds": config.num_seeds,
        "epochs": config.epochs,
        "ipc": 10,
        "image_size": 32,
        "test_images": len(dataset.test),
        "wall_seconds": time.perf_counter() - start,
        "seconds_per_model": {name: r.seconds / config.num_seeds for name, r in report.per_model.items()},
    }


def machine(device: torch.device) -> dict:
    info = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "device": str(device),
        "load_average_1min_at_start": os.getloadavg()[0],  # other jobs on the machine inflate CPU timings
    }
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    else:
        try:
            cpu = next(line for line in open("/proc/cpuinfo") if line.startswith("model name"))
            info["cpu"] = cpu.split(":", 1)[1].strip()
        except (OSError, StopIteration):
            info["cpu"] = platform.processor()
    return info


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--models", default=",".join(ZOO))
    p.add_argument("--epochs", type=int, default=None, help="timed epochs per case (default: 2 CPU, 20 CUDA)")
    p.add_argument("--full", action="store_true", help="on CPU also time 128 px at IPC 10 (slow)")
    p.add_argument("--cases", help="only these SIZExIPC cases, comma-separated, e.g. 128x10")
    p.add_argument("--tag", default="", help="suffix of the results file name (keeps earlier results)")
    p.add_argument("--skip-zoo", action="store_true", help="on CUDA, skip the whole-zoo wall time")
    p.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results"))
    args = p.parse_args()
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    epochs = args.epochs or (20 if cuda else 2)
    cases = [(32, 1), (32, 10), (128, 1)] + ([(128, 10)] if cuda or args.full else [])
    if args.cases:
        cases = [tuple(int(v) for v in case.split("x")) for case in args.cases.split(",")]

    rows = []
    header = f"{'model':<10}{'px':>5}{'ipc':>5}{'s/epoch':>11}{'overhead':>10}{'optim':>8}"
    print(header + "   data/augment/bookkeeping ms")
    for size, ipc in cases:
        for name in args.models.split(","):
            row = time_epochs(name, size, ipc, epochs, device)
            rows.append(row)
            ph = row["phases_per_epoch"]
            ms = "/".join(f"{1000 * ph.get(k, 0.0):.1f}" for k in OVERHEAD_PHASES)
            shares = f"{100 * row['overhead_share']:>9.1f}%{100 * row['optimizer_share']:>7.1f}%"
            print(f"{name:<10}{size:>5}{ipc:>5}{row['seconds_per_epoch']:>11.4f}{shares}   {ms}", flush=True)
    result = {
        "benchmark": "glad-eval training loop",
        "date": datetime.date.today().isoformat(),
        "machine": machine(device),
        "overhead_goal": "<= 10% of each epoch in data + augment + bookkeeping",
        "rows": rows,
    }
    if cuda and not args.skip_zoo:
        result["zoo_ipc10_32px"] = zoo = zoo_wall_time(device)
        print(f"whole zoo, IPC 10 at 32 px, 5 seeds x 1000 epochs: {zoo['wall_seconds']:.1f} s")
    out = Path(args.out) / f"eval_{device.type}_{result['date']}{'_' + args.tag if args.tag else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
