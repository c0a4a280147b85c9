"""The loop shared by DC and DM: a fresh random network per iteration, then one independent term per class."""

from __future__ import annotations

from collections.abc import Callable

import torch
from glad_eval.seeding import StepSeeds
from torch import nn

from .base import ObjectiveOutput, RealData, StatelessObjective, SyntheticBatch, rows_of


class PerClassMatching(StatelessObjective):
    """loss = sum over classes c of class_distance(net, DSA(real_c), DSA(syn_c)), the two batches augmented
    with the same DSA parameters (one set per batch, drawn from the class's stream).

    Args:
        make_network: CPU torch.Generator -> a freshly initialised classifier on the images' device.
        real: (class, count, generator) -> real images of that class, classifier space.
        augment: an augmentation with sample/apply (DSA or none).
        batch_real: real images per class and iteration (GLaD: 256).
    """

    def __init__(
        self, make_network: Callable[[torch.Generator], nn.Module], real: RealData, augment, batch_real: int
    ):
        self.make_network = make_network
        self.real = real
        self.augment = augment
        self.batch_real = batch_real

    def prepare_network(self, net: nn.Module) -> nn.Module:
        return net

    def class_distance(
        self, net: nn.Module, real: torch.Tensor, syn: torch.Tensor, cls: int
    ) -> torch.Tensor:  # pragma: no cover - abstract
        """0-d distance between augmented real [m, C, H, W] and synthetic [k, C, H, W] images of class
        `cls`."""
        raise NotImplementedError

    def __call__(self, batch: SyntheticBatch, seeds: StepSeeds) -> ObjectiveOutput:
        net = self.prepare_network(self.make_network(seeds.network()))
        image_grad = torch.zeros_like(batch.images)
        loss = batch.images.new_zeros(())
        per_class = batch.images.new_zeros(len(batch.classes))
        for k, cls in enumerate(batch.classes):
            generator = seeds.for_class(cls)
            rows = rows_of(batch.labels, cls)
            real = self.real(cls, self.batch_real, generator)
            syn = batch.images[rows].detach().requires_grad_(True)
            aug = self.augment.sample(
                real.shape[0], generator=generator, device=real.device, per_sample=False
            )
            distance = self.class_distance(
                net, self.augment.apply(real, aug), self.augment.apply(syn, aug), cls
            )
            (image_grad[rows],) = torch.autograd.grad(distance, syn)
            loss = loss + distance.detach()
            per_class[k] = distance.detach()
        return ObjectiveOutput(loss=loss, image_grad=image_grad, per_class_loss=per_class)
