"""Kaiser-windowed sinc lowpass filters (spec §2.4) = `scipy.signal.firwin(n, cutoff, width=w, fs=fs)`."""

from __future__ import annotations

import math

import numpy as np
import torch


def kaiser_beta(numtaps: int, width: float, fs: float) -> float:
    """Kaiser window shape parameter for a transition band of `width` (Hz) at sampling rate `fs`."""
    attenuation = 2.285 * (numtaps - 1) * math.pi * (width / (fs / 2)) + 7.95
    if attenuation > 50:
        return 0.1102 * (attenuation - 8.7)
    if attenuation >= 21:
        return 0.5842 * (attenuation - 21) ** 0.4 + 0.07886 * (attenuation - 21)
    return 0.0


def kaiser_lowpass(numtaps: int, cutoff: float, width: float, fs: float) -> torch.Tensor | None:
    """1-D lowpass FIR filter, float32 `[numtaps]`, summing to 1; None when numtaps == 1 (identity).

    Args:
        numtaps: number of taps (>= 1).
        cutoff: passband edge in Hz, 0 < cutoff < fs / 2.
        width: transition band width in Hz (> 0).
        fs: sampling rate in Hz.
    """
    if numtaps < 1:
        raise ValueError(f"numtaps must be >= 1, got {numtaps}")
    if numtaps == 1:
        return None
    if not 0 < cutoff < fs / 2:
        raise ValueError(f"cutoff must be in (0, fs/2) = (0, {fs / 2}), got {cutoff}")
    if width <= 0:
        raise ValueError(f"width must be > 0, got {width}")
    c = cutoff / (fs / 2)
    m = np.arange(numtaps, dtype=np.float64) - (numtaps - 1) / 2
    taps = c * np.sinc(c * m)
    beta = kaiser_beta(numtaps, width, fs)
    n = np.arange(numtaps, dtype=np.float64)
    window = np.i0(beta * np.sqrt(1 - (2 * n / (numtaps - 1) - 1) ** 2)) / np.i0(beta)
    taps = taps * window
    taps = taps / taps.sum()
    return torch.as_tensor(taps, dtype=torch.float32)
