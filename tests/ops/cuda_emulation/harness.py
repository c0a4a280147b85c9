"""Build and drive the host emulator of the glad_ops CUDA kernels (see emulator.h).

`build_emulator(cache_dir)` compiles csrc's block programs and orchestrators with the host C++ compiler into a
shared library (cached by a hash of every source) and returns an `Emulator` whose methods mirror the CUDA ops
on CPU tensors of float32 / float16 / bfloat16. Every call runs the same launch plans and block programs as
the GPU would, block by block and thread by thread, under the memory checker; a checker finding raises
`EmulationError` with the block, thread and phase."""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch
from glad_ops._geometry import filtered_lrelu_sizes, upfirdn2d_out_size

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[2]
CSRC = REPO_ROOT / "csrc"
SOURCES = [HERE / "emulation_api.cpp", HERE / "checker_selftest.cpp"]
FLAGS = ["-std=c++17", "-O2", "-shared", "-fPIC", "-DGLAD_CUDA_EMULATION"]
DTYPE_CODES = {torch.float32: 0, torch.float16: 1, torch.bfloat16: 2}


class EmulationError(AssertionError):
    """The checker found a race, an out-of-bounds or uninitialised access, or a geometry mismatch."""


def find_compiler() -> str | None:
    """The host C++ compiler ($CXX, g++, c++ or clang++), or None."""
    for name in (os.environ.get("CXX"), "g++", "c++", "clang++"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def _source_digest(compiler: str) -> str:
    h = hashlib.sha256()
    headers = sorted(p for p in CSRC.rglob("*") if p.suffix in (".cuh", ".h"))
    for path in [*SOURCES, HERE / "emulator.h", *headers]:
        h.update(str(path.relative_to(REPO_ROOT)).encode())
        h.update(path.read_bytes())
    h.update(" ".join([compiler, *FLAGS, torch.__version__]).encode())
    return h.hexdigest()[:16]


def build_emulator(cache_dir: Path | None = None) -> Emulator:
    """Compile (or reuse) the emulator library; raises RuntimeError with the compiler output on failure."""
    compiler = find_compiler()
    if compiler is None:
        raise RuntimeError("no C++ compiler found (set CXX or install g++)")
    cache_dir = Path(cache_dir or Path(tempfile.gettempdir()) / "glad_cuda_emulation")
    cache_dir.mkdir(parents=True, exist_ok=True)
    lib = cache_dir / f"emulator_{_source_digest(compiler)}.so"
    if not lib.exists():
        torch_include = Path(torch.__file__).resolve().parent / "include"
        tmp = lib.with_suffix(f".{os.getpid()}.tmp")
        cmd = [
            compiler,
            *FLAGS,
            f"-I{CSRC}",
            f"-I{HERE}",
            f"-I{torch_include}",
            *map(str, SOURCES),
            "-o",
            str(tmp),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"building the CUDA emulator failed:\n{' '.join(cmd)}\n{done.stderr[-6000:]}")
        os.replace(tmp, lib)
    return Emulator(ctypes.CDLL(str(lib)))


class EmuConfig(ctypes.Structure):
    """What the planners see of the device, and how blocks are emulated (mirrors emulation_api.cpp)."""

    _fields_ = [
        ("sm_count", ctypes.c_int),
        ("shared_per_block", ctypes.c_int64),
        ("shared_per_sm", ctypes.c_int64),
        ("threads", ctypes.c_int),
        ("allow_fused", ctypes.c_int),
    ]


class FlreluArgs(ctypes.Structure):
    """filtered_lrelu's native arguments plus the shapes the reference gives (mirrors emulation_api.cpp)."""

    _fields_ = [
        (name, ctypes.c_int)
        for name in "n c in_h in_w fu_h fu_w fu_sep fd_h fd_w fd_sep up down px0 px1 py0 py1 flip".split()
        + "t_h t_w out_h out_w".split()
    ] + [("gain", ctypes.c_double), ("slope", ctypes.c_double), ("clamp", ctypes.c_double)]


def flrelu_args(x_shape, fu_dims, fd_dims, up, down, padding, gain=1.0, slope=0.2, clamp=-1.0, flip=False):
    """FlreluArgs for x [N, C, H, W]; filter dims (fh, fw, separable) as `filter_dims` gives them."""
    n, c, h, w = x_shape
    (fu_h, fu_w, fu_sep), (fd_h, fd_w, fd_sep) = fu_dims, fd_dims
    (t_h, t_w), (out_h, out_w) = filtered_lrelu_sizes(h, w, (fu_w, fu_h), (fd_w, fd_h), up, down, padding)
    return FlreluArgs(n, c, h, w, fu_h, fu_w, fu_sep, fd_h, fd_w, fd_sep, up, down, *padding, int(flip),
                      t_h, t_w, out_h, out_w, gain, slope, clamp)  # fmt: skip


def config(
    *,
    sm_count: int = 132,
    shared_per_block: int = 227 * 1024,
    shared_per_sm: int = 228 * 1024,
    threads: int = 0,
    allow_fused: bool = True,
) -> EmuConfig:
    """Defaults = an H100; `threads` > 0 emulates blocks of that many threads; allow_fused=False forces the
    generic (untiled / unfused) paths."""
    return EmuConfig(sm_count, shared_per_block, shared_per_sm, threads, int(allow_fused))


@dataclass(frozen=True)
class Plan:
    fused: bool  # tiled upfirdn2d / fused filtered_lrelu (False: generic path)
    tile: tuple[int, int]
    grid: tuple[int, int, int]
    shared_bytes: int
    launches: int


def _plan(info: ctypes.Array) -> Plan:
    v = list(info)
    return Plan(bool(v[0]), (v[1], v[2]), (v[3], v[4], v[5]), v[6], v[7])


def _ptr(t: torch.Tensor | None) -> ctypes.c_void_p | None:
    if t is None:
        return None
    assert t.device.type == "cpu" and t.is_contiguous(), "emulator inputs must be contiguous CPU tensors"
    return ctypes.c_void_p(t.data_ptr())


def _dtype(x: torch.Tensor) -> int:
    if x.dtype not in DTYPE_CODES:
        raise TypeError(f"the CUDA kernels take float32/float16/bfloat16, got {x.dtype}")
    return DTYPE_CODES[x.dtype]


def filter_dims(f: torch.Tensor) -> tuple[int, int, int]:
    """(fh, fw, separable) of a float32 filter; 1-D = separable."""
    assert f.dtype == torch.float32 and f.dim() in (1, 2)
    return (f.shape[0], f.shape[0], 1) if f.dim() == 1 else (f.shape[0], f.shape[1], 0)


def _empty_like_nan(shape, dtype) -> torch.Tensor:
    return torch.full(shape, float("nan"), dtype=dtype)


class Emulator:
    """CUDA ops run by the emulator. Arguments are the native schema's (contracts.md), already normalised."""

    def __init__(self, lib: ctypes.CDLL):
        self.lib = lib
        lib.emu_error.restype = ctypes.c_char_p
        i, i64, f32, f64, p = ctypes.c_int, ctypes.c_int64, ctypes.c_float, ctypes.c_double, ctypes.c_void_p
        cfg = ctypes.POINTER(EmuConfig)
        info = ctypes.POINTER(ctypes.c_int64)
        lib.emu_bias_act.argtypes = [i, i, p, p, p, p, i64, i64, i64, i, f32, f32, f32, i, cfg, info]
        lib.emu_upfirdn2d.argtypes = [i, p, p, p, *[i] * 16, f64, i, i, cfg, info]
        args = ctypes.POINTER(FlreluArgs)
        lib.emu_filtered_lrelu.argtypes = [i, p, p, p, p, p, p, args, cfg, info]
        lib.emu_filtered_lrelu_grad.argtypes = [i, p, p, p, p, p, args, cfg, info]
        lib.emu_plan_filtered_lrelu.argtypes = [args, i, cfg, info]
        lib.emu_fast_divmod.argtypes = [ctypes.c_uint64, p, p, p, i64]
        lib.emu_fast_divmod.restype = None
        lib.emu_checker_selftest.argtypes = [i]
        lib.emu_checker_selftest_message.restype = ctypes.c_char_p

    def _check(self, rc: int) -> None:
        if rc != 0:
            raise EmulationError(self.lib.emu_error().decode())

    def bias_act(self, x, b, dim, act, alpha, gain, clamp, *, grad_of=None, order=1, cfg=None):
        """bias_act(x, b, ...) -> (y, vectorised); with `grad_of=g`: bias_act_grad(g, x, b, ..., order)."""
        inner = 1
        channels = 1
        if b is not None:
            channels = x.shape[dim]
            for s in x.shape[dim + 1 :]:
                inner *= s
        out = _empty_like_nan(x.shape, x.dtype)
        info = (ctypes.c_int64 * 8)()
        rc = self.lib.emu_bias_act(
            _dtype(x),
            int(grad_of is not None),
            _ptr(x),
            _ptr(grad_of),
            _ptr(b),
            _ptr(out),
            x.numel(),
            inner,
            channels,
            act,
            alpha,
            gain,
            clamp,
            order,
            ctypes.byref(cfg or config()),
            info,
        )
        self._check(rc)
        return out, bool(info[0])

    def upfirdn2d(self, x, f, up, down, padding, flip_filter, gain, *, cfg=None):
        """x [N,C,H,W]; up/down (x, y); padding (x0, x1, y0, y1) -> (y, Plan)."""
        n, c, h, w = x.shape
        fh, fw, sep = filter_dims(f)
        (ux, uy), (dx, dy), (px0, px1, py0, py1) = up, down, padding
        out_h, out_w = upfirdn2d_out_size(h, w, fw, fh, up, down, padding)
        y = _empty_like_nan((n, c, out_h, out_w), x.dtype)
        info = (ctypes.c_int64 * 8)()
        rc = self.lib.emu_upfirdn2d(
            _dtype(x),
            _ptr(x),
            _ptr(f),
            _ptr(y),
            n,
            c,
            h,
            w,
            fh,
            fw,
            sep,
            ux,
            uy,
            dx,
            dy,
            px0,
            px1,
            py0,
            py1,
            int(flip_filter),
            gain,
            out_h,
            out_w,
            ctypes.byref(cfg or config()),
            info,
        )
        self._check(rc)
        return y, _plan(info)

    @staticmethod
    def flrelu_shapes(h, w, fu, fd, up, down, padding):
        """(t_h, t_w, out_h, out_w): the intermediate's and the output's size (glad_ops._geometry)."""
        a = flrelu_args((1, 1, h, w), filter_dims(fu), filter_dims(fd), up, down, padding)
        return a.t_h, a.t_w, a.out_h, a.out_w

    def filtered_lrelu(self, x, fu, fd, b, up, down, padding, gain, slope, clamp, flip_filter, *, cfg=None):
        """-> (y, mask uint8 [N, C, t_h, ceil(t_w / 4)], Plan). clamp < 0: none."""
        a = flrelu_args(x.shape, filter_dims(fu), filter_dims(fd), up, down, padding, gain, slope, clamp,
                        flip_filter)  # fmt: skip
        y = _empty_like_nan((a.n, a.c, a.out_h, a.out_w), x.dtype)
        mask = torch.full((a.n, a.c, a.t_h, (a.t_w + 3) // 4), 0xFF, dtype=torch.uint8)
        info = (ctypes.c_int64 * 8)()
        rc = self.lib.emu_filtered_lrelu(
            _dtype(x), _ptr(x), _ptr(fu), _ptr(fd), _ptr(b), _ptr(y), _ptr(mask), ctypes.byref(a),
            ctypes.byref(cfg or config()), info,
        )  # fmt: skip
        self._check(rc)
        return y, mask, _plan(info)

    def filtered_lrelu_grad(self, dy, mask, fu, fd, up, down, padding, in_hw, gain, slope, flip_filter, *,
                            cfg=None):  # fmt: skip
        """-> (dx [N, C, *in_hw], Plan)."""
        dims = filter_dims(fu), filter_dims(fd)
        a = flrelu_args((*dy.shape[:2], *in_hw), *dims, up, down, padding, gain, slope, -1.0, flip_filter)
        assert tuple(dy.shape[2:]) == (a.out_h, a.out_w) and mask.shape == (a.n, a.c, a.t_h, (a.t_w + 3) // 4)
        dx = _empty_like_nan((a.n, a.c, *in_hw), dy.dtype)
        info = (ctypes.c_int64 * 8)()
        rc = self.lib.emu_filtered_lrelu_grad(
            _dtype(dy), _ptr(dy), _ptr(mask), _ptr(fu), _ptr(fd), _ptr(dx), ctypes.byref(a),
            ctypes.byref(cfg or config()), info,
        )  # fmt: skip
        self._check(rc)
        return dx, _plan(info)

    def plan_filtered_lrelu(self, x_shape, fu_shape, fd_shape, up, down, padding, backward, *, cfg=None):
        """The fused kernels' launch plan for these shapes (filters as (taps,) or (fh, fw)); runs nothing."""
        dims = [(s[0], s[0], 1) if len(s) == 1 else (*s, 0) for s in (fu_shape, fd_shape)]
        a = flrelu_args(x_shape, *dims, up, down, padding)
        info = (ctypes.c_int64 * 8)()
        self._check(
            self.lib.emu_plan_filtered_lrelu(
                ctypes.byref(a), int(backward), ctypes.byref(cfg or config()), info
            )
        )
        return _plan(info)

    def fast_divmod(self, d: int, numerators: list[int]) -> tuple[list[int], list[int]]:
        """(n // d, n % d) for every n, computed by glad_ops::FastDivmod."""
        count = len(numerators)
        arr = ctypes.c_uint64 * count
        n, q, r = arr(*numerators), arr(), arr()
        self.lib.emu_fast_divmod(d, n, q, r, count)
        return list(q), list(r)

    def checker_selftest(self, mode: int) -> tuple[int, str]:
        """Runs deliberately broken program `mode` (0 = correct); returns (rc, checker message)."""
        rc = self.lib.emu_checker_selftest(mode)
        return rc, self.lib.emu_checker_selftest_message().decode()
