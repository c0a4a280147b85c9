"""Pickles that try to run code are refused by `load`, and nothing in them runs (no file is written)."""

from __future__ import annotations

import builtins
import os
import pickle
import sys
from pathlib import Path

import glad_generators
import pytest
import torch
from gen_helpers import Reduce, fake_module
from glad_generators.persistence import safe_unpickler
from glad_generators.persistence.safe_unpickler import UnsafePickleError, safe_load_pickle


def write_pickle(path: Path, obj) -> Path:
    path.write_bytes(pickle.dumps(obj, protocol=4))
    return path


def persistent_record(module_src: str, class_name: str = "SuperresGenerator", state: dict | None = None):
    """What stylegan-xl's persistence writes: `_reconstruct_persistent_obj(meta)` with module source."""

    def _reconstruct_persistent_obj(meta):  # never called by the test: only referenced by name
        raise AssertionError("unreachable")

    with fake_module("torch_utils.persistence", _reconstruct_persistent_obj=_reconstruct_persistent_obj):
        meta = dict(type="class", version=6, module_src=module_src, class_name=class_name, state=state or {})
        return pickle.dumps({"G_ema": Reduce(_reconstruct_persistent_obj, meta)}, protocol=4)


@pytest.fixture
def target(tmp_path: Path) -> Path:
    return tmp_path / "pwned.txt"


def test_reduce_to_os_system_is_refused(tmp_path: Path, target: Path) -> None:
    path = write_pickle(tmp_path / "evil.pkl", {"G_ema": Reduce(os.system, f"touch {target}")})
    with pytest.raises(UnsafePickleError, match="system"):
        glad_generators.load(path)
    assert not target.exists()


def test_builtins_exec_is_refused(tmp_path: Path, target: Path) -> None:
    code = f"open({str(target)!r}, 'w').write('x')"
    path = write_pickle(tmp_path / "evil.pkl", {"G_ema": Reduce(builtins.exec, code)})
    with pytest.raises(UnsafePickleError, match="exec"):
        glad_generators.load(path)
    assert not target.exists()


def test_builtins_open_is_refused(tmp_path: Path, target: Path) -> None:
    path = write_pickle(tmp_path / "evil.pkl", {"G": Reduce(builtins.open, str(target), "w")})
    with pytest.raises(UnsafePickleError, match="open"):
        glad_generators.load(path)
    assert not target.exists()


def test_payload_nested_deep_inside_a_state_dict_is_refused(tmp_path: Path, target: Path) -> None:
    state = {"_modules": {"mapping": {"x": [1, 2, {"y": Reduce(os.system, f"touch {target}")}]}}}
    path = tmp_path / "evil.pkl"
    path.write_bytes(persistent_record("pass", state=state))
    with pytest.raises(UnsafePickleError):
        glad_generators.load(path)
    assert not target.exists()


def test_embedded_module_source_is_never_executed(tmp_path: Path, target: Path) -> None:
    source = f"open({str(target)!r}, 'w').write('module source ran')\nclass SuperresGenerator: pass\n"
    path = tmp_path / "evil_src.pkl"
    path.write_bytes(persistent_record(source))
    with pytest.raises(ValueError, match="evil_src.pkl"):  # an empty state is not a generator
        glad_generators.load(path)
    assert not target.exists()


def test_unknown_globals_are_never_imported(tmp_path: Path, target: Path, monkeypatch) -> None:
    """A module that would write a file when imported is only named in the pickle: it must stay unimported."""
    package_dir = tmp_path / "site"
    package_dir.mkdir()
    (package_dir / "payload_mod_xyz.py").write_text(
        f"open({str(target)!r}, 'w').write('imported')\nclass Payload:\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(package_dir))

    def payload():  # referenced by name only
        raise AssertionError("unreachable")

    with fake_module("payload_mod_xyz", Payload=payload):
        blob = pickle.dumps({"G_ema": Reduce(payload, "arg")}, protocol=4)
    path = tmp_path / "unknown.pkl"
    path.write_bytes(blob)
    data, stubbed = safe_load_pickle(path)
    assert "payload_mod_xyz.Payload" in stubbed
    assert "payload_mod_xyz" not in sys.modules
    assert not target.exists()
    with pytest.raises(ValueError, match="no generator found"):
        glad_generators.load(path)
    assert not target.exists()


def build_on_global(module: str, name: str, attribute: str) -> bytes:
    """A pickle that loads the global `module.name` and BUILDs on it: setattr(global, attribute, (5,))."""
    slot_state = pickle.dumps({attribute: (5,)}, protocol=2)[2:-1]  # without PROTO and STOP
    load_global = pickle.GLOBAL + f"{module}\n{name}\n".encode()
    return b"\x80\x02" + load_global + pickle.NONE + slot_state + pickle.TUPLE2 + pickle.BUILD + pickle.STOP


@pytest.mark.parametrize(
    ("module", "name", "attribute", "target"),
    [
        ("torch._utils", "_rebuild_tensor_v2", "__defaults__", torch._utils._rebuild_tensor_v2),
        ("torch.storage", "_load_from_bytes", "__defaults__", safe_unpickler._load_storage),
        ("dnnlib.util", "EasyDict", "__getattr__", safe_unpickler.PlainDict),
    ],
)
def test_setting_attributes_on_an_allowed_global_is_refused(
    tmp_path: Path, module: str, name: str, attribute: str, target
) -> None:
    """A BUILD on the global itself would change the real function/class for the whole process."""
    before = getattr(target, attribute)
    path = tmp_path / "tamper.pkl"
    path.write_bytes(build_on_global(module, name, attribute))
    with pytest.raises(UnsafePickleError, match=r"tamper\.pkl: .*set attributes on the global"):
        glad_generators.load(path)
    assert getattr(target, attribute) == before


def test_unexpected_persistent_ids_are_refused(tmp_path: Path) -> None:
    class PidPickler(pickle.Pickler):
        def persistent_id(self, obj):
            return "storage" if obj == "marker" else None

    path = tmp_path / "pid.pkl"
    with open(path, "wb") as handle:
        PidPickler(handle, protocol=4).dump({"G_ema": "marker"})
    with pytest.raises(UnsafePickleError, match="persistent id"):
        glad_generators.load(path)


def test_non_generator_files_give_a_clear_error(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match=r"notes\.txt.*Accepted:.*\.pkl"):
        glad_generators.load(text)
    with pytest.raises(FileNotFoundError, match="missing.pkl"):
        glad_generators.load(tmp_path / "missing.pkl")
    plain = write_pickle(tmp_path / "list.pkl", [1, 2, 3])
    with pytest.raises(ValueError, match="list.pkl.*not the dict"):
        glad_generators.load(plain)
    empty = tmp_path / "empty.pkl"
    empty.write_bytes(b"\x80\x04")  # a pickle header and nothing else
    with pytest.raises(ValueError, match=r"empty\.pkl could not be read as an official StyleGAN-XL \.pkl"):
        glad_generators.load(empty)
    damaged = tmp_path / "damaged"  # a saved-format config beside a weights file that is not safetensors
    damaged.mkdir()
    (damaged / "config.json").write_text(
        glad_generators.imagenet_config(
            glad_generators.RecipeConfig(resolution=16, num_classes=2, channel_base=32, channel_max=2)
        ).to_json()
    )
    (damaged / "weights.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(ValueError, match=r"damaged could not be read as a directory written by"):
        glad_generators.load(damaged)
