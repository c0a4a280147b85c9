"""Objectives by name ("dc", "dm", "mtt"); more can be added with `register_objective`."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import torch
from glad_eval.augment import DSA
from glad_eval.registry import Registry

from ..experts import ExpertBuffers, student_description
from ..networks import random_network
from .base import Objective, ObjectiveContext, RealData
from .dc import GradientMatching
from .dm import DistributionMatching
from .mtt import TrajectoryMatching
from .per_class import PerClassMatching

ObjectiveFactory = Callable[[ObjectiveContext], Objective]
_REGISTRY: Registry[ObjectiveFactory] = Registry("method")


def register_objective(name: str) -> Callable[[ObjectiveFactory], ObjectiveFactory]:
    """Decorator: `@register_objective("mine") def build(context: ObjectiveContext) -> Objective`."""
    return _REGISTRY.decorator(name)


def available_objectives() -> list[str]:
    """Names `--method` accepts (lower-case)."""
    return _REGISTRY.names()


def check_objective(name: str) -> None:
    """ValueError naming the registered objectives unless ``name`` is one (``DistillConfig.method``)."""
    if name not in _REGISTRY:
        raise ValueError(
            f"method must be one of {', '.join(available_objectives())}, got {name!r} (add one with "
            "glad_distill.objectives.register_objective)"
        )


def build_objective(context: ObjectiveContext) -> Objective:
    """The objective ``context.config.method`` built by its registered factory."""
    check_objective(context.config.method)
    objective = _REGISTRY.get(context.config.method)(context)
    if not hasattr(objective, "pending_is_finite"):  # deprecated: objectives written before 0.2
        warnings.warn(
            f"objective {context.config.method!r} ({type(objective).__name__}) has no pending_is_finite(); "
            "it is part of the Objective protocol now: define it (or subclass "
            "glad_distill.objectives.Objective); assuming True for this release",
            DeprecationWarning,
            stacklevel=2,
        )
        objective.pending_is_finite = _always_finite
    return objective


def _always_finite() -> bool:
    return True


def _network_factory(context: ObjectiveContext) -> Callable[[torch.Generator], torch.nn.Module]:
    dataset = context.dataset

    def make_network(generator: torch.Generator) -> torch.nn.Module:
        return random_network(
            context.config.net,
            num_classes=dataset.num_classes,
            channels=dataset.channels,
            image_size=dataset.image_size,
            generator=generator,
            device=context.device,
        )

    return make_network


def _per_class(objective_class: type[PerClassMatching]) -> ObjectiveFactory:
    def build(context: ObjectiveContext) -> Objective:
        return objective_class(
            _network_factory(context),
            RealData(context.dataset, context.device),
            DSA(context.config.dsa_strategy, mode="S"),
            context.config.batch_real,
        )

    return build


register_objective("dc")(_per_class(GradientMatching))
register_objective("dm")(_per_class(DistributionMatching))


@register_objective("mtt")
def _mtt(context: ObjectiveContext) -> Objective:
    config = context.config
    experts = ExpertBuffers.open(config.mtt.buffers)
    experts.check_student(
        student_description(context.dataset, config.net),
        expert_epochs=config.mtt.expert_epochs,
        max_start_epoch=config.mtt.max_start_epoch,
    )
    # The student's weights are replaced by expert parameters at every step; only its structure matters.
    student = _network_factory(context)(torch.Generator().manual_seed(0))
    return TrajectoryMatching(student, experts, DSA(config.dsa_strategy, mode="S"), config.mtt)
