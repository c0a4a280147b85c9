"""Reproducible weight initialisation: PyTorch's default init schemes, drawn from an explicit torch.Generator.

``initialize(model, generator)`` gives every parameter the distribution PyTorch's own ``reset_parameters``
uses (conv/linear: Kaiming-uniform a=sqrt(5), bias U(+-1/sqrt(fan_in)); norms: weight 1, bias 0), so a model
built from a seeded generator is identical on every run and every rank, and the global RNG is never touched. A
module type not known here may provide ``init_parameters(generator)`` for its own (non-recursive) parameters
and buffers. Stochastic layers with a ``seed_from(generator)`` method (GeneratorDropout) take their seed from
the same generator, after every weight.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn


def _init_conv_or_linear(module: nn.Module, generator: torch.Generator) -> None:
    nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=generator)
    if module.bias is not None:
        fan_in, _ = nn.init._calculate_fan_in_and_fan_out(module.weight)
        bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        nn.init.uniform_(module.bias, -bound, bound, generator=generator)


def _init_norm(module: nn.Module, generator: torch.Generator) -> None:
    if getattr(module, "weight", None) is not None:
        nn.init.ones_(module.weight)
    if getattr(module, "bias", None) is not None:
        nn.init.zeros_(module.bias)
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        module.reset_running_stats()


INITIALIZERS: dict[type, Callable[[nn.Module, torch.Generator], None]] = {
    nn.Conv1d: _init_conv_or_linear,
    nn.Conv2d: _init_conv_or_linear,
    nn.Linear: _init_conv_or_linear,
    nn.GroupNorm: _init_norm,
    nn.LayerNorm: _init_norm,
    nn.BatchNorm1d: _init_norm,
    nn.BatchNorm2d: _init_norm,
}


@torch.no_grad()
def initialize(model: nn.Module, generator: torch.Generator) -> nn.Module:
    """Re-draw every parameter (and reset every buffer) of ``model`` in place from ``generator``; returns
    ``model``.

    Modules are visited in ``model.modules()`` order, so the draws (and the result) depend only on the
    generator's state and the architecture. TypeError names a module whose parameters this function cannot
    initialise.
    """
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"initialize: generator must be a torch.Generator, got {type(generator).__name__}")
    for name, module in model.named_modules():
        own = list(module.parameters(recurse=False)) + list(module.buffers(recurse=False))
        if not own:
            continue
        init = INITIALIZERS.get(type(module))
        if init is not None:
            init(module, generator)
        elif hasattr(module, "init_parameters"):
            module.init_parameters(generator)
        else:
            raise TypeError(
                f"initialize: no initialiser for module {name or '<root>'} of type {type(module).__name__}; "
                "give it an init_parameters(generator) method or build the model without a generator"
            )
    for module in model.modules():  # after the weights, so their draws do not depend on stochastic layers
        if hasattr(module, "seed_from"):
            module.seed_from(generator)
    return model
