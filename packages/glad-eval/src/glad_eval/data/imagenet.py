"""The 10-class ImageNet subsets of GLaD/MTT (spec §7), built from a local ImageNet-1k folder.

``root`` must hold ``train/`` and ``val/``, each with one sub-folder per wnid (e.g.
``train/n01440764/*.JPEG``), the layout torchvision's ``ImageNet`` class produces from the official archives.
Images are resized (short side, bilinear, antialiased) and centre-cropped to ``image_size`` (32-512, default
128) and kept as uint8; ``val`` is the test split. Class indices and wnids come from the manifest shipped with
this package (``imagenet_manifest.json``).
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from tqdm.auto import tqdm

from .cache import cached_split, fingerprint
from .dataset import Dataset, ImageSet
from .registry import register_dataset
from .stats import IMAGENET_MEAN, IMAGENET_STD
from .transforms import resize_center_crop

DEFAULT_SIZE = 128
MIN_SIZE, MAX_SIZE = 32, 512
IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png", ".bmp", ".webp")


@lru_cache(maxsize=1)
def manifest() -> dict:
    """The shipped manifest: 'wnids' (1000, torchvision label order), 'class_names', 'subsets'."""
    return json.loads(resources.files(__package__).joinpath("imagenet_manifest.json").read_text())


def subset_wnids(subset: str) -> list[str]:
    """The wnids of ``subset`` in its label order."""
    wnids = manifest()["wnids"]
    return [wnids[i] for i in manifest()["subsets"][subset]["indices"]]


def _class_files(split_dir: Path, wnid: str) -> list[Path]:
    folder = split_dir / wnid
    if not folder.is_dir():
        raise FileNotFoundError(
            f"ImageNet class folder {folder} is missing. The root needs train/ and val/ with one sub-folder "
            "per wnid; torchvision.datasets.ImageNet(root, split=...) builds that layout from the official "
            "ILSVRC-2012 archives (ILSVRC2012_img_train.tar, ILSVRC2012_img_val.tar, "
            "ILSVRC2012_devkit_t12.tar.gz)."
        )
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise FileNotFoundError(
            f"ImageNet class folder {folder} holds no images ({', '.join(IMAGE_SUFFIXES)})"
        )
    return files


def _decode(path: Path, size: int) -> np.ndarray:
    try:
        with Image.open(path) as image:
            return resize_center_crop(image, size)
    except OSError as exc:  # PIL's UnidentifiedImageError and truncated files are OSErrors
        raise ValueError(f"ImageNet image {path} cannot be read ({exc}); replace or remove it") from exc


def load_split(split_dir: Path, wnids: list[str], size: int, *, progress: bool = True) -> ImageSet:
    """Decode every image of ``wnids`` under ``split_dir`` at ``size`` px (threads); label = index in wnids.

    ``progress``: show a decoding bar (the caller decides; the CLIs pass False off rank 0).

    With ``GLAD_CACHE_DIR`` set, the decoded split is cached there (keyed by a fingerprint of the files).
    """
    files = [_class_files(split_dir, wnid) for wnid in wnids]
    paths = [p for group in files for p in group]
    labels = torch.cat([torch.full((len(group),), c, dtype=torch.int64) for c, group in enumerate(files)])

    def decode_all() -> ImageSet:
        with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
            decoded = list(
                tqdm(
                    pool.map(lambda p: _decode(p, size), paths),
                    total=len(paths),
                    disable=not progress,
                    desc=f"decoding {split_dir.name} at {size}px",
                    unit="img",
                )
            )
        return ImageSet(torch.from_numpy(np.stack(decoded)).permute(0, 3, 1, 2).contiguous(), labels)

    return cached_split(f"imagenet/{split_dir.name}-{size}px-{fingerprint(paths)}", decode_all)


def load_subset(
    subset: str, *, root: Path | None, image_size: int | None, download: bool = False, progress: bool = True
) -> Dataset:
    """Load ImageNet subset ``subset`` (a manifest key) from ``root`` at ``image_size`` px."""
    info = manifest()["subsets"][subset]
    if download:
        raise ValueError(
            f"{subset}: ImageNet cannot be downloaded automatically; get ILSVRC-2012 from image-net.org"
        )
    if root is None:
        raise ValueError(
            f"{subset}: pass root (CLI: --data-root DIR), an ImageNet folder with train/ and val/ wnid "
            "folders"
        )
    size = DEFAULT_SIZE if image_size is None else image_size
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"{subset}: image_size={size} is outside the supported {MIN_SIZE}-{MAX_SIZE} px")
    for split in ("train", "val"):
        if not (root / split).is_dir():
            raise FileNotFoundError(
                f"{subset}: looked for ImageNet's {split}/ folder at {root / split} and found none. "
                "--data-root must hold train/ and val/ with one sub-folder per wnid "
                "(torchvision.datasets.ImageNet builds this layout from the official ILSVRC-2012 archives)."
            )
    wnids = subset_wnids(subset)
    names = manifest()["class_names"]
    return Dataset(
        name=subset,
        num_classes=len(wnids),
        channels=3,
        image_size=size,
        mean=IMAGENET_MEAN,
        std=IMAGENET_STD,
        class_names=[names[i] for i in info["indices"]],
        train=load_split(root / "train", wnids, size, progress=progress),
        test=load_split(root / "val", wnids, size, progress=progress),
        class_indices=list(info["indices"]),
    )


def _register_subsets() -> None:
    for key, info in manifest()["subsets"].items():
        aliases = tuple(info["aliases"]) + ((f"imagenet-{key}",) if not key.startswith("imagenet-") else ())

        def loader(*, root=None, image_size=None, download=False, progress=True, _key=key) -> Dataset:
            return load_subset(_key, root=root, image_size=image_size, download=download, progress=progress)

        loader.__doc__ = f"{info['title']}: ImageNet classes {info['indices']}."
        register_dataset(key, aliases=aliases)(loader)


_register_subsets()
