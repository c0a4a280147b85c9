"""The distilled-set exchange format (write, read), and ImageFolder trees of PNGs (export, import).

``out_dir/images.safetensors``: tensors ``images`` float32 [N, C, H, W] in [0, 1] and ``labels`` int64 [N];
the safetensors metadata key ``meta`` holds a JSON object (e.g. dataset, method, ipc, generator). An
ImageFolder tree has one sub-folder per class holding PNG (or JPEG) files; if every folder name starts with
digits (``3``, ``003``, ``003_cat``) the number is the label, else labels follow the sorted folder names
(recorded in meta['class_folders']). :func:`save_image_folder` writes ``<label>_<class name>/<index>.png``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from .deprecation import renamed
from .errors import OutputError
from .fileio import atomic_write_with, ensure_directory, temporary_path
from .images import image01_to_pil, uint8_to_images01

IMAGES_FILE = "images.safetensors"  # the distilled set inside a run directory
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")


@dataclass
class DistilledSet:
    """A distilled set: ``images`` float32 [N, C, H, W] in [0, 1], ``labels`` int64 [N], ``meta`` dict."""

    images: torch.Tensor
    labels: torch.Tensor
    meta: dict = field(default_factory=dict)


def check_format(images: torch.Tensor, labels: torch.Tensor) -> None:
    """Format checks shared by saving and loading: types, ranks, matching N, finite values in [0, 1]."""
    if not isinstance(images, torch.Tensor) or not images.is_floating_point():
        raise TypeError(
            "images must be a float tensor [N, C, H, W] in [0, 1], got "
            f"{images.dtype if isinstance(images, torch.Tensor) else type(images).__name__}"
        )
    if images.dim() != 4 or images.shape[0] == 0:
        raise ValueError(f"images must be a non-empty [N, C, H, W] tensor, got shape {tuple(images.shape)}")
    if (
        not isinstance(labels, torch.Tensor)
        or labels.dtype.is_floating_point
        or labels.dtype.is_complex
        or labels.dtype == torch.bool
    ):
        raise TypeError(
            "labels must be an integer tensor [N], got "
            f"{labels.dtype if isinstance(labels, torch.Tensor) else type(labels).__name__}"
        )
    if labels.shape != (images.shape[0],):
        raise ValueError(
            f"labels must have shape [N] = [{images.shape[0]}] (one label per image), got "
            f"{tuple(labels.shape)}"
        )
    bad = (~torch.isfinite(images)).sum().item()
    if bad:
        raise ValueError(f"images contain {bad} NaN/inf value(s); every pixel must be finite, in [0, 1]")
    lo, hi = images.min().item(), images.max().item()
    if lo < 0.0 or hi > 1.0:
        raise ValueError(
            f"images must lie in [0, 1] (un-normalised), got values in [{lo:.4g}, {hi:.4g}]; map generator "
            "outputs with glad_eval.images.raw_to_images01 ((x + 1) / 2), undo any mean/std normalisation "
            "(glad_eval.images.denormalize), then clamp(0, 1)"
        )


def save_distilled(
    out_dir: str | Path, images01: torch.Tensor, labels: torch.Tensor, meta: dict | None = None
) -> Path:
    """Write ``out_dir/images.safetensors`` (validated first; nothing is written on error). Returns the file
    path."""
    return save_distilled_file(Path(out_dir) / IMAGES_FILE, images01, labels, meta)


def save_distilled_file(
    path: str | Path, images01: torch.Tensor, labels: torch.Tensor, meta: dict | None = None
) -> Path:
    """Write a distilled set to the ``.safetensors`` file ``path`` (any name; e.g. a run's snapshots), in the
    format of images.safetensors: validated first, written to a temporary file and renamed, so nothing
    half-written is left. Returns ``path``."""
    check_format(images01, labels)
    meta = {} if meta is None else meta
    if not isinstance(meta, dict):
        raise TypeError(f"meta must be a dict (JSON-serialisable) or None, got {type(meta).__name__}")
    meta_json = json.dumps(meta)  # raises TypeError for non-JSON values before anything is written
    path = Path(path)
    if path.suffix != ".safetensors":
        raise ValueError(f"{path}: a distilled set file must end in .safetensors")
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {
        "images": images01.detach().to("cpu", torch.float32).contiguous(),
        "labels": labels.detach().to("cpu", torch.int64).contiguous(),
    }
    return atomic_write_with(path, lambda tmp: save_file(tensors, str(tmp), metadata={"meta": meta_json}))


def _read_safetensors(path: Path) -> DistilledSet:
    try:
        with safe_open(str(path), framework="pt") as f:
            missing = {"images", "labels"} - set(f.keys())
            if missing:
                raise ValueError(
                    f"{path}: missing tensor(s) {sorted(missing)}; expected 'images' [N,C,H,W] and 'labels' "
                    "[N]"
                )
            images, labels = f.get_tensor("images"), f.get_tensor("labels")
            raw_meta = (f.metadata() or {}).get("meta", "{}")
    except SafetensorError as exc:
        raise ValueError(f"{path}: not a readable safetensors file ({exc})") from exc
    try:
        meta = json.loads(raw_meta)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: the 'meta' metadata is not valid JSON ({exc})") from exc
    if not isinstance(meta, dict):
        raise ValueError(f"{path}: the 'meta' metadata must be a JSON object, got {type(meta).__name__}")
    check_format(images, labels)
    return DistilledSet(images.float(), labels.long(), meta)


def _folder_labels(folders: list[Path]) -> list[int]:
    numbers = [re.match(r"^(\d+)", f.name) for f in folders]
    if all(numbers):
        labels = [int(m.group(1)) for m in numbers]
        if len(set(labels)) != len(labels):
            raise ValueError(
                f"class folders {[f.name for f in folders]} map two folders to the same label number"
            )
        return labels
    return list(range(len(folders)))


def _read_image(path: Path) -> torch.Tensor:
    """One image as float32 [C, H, W] in [0, 1]; grayscale -> 1 channel, colour -> 3."""
    try:
        return _decode_image(path)
    except OSError as exc:  # PIL's UnidentifiedImageError and truncated files are OSErrors
        raise ValueError(f"{path}: cannot read the image ({exc}); replace or remove the file") from exc


def _decode_image(path: Path) -> torch.Tensor:
    with Image.open(path) as image:
        if image.mode in ("I;16", "I;16B", "I;16L", "I"):
            array = np.asarray(image, dtype=np.float32) / (
                65535.0 if image.mode.startswith("I;16") else 255.0
            )
            return torch.from_numpy(array)[None]
        if image.mode in ("RGBA", "LA") or "transparency" in image.info:
            raise ValueError(
                f"{path}: images with an alpha channel are not supported; save RGB or grayscale PNGs"
            )
        image = image.convert("L" if image.mode in ("L", "1") else "RGB")
        pixels = uint8_to_images01(torch.from_numpy(np.array(image)))
    return pixels[None] if pixels.dim() == 2 else pixels.permute(2, 0, 1)


def _read_image_folder(root: Path) -> DistilledSet:
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    if not folders:
        raise FileNotFoundError(
            f"{root} holds neither {IMAGES_FILE} nor class sub-folders of images; pass a directory written "
            "by save_distilled / glad distill, or an ImageFolder tree (one sub-folder per class)"
        )
    arrays, labels = [], []
    for folder, label in zip(folders, _folder_labels(folders), strict=True):
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise ValueError(
                f"class folder {folder} holds no images ({', '.join(IMAGE_SUFFIXES)}); every class needs one"
            )
        for file in files:
            arrays.append(_read_image(file))
            labels.append(label)
    shapes = {tuple(a.shape) for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"images under {root} differ in shape/channels: {sorted(shapes)}; all must be alike")
    images = torch.stack(arrays)
    meta = {"source": "image_folder", "class_folders": [f.name for f in folders]}
    return DistilledSet(images, torch.tensor(labels, dtype=torch.int64), meta)


def load_distilled(path: str | Path) -> DistilledSet:
    """Read a distilled set from a directory with images.safetensors, such a file itself, or an ImageFolder
    tree."""
    path = Path(path).expanduser()
    if path.is_file() and path.suffix == ".safetensors":
        return _read_safetensors(path)
    if not path.exists():
        raise FileNotFoundError(f"distilled set {path} does not exist")
    if not path.is_dir():
        raise ValueError(f"{path} is neither a directory nor a .safetensors file")
    if (path / IMAGES_FILE).is_file():
        return _read_safetensors(path / IMAGES_FILE)
    return _read_image_folder(path)


def save_image_folder(distilled: DistilledSet, out_dir: str | Path, *, force: bool = False) -> Path:
    """Write `distilled` as an ImageFolder tree ``out_dir/<label>_<class name>/<index>.png`` (folder names
    sort in label order; class names from ``meta['class_names']``; 8-bit PNGs, grayscale for C = 1, else RGB)
    that :func:`load_distilled` reads back. Returns `out_dir`.

    An existing file or non-empty folder at `out_dir` is refused (OutputError) unless `force`, which replaces
    it. The tree is built in a temporary folder beside `out_dir` and renamed into place, so an interrupted
    export leaves nothing half-written at `out_dir`."""
    out_dir = Path(out_dir)
    occupied = out_dir.is_symlink() or out_dir.is_file() or (out_dir.is_dir() and any(out_dir.iterdir()))
    if occupied and not force:
        what = "a non-empty folder" if out_dir.is_dir() else "an existing file"
        raise OutputError(f"--out {out_dir} is {what}; choose another --out or pass --force to replace it")
    ensure_directory(out_dir.parent)
    staging = temporary_path(out_dir)
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


def _write_image_folder(distilled: DistilledSet, root: Path) -> None:
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
        image01_to_pil(image).save(folder / f"{index:04d}.png")


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-." else "_" for ch in name).strip("_") or "class"


__getattr__ = renamed(__name__, {"FILENAME": ("glad_eval.artifacts.IMAGES_FILE", IMAGES_FILE)})
