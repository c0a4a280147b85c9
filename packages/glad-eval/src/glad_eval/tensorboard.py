"""``glad-eval --log tensorboard``: every model's training curve as TensorBoard scalars (needs the optional
extra: pip install "glad-eval[tensorboard]").

Scalars: ``train_loss/<model>_<seed index>`` and ``lr/<model>_<seed index>`` per epoch, and, once evaluated,
``test_accuracy/<model>`` (step = seed index) and ``test_accuracy/cross_arch_mean``. Under torchrun every
rank writes its own jobs into its own event file in the same folder (TensorBoard shows them together).
"""

from __future__ import annotations

from pathlib import Path

from .protocol.report import EvalReport
from .protocol.train import Job

TENSORBOARD_EXTRA = 'tensorboard is not installed; install it with: pip install "glad-eval[tensorboard]"'


def require_tensorboard() -> None:
    """ModuleNotFoundError with the one-line install hint when the tensorboard package is missing."""
    try:
        import tensorboard  # noqa: F401
        from torch.utils.tensorboard import SummaryWriter  # noqa: F401
    except ImportError:
        raise ModuleNotFoundError(TENSORBOARD_EXTRA) from None


class CurveLogger:
    """Pass ``logger.on_epoch`` to ``evaluate(on_epoch=...)``; then call ``add_report`` and ``close``."""

    def __init__(self, log_dir: str | Path, rank: int = 0):
        require_tensorboard()
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(log_dir=str(log_dir), filename_suffix=f".rank{rank}")

    def on_epoch(self, job: Job, epoch: int, loss: float, lr: float) -> None:
        self.writer.add_scalar(f"train_loss/{job.model}_{job.index}", loss, epoch)
        self.writer.add_scalar(f"lr/{job.model}_{job.index}", lr, epoch)

    def add_report(self, report: EvalReport) -> None:
        for name, result in report.per_model.items():
            for index, accuracy in enumerate(result.accuracies):
                self.writer.add_scalar(f"test_accuracy/{name}", accuracy, index)
        if report.cross_arch_mean is not None:
            self.writer.add_scalar("test_accuracy/cross_arch_mean", report.cross_arch_mean, 0)

    def close(self) -> None:
        self.writer.close()
