"""Distillation objectives: DC (gradient matching), DM (distribution matching), MTT (trajectory matching)."""

from .base import Objective, ObjectiveContext, ObjectiveOutput, RealData, SyntheticBatch
from .dc import GradientMatching
from .distances import layerwise_cosine_distance
from .dm import DistributionMatching
from .mtt import TrajectoryMatching
from .per_class import PerClassMatching
from .registry import available_objectives, build_objective, check_objective, register_objective

__all__ = [
    "DistributionMatching",
    "GradientMatching",
    "Objective",
    "ObjectiveContext",
    "ObjectiveOutput",
    "PerClassMatching",
    "RealData",
    "SyntheticBatch",
    "TrajectoryMatching",
    "available_objectives",
    "build_objective",
    "check_objective",
    "layerwise_cosine_distance",
    "register_objective",
]
