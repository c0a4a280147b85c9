"""A restricted unpickler for NVlabs/StyleGAN-XL "persistence" pickles (spec §4.4).

It never imports a module named in the file and never executes anything from it: `find_class` returns only
objects from a fixed allow-list (containers, torch tensor/parameter rebuilders, numpy array reconstruction),
safe replacements (storages via `torch.load(weights_only=True)`, persistent objects as inert
`PersistentRecord`s whose embedded `module_src` is ignored), or generated inert stub classes. Globals from
modules that can run code (os, subprocess, builtins.exec/eval/open, ...) make the whole load fail, and so does
a BUILD opcode aimed at an allowed global itself (it would set attributes such as `__defaults__` on the real
function or class for the whole process).
"""

from __future__ import annotations

import collections
import io
import pickle
import types
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

try:  # numpy >= 2
    from numpy._core import multiarray as _np_multiarray
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core import multiarray as _np_multiarray


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle references a global that could run code; nothing from it was executed."""


@dataclass
class PersistentRecord:
    """What a persistent object (`torch_utils.persistence._reconstruct_persistent_obj(meta)`) stood for.

    `state` is the instance `__dict__` (for modules: `_parameters`, `_buffers`, `_modules`, attributes,
    `_init_kwargs`). The module source that came with it is dropped unread.
    """

    class_name: str
    version: Any
    state: dict[str, Any]


class Stub:
    """Inert stand-in for any class or function the file names but we do not trust; it only stores data."""

    stub_module = "?"
    stub_name = "?"

    def __new__(cls, *args: Any, **kwargs: Any) -> Stub:
        obj = object.__new__(cls)
        obj.__dict__.update(stub_args=args, stub_kwargs=kwargs, stub_state=None, stub_items=[], stub_map={})
        return obj

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        self.__dict__["stub_state"] = state

    def append(self, item: Any) -> None:
        self.stub_items.append(item)

    def extend(self, items: Any) -> None:
        self.stub_items.extend(items)

    def __setitem__(self, key: Any, value: Any) -> None:
        self.stub_map[key] = value

    def __repr__(self) -> str:
        return f"<stub {self.stub_module}.{self.stub_name}>"


def _refuse_global_build(what: str) -> UnsafePickleError:
    return UnsafePickleError(
        f"the pickle tries to set attributes on the global {what} (a BUILD on the class or function "
        f"itself, which would change it for the whole process); refusing to load it"
    )


class _ClassWithFixedAttributes(type):
    """Metaclass of the allowed Python classes: setting an attribute on the class itself is refused."""

    def __setattr__(cls, name: str, value: Any) -> None:
        raise _refuse_global_build(f"{cls.__qualname__}.{name}")


class AllowedFunction:
    """An allowed Python function as the unpickler hands it out: calls go through to it; a BUILD on it (which
    would set attributes such as `__defaults__` on the real function) is refused."""

    __slots__ = ("function",)

    def __init__(self, function: Any):
        self.function = function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)

    def __setstate__(self, state: Any) -> None:
        raise _refuse_global_build(f"{self.function.__module__}.{self.function.__qualname__}")


class PlainDict(dict, metaclass=_ClassWithFixedAttributes):
    """Replacement for `dnnlib.util.EasyDict`: a dict that also reads keys as attributes."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _load_storage(data: bytes) -> Any:
    """`torch.storage._load_from_bytes` replacement: a legacy torch.save stream, weights only, on CPU."""
    return torch.load(io.BytesIO(data), weights_only=True, map_location="cpu")


def _reconstruct_persistent(meta: Any) -> PersistentRecord:
    if not isinstance(meta, dict) or meta.get("type") != "class" or not isinstance(meta.get("state"), dict):
        raise pickle.UnpicklingError(
            "malformed persistent-object record (expected a dict with type='class' and a state dict)"
        )
    return PersistentRecord(
        class_name=str(meta.get("class_name")), version=meta.get("version"), state=meta["state"]
    )


_ARRAY_RECONSTRUCTORS = (_np_multiarray._reconstruct, np.ndarray, _np_multiarray.scalar)


def _dill_create_array(f: Any, args: Any, state: Any, npdict: Any = None) -> Any:
    """`dill._dill._create_array`: `a = f(*args); a.__setstate__(state)`, for numpy reconstructors only."""
    if f not in _ARRAY_RECONSTRUCTORS:
        raise UnsafePickleError(
            f"dill._create_array called with {f!r}; only numpy array reconstruction is allowed"
        )
    array = f(*args)
    array.__setstate__(state)
    if npdict:
        raise UnsafePickleError("dill._create_array with extra instance attributes is not supported")
    return array


def _codecs_encode(text: str, encoding: str = "utf-8") -> bytes:
    """`_codecs.encode`, used by protocol-2 pickles for bytes; text encodings only."""
    if encoding.lower().replace("-", "") not in ("latin1", "utf8", "ascii") or not isinstance(text, str):
        raise UnsafePickleError(f"_codecs.encode with encoding {encoding!r} is not allowed")
    return text.encode(encoding)


