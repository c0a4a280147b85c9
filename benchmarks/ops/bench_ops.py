"""Benchmark the glad-ops kernels (forward and forward+backward) against the reference path in the same run.

Shapes are StyleGAN-XL ImageNet-128 synthesis layers (spec §2.9); on CPU the batch and channel counts are
scaled down with --batch / --channels. Prints a table with native/ref ratios and writes JSON to
benchmarks/results/ops_<device>_<date>[_<tag>].json (machine, torch version, date, settings, every timing).

    python benchmarks/ops/bench_ops.py                          # CPU, 2 threads, float32
    python benchmarks/ops/bench_ops.py --device cuda --dtype float16 --batch 8 --channels 1024
    python benchmarks/ops/bench_ops.py --only-bandwidth           # the copy bandwidths alone

bias_act (one read, one write per element) is compared with two copies: memory bandwidth (buffers larger than
the last-level cache, size printed; see bandwidth.py) and a copy of the same size as bias_act's input (on the
CPU that one is usually cache-resident, so it is the fairer figure for a cache-sized activation).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import glad_ops
import torch
from bandwidth import copy_bandwidth, memory_bandwidth

RESULTS_DIR = Path(__file__).resolve().parents[1] / "results"
DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


@dataclass(frozen=True)
class LayerShape:
    """One filtered_lrelu layer of ImageNet-128 (spec §2.9): input size, channels, factors, taps, padding."""

    name: str
    size: int
    channels: int
    up: int
    down: int
    up_taps: int
    down_taps: int
    padding: tuple[int, int, int, int]


LAYERS = [
    LayerShape("L0_36_1024", 36, 1024, 2, 2, 12, 12, (9, 8, 9, 8)),
    LayerShape("L10_52_1024", 36, 1024, 4, 2, 24, 12, (-6, -9, -6, -9)),
    LayerShape("L20_148_1024", 84, 1024, 4, 2, 24, 12, (-6, -9, -6, -9)),
    LayerShape("L21_148_861", 148, 1024, 2, 2, 12, 12, (9, 8, 9, 8)),
]


def lowpass(taps: int, cutoff: float) -> torch.Tensor:
    """A Hann-windowed sinc low-pass (float32, 1-D, unit DC gain); its values do not affect the timings."""
    t = torch.arange(taps, dtype=torch.float64) - (taps - 1) / 2
    f = torch.sinc(2 * cutoff * t) * torch.hann_window(taps + 2, periodic=False, dtype=torch.float64)[1:-1]
    return (f / f.sum()).float()


class Timer:
    """Best (minimum) wall time and process CPU time of a callable over repeated calls (device synchronised).

    Minima, not means: on a shared machine they are the figures least disturbed by other load. The CPU time
    (all threads of this process) is unaffected by time spent descheduled, so it is the steadier figure there.
    """

    def __init__(self, device: torch.device, min_time: float, min_reps: int):
        self.device, self.min_time, self.min_reps = device, min_time, min_reps

    def sync(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def __call__(self, fn) -> tuple[float, float]:
        fn()  # warm-up (allocations, lazy init)
        fn()
        walls: list[float] = []
        cpus: list[float] = []
        start = time.perf_counter()
        while len(walls) < self.min_reps or time.perf_counter() - start < self.min_time:
            self.sync()
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            self.sync()
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        return min(walls), min(cpus)


def forward_backward(op, x: torch.Tensor, extra: list[torch.Tensor], dy: torch.Tensor):
    """Closure: one forward and one backward of op(x, *extra) with upstream gradient dy."""

    def run():
        y = op(x, *extra)
        torch.autograd.backward(y, dy)

    return run


def bench_pair(
    name: str, make_op, x: torch.Tensor, extra: list, timer: Timer, bytes_moved: int | None = None
):
    """Time forward and forward+backward for impl='native' and impl='ref' (wall and CPU milliseconds)."""
    row = {"op": name, "shape": list(x.shape)}
    for impl in ("native", "ref"):
        op = make_op(impl)
        with torch.no_grad():
            wall, cpu = timer(lambda op=op: op(x, *extra))
        row[f"{impl}_fwd_ms"], row[f"{impl}_fwd_cpu_ms"] = 1e3 * wall, 1e3 * cpu
        xg = x.detach().clone().requires_grad_(True)
        eg = [
            t.detach().clone().requires_grad_(t.is_floating_point()) if isinstance(t, torch.Tensor) else t
            for t in extra
        ]
        dy = torch.randn_like(op(xg, *eg))
        wall, cpu = timer(forward_backward(op, xg, eg, dy))
        row[f"{impl}_fwdbwd_ms"], row[f"{impl}_fwdbwd_cpu_ms"] = 1e3 * wall, 1e3 * cpu
    for kind in ("fwd", "fwdbwd", "fwd_cpu", "fwdbwd_cpu"):
        row[f"speedup_{kind}"] = row[f"ref_{kind}_ms"] / max(row[f"native_{kind}_ms"], 1e-9)
    if bytes_moved is not None:
        row["native_fwd_GBps"] = bytes_moved / (row["native_fwd_ms"] * 1e-3) / 1e9
    return row


def run(args) -> dict:
    device = torch.device(args.device)
    dtype = DTYPES[args.dtype]
    if device.type == "cpu":
        torch.set_num_threads(args.threads)
    status = glad_ops.native_available(device)
    timer = Timer(device, args.min_time, args.min_reps)
    memory = memory_bandwidth(device, timer, args.copy_bytes)
    report = {
        "machine": machine_description(device),
        "torch": torch.__version__,
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "device": str(device),
        "dtype": args.dtype,
        "threads": torch.get_num_threads() if device.type == "cpu" else None,
        "copy_bandwidth_GBps": memory.GBps,  # memory bandwidth: buffers larger than the last-level cache
        "memory_copy": memory.as_dict(),
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "native": status.reason,
        "results": [],
    }
    if args.only_bandwidth:
        return report
    if not status:
        raise SystemExit(f"native kernels unavailable on {device}: {status.reason}")
    g = torch.Generator(device="cpu").manual_seed(0)

    def randn(*shape):
        return torch.randn(shape, generator=g).to(device=device, dtype=dtype)

    rows = []
    n, scale = args.batch, args.channels
    for layer in LAYERS:
        c = min(scale, layer.channels)
        fu = lowpass(layer.up_taps, 0.5 / layer.up).to(device)
        fd = lowpass(layer.down_taps, 0.5 / layer.down).to(device)
        x, b = randn(n, c, layer.size, layer.size), randn(c)

        def flrelu(impl, layer=layer, fu=fu, fd=fd):
            return lambda xi, bi: glad_ops.filtered_lrelu(
                xi,
                fu,
                fd,
                bi,
                up=layer.up,
                down=layer.down,
                padding=list(layer.padding),
                clamp=256.0,
                impl=impl,
            )

        rows.append(bench_pair(f"filtered_lrelu {layer.name}", flrelu, x, [b], timer))

    # upfirdn2d: the two stages of L0's filtered_lrelu as stand-alone ops (up x2, down x2; 12-tap separable).
    l0 = LAYERS[0]
    f12 = lowpass(12, 0.25).to(device)
    c = min(scale, l0.channels)
    up_x = randn(n, c, l0.size, l0.size)
    rows.append(
        bench_pair(
            "upfirdn2d up2 (L0 stage 1)",
            lambda impl: (
                lambda x: glad_ops.upfirdn2d(x, f12, up=2, padding=list(l0.padding), gain=4, impl=impl)
            ),
            up_x,
            [],
            timer,
        )
    )
    down_x = randn(n, c, 78, 78)
    rows.append(
        bench_pair(
            "upfirdn2d down2 (L0 stage 2)",
            lambda impl: lambda x: glad_ops.upfirdn2d(x, f12, down=2, impl=impl),
            down_x,
            [],
            timer,
        )
    )

    # bias_act: lrelu with bias and clamp over a synthesis-sized activation tensor.
    ba_x = randn(n, args.bias_act_channels, 64, 64)
    ba_b = randn(args.bias_act_channels)
    bytes_moved = 2 * ba_x.numel() * ba_x.element_size()
    rows.append(
        bench_pair(
            "bias_act lrelu+bias+clamp",
            lambda impl: lambda x, b: glad_ops.bias_act(x, b, act="lrelu", clamp=256.0, impl=impl),
            ba_x,
            [ba_b],
            timer,
            bytes_moved,
        )
    )

    same = copy_bandwidth(device, bytes_moved // 2, timer, "same size as bias_act's input")
    for row in rows:
        if "native_fwd_GBps" in row:
            row["fraction_of_memory_bandwidth"] = row["native_fwd_GBps"] / memory.GBps
            row["fraction_of_same_size_copy"] = row["native_fwd_GBps"] / same.GBps
    report.update(batch=n, channels=scale, same_size_copy=same.as_dict(), results=rows)
    return report


def machine_description(device: torch.device) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    desc = (
        f"{cpu} ({os.cpu_count()} cores), {torch.get_num_threads()} torch threads, "
        f"{platform.system()} {platform.release()}"
    )
    if device.type == "cuda":
        desc = f"{torch.cuda.get_device_name(device)} (CUDA {torch.version.cuda}); host {desc}"
    return desc


def format_table(report: dict) -> str:
    head = (
        f"{'op':30} {'shape':19} {'native fwd':>10} {'ref fwd':>9} {'x':>6} "
        f"{'native f+b':>10} {'ref f+b':>9} {'x':>6} {'x (cpu time)':>13}"
    )
    lines = [
        f"glad-ops benchmark: {report['machine']}; torch {report['torch']}; {report['dtype']}; "
        f"load average {report['load_average']}",
        head,
        "-" * len(head),
    ]
    for r in report["results"]:
        lines.append(
            f"{r['op']:30} {str(r['shape']):19} {r['native_fwd_ms']:8.3f}ms {r['ref_fwd_ms']:7.3f}ms "
            f"{r['speedup_fwd']:5.2f}x {r['native_fwdbwd_ms']:8.3f}ms {r['ref_fwdbwd_ms']:7.3f}ms "
            f"{r['speedup_fwdbwd']:5.2f}x {r['speedup_fwdbwd_cpu']:12.2f}x"
        )
    lines.append(
        "times: best of repeated calls, wall clock; 'x' = ref / native; the last column compares process CPU "
        "time of forward+backward"
    )
    lines.append(format_bandwidth(report))
    for r in report["results"]:
        if "fraction_of_memory_bandwidth" in r:
            lines.append(
                f"{r['op']}: {r['native_fwd_GBps']:.1f} GB/s = "
                f"{100 * r['fraction_of_memory_bandwidth']:.0f}% of memory bandwidth, "
                f"{100 * r['fraction_of_same_size_copy']:.0f}% of a same-size copy"
            )
    return "\n".join(lines)


def format_bandwidth(report: dict) -> str:
    """The copy bandwidth lines: memory (larger than the cache, with its size) and same-size copy."""
    memory = report["memory_copy"]
    lines = [f"memory bandwidth (dst.copy_(src), read + write): {memory['GBps']:.1f} GB/s; {memory['note']}"]
    if "same_size_copy" in report:
        same = report["same_size_copy"]
        size = same["buffer_bytes"] / 2**20
        lines.append(f"same-size copy ({size:.1f} MiB, {same['note']}): {same['GBps']:.1f} GB/s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default="float32", choices=sorted(DTYPES))
    p.add_argument("--threads", type=int, default=2, help="CPU threads (torch.set_num_threads)")
    p.add_argument("--batch", type=int, default=None, help="batch size (default: 2 on CPU, 4 on CUDA)")
    p.add_argument(
        "--channels",
        type=int,
        default=None,
        help="channels per layer, capped at the layer's own (default: 64 on CPU, 1024 on CUDA)",
    )
    p.add_argument("--bias-act-channels", type=int, default=None, help="default: 128 on CPU, 512 on CUDA")
    p.add_argument("--min-time", type=float, default=1.0, help="seconds per measurement (at least)")
    p.add_argument("--min-reps", type=int, default=5)
    p.add_argument("--out", type=Path, default=RESULTS_DIR, help="directory for the JSON report")
    p.add_argument(
        "--copy-bytes",
        type=int,
        default=None,
        help="bytes per buffer of the memory-bandwidth copy (default: 4x the last-level cache in all, "
        "at least 256 MiB each)",
    )
    p.add_argument("--only-bandwidth", action="store_true", help="measure the copy bandwidth only")
    p.add_argument("--tag", default="", help="suffix of the JSON file name (ops_<device>_<date>_<tag>.json)")
    args = p.parse_args(argv)
    on_cuda = args.device.startswith("cuda")
    args.batch = args.batch or (4 if on_cuda else 2)
    args.channels = args.channels or (1024 if on_cuda else 64)
    args.bias_act_channels = args.bias_act_channels or (512 if on_cuda else 128)
    report = run(args)
    if args.only_bandwidth:
        print(f"{report['machine']}; torch {report['torch']}")
        print(format_bandwidth(report))
        return 0
    print(format_table(report))
    args.out.mkdir(parents=True, exist_ok=True)
    device_tag = "cuda" if on_cuda else "cpu"
    suffix = f"_{args.tag}" if args.tag else ""
    path = args.out / f"ops_{device_tag}_{datetime.date.today().isoformat()}{suffix}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
