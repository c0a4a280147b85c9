"""Modulated (and demodulated) convolution of StyleGAN2/3 (spec §2.6), in two equivalent forms.

Both compute, per sample n: y[n] = conv2d(x[n], Wn[n]) with Wn[n, o, i] = W[o, i] · s[n, i] · d[n, o] · g,
where (if demodulating) W and s are first normalised (s by its mean square over the WHOLE batch, as the
released code), d[n, o] = rsqrt(Σ_{i,kh,kw} (W[o, i] s[n, i])² + 1e-8), and g = input_gain.

* `grouped`: builds the per-sample kernels and runs one grouped conv2d (groups = N), the released models'
  form; used for float16/bfloat16, where it keeps every intermediate bounded.
* `modulate_activations`: scales the input channels by s·g, runs one ordinary conv2d with the shared kernel,
  then scales the output channels by d. Same result up to float rounding and cheaper to differentiate (no
  per-sample weight gradient; ~20% faster per CPU step) but autograd keeps about twice the activations; used
  for float32.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _normalise(
    weight: torch.Tensor, styles: torch.Tensor, demodulate: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    if demodulate:
        weight = weight * weight.square().mean(dim=[1, 2, 3], keepdim=True).rsqrt()
        styles = styles * styles.square().mean().rsqrt()
    return weight, styles


def grouped(
    x: torch.Tensor,
    weight: torch.Tensor,
    styles: torch.Tensor,
    *,
    demodulate: bool,
    input_gain: torch.Tensor,
    padding: int,
) -> torch.Tensor:
    """Per-sample kernels [N, Cout, Cin, k, k] (float32, cast to x's dtype) and a grouped conv2d."""
    n, c_in = styles.shape
    c_out, _, kh, kw = weight.shape
    weight, styles = _normalise(weight, styles, demodulate)
    w = weight.unsqueeze(0) * styles.reshape(n, 1, c_in, 1, 1)
    if demodulate:
        w = w * (w.square().sum(dim=[2, 3, 4], keepdim=True) + 1e-8).rsqrt()
    w = w * input_gain
    y = F.conv2d(
        x.reshape(1, n * c_in, *x.shape[2:]),
        w.reshape(n * c_out, c_in, kh, kw).to(x.dtype),
        padding=padding,
        groups=n,
    )
    return y.reshape(n, c_out, *y.shape[2:])


def modulate_activations(
    x: torch.Tensor,
    weight: torch.Tensor,
    styles: torch.Tensor,
    *,
    demodulate: bool,
    input_gain: torch.Tensor,
    padding: int,
) -> torch.Tensor:
    """Input scaled by styles · input_gain, one shared-kernel conv2d, output scaled by the demodulation."""
    weight, styles = _normalise(weight, styles, demodulate)
    x = x * (styles * input_gain).to(x.dtype)[:, :, None, None]
    y = F.conv2d(x, weight.to(x.dtype), padding=padding)
    if demodulate:
        dcoefs = (styles.square() @ weight.square().sum(dim=[2, 3]).t() + 1e-8).rsqrt()  # [N, Cout]
        y = y * dcoefs.to(y.dtype)[:, :, None, None]
    return y


def modulated_conv2d(
    x: torch.Tensor,
    weight: torch.Tensor,
    styles: torch.Tensor,
    *,
    demodulate: bool,
    input_gain: torch.Tensor,
    padding: int,
) -> torch.Tensor:
    """x [N, Cin, H, W], weight [Cout, Cin, k, k], styles [N, Cin] → [N, Cout, H + 2p - k + 1, ...], x dtype.

    float32 inputs use `modulate_activations`, reduced precision the released `grouped` form.
    """
    form = modulate_activations if x.dtype == torch.float32 else grouped
    return form(x, weight, styles, demodulate=demodulate, input_gain=input_gain, padding=padding)
