"""Reader of the idx format of LeCun's MNIST files (and Fashion-MNIST's), plain or gzip-compressed.

Layout (big-endian): two zero bytes, a type byte (0x08 = unsigned byte, the only type MNIST uses), the
number of dimensions d, then d uint32 sizes, then the payload in C order. ``train-images-idx3-ubyte`` holds
uint8 [N, 28, 28], ``train-labels-idx1-ubyte`` uint8 [N].
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import torch

UBYTE = 0x08
GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: str | Path) -> torch.Tensor:
    """The array stored in idx file ``path`` (``.gz`` or plain, told apart by content) as a uint8 tensor.

    Shape: the file's dims, e.g. [N, 28, 28] for images, [N] for labels. Raises ValueError naming the file for
    a bad magic number, an element type other than unsigned byte, or a payload shorter or longer than the dims
    say (a truncated download); FileNotFoundError if it does not exist.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ValueError(f"{path}: corrupt or truncated gzip file ({exc}); download it again") from exc
    return parse_idx(raw, str(path))


def parse_idx(raw: bytes, name: str = "<bytes>") -> torch.Tensor:
    """Decode the (uncompressed) bytes of an idx file; see :func:`read_idx`. ``name`` appears in errors."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(
            f"{name}: not an idx file (magic number {raw[:4].hex() or 'missing'}; expected 0000, type, "
            "dims); download it again"
        )
    dtype, ndim = raw[2], raw[3]
    if dtype != UBYTE:
        raise ValueError(
            f"{name}: idx element type 0x{dtype:02x} is not supported (only 0x08, unsigned byte)"
        )
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise ValueError(
            f"{name}: truncated idx header ({len(raw)} bytes for {ndim} dims); download it again"
        )
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(dims, dtype=np.int64))
    if len(raw) - header != expected:
        raise ValueError(
            f"{name}: idx payload has {len(raw) - header} bytes but dims {list(dims)} need {expected} "
            "(truncated or corrupt); download it again"
        )
    data = np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)
    return torch.from_numpy(data.copy())


def write_idx(path: str | Path, array: torch.Tensor | np.ndarray) -> Path:
    """Write uint8 ``array`` as an idx file (gzip-compressed when ``path`` ends in ``.gz``); returns the path.

    The inverse of :func:`read_idx`, for making small datasets in the same layout (tests, conversions).
    """
    data = np.ascontiguousarray(torch.as_tensor(array).numpy())
    if data.dtype != np.uint8 or data.ndim == 0:
        raise ValueError(f"write_idx: need a uint8 array with >= 1 dim, got {data.dtype} {data.shape}")
    raw = bytes([0, 0, UBYTE, data.ndim]) + np.asarray(data.shape, dtype=">u4").tobytes() + data.tobytes()
    path = Path(path)
    path.write_bytes(gzip.compress(raw, mtime=0) if path.suffix == ".gz" else raw)
    return path
