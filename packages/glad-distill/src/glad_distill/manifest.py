"""manifest.json: what a run was (full config, package versions, generator identity and hash, seeds) and what
it produced (status, timings, loss history, evaluation metrics)."""

from __future__ import annotations

import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import torch
from glad_eval.fileio import atomic_write_json

MANIFEST_FILE = "manifest.json"
RUN_FORMAT = "glad-distill-run/1"
# Distributions whose versions the manifest records, besides python and torch (torch.__version__).
PACKAGES = ("glad-ops", "glad-generators", "glad-eval", "glad-distill", "torchvision", "numpy")


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": sys.version.split()[0], "torch": torch.__version__}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


def environment(device: torch.device) -> dict[str, Any]:
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "device": str(device),
        "threads": torch.get_num_threads(),
    }
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    return info


def write_manifest(run_dir: str | Path, manifest: dict[str, Any]) -> Path:
    return atomic_write_json(Path(run_dir) / MANIFEST_FILE, {"format": RUN_FORMAT, **manifest})


def read_manifest(run_dir: str | Path) -> dict[str, Any]:
    import json

    path = Path(run_dir) / MANIFEST_FILE
    if not path.is_file():
        raise ValueError(f"{run_dir} is not a glad-distill run directory: {MANIFEST_FILE} is missing")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != RUN_FORMAT:
        raise ValueError(f"{path} has format {manifest.get('format')!r}, expected {RUN_FORMAT!r}")
    return manifest
