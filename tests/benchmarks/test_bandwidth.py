"""benchmarks/ops/bandwidth.py: the memory-bandwidth copy overflows the last-level cache, and says so."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("bandwidth_under_test", REPO / "benchmarks/ops/bandwidth.py")
bandwidth = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = bandwidth
spec.loader.exec_module(bandwidth)


def fake_cache(root: Path, levels: list[tuple[int, str, str]]) -> Path:
    for i, (level, kind, size) in enumerate(levels):
        d = root / f"index{i}"
        d.mkdir(parents=True)
        (d / "level").write_text(f"{level}\n")
        (d / "type").write_text(f"{kind}\n")
        (d / "size").write_text(f"{size}\n")
    return root


def test_last_level_cache_is_the_largest_data_level(tmp_path):
    root = fake_cache(tmp_path, [(1, "Data", "48K"), (1, "Instruction", "64K"), (2, "Unified", "2048K"),
                                 (3, "Unified", "491520K")])  # fmt: skip
    info = bandwidth.cpu_last_level_cache(root)
    assert info.bytes == 480 * 2**20 and "L3" in info.source


def test_unreadable_cache_info_falls_back_and_says_so(tmp_path):
    info = bandwidth.cpu_last_level_cache(tmp_path / "missing")
    assert info.bytes == 32 * 2**20 and "assumed" in info.source


def test_default_buffers_overflow_the_cache(monkeypatch):
    monkeypatch.setattr(bandwidth, "cpu_last_level_cache", lambda: bandwidth.CacheInfo(480 * 2**20, "L3"))
    size, _ = bandwidth.memory_buffer_bytes(torch.device("cpu"))
    assert 2 * size >= 4 * 480 * 2**20
    monkeypatch.setattr(bandwidth, "cpu_last_level_cache", lambda: bandwidth.CacheInfo(8 * 2**20, "L3"))
    size, _ = bandwidth.memory_buffer_bytes(torch.device("cpu"))
    assert size == bandwidth.MIN_BYTES


def test_small_buffers_are_flagged_as_a_cache_figure():
    timer = lambda fn: (fn(), (1e-3, 1e-3))[1]  # noqa: E731 - a fixed 1 ms "measurement"
    result = bandwidth.memory_bandwidth(torch.device("cpu"), timer, nbytes=2**20)
    assert result.buffer_bytes == 2**20
    assert abs(result.GBps - 2 * 2**20 / 1e-3 / 1e9) < 1e-9  # read + write counted
    assert "SMALLER than 2x the cache" in result.note
