"""Distillation-step benchmark: step time and peak memory for DC, DM and MTT, pixel vs GLaD, at growing IPC,
and glad_ops.latent_backprop against holding the whole generator graph.

Part 1 (steps): one `Distiller.step()` (render, objective, latent_backprop, SGD) per case, timed after a
warm-up.
Part 2 (generator part): dL/dlatents for N = 10 * IPC images either with latent_backprop (render without a
graph, re-render chunk by chunk) or by rendering all N images with one graph and one backward. The table shows
that the generator's graph memory stays at one chunk with latent_backprop while it grows with N otherwise.

Memory: CUDA = torch.cuda.max_memory_allocated (whole step / whole generator part); CPU = bytes of the
tensors autograd saves for backward inside the generator (the graph memory, the latents themselves excluded),
measured with saved_tensors_hooks (the peak over chunks for latent_backprop, the whole graph otherwise); the
CPU process RSS is not a per-phase measure.

CPU: mnist5k, a small random StyleGAN-XL (32 px, 1 channel, channel_max 16) split at layer 2, matching
networks of width 128, 64 real images per class, MTT with 10 student steps. CUDA (when available): the full
ImageNet-128 StyleGAN-XL configuration (random weights) at GLaD's layers (DC 16, DM 20, MTT 12) on a synthetic
10-class 128 px dataset, IPC 1/10/50, GLaD's hyper-parameters.

    .venv/bin/python benchmarks/distill/bench_distill.py [--device cpu|cuda] [--ipcs 1,10] [--steps N]
        [--parts steps,generator] [--spaces pixel,glad] [--tiny] [--out DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import platform
import tempfile
import time
from pathlib import Path

import torch
from glad_distill import BufferConfig, DistillConfig, Distiller, LatentGeneratorConfig, MTTConfig, NetConfig
from glad_distill.experts import train_experts
from glad_distill.generators import GeneratorContext, build_generator
from glad_eval.data import Dataset, ImageSet, load_dataset
from glad_ops import latent_backprop

RESULTS = Path(__file__).resolve().parents[1] / "results"
GLAD_LAYERS_128 = {"dc": 16, "dm": 20, "mtt": 12}


@dataclasses.dataclass(frozen=True)
class Setting:
    device: str
    dataset: Dataset
    generator: LatentGeneratorConfig  # the GLaD generator (name, channels); the layer is set per method
    layers: dict[str, int]
    batch_real: int
    syn_steps: int
    net_width: int = 128


def cpu_setting() -> Setting:
    generator = LatentGeneratorConfig(
        name="random-stylegan-xl", channel_base=512, channel_max=16, chunk_size=10
    )
    return Setting("cpu", load_dataset("mnist5k"), generator, {"dc": 2, "dm": 2, "mtt": 2}, 64, 10)


def synthetic_dataset(size: int, per_class: int) -> Dataset:
    """Random uint8 RGB images of `size` px in 10 classes (timing only), registered as synthetic<size>."""
    g = torch.Generator().manual_seed(0)
    train = ImageSet(torch.randint(0, 256, (10 * per_class, 3, size, size), generator=g, dtype=torch.uint8),
                     torch.arange(10).repeat(per_class))  # fmt: skip
    test = ImageSet(train.images[:100], train.labels[:100])
    return Dataset(f"synthetic{size}", 10, 3, size, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225),
                   [str(c) for c in range(10)], train, test)  # fmt: skip


def tiny_setting() -> Setting:
    """Seconds per step on a CPU (benchmarks/gpu/check.sh --dry-run): 16 px synthetic data, a tiny
    uncalibrated generator, a narrow network, 2 student steps."""
    generator = LatentGeneratorConfig(
        name="random-stylegan-xl", channel_base=256, channel_max=8, chunk_size=10, calibrate=False
    )
    return Setting("cpu", synthetic_dataset(16, 30), generator, {"dc": 2, "dm": 2, "mtt": 2}, 16, 2, 16)


def cuda_setting() -> Setting:
    """Random 128 px images in 10 classes (timing only); the full ImageNet-128 generator configuration."""
    dataset = synthetic_dataset(128, 260)
    generator = LatentGeneratorConfig(
        name="random-stylegan-xl", channel_base=None, channel_max=None, chunk_size=10, calibrate=False
    )
    return Setting("cuda", dataset, generator, GLAD_LAYERS_128, 256, 20)


def step_config(setting: Setting, method: str, space: str, ipc: int, buffers: Path | None) -> DistillConfig:
    if space == "pixel":
        generator = LatentGeneratorConfig(name="pixel", layer=None)
    else:
        generator = dataclasses.replace(setting.generator, layer=setting.layers[method])
    return DistillConfig(
        dataset=setting.dataset.name,
        method=method,
        ipc=ipc,
        iterations=10**6,
        batch_real=setting.batch_real,
        device=setting.device,
        checkpoint_every=10**6,
        generator=generator,
        net=NetConfig(width=setting.net_width),
        mtt=MTTConfig(
            buffers=str(buffers) if buffers else None,
            syn_steps=setting.syn_steps,
            expert_epochs=1,
            max_start_epoch=1,
        ),  # fmt: skip
    )


def make_buffers(setting: Setting, root: Path) -> Path:
    """One short expert (timing only: trajectories of the right shape)."""
    train = setting.dataset.train
    small = dataclasses.replace(setting.dataset, train=ImageSet(train.images[:256], train.labels[:256]))
    config = BufferConfig(dataset=setting.dataset.name, num_experts=1, epochs=2, device=setting.device,
                          net=NetConfig(width=setting.net_width))  # fmt: skip
    train_experts(config, root, dataset=small, progress=False)
    return root


def synchronize(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def reset_peak(device: str) -> None:
    if device == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def cuda_peak_mb(device: str) -> float | None:
    return torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else None


def time_steps(
    setting: Setting, method: str, space: str, ipc: int, steps: int, buffers: Path | None, warmup: int = 1
) -> dict:
    config = step_config(setting, method, space, ipc, buffers)
    with tempfile.TemporaryDirectory() as run_dir:
        distiller = Distiller(config, Path(run_dir) / "run", dataset=setting.dataset, progress=False)
        for _ in range(warmup):
            distiller.step()
        synchronize(setting.device)
        reset_peak(setting.device)
        start = time.perf_counter()
        for _ in range(steps):
            distiller.step()
        synchronize(setting.device)
        seconds = (time.perf_counter() - start) / steps
    return {"kind": "step", "method": method, "space": space, "ipc": ipc, "seconds_per_step": seconds,
            "cuda_peak_mb": cuda_peak_mb(setting.device)}  # fmt: skip


class SavedTensorMeter:
    """Bytes of distinct storages autograd saves for backward while active (the graph's memory), not counting
    the storages in `exclude` (the latents themselves, which exist anyway)."""

    def __init__(self, exclude: set[int]):
        self.exclude = exclude
        self.storages: dict[int, int] = {}

    def pack(self, tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in self.exclude:
            self.storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    @property
    def bytes(self) -> int:
        return sum(self.storages.values())


def metered(render, peaks: list[int], exclude: set[int]):
    """render wrapped so that each call's saved-tensor bytes are appended to `peaks`."""

    def wrapped(latents):
        meter = SavedTensorMeter(exclude)
        with torch.autograd.graph.saved_tensors_hooks(meter.pack, lambda t: t):
            images = render(latents)
        peaks.append(meter.bytes)
        return images

    return wrapped


def generator_part(setting: Setting, ipc: int, layer: int, mode: str) -> dict:
    """dL/dlatents for 10 * ipc images: latent_backprop (chunk 10) or one whole graph."""
    config = dataclasses.replace(setting.generator, layer=layer)
    device = torch.device(setting.device)
    generator = build_generator(GeneratorContext(setting.dataset, config, device))
    labels = torch.arange(setting.dataset.num_classes).repeat_interleave(ipc)
    latents = generator.init_latents(labels, generator=torch.Generator().manual_seed(0))
    size, channels = setting.dataset.image_size, setting.dataset.channels
    image_grad = torch.randn(len(labels), channels, size, size, generator=torch.Generator().manual_seed(1))
    image_grad = image_grad.to(device)
    peaks: list[int] = []
    render = metered(generator.render, peaks, {t.untyped_storage().data_ptr() for t in latents})

    def run() -> None:
        if mode == "latent_backprop":
            with torch.no_grad():
                torch.cat([generator.render(tuple(t[i:i + 10] for t in latents))
                           for i in range(0, len(labels), 10)])  # fmt: skip
            latent_backprop(render, latents, image_grad, 10)
        else:  # detach() keeps the storage, so the leaves are excluded from the meter too
            leaves = tuple(t.detach().requires_grad_(True) for t in latents)
            torch.autograd.grad(render(leaves), leaves, image_grad)

    run()  # warm-up
    synchronize(setting.device)
    peaks.clear()
    reset_peak(setting.device)
    start = time.perf_counter()
    run()
    synchronize(setting.device)
    return {"kind": "generator", "mode": mode, "ipc": ipc, "images": len(labels), "layer": layer,
            "seconds": time.perf_counter() - start, "graph_peak_mb": max(peaks) / 2**20,
            "cuda_peak_mb": cuda_peak_mb(setting.device)}  # fmt: skip


def print_tables(results: list[dict]) -> None:
    steps = [r for r in results if r["kind"] == "step"]
    print(f"\n{'method':<6} {'space':<6} {'ipc':>4} {'s/step':>9} {'cuda MB':>9}  GLaD/pixel time")
    for r in steps:
        pixel = next((p for p in steps if p["space"] == "pixel" and p["method"] == r["method"]
                      and p["ipc"] == r["ipc"]), None)  # fmt: skip
        seconds = r["seconds_per_step"]
        ratio = f"{seconds / pixel['seconds_per_step']:.2f}x" if pixel and r["space"] == "glad" else ""
        mb = "-" if r["cuda_peak_mb"] is None else f"{r['cuda_peak_mb']:.0f}"
        print(f"{r['method']:<6} {r['space']:<6} {r['ipc']:>4} {seconds:>9.3f} {mb:>9}  {ratio}")
    parts = [r for r in results if r["kind"] == "generator"]
    if not parts:
        return
    header = f"{'mode':<16} {'ipc':>4} {'images':>6} {'s':>8} {'graph MB':>9} {'cuda MB':>9}"
    print(f"\n{header}  vs latent_backprop")
    for r in parts:
        base = next(p for p in parts if p["mode"] == "latent_backprop" and p["ipc"] == r["ipc"])
        time_ratio, graph_ratio = r["seconds"] / base["seconds"], r["graph_peak_mb"] / base["graph_peak_mb"]
        ratio = f"time {time_ratio:.2f}x, graph {graph_ratio:.1f}x" if r is not base else ""
        mb = "-" if r["cuda_peak_mb"] is None else f"{r['cuda_peak_mb']:.0f}"
        row = (
            f"{r['mode']:<16} {r['ipc']:>4} {r['images']:>6} {r['seconds']:>8.3f} {r['graph_peak_mb']:>9.1f}"
        )
        print(f"{row} {mb:>9}  {ratio}")


def machine(device: str) -> dict:
    info = {"platform": platform.platform(), "processor": platform.processor(), "torch": torch.__version__,
            "threads": torch.get_num_threads(), "device": device}  # fmt: skip
    if device == "cuda":
        info["gpu"] = torch.cuda.get_device_name()
    with contextlib.suppress(OSError):
        info["cpu_model"] = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                                 if line.startswith("model name"))  # fmt: skip
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--ipcs", default=None, help="comma-separated (default: cpu 1,10; cuda 1,10,50)")
    parser.add_argument("--methods", default="dc,dm,mtt")
    parser.add_argument("--steps", type=int, default=2, help="timed steps per case")
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps before them")
    parser.add_argument(
        "--backprop-ipcs", default=None, help="IPCs of part 2 (default: cpu 1,5,10,20; cuda 1,10,50)"
    )
    parser.add_argument("--parts", default="steps,generator", help="steps and/or generator")
    parser.add_argument("--spaces", default="pixel,glad", help="pixel and/or glad (part 1)")
    parser.add_argument("--tiny", action="store_true", help="CPU, tiny shapes: a smoke run of the script")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: no CUDA device here")
    if args.tiny and args.device != "cpu":
        parser.error("--tiny runs on the CPU only")
    setting = tiny_setting() if args.tiny else cpu_setting() if args.device == "cpu" else cuda_setting()
    if setting.dataset.name.startswith("synthetic"):
        from glad_eval.data import register_dataset

        register_dataset(setting.dataset.name)(lambda **kw: setting.dataset)
    ipcs = [int(v) for v in (args.ipcs or ("1,10" if args.device == "cpu" else "1,10,50")).split(",")]
    default_backprop = "1,5,10,20" if args.device == "cpu" else "1,10,50"
    backprop_ipcs = [int(v) for v in (args.backprop_ipcs or default_backprop).split(",")]
    results: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        run_steps = "steps" in args.parts
        mtt = run_steps and "mtt" in args.methods
        buffers = make_buffers(setting, Path(tmp) / "buffers") if mtt else None
        for method in args.methods.split(",") if run_steps else ():
            for space in args.spaces.split(","):
                for ipc in ipcs:
                    results.append(time_steps(setting, method, space, ipc, args.steps, buffers, args.warmup))
                    print(json.dumps(results[-1]), flush=True)
    layer = setting.layers["dm"]
    for ipc in backprop_ipcs if "generator" in args.parts else ():
        for mode in ("latent_backprop", "full_graph"):
            try:
                results.append(generator_part(setting, ipc, layer, mode))
            except torch.OutOfMemoryError:
                results.append({"kind": "generator", "mode": mode, "ipc": ipc, "images": 10 * ipc,
                                "layer": layer, "seconds": float("nan"), "graph_peak_mb": float("nan"),
                                "cuda_peak_mb": "OOM"})  # fmt: skip
            print(json.dumps(results[-1]), flush=True)
    print_tables(results)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"distill_{args.device}_{dt.date.today().isoformat()}.json"
    document = {"benchmark": "distill", "date": dt.datetime.now().isoformat(timespec="seconds"),
                "machine": machine(args.device), "settings": {"steps": args.steps, "ipcs": ipcs,
                "backprop_ipcs": backprop_ipcs, "layers": setting.layers, "batch_real": setting.batch_real,
                "syn_steps": setting.syn_steps, "generator": dataclasses.asdict(setting.generator)},
                "results": results}  # fmt: skip
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nwritten {path}")


if __name__ == "__main__":
    main()
