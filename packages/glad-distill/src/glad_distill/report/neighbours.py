"""Nearest real training images of each distilled image, in a ConvNet's feature space: how close a distilled
set comes to copying its training data.

The embedding is a *randomly initialised* ConvNet of glad_eval's zoo (seeded, so the report is reproducible;
random ConvNet features are a known reasonable image embedding and cost no training): its `embed` output
(the flattened features before the classifier), compared with cosine similarity.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from glad_eval.models import build_architecture

EMBEDDING = "convnet"
EMBEDDING_OPTIONS = {"width": 32}  # narrower than the evaluation ConvNet (128): about 16x cheaper


@dataclass
class Neighbours:
    """For N distilled images, their k nearest real training images.

    indices: int64 [N, k] into the dataset's training set; similarity: float32 [N, k] cosine similarity in
    [-1, 1], best first; images01: float32 [N, k, C, H, W] in [0, 1]; labels: int64 [N, k]; description: how
    the features were made (shown in the report).
    """

    indices: torch.Tensor
    similarity: torch.Tensor
    images01: torch.Tensor
    labels: torch.Tensor
    description: str


@torch.no_grad()
def nearest_real(
    images01: torch.Tensor,
    dataset,
    *,
    k: int = 3,
    seed: int = 0,
    batch_size: int = 500,
    device: str | torch.device = "cpu",
) -> Neighbours:
    """The `k` nearest training images of `dataset` (a glad_eval Dataset) for each image of float [N, C, H, W]
    in [0, 1]; ValueError when the images do not match the dataset's channels/size."""
    shape = (dataset.channels, dataset.image_size, dataset.image_size)
    if tuple(images01.shape[1:]) != shape:
        raise ValueError(
            f"the distilled images are {tuple(images01.shape[1:])}, the dataset {dataset.name!r} serves "
            f"{shape}"
        )
    net = build_architecture(
        EMBEDDING,
        num_classes=dataset.num_classes,
        channels=dataset.channels,
        image_size=dataset.image_size,
        generator=torch.Generator().manual_seed(seed),
        device=device,
        **EMBEDDING_OPTIONS,
    ).eval()

    def embed(x01: torch.Tensor) -> torch.Tensor:
        features = net.embed(dataset.normalize(x01.to(device).float())).flatten(1)
        return torch.nn.functional.normalize(features, dim=1)

    queries = embed(images01)  # [N, D]
    train = dataset.train
    k = min(k, len(train))
    best_sim = torch.full((queries.shape[0], 0), -2.0, device=device)
    best_idx = torch.zeros((queries.shape[0], 0), dtype=torch.int64, device=device)
    for start in range(0, len(train), batch_size):
        stop = min(start + batch_size, len(train))
        similarity = queries @ embed(train.float01(slice(start, stop))).T  # [N, b]
        index = torch.arange(start, stop, device=device).expand_as(similarity)
        merged_sim, order = torch.cat([best_sim, similarity], 1).topk(
            min(k, best_sim.shape[1] + stop - start), 1
        )
        best_idx = torch.cat([best_idx, index], 1).gather(1, order)
        best_sim = merged_sim
    best_idx = best_idx.cpu()
    flat = best_idx.flatten()
    images = train.float01(flat).reshape(*best_idx.shape, *shape)
    return Neighbours(
        indices=best_idx,
        similarity=best_sim.cpu().float(),
        images01=images,
        labels=train.labels[flat].reshape(best_idx.shape).long(),
        description=(
            f"cosine similarity of the features (before the classifier) of a randomly initialised ConvNet "
            f"(glad_eval '{EMBEDDING}', {EMBEDDING_OPTIONS}, weights seed {seed}; untrained), over all "
            f"{len(train)} training images of {dataset.name}"
        ),
    )
