"""A run's outputs: latents.safetensors, images.safetensors (glad-eval's input format), grid.png, and the
export of the images as an ImageFolder tree of PNGs."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import torch
from glad_eval.errors import OutputError
from PIL import Image
from safetensors.torch import save_file

from .grid import save_grid
from .io import atomic_write_with, ensure_directory

LATENTS_FILE = "latents.safetensors"
IMAGES_FILE = "images.safetensors"
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
    from glad_eval.artifacts import save_distilled

    run_dir = Path(run_dir)
    write_latents(run_dir, latents, labels, meta)
    save_distilled(run_dir, images01.detach().cpu().float(), labels.detach().cpu(), meta)
    save_grid(run_dir / GRID_FILE, images01, labels)
    return {"latents": LATENTS_FILE, "images": IMAGES_FILE, "grid": GRID_FILE}


def export_images(run_dir: str | Path, out_dir: str | Path, *, fmt: str = "png", force: bool = False) -> Path:
    """Write the run's images as an ImageFolder tree: out_dir/<label>_<class name>/<index>.png (folder names
    sort in label order). Returns out_dir.

    An existing file or non-empty folder at `out_dir` is refused (OutputError) unless `force`, which replaces
    it. The tree is built in a temporary folder beside `out_dir` and renamed into place, so an interrupted
    export leaves nothing half-written at `out_dir`."""
    from glad_eval.artifacts import load_distilled

    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"--format must be one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}")
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    if not (run_dir / IMAGES_FILE).is_file():
        raise FileNotFoundError(
            f"{run_dir} has no {IMAGES_FILE}; export needs a finished run (glad distill --out {run_dir})"
        )
    occupied = out_dir.is_symlink() or out_dir.is_file() or (out_dir.is_dir() and any(out_dir.iterdir()))
    if occupied and not force:
        what = "a non-empty folder" if out_dir.is_dir() else "an existing file"
        raise OutputError(f"--out {out_dir} is {what}; choose another --out or pass --force to replace it")
    distilled = load_distilled(run_dir)
    ensure_directory(out_dir.parent)
    staging = out_dir.with_name(f".{out_dir.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        _write_image_folder(distilled, staging)
        if out_dir.is_dir() and not out_dir.is_symlink():
            shutil.rmtree(out_dir)
        elif out_dir.exists() or out_dir.is_symlink():
            out_dir.unlink()
        os.replace(staging, out_dir)
    except OSError as exc:
        raise OutputError.from_os_error(exc, out_dir) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir


def _write_image_folder(distilled, root: Path) -> None:
    class_names = distilled.meta.get("class_names") or []
    num_classes = int(distilled.labels.max()) + 1
    width = len(str(max(num_classes - 1, 0)))
    counters: dict[int, int] = {}
    root.mkdir(parents=True)
    for image, label in zip(distilled.images, distilled.labels.tolist(), strict=True):
        name = class_names[label] if label < len(class_names) else "class"
        folder = root / f"{label:0{width}d}_{_safe(name)}"
        folder.mkdir(exist_ok=True)
        index = counters.get(label, 0)
        counters[label] = index + 1
        array = (image.clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
        picture = (
            Image.fromarray(array[..., 0], mode="L") if array.shape[2] == 1 else Image.fromarray(array, "RGB")
        )
        picture.save(folder / f"{index:04d}.png")


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-." else "_" for ch in name).strip("_") or "class"
