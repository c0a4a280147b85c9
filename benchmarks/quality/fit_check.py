"""Does an architecture learn from the set it is evaluated on? glad-eval's protocol, training curve kept.

For each set (a run directory, an images.safetensors or an ImageFolder) and each fresh model (the same
initialisation, shuffling and DSA draws as ``glad-eval --seed S``, so index 0 reproduces glad-eval's first
model), this trains ``--model`` for every ``--epochs`` value and prints: the test accuracy of the EMA model
(glad-eval's number), the EMA model's accuracy on the set's own un-augmented images (did it fit them?), and
the training loss (DSA-augmented batches, as trained) of the first and last epochs. Chance is 100 / classes.

A row where an architecture scores near chance is only evidence about the images if that architecture fitted
them; this separates "the set teaches nothing" from "the model did not train".

    python benchmarks/quality/fit_check.py runs/q/ipc1-random runs/q/ipc1-glad-dc --dataset fashion-mnist \\
        --model alexnet --seeds 5 --epochs 150,1000 --json benchmarks/results/fit_alexnet_<date>.json
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import sys
import time
from pathlib import Path

import torch
from glad_eval.artifacts import load_distilled
from glad_eval.data import load_dataset
from glad_eval.protocol import EvalConfig
from glad_eval.protocol.config import check_device
from glad_eval.protocol.train import Job, test_accuracy, train_job


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "sets", nargs="+", help="distilled sets: run directories, .safetensors files or ImageFolders"
    )
    p.add_argument("--dataset", help="real dataset to test on (default: each set's meta['dataset'])")
    p.add_argument("--data-root", help="folder holding the dataset's files")
    p.add_argument("--model", default="alexnet", help="architecture to train (default alexnet)")
    p.add_argument("--seeds", type=int, default=3, help="fresh models per set and epoch count (default 3)")
    p.add_argument("--epochs", default="150", help="comma-separated training lengths (default 150)")
    p.add_argument("--lr", type=float, help="learning rate (default: the zoo's for --model)")
    p.add_argument("--seed", type=int, default=0, help="glad-eval's --seed (default 0)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:K (default cpu)")
    p.add_argument("--json", help="also write the records here")
    return p.parse_args(argv)


@torch.no_grad()
def set_accuracy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Accuracy (percent) of ``model`` in eval mode on the normalised images ``x`` [N, C, H, W]."""
    model.eval()
    return 100.0 * float((model(x).argmax(dim=1) == y).float().mean())


def losses_recorder(losses: list[float]):
    """An on_epoch hook appending each epoch's mean training loss to ``losses``."""
    return lambda epoch, loss, lr: losses.append(loss)


def check_set(path: str, args: argparse.Namespace, epochs_list: list[int]) -> list[dict]:
    """Train ``args.seeds`` fresh models per epoch count on the set at ``path``; one record per model."""
    distilled = load_distilled(path)
    name = args.dataset or distilled.meta.get("dataset")
    if not name:
        raise ValueError(f"{path}: the set names no dataset; pass --dataset")
    dataset = load_dataset(name, root=args.data_root, image_size=distilled.images.shape[-1], progress=False)
    device = torch.device(args.device)
    x = dataset.normalize(distilled.images.to(device=device, dtype=torch.float32))
    y = distilled.labels.to(device=device, dtype=torch.int64)
    records = []
    for epochs in epochs_list:
        config = EvalConfig(
            models=(args.model,), num_seeds=args.seeds, epochs=epochs, seed=args.seed, device=args.device
        )
        if args.lr is not None:
            config.lrs = {args.model: args.lr}
        config.validate()
        for index in range(args.seeds):
            job = Job(args.model, index)
            losses: list[float] = []  # one per epoch
            on_epoch = losses_recorder(losses)
            started = time.perf_counter()
            ema = train_job(job, x, y, dataset, config, device, on_epoch=on_epoch)
            record = {
                "set": str(path),
                "dataset": name,
                "images": len(y),
                "model": args.model,
                "lr": config.lr_for(args.model),
                "epochs": epochs,
                "index": index,
                "test_accuracy": test_accuracy(ema.model, dataset, device, config.test_batch_size),
                "set_accuracy": set_accuracy(ema.model, x, y),
                "first_loss": losses[0],
                "last_loss": losses[-1],
                "chance": 100.0 / dataset.num_classes,
                "seconds": time.perf_counter() - started,
            }
            print(
                f"{Path(path).name:>22} {args.model} {epochs:5d} ep #{index}: "
                f"test {record['test_accuracy']:6.2f}"
                f"  fit {record['set_accuracy']:6.1f}  loss {record['first_loss']:.3f} -> "
                f"{record['last_loss']:.3f}  ({record['seconds']:.0f} s)",
                flush=True,
            )
            records.append(record)
    return records


def _groups(records: list[dict]) -> dict[tuple[str, int], list[dict]]:
    """Records grouped by (set, epochs), in first-seen order."""
    groups: dict[tuple[str, int], list[dict]] = {}
    for r in records:
        groups.setdefault((r["set"], r["epochs"]), []).append(r)
    return groups


def summary(records: list[dict]) -> str:
    """Two markdown tables per (set, epochs): test accuracy per model and its mean, models that fitted their
    set (>= 90%) and models at chance (within 2 points); then each model's first -> last training loss."""
    accuracy = [
        "| set | epochs | test accuracy (per model) | mean | fitted the set | at chance |",
        "|---|---|---|---|---|---|",
    ]
    losses = [
        "| set | epochs | training loss, first → last epoch (per model) |",
        "|---|---|---|",
    ]
    for (path, epochs), group in _groups(records).items():
        accs = [r["test_accuracy"] for r in group]
        fitted = sum(r["set_accuracy"] >= 90.0 for r in group)
        chance = sum(r["test_accuracy"] < r["chance"] + 2.0 for r in group)
        accuracy.append(
            f"| {Path(path).name} | {epochs} | {' / '.join(f'{a:.1f}' for a in accs)} | "
            f"{sum(accs) / len(accs):.1f} | {fitted} of {len(group)} | {chance} of {len(group)} |"
        )
        curve = " / ".join(f"{r['first_loss']:.3f} → {r['last_loss']:.3f}" for r in group)
        losses.append(f"| {Path(path).name} | {epochs} | {curve} |")
    return "\n".join([*accuracy, "", *losses])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        epochs_list = [int(e) for e in args.epochs.split(",") if e.strip()]
        if not epochs_list or min(epochs_list) < 1 or args.seeds < 1:
            raise ValueError(f"--epochs {args.epochs!r} / --seeds {args.seeds}: expected positive integers")
        check_device(args.device)  # before any set is read
        records = [r for path in args.sets for r in check_set(path, args, epochs_list)]
    except (ValueError, FileNotFoundError) as exc:
        print(f"fit_check: error: {exc}", file=sys.stderr)
        return 2
    print(summary(records))
    if args.json:
        payload = {
            "benchmark": "fit_check",
            "date": datetime.date.today().isoformat(),
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "records": [
                {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()}
                for r in records
            ],
        }
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
