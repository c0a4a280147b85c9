"""The restricted unpickler reads what official pickles hold: CUDA storages, numpy 1/2 names, dill arrays."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np
import torch
from gen_helpers import Reduce, fake_module, storages_saved_as_cuda
from glad_generators.persistence.safe_unpickler import PlainDict, SafeUnpickler, safe_load_pickle

try:
    from numpy._core import multiarray
except ImportError:  # numpy 1.x
    from numpy.core import multiarray


def test_tensor_storages_saved_on_cuda_load_on_cpu(tmp_path: Path) -> None:
    """Storages tagged with a CUDA location (as in snapshots saved from GPU) are mapped to the CPU."""
    tensor = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    with storages_saved_as_cuda():
        blob = pickle.dumps({"w": torch.nn.Parameter(tensor.clone()), "b": tensor[1]}, protocol=4)
    assert b"cuda:0" in blob
    path = tmp_path / "cuda.pkl"
    path.write_bytes(blob)
    data, stubbed = safe_load_pickle(path)
    assert not stubbed
    assert data["w"].device.type == "cpu" and torch.equal(data["w"], tensor)
    assert torch.equal(data["b"], tensor[1])


def test_numpy_1_and_2_names_resolve_to_the_array_reconstructors() -> None:
    unpickler = SafeUnpickler(io.BytesIO(b""))
    for module in ("numpy.core.multiarray", "numpy._core.multiarray"):
        assert unpickler.find_class(module, "_reconstruct") is multiarray._reconstruct
        assert unpickler.find_class(module, "scalar") is multiarray.scalar
    assert unpickler.find_class("dnnlib.util", "EasyDict") is PlainDict
    assert not unpickler.stubbed


def test_dill_create_array(tmp_path: Path) -> None:
    array = np.array([[1.5, -2.0], [0.25, 8.0]])
    reconstruct, args, state = array.__reduce__()

    def _create_array(f, args, state, npdict=None):  # referenced by name only
        raise AssertionError("unreachable")

    with fake_module("dill._dill", _create_array=_create_array):
        blob = pickle.dumps(
            {"a": Reduce(_create_array, reconstruct, args, state), "s": np.float64(3.5)}, protocol=4
        )
    path = tmp_path / "dill.pkl"
    path.write_bytes(blob)
    data, _ = safe_load_pickle(path)
    np.testing.assert_array_equal(data["a"], array)
    assert data["s"] == 3.5


def test_unknown_classes_become_inert_stubs_holding_their_state(tmp_path: Path) -> None:
    class Embedding:  # stands in for torch.nn.Embedding pickled by reference
        def __init__(self):
            self.weight = torch.ones(2)

    with fake_module("torch.nn.modules.fake_sparse", Embedding=Embedding):
        blob = pickle.dumps({"e": Embedding()}, protocol=4)
    path = tmp_path / "stub.pkl"
    path.write_bytes(blob)
    data, stubbed = safe_load_pickle(path)
    assert stubbed == {"torch.nn.modules.fake_sparse.Embedding"}
    assert torch.equal(data["e"].stub_state["weight"], torch.ones(2))