def _copyreg_reconstructor(cls: Any, base: Any, state: Any) -> Any:
    """`copyreg._reconstructor` (protocol < 2 objects), for stub classes and plain dicts only."""
    if isinstance(cls, type) and issubclass(cls, (Stub, PlainDict)):
        return cls()
    raise UnsafePickleError(f"copyreg._reconstructor for {cls!r} is not allowed")


_TORCH_DTYPES = {
    name: getattr(torch, name)
    for name in (
        "float16",
        "bfloat16",
        "float32",
        "float64",
        "half",
        "float",
        "double",
        "uint8",
        "int8",
        "int16",
        "int32",
        "int64",
        "long",
        "int",
        "short",
        "bool",
        "complex64",
        "complex128",
    )
}

_ALLOWED: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "slice"): slice,
    ("torch._utils", "_rebuild_tensor_v2"): torch._utils._rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): torch._utils._rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): torch._utils._rebuild_parameter_with_state,
    ("torch", "Size"): torch.Size,
    ("torch", "device"): torch.device,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _np_multiarray._reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _np_multiarray._reconstruct,
    ("numpy.core.multiarray", "scalar"): _np_multiarray.scalar,
    ("numpy._core.multiarray", "scalar"): _np_multiarray.scalar,
    ("torch.storage", "_load_from_bytes"): _load_storage,
    ("torch_utils.persistence", "_reconstruct_persistent_obj"): _reconstruct_persistent,
    ("dnnlib.util", "EasyDict"): PlainDict,
    ("dill._dill", "_create_array"): _dill_create_array,
    ("_codecs", "encode"): _codecs_encode,
    ("copyreg", "_reconstructor"): _copyreg_reconstructor,
    **{("torch", name): dtype for name, dtype in _TORCH_DTYPES.items()},
}
_ALLOWED = {
    key: AllowedFunction(value) if isinstance(value, types.FunctionType) else value
    for key, value in _ALLOWED.items()
}

# numpy dtype classes (numpy.dtypes.Float32DType, ...) appear in numpy-2 pickles of dtypes.
_ALLOWED_NUMPY_DTYPE_MODULES = ("numpy.dtypes",)

# Globals from these modules (or these builtins) can run code or touch the system: they refuse the whole file.
# Anything else that is not allowed above becomes an inert stub (e.g. torch.nn / timm classes inside `D`).
_FORBIDDEN_MODULES = frozenset(
    (
        "os",
        "posix",
        "nt",
        "posixpath",
        "ntpath",
        "subprocess",
        "sys",
        "shutil",
        "socket",
        "pty",
        "runpy",
        "importlib",
        "ctypes",
        "multiprocessing",
        "webbrowser",
        "code",
        "codeop",
        "marshal",
        "pickle",
        "_pickle",
        "io",
        "_io",
        "pathlib",
        "tempfile",
        "glob",
        "urllib",
        "http",
        "requests",
        "asyncio",
        "signal",
        "pdb",
        "timeit",
        "platform",
        "commands",
        "popen2",
    )
)
_FORBIDDEN_BUILTINS = frozenset(
    (
        "eval",
        "exec",
        "compile",
        "open",
        "__import__",
        "input",
        "breakpoint",
        "exit",
        "quit",
        "help",
        "print",
        "globals",
        "locals",
        "vars",
        "setattr",
        "delattr",
        "__loader__",
        "__build_class__",
    )
)


def _is_forbidden(module: str, name: str) -> bool:
    root = module.split(".")[0]
    if root in ("builtins", "__builtin__"):
        return name in _FORBIDDEN_BUILTINS or name.startswith("__")
    return root in _FORBIDDEN_MODULES


class SafeUnpickler(pickle.Unpickler):
    """Restricted unpickler (spec §4.4); `stubbed` lists the globals replaced by inert stubs."""

    def __init__(self, file: Any):
        super().__init__(file)
        self.stubbed: set[str] = set()
        self._stub_classes: dict[tuple[str, str], type] = {}

    def find_class(self, module: str, name: str) -> Any:
        key = (module, name)
        if key in _ALLOWED:
            return _ALLOWED[key]
        if module in _ALLOWED_NUMPY_DTYPE_MODULES and name.endswith("DType") and hasattr(np.dtypes, name):
            return getattr(np.dtypes, name)
        if _is_forbidden(module, name):
            raise UnsafePickleError(
                f"the pickle references {module}.{name}, which could run code; "
                f"refusing to load it (nothing from the file was executed)"
            )
        if key not in self._stub_classes:
            self._stub_classes[key] = type(
                name,
                (Stub,),
                {"stub_module": module, "stub_name": name, "__module__": "glad_generators.stubs"},
            )
            self.stubbed.add(f"{module}.{name}")
        return self._stub_classes[key]

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafePickleError(f"unexpected persistent id {pid!r} in the top-level pickle")


def safe_load_pickle(path: str | Any) -> tuple[Any, set[str]]:
    """Unpickle `path` with `SafeUnpickler`; returns (object, names of the globals that were stubbed).

    Raises UnsafePickleError naming `path` when the file asks for anything that could run code.
    """
    with open(path, "rb") as handle:
        unpickler = SafeUnpickler(handle)
        try:
            obj = unpickler.load()
        except UnsafePickleError as error:
            raise UnsafePickleError(f"{path}: {error}") from None
    return obj, unpickler.stubbed
