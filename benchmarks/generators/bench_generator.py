"""Generator forward + backward through GLaD's split (the distillation hot path): images/s and peak memory.

For each case: F_n = split.encode(ws) once, then timed iterations of
    images = split.render(F_n, ws)  (grad w.r.t. F_n and ws)  ->  loss = mean(images²)  ->  backward.
Every case runs with native glad_ops kernels and with the pure-PyTorch reference in the same process, and the
table reports native / reference speed-ups.

CPU: small channel counts (random weights). CUDA (when available): the full ImageNet-128 configuration (random
weights, 225.85 M parameters) at the GLaD default split layer 12, fp16 (as the released models), bf16 and
fp32 (`--precisions` picks some). `--tiny` replaces the cases by one tiny generator (16 px, a few channels) on
the chosen device: a smoke run of the script (benchmarks/gpu/check.sh --dry-run).
Peak memory: CUDA = torch.cuda.max_memory_allocated during one step; CPU = bytes of tensors autograd saves for
backward (the activation memory the step holds), measured with saved_tensors_hooks.

    .venv/bin/python benchmarks/generators/bench_generator.py [--device cpu|cuda|all] [--iters N] [--out DIR]
        [--precisions fp32,bf16,fp16] [--impls native,ref] [--tiny]
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import glad_generators
import glad_ops
import torch

RESULTS = Path(__file__).resolve().parents[1] / "results"


@dataclass(frozen=True)
class Case:
    name: str
    device: str
    resolution: int
    channel_base: int
    channel_max: int
    batch: int
    layer: int
    precision: str = "fp32"
    calibrate: bool = True


@dataclass
class Result:
    case: Case
    impl: str
    seconds_per_step: float
    images_per_second: float
    peak_memory_mb: float


CPU_CASES = (
    Case("cpu-32px-small", "cpu", 32, 2048, 128, batch=10, layer=12),
    Case("cpu-128px-small", "cpu", 128, 2048, 64, batch=4, layer=12),
)
CUDA_CASES = (
    Case("cuda-imagenet128-fp16", "cuda", 128, 65536, 1024, batch=10, layer=12, precision="fp16"),
    Case("cuda-imagenet128-bf16", "cuda", 128, 65536, 1024, batch=10, layer=12, precision="bf16"),
    Case("cuda-imagenet128-fp32", "cuda", 128, 65536, 1024, batch=10, layer=12, precision="fp32"),
)


def tiny_cases(device: str) -> tuple[Case, ...]:
    """One tiny generator per precision (16 px, channel_max 8, batch 2, uncalibrated): seconds on a CPU."""
    return tuple(
        Case(f"{device}-tiny-16px-{p}", device, 16, 256, 8, batch=2, layer=6, precision=p, calibrate=False)
        for p in ("fp16", "bf16", "fp32")
    )


def select_cases(device: str, tiny: bool, precisions: list[str] | None) -> list[Case]:
    """The cases to run on `device`, restricted to `precisions` when given."""
    cases = tiny_cases(device) if tiny else (CPU_CASES if device == "cpu" else CUDA_CASES)
    if tiny and precisions is None and device == "cpu":
        precisions = ["fp32"]  # precision only changes CUDA runs
    return [c for c in cases if precisions is None or c.precision in precisions]


def saved_tensor_bytes(fn) -> int:
    """Bytes of the distinct tensor storages autograd saves while running fn()."""
    seen: dict[int, int] = {}

    def pack(t: torch.Tensor):
        storage = t.untyped_storage()
        seen[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return sum(seen.values())


@functools.lru_cache(maxsize=1)
def build_generator(resolution: int, channel_base: int, channel_max: int, calibrate: bool, device: str):
    """One random generator per configuration, shared by the cases that differ only in impl / precision."""
    return glad_generators.random_stylegan_xl(
        resolution,
        1000,
        0,
        channel_base=channel_base,
        channel_max=channel_max,
        calibrate=calibrate,
        device=device,
    )


def run_case(case: Case, impl: str, iters: int, warmup: int) -> Result:
    device = torch.device(case.device)
    G = build_generator(case.resolution, case.channel_base, case.channel_max, case.calibrate, case.device)
    G.ops_impl, G.precision = impl, case.precision
    rng = torch.Generator().manual_seed(0)
    z = torch.randn(case.batch, G.z_dim, generator=rng).to(device)
    labels = torch.arange(case.batch, device=device) % G.num_classes
    split = G.split(case.layer)
    ws0 = G.mapping(z, labels)
    features0 = split.encode(ws0)

    def step():
        features = features0.detach().requires_grad_(True)
        ws = ws0.detach().requires_grad_(True)
        images = split.render(features, ws)
        images.square().mean().backward()
        return features.grad, ws.grad

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    for _ in range(warmup):
        step()
    sync()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
        step()
        sync()
        peak = torch.cuda.max_memory_allocated()
    else:
        peak = saved_tensor_bytes(step)
    start = time.perf_counter()
    for _ in range(iters):
        step()
    sync()
    seconds = (time.perf_counter() - start) / iters
    return Result(case, impl, seconds, case.batch / seconds, peak / 2**20)


def machine(device: str) -> dict:
    info = {
        "platform": platform.platform(),
        "processor": platform.processor(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "native_ops": glad_ops.native_available(device).reason,
        "load_average_1m_5m_15m": os.getloadavg(),
    }
    if device == "cuda":
        info["gpu"] = torch.cuda.get_device_name()
        info["cuda"] = torch.version.cuda
    return info


def print_table(results: list[Result]) -> None:
    header = (
        f"{'case':26} {'impl':7} {'batch':>5} {'layer':>5} {'s/step':>9} {'img/s':>9} {'peak MB':>9} "
        f"{'speed-up':>9}"
    )
    print(header)
    print("-" * len(header))
    reference = {r.case.name: r.seconds_per_step for r in results if r.impl == "ref"}
    for r in results:
        ratio = reference[r.case.name] / r.seconds_per_step if r.case.name in reference else float("nan")
        print(
            f"{r.case.name:26} {r.impl:7} {r.case.batch:5d} {r.case.layer:5d} {r.seconds_per_step:9.4f} "
            f"{r.images_per_second:9.2f} {r.peak_memory_mb:9.1f} {ratio:8.2f}x"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", choices=("cpu", "cuda", "all"), default="all")
    parser.add_argument("--iters", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--precisions", default=None, help="comma-separated subset of fp16,bf16,fp32")
    parser.add_argument("--impls", default="native,ref", help="native and/or ref (ref = reference path)")
    parser.add_argument("--tiny", action="store_true", help="one tiny generator instead of the real cases")
    args = parser.parse_args(argv)
    precisions = args.precisions.split(",") if args.precisions else None
    bad = sorted(set(precisions or ()) - {"fp16", "bf16", "fp32"})
    if bad:
        parser.error(f"--precisions: unknown {bad}; choose from fp16, bf16, fp32")
    devices = ["cpu", "cuda"] if args.device == "all" else [args.device]
    if "cuda" in devices and not torch.cuda.is_available():
        print("CUDA not available: CUDA cases skipped")
        devices.remove("cuda")
    for device in devices:
        cases = select_cases(device, args.tiny, precisions)
        impls = [i for i in args.impls.split(",") if i == "ref" or glad_ops.native_available(device)]
        results = [run_case(case, impl, args.iters, args.warmup) for case in cases for impl in impls]
        print(f"\n{device}: {machine(device)}")
        print_table(results)
        stamp = dt.datetime.now(dt.UTC)
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / f"generator_{device}_{stamp:%Y-%m-%d}.json"
        payload = {
            "benchmark": "generator split forward+backward",
            "date": stamp.isoformat(timespec="seconds"),
            "machine": machine(device),
            "iters": args.iters,
            "warmup": args.warmup,
            "results": [
                {
                    **asdict(r.case),
                    "impl": r.impl,
                    "seconds_per_step": r.seconds_per_step,
                    "images_per_second": r.images_per_second,
                    "peak_memory_mb": r.peak_memory_mb,
                }
                for r in results
            ],
        }
        path.write_text(json.dumps(payload, indent=1) + "\n")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
