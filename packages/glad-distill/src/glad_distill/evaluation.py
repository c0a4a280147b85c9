"""Evaluation of distilled images with glad_eval's protocol (periodic during distillation, and `glad run`)."""

from __future__ import annotations

import torch
from glad_eval.protocol import evaluate

from .config import EvalSettings


def evaluate_images(
    images01: torch.Tensor,
    labels: torch.Tensor,
    dataset,
    settings: EvalSettings,
    *,
    device: torch.device | str,
    dsa_strategy: str,
    distill_model: str,
    progress: bool = True,
):
    """Train `settings.num_seeds` fresh models of every architecture in `settings.models` on the images
    (float32 [N, C, H, W] in [0, 1], labels int64 [N]) and test them on the real test set.
    Returns glad_eval's EvalReport (per-model mean/std, cross-architecture mean, table)."""
    config = settings.eval_config(dsa_strategy=dsa_strategy, device=str(device), distill_model=distill_model)
    return evaluate(images01.detach().cpu(), labels.cpu(), dataset, config, progress=progress)
