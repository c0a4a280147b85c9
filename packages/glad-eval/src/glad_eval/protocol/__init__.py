"""The evaluation protocol of GLaD (spec §5, §12): fresh models per (architecture, seed), SGD with warm-up +
cosine, DSA on every batch, EMA of the weights, one test at the end; a table of mean ± std per architecture
and the cross-architecture mean.

>>> report = evaluate(images01, labels, load_dataset("mnist5k"), EvalConfig(models=("convnet", "lenet")))
>>> print(report.format_table()); report.write("runs/eval")
"""

from ..seeding import derive_seed, job_generator
from .config import EvalConfig
from .ema import EMA
from .evaluation import check_models_fit, evaluate
from .report import EvalReport, ModelResult
from .schedule import ema_decay, lr_factor
from .train import Job, JobResult, build_model, run_job, test_accuracy, train_job, train_model
from .whole import evaluate_real_train_set

__all__ = [
    "EMA",
    "EvalConfig",
    "EvalReport",
    "Job",
    "JobResult",
    "ModelResult",
    "build_model",
    "check_models_fit",
    "derive_seed",
    "ema_decay",
    "evaluate",
    "evaluate_real_train_set",
    "job_generator",
    "lr_factor",
    "run_job",
    "test_accuracy",
    "train_job",
    "train_model",
]
