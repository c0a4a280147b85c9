"""Keyword arguments of the official StyleGAN API that glad accepts for drop-in compatibility."""

from __future__ import annotations

NOISE_MODES = ("const", "random", "none")


def check_compat_kwargs(noise_mode: str = "const", update_emas: bool = False) -> None:
    """Validate the official-API keywords: `noise_mode` has no effect (StyleGAN3/XL has no noise inputs);
    `update_emas=True` (the training loop's EMA updates of w_avg / magnitude_ema) is refused: glad's
    generators are frozen priors."""
    if noise_mode not in NOISE_MODES:
        raise ValueError(f"noise_mode must be one of {NOISE_MODES}, got {noise_mode!r}")
    if update_emas:
        raise ValueError(
            "update_emas=True (training-time updates of w_avg and magnitude_ema) is not supported: glad "
            "uses generators as frozen priors; call with update_emas=False (the default)"
        )
