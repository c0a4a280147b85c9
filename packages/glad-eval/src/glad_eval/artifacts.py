"""The distilled-set exchange format, and reading ImageFolder trees of PNGs.

``out_dir/images.safetensors``: tensors ``images`` float32 [N, C, H, W] in [0, 1] and ``labels`` int64 [N];
the safetensors metadata key ``meta`` holds a JSON object (e.g. dataset, method, ipc, generator). An
ImageFolder tree has one sub-folder per class holding PNG (or JPEG) files; if every folder name starts with
digits (``3``, ``003``, ``003_cat``) the number is the label, else labels follow the sorted folder names
(recorded in meta['class_folders']).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from .fileio import atomic_write_with

FILENAME = "images.safetensors"
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
            "outputs with (x + 1) / 2, undo any mean/std normalisation, then clamp(0, 1)"
        )


def save_distilled(
    out_dir: str | Path, images01: torch.Tensor, labels: torch.Tensor, meta: dict | None = None
) -> Path:
    """Write ``out_dir/images.safetensors`` (validated first; nothing is written on error). Returns the file
    path."""
    return save_distilled_file(Path(out_dir) / FILENAME, images01, labels, meta)


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


def _read_image(path: Path) -> np.ndarray:
    """One image as float32 [C, H, W] in [0, 1]; grayscale -> 1 channel, colour -> 3."""
    try:
        return _decode_image(path)
    except OSError as exc:  # PIL's UnidentifiedImageError and truncated files are OSErrors
        raise ValueError(f"{path}: cannot read the image ({exc}); replace or remove the file") from exc


def _decode_image(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        if image.mode in ("I;16", "I;16B", "I;16L", "I"):
            array = np.asarray(image, dtype=np.float32) / (
                65535.0 if image.mode.startswith("I;16") else 255.0
            )
            return array[None]
        if image.mode in ("RGBA", "LA") or "transparency" in image.info:
            raise ValueError(
                f"{path}: images with an alpha channel are not supported; save RGB or grayscale PNGs"
            )
        image = image.convert("L" if image.mode in ("L", "1") else "RGB")
        array = np.asarray(image, dtype=np.float32) / 255.0
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)


def _read_image_folder(root: Path) -> DistilledSet:
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    if not folders:
        raise FileNotFoundError(
            f"{root} holds neither {FILENAME} nor class sub-folders of images; pass a directory written by "
            "save_distilled / glad distill, or an ImageFolder tree (one sub-folder per class)"
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
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"images under {root} differ in shape/channels: {sorted(shapes)}; all must be alike")
    images = torch.from_numpy(np.stack(arrays))
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
    if (path / FILENAME).is_file():
        return _read_safetensors(path / FILENAME)
    return _read_image_folder(path)
