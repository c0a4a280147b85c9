"""The idx reader against handmade files: header, dims, payload, plain and gzip, and corrupt input refused."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
import torch
from glad_eval.data.idx import parse_idx, read_idx, write_idx


def handmade(dims: tuple[int, ...], payload: bytes, dtype: int = 0x08) -> bytes:
    """An idx file written byte by byte from the format's definition (not with write_idx)."""
    header = bytes([0, 0, dtype, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)
    return header + payload


def test_reads_a_handmade_3d_file(tmp_path):
    payload = bytes(range(2 * 3 * 4))
    (tmp_path / "images").write_bytes(handmade((2, 3, 4), payload))
    x = read_idx(tmp_path / "images")
    assert x.dtype == torch.uint8 and x.shape == (2, 3, 4)
    assert x[1, 2, 3] == 23 and x[0, 1, 0] == 4  # C order: last dim fastest
    assert torch.equal(x.flatten(), torch.arange(24, dtype=torch.uint8))


def test_gzip_and_plain_read_the_same(tmp_path):
    raw = handmade((5,), bytes([9, 8, 7, 6, 255]))
    (tmp_path / "labels").write_bytes(raw)
    (tmp_path / "labels.gz").write_bytes(gzip.compress(raw))
    plain, packed = read_idx(tmp_path / "labels"), read_idx(tmp_path / "labels.gz")
    assert torch.equal(plain, packed) and plain.tolist() == [9, 8, 7, 6, 255]


def test_write_idx_round_trips_and_matches_the_format(tmp_path):
    array = np.random.default_rng(0).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    write_idx(tmp_path / "a.gz", array)
    assert torch.equal(read_idx(tmp_path / "a.gz"), torch.from_numpy(array))
    write_idx(tmp_path / "a", array)
    assert (tmp_path / "a").read_bytes() == handmade((3, 28, 28), array.tobytes())


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\x1f\x8bnot-really-gzip", "corrupt or truncated gzip"),
        (b"PK\x03\x04" + bytes(20), "not an idx file"),
        (b"", "not an idx file"),
        (handmade((4,), bytes(16), dtype=0x0D), "element type 0x0d is not supported"),
        (handmade((2, 28, 28), bytes(100))[:10], "truncated idx header"),
        (
            handmade((2, 28, 28), bytes(2 * 28 * 28 - 1)),
            "payload has 1567 bytes but dims \\[2, 28, 28\\] need 1568",
        ),
        (handmade((3,), bytes(4)), "payload has 4 bytes but dims \\[3\\] need 3"),
    ],
)
def test_corrupt_files_raise_one_clear_value_error(tmp_path, raw, message):
    path = tmp_path / "bad-idx"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_truncated_gzip_is_refused(tmp_path):
    packed = gzip.compress(handmade((10, 28, 28), bytes(7840)))
    (tmp_path / "cut.gz").write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ValueError, match="cut.gz: corrupt or truncated gzip"):
        read_idx(tmp_path / "cut.gz")


def test_parse_idx_names_its_source():
    with pytest.raises(ValueError, match="^label-bytes: not an idx file"):
        parse_idx(b"\x01\x02\x03\x04", "label-bytes")
