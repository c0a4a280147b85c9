"""Matching training trajectories (MTT), with a learnable synthetic learning rate alpha (syn_lr).

Per iteration: an expert e and a start epoch s ~ U{0, ..., max_start_epoch - 1}; theta_0 = expert_e[s],
theta* = expert_e[s + expert_epochs]. The student (flat parameters through torch.func.functional_call) takes
K = syn_steps SGD steps on the synthetic images, theta_{k+1} = theta_k - alpha g_k with g_k the
cross-entropy gradient on minibatch b_k (all images by default), each image augmented independently. The
loss is L = ||theta_K - theta*||^2 / ||theta_0 - theta*||^2.

unroll "first_order" (GLaD, default; memory constant in K): pass 1 runs the K steps without a graph and keeps
theta_k; with G = sum_k g_k, theta_K = theta_0 - alpha G, so dL/dg_k = v = -2 alpha (theta_K - theta*) / D for
every k. Pass 2 recomputes each g_k at the stored theta_k with a graph on the images and accumulates the
vector-Jacobian product v^T dg_k/dx. This equals GLaD's per-step surrogate
l_k = [alpha^2 g_k.g_k + 2 alpha g_k.(alpha (G - g_k) - theta_0 + theta*)] / D, and ignores how later theta_j
depend on x (first order, like TESLA). syn_lr gets dL/dalpha with G fixed: -2 (theta_K - theta*).G / D.
unroll "full" (original MTT): one graph through all K steps; exact gradients for the images and alpha.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from glad_eval.seeding import StepSeeds
from torch import nn
from torch.func import functional_call

from ..config import MTTConfig
from ..networks import parameter_layout, unflatten_parameters
from .base import ObjectiveOutput, SyntheticBatch


@dataclass
class StudentStep:
    """Which synthetic images student step k uses and their augmentation parameters."""

    rows: torch.Tensor
    augmentation: Any


class TrajectoryMatching:
    """Args:
    student: the student network (its parameters are replaced by flat vectors; its buffers are used).
    experts: an object with `num_experts` and `pair(expert, start, span) -> (theta_start, theta_end)`.
    augment: augmentation with sample/apply (per-image parameters).
    config: the MTT hyper-parameters.
    """

    splits_classes = False

    def __init__(self, student: nn.Module, experts, augment, config: MTTConfig):
        self.student = student
        self.layout = parameter_layout(student)
        self.experts = experts
        self.augment = augment
        self.config = config
        device = next(student.parameters()).device
        self.syn_lr = torch.tensor(config.lr_teacher, dtype=torch.float32, device=device, requires_grad=True)
        self.lr_optimizer = torch.optim.SGD([self.syn_lr], lr=config.lr_lr, momentum=0.5)
        self._pending_lr_grad: torch.Tensor | None = None

    # -- the step -------------------------------------------------------------------------------------------
    def __call__(self, batch: SyntheticBatch, seeds: StepSeeds) -> ObjectiveOutput:
        generator = seeds.trajectory()
        expert = int(torch.randint(self.experts.num_experts, (1,), generator=generator))
        start = int(torch.randint(self.config.max_start_epoch, (1,), generator=generator))
        theta_start, theta_target = self.experts.pair(expert, start, self.config.expert_epochs)
        device = batch.images.device
        theta_start, theta_target = theta_start.to(device), theta_target.to(device)
        steps = self._plan_steps(batch.images, generator)
        if self.config.unroll == "full":
            loss, image_grad, lr_grad = self._full_unroll(batch, steps, theta_start, theta_target)
        else:
            loss, image_grad, lr_grad = self._first_order(batch, steps, theta_start, theta_target)
        self._pending_lr_grad = lr_grad
        return ObjectiveOutput(loss=loss, image_grad=image_grad)

    def _plan_steps(self, images: torch.Tensor, generator: torch.Generator) -> list[StudentStep]:
        """Minibatches as in MTT: consecutive chunks of random permutations (all images when batch_syn is
        None)."""
        count = images.shape[0]
        batch_syn = self.config.batch_syn or count
        chunks: list[torch.Tensor] = []
        steps = []
        for _ in range(self.config.syn_steps):
            if not chunks:
                order = (
                    torch.randperm(count, generator=generator) if batch_syn < count else torch.arange(count)
                )
                chunks = list(order.split(batch_syn))
            rows = chunks.pop(0).to(images.device)
            aug = self.augment.sample(
                rows.shape[0], generator=generator, device=images.device, per_sample=True
            )
            steps.append(StudentStep(rows, aug))
        return steps

    def _student_loss(
        self, theta: torch.Tensor, images: torch.Tensor, labels: torch.Tensor, step: StudentStep
    ):
        x = self.augment.apply(images[step.rows], step.augmentation)
        logits = functional_call(self.student, unflatten_parameters(theta, self.layout), (x,))
        return F.cross_entropy(logits, labels[step.rows])

    def _first_order(self, batch, steps, theta_start, theta_target):
        alpha = float(self.syn_lr.detach())
        thetas, grad_sum = [], torch.zeros_like(theta_start)
        theta = theta_start
        for step in steps:
            thetas.append(theta)
            theta_leaf = theta.detach().requires_grad_(True)
            (grad,) = torch.autograd.grad(
                self._student_loss(theta_leaf, batch.images, batch.labels, step), theta_leaf
            )
            grad_sum += grad
            theta = theta - alpha * grad
        distance0 = (theta_start - theta_target).pow(2).sum()
        residual = theta - theta_target  # theta_K - theta*, theta_K = theta_0 - alpha G
        loss = residual.pow(2).sum() / distance0
        grad_of_g = -2.0 * alpha * residual / distance0  # dL/dg_k, the same for every k
        images = batch.images.detach().requires_grad_(True)
        image_grad = torch.zeros_like(images)
        for theta_k, step in zip(thetas, steps, strict=True):
            theta_leaf = theta_k.detach().requires_grad_(True)
            student_loss = self._student_loss(theta_leaf, images, batch.labels, step)
            (grad,) = torch.autograd.grad(student_loss, theta_leaf, create_graph=True)
            (step_grad,) = torch.autograd.grad((grad * grad_of_g).sum(), images)
            image_grad += step_grad
        lr_grad = -2.0 * (residual * grad_sum).sum() / distance0
        return loss.detach(), image_grad, lr_grad.detach()

    def _full_unroll(self, batch, steps, theta_start, theta_target):
        images = batch.images.detach().requires_grad_(True)
        theta = theta_start.clone().requires_grad_(True)
        for step in steps:
            student_loss = self._student_loss(theta, images, batch.labels, step)
            (grad,) = torch.autograd.grad(student_loss, theta, create_graph=True)
            theta = theta - self.syn_lr * grad
        loss = (theta - theta_target).pow(2).sum() / (theta_start - theta_target).pow(2).sum()
        image_grad, lr_grad = torch.autograd.grad(loss, (images, self.syn_lr))
        return loss.detach(), image_grad, lr_grad.detach()

    # -- state ----------------------------------------------------------------------------------------------
    def commit(self) -> None:
        """One SGD step (momentum 0.5, lr_lr) of syn_lr with the gradient of the last call."""
        if self._pending_lr_grad is None:
            return
        self.syn_lr.grad = self._pending_lr_grad.reshape(())
        self.lr_optimizer.step()
        self.lr_optimizer.zero_grad(set_to_none=True)
        self._pending_lr_grad = None

    def pending_is_finite(self) -> bool:
        return self._pending_lr_grad is None or bool(torch.isfinite(self._pending_lr_grad))

    def state_dict(self) -> dict[str, Any]:
        return {"syn_lr": self.syn_lr.detach().clone(), "lr_optimizer": self.lr_optimizer.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        with torch.no_grad():
            self.syn_lr.copy_(state["syn_lr"])
        self.lr_optimizer.load_state_dict(state["lr_optimizer"])
