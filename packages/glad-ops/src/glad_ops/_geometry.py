"""Output sizes of the ops (spec §1.3, §1.4), shared by the wrappers' checks and the fake (meta) kernels."""

from __future__ import annotations


def filter_dims(f_shape) -> tuple[int, int]:
    """(fw, fh) of a filter shape: [taps] (separable, square) or [fh, fw]."""
    return (f_shape[-1], f_shape[0]) if len(f_shape) == 2 else (f_shape[0], f_shape[0])


def upfirdn2d_out_size(h, w, fw: int, fh: int, up, down, pad) -> tuple:
    """(H_out, W_out) for up=(ux, uy), down=(dx, dy), pad=(x0, x1, y0, y1)."""
    (ux, uy), (dx, dy), (px0, px1, py0, py1) = up, down, pad
    return (h * uy + py0 + py1 - fh + dy) // dy, (w * ux + px0 + px1 - fw + dx) // dx


def filtered_lrelu_sizes(h, w, fu_dims, fd_dims, up: int, down: int, pad) -> tuple[tuple, tuple]:
    """((Ht, Wt), (H_out, W_out)): the intermediate (after the up filter) and the output size."""
    (fuw, fuh), (fdw, fdh) = fu_dims, fd_dims
    px0, px1, py0, py1 = pad
    th, tw = h * up + py0 + py1 - fuh + 1, w * up + px0 + px1 - fuw + 1
    return (th, tw), ((th - fdh) // down + 1, (tw - fdw) // down + 1)
