"""The "whole dataset" reference: the protocol's models trained on the entire real training set (spec §12).

Distillation papers report it as the upper bound a distilled set is measured against (e.g. 93.5% for a ConvNet
on Fashion-MNIST in the DSA paper). Same models, optimiser, schedule, DSA, EMA and test as :func:`evaluate`;
only the training set differs, so ``config.epochs`` is usually far smaller here (one epoch is N / batch_size
steps instead of one or a few).
"""

from __future__ import annotations

from ..data import Dataset
from .config import EvalConfig
from .evaluation import evaluate
from .report import EvalReport


def evaluate_real_train_set(
    dataset: Dataset, config: EvalConfig | None = None, *, progress: bool = True
) -> EvalReport:
    """Train ``config.num_seeds`` fresh models of every architecture on all of ``dataset.train``, test them.

    Every training image (uint8 [N, C, H, W], converted to float32 in [0, 1]: N·C·H·W·4 bytes of memory,
    245 MB for Fashion-MNIST at 32 px) is used once per epoch. Returns the same :class:`EvalReport` as
    :func:`evaluate`, with ``num_images`` = N; accuracies in percent.
    """
    return evaluate(dataset.train.float01(), dataset.train.labels, dataset, config, progress=progress)
