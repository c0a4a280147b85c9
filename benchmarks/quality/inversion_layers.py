"""How close can a random StyleGAN-XL get to real images, per split layer and width? (issue: --init real)

For each (channel_max, layer) it builds the run's generator exactly as `glad distill` does, draws random
latents, inverts one real image per class with the run's bound and prints the reconstruction error (MSE, PSNR)
before and after, and the seconds it took. Writes benchmarks/results/inversion_<dataset>_<date>.json.

    python benchmarks/quality/inversion_layers.py --dataset mnist5k --widths 16,32 --layers 0,2,4,6,8,10
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import time
from pathlib import Path

import torch
from glad_distill.bounds import get_bound
from glad_distill.config import LatentGeneratorConfig as GeneratorConfig
from glad_distill.generators import GeneratorContext, build_generator
from glad_distill.inversion import invert, psnr, real_targets
from glad_eval.data import load_dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="mnist5k")
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--widths", default="16,32", help="channel_max values")
    parser.add_argument("--layers", default="0,2,4,6,8,10")
    parser.add_argument("--steps", default="100,300")
    parser.add_argument("--lrs", default="0.05")
    parser.add_argument("--bound", default="tanh")
    parser.add_argument("--ipc", type=int, default=1)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    torch.set_num_threads(2)
    dataset = load_dataset(args.dataset, root=args.data_root, progress=False)
    labels = torch.arange(dataset.num_classes).repeat_interleave(args.ipc)
    targets = real_targets(dataset, labels, generator=torch.Generator().manual_seed(0))
    bound = get_bound(args.bound)
    rows = []
    for width in [int(w) for w in args.widths.split(",")]:
        for layer in [int(n) for n in args.layers.split(",")]:
            config = GeneratorConfig(layer=layer, channel_max=width)
            try:
                G = build_generator(GeneratorContext(dataset, config, torch.device("cpu")))
            except ValueError as error:
                print(f"width {width} layer {layer}: {error}")
                continue
            start = G.init_latents(labels, generator=torch.Generator().manual_seed(0))
            shapes = [list(t.shape[1:]) for t in start]
            for steps in [int(s) for s in args.steps.split(",")]:
                for lr in [float(x) for x in args.lrs.split(",")]:
                    began = time.perf_counter()
                    result = invert(
                        G.render,
                        start,
                        targets,
                        bound,
                        steps=steps,
                        lr=lr,
                        chunk_size=10,
                        progress=False,
                    )
                    seconds = time.perf_counter() - began
                    summary = result.summary()
                    row = {
                        "channel_max": width,
                        "layer": layer,
                        "latent_shapes": shapes,
                        "steps": steps,
                        "lr": lr,
                        "initial_mse": summary["mean_initial_mse"],
                        "mse": summary["mean_mse"],
                        "psnr_db": psnr(summary["mean_mse"]),
                        "seconds": seconds,
                    }
                    rows.append(row)
                    print(
                        f"width {width:4d} layer {layer:2d} F{shapes[0]} steps {steps:4d} lr {lr:g}: mse "
                        f"{row['initial_mse']:.4f} -> {row['mse']:.5f} ({row['psnr_db']:.1f} dB) "
                        f"in {seconds:.1f} s",
                        flush=True,
                    )
    out = (
        Path(args.out)
        if args.out
        else Path(__file__).resolve().parents[1]
        / "results"
        / (f"inversion_{args.dataset}_{datetime.date.today()}.json")
    )
    out.write_text(
        json.dumps(
            {
                "dataset": args.dataset,
                "bound": args.bound,
                "ipc": args.ipc,
                "machine": platform.processor() or platform.machine(),
                "torch": torch.__version__,
                "date": str(datetime.date.today()),
                "rows": rows,
            },
            indent=1,
        )
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
