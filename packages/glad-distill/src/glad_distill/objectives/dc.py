"""Dataset condensation by gradient matching (DC), as GLaD runs it (inner_loop = outer_loop = 1).

Per class c: the gradients of the cross-entropy w.r.t. the network's parameters on the augmented real batch
and on the augmented synthetic images of class c, compared with the layer-wise cosine distance.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .distances import layerwise_cosine_distance
from .per_class import PerClassMatching


class GradientMatching(PerClassMatching):
    """DC on a fresh random network each iteration (see PerClassMatching for the arguments)."""

    def class_distance(self, net: nn.Module, real: torch.Tensor, syn: torch.Tensor, cls: int) -> torch.Tensor:
        params = [p for p in net.parameters() if p.requires_grad]
        loss_real = F.cross_entropy(net(real), _targets(real, cls))
        grads_real = [g.detach() for g in torch.autograd.grad(loss_real, params)]
        loss_syn = F.cross_entropy(net(syn), _targets(syn, cls))
        grads_syn = torch.autograd.grad(loss_syn, params, create_graph=True)
        return layerwise_cosine_distance(grads_syn, grads_real)


def _targets(images: torch.Tensor, cls: int) -> torch.Tensor:
    return torch.full((images.shape[0],), cls, dtype=torch.int64, device=images.device)
