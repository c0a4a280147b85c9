"""Copy bandwidth that means memory bandwidth: buffers larger than the last-level cache.

A copy of a tensor that fits in the cache measures the cache (about 160 GB/s on this project's CPU, whose
L3 is 480 MiB), which makes "% of copy bandwidth" misleading. Here the source and destination together span
at least `CACHE_MULTIPLE` times the last-level cache (CPU: the largest cache level in
/sys/devices/system/cpu/cpu0/cache; CUDA: the device's L2), and never less than `MIN_BYTES` per buffer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import torch

CACHE_MULTIPLE = 4  # source + destination span >= 4x the last-level cache
MIN_BYTES = 256 * 2**20  # per buffer
SYS_CACHE = Path("/sys/devices/system/cpu/cpu0/cache")


@dataclass(frozen=True)
class CacheInfo:
    """The last-level cache of a device: its size in bytes and where the figure came from."""

    bytes: int
    source: str


@dataclass(frozen=True)
class CopyBandwidth:
    """One copy measurement: GB/s counting bytes read and written, the size of each buffer, and why."""

    GBps: float
    buffer_bytes: int
    note: str

    def as_dict(self) -> dict:
        return asdict(self)


def _parse_size(text: str) -> int:
    """'491520K' / '4M' / '1024' -> bytes."""
    text = text.strip().upper()
    scale = {"K": 2**10, "M": 2**20, "G": 2**30}.get(text[-1:], 1)
    return int(text.rstrip("KMG")) * scale


def cpu_last_level_cache(root: Path = SYS_CACHE) -> CacheInfo:
    """The largest data/unified cache level of cpu0 (the L3 on most x86 machines); 32 MiB if unreadable."""
    best = None
    for index in sorted(root.glob("index*")):
        try:
            if (index / "type").read_text().strip() == "Instruction":
                continue
            level = int((index / "level").read_text())
            size = _parse_size((index / "size").read_text())
        except (OSError, ValueError):
            continue
        if best is None or level > best[0]:
            best = (level, size)
    if best is None:
        return CacheInfo(32 * 2**20, f"assumed 32 MiB ({root} unreadable)")
    return CacheInfo(best[1], f"L{best[0]} of cpu0 ({best[1] / 2**20:.0f} MiB, {root})")


def last_level_cache(device: torch.device) -> CacheInfo:
    """The cache a large copy must overflow on `device` (CPU: L3 or the largest level; CUDA: L2)."""
    if device.type == "cuda":
        size = torch.cuda.get_device_properties(device).L2_cache_size
        return CacheInfo(size, f"L2 of {torch.cuda.get_device_name(device)} ({size / 2**20:.0f} MiB)")
    return cpu_last_level_cache()


def memory_buffer_bytes(device: torch.device) -> tuple[int, CacheInfo]:
    """Bytes per buffer so that source + destination span CACHE_MULTIPLE x the last-level cache."""
    cache = last_level_cache(device)
    return max(CACHE_MULTIPLE * cache.bytes // 2, MIN_BYTES), cache


def copy_bandwidth(device: torch.device, nbytes: int, timer, note: str = "") -> CopyBandwidth:
    """GB/s of `dst.copy_(src)` for two `nbytes` buffers on `device` (read + write counted).

    `timer(fn) -> (best wall seconds, cpu seconds)` as in bench_ops.Timer.
    """
    src = torch.empty(max(nbytes // 4, 1), dtype=torch.float32, device=device).fill_(1.0)
    dst = torch.empty_like(src)
    wall, _ = timer(lambda: dst.copy_(src))
    size = src.numel() * src.element_size()
    return CopyBandwidth(2 * size / wall / 1e9, size, note)


def memory_bandwidth(device: torch.device, timer, nbytes: int | None = None) -> CopyBandwidth:
    """Copy bandwidth with buffers larger than the last-level cache (`nbytes` overrides the size)."""
    default, cache = memory_buffer_bytes(device)
    size = nbytes or default
    spans = 2 * size / cache.bytes
    note = f"2 buffers of {size / 2**20:.0f} MiB = {spans:.1f}x the last-level cache: {cache.source}"
    if spans < 2:
        note += " (SMALLER than 2x the cache: a cache figure, not memory bandwidth)"
    return copy_bandwidth(device, size, timer, note)
