"""A run's outputs: latents.safetensors, images.safetensors (glad-eval's distilled-set format, written and
read by glad_eval.artifacts), grid.png, and the export of the images as an ImageFolder tree of PNGs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from glad_eval.artifacts import IMAGES_FILE, load_distilled, save_distilled, save_image_folder
from glad_eval.fileio import atomic_write_with
from safetensors.torch import save_file

from .grid import save_grid

LATENTS_FILE = "latents.safetensors"
GRID_FILE = "grid.png"
EXPORT_FORMATS = ("png",)


def write_latents(
    run_dir: str | Path, latents: dict[str, torch.Tensor], labels: torch.Tensor, meta: dict
) -> Path:
    """latents.safetensors: one float32 tensor per latent name ([N, ...]) plus "labels" int64 [N];
    safetensors metadata {"meta": json}."""
    tensors = {name: t.detach().cpu().float().contiguous() for name, t in latents.items()}
    if "labels" in tensors:
        raise ValueError("a latent tensor may not be called 'labels' (reserved for the class labels)")
    tensors["labels"] = labels.detach().cpu().to(torch.int64).contiguous()
    metadata = {"meta": json.dumps(meta)}
    return atomic_write_with(Path(run_dir) / LATENTS_FILE, lambda tmp: save_file(tensors, str(tmp), metadata))


def write_run_outputs(
    run_dir: str | Path,
    *,
    latents: dict[str, torch.Tensor],
    images01: torch.Tensor,
    labels: torch.Tensor,
    meta: dict[str, Any],
) -> dict[str, str]:
    """Write latents, images (via glad_eval.artifacts.save_distilled) and grid.png; return their file
    names."""
    run_dir = Path(run_dir)
    write_latents(run_dir, latents, labels, meta)
    save_distilled(run_dir, images01.detach().cpu().float(), labels.detach().cpu(), meta)
    save_grid(run_dir / GRID_FILE, images01, labels)
    return {"latents": LATENTS_FILE, "images": IMAGES_FILE, "grid": GRID_FILE}


def export_images(run_dir: str | Path, out_dir: str | Path, *, fmt: str = "png", force: bool = False) -> Path:
    """Write the run's images as an ImageFolder tree of PNGs (glad_eval.artifacts.save_image_folder:
    out_dir/<label>_<class name>/<index>.png, refusing an occupied `out_dir` unless `force`, nothing
    half-written). Returns out_dir."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"--format must be one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}")
    run_dir = Path(run_dir)
    if not (run_dir / IMAGES_FILE).is_file():
        raise FileNotFoundError(
            f"{run_dir} has no {IMAGES_FILE}; export needs a finished run (glad distill --out {run_dir})"
        )
    return save_image_folder(load_distilled(run_dir), out_dir, force=force)
