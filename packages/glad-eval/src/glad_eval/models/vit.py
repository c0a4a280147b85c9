"""Vision Transformers of GLaD's zoo (spec §12).

``vit``: patch 16, dim 512, 10 layers, 8 heads x 64, MLP 512, dropout 0.1, CLS pooling, no LayerNorm anywhere.
``vit_cifar``: patch 4, 6 layers, pre-norm LayerNorm(512) before every attention/MLP block and before the
head. Patches are flattened in (row, col, channel) order with the channel fastest.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .layers import GeneratorDropout, check_size
from .registry import register_architecture


class Attention(nn.Module):
    """Multi-head self-attention [N, T, dim] -> [N, T, dim]; to_qkv has no bias; no attention dropout."""

    def __init__(self, dim: int, heads: int, dim_head: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.to_qkv = nn.Linear(dim, 3 * heads * dim_head, bias=False)
        self.to_out = nn.Sequential(nn.Linear(heads * dim_head, dim), GeneratorDropout(dropout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, t, _ = x.shape
        q, k, v = (y.view(n, t, self.heads, -1).transpose(1, 2) for y in self.to_qkv(x).chunk(3, dim=-1))
        out = F.scaled_dot_product_attention(q, k, v)  # softmax(q k^T / sqrt(dim_head)) v
        return self.to_out(out.transpose(1, 2).reshape(n, t, -1))


class FeedForward(nn.Sequential):
    """Linear(dim -> hidden), GELU (erf), dropout, Linear(hidden -> dim), dropout."""

    def __init__(self, dim: int, hidden: int, dropout: float) -> None:
        super().__init__(
            nn.Linear(dim, hidden),
            nn.GELU(),
            GeneratorDropout(dropout),
            nn.Linear(hidden, dim),
            GeneratorDropout(dropout),
        )


class PreNorm(nn.Module):
    def __init__(self, dim: int, fn: nn.Module) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(self.norm(x))


class ViT(nn.Module):
    """Input [N, C, H, W] (H, W divisible by ``patch``) -> logits [N, num_classes]."""

    def __init__(
        self,
        *,
        num_classes: int,
        channels: int,
        image_size: int,
        patch: int = 16,
        dim: int = 512,
        depth: int = 10,
        heads: int = 8,
        dim_head: int = 64,
        mlp_dim: int = 512,
        dropout: float = 0.1,
        emb_dropout: float = 0.1,
        layer_norm: bool = False,
    ) -> None:
        super().__init__()
        self.patch = patch
        num_patches = (image_size // patch) ** 2
        self.to_patch_embedding = nn.Linear(channels * patch * patch, dim)
        self.pos_embedding = nn.Parameter(torch.randn(1, num_patches + 1, dim))
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim))
        self.dropout = GeneratorDropout(emb_dropout)
        wrap = (lambda fn: PreNorm(dim, fn)) if layer_norm else (lambda fn: fn)
        self.layers = nn.ModuleList(
            nn.ModuleList(
                [wrap(Attention(dim, heads, dim_head, dropout)), wrap(FeedForward(dim, mlp_dim, dropout))]
            )
            for _ in range(depth)
        )
        self.mlp_head = (
            nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, num_classes))
            if layer_norm
            else nn.Linear(dim, num_classes)
        )

    def init_parameters(self, generator: torch.Generator) -> None:
        """Draw this module's own tensors (pos_embedding, cls_token) from N(0, 1), unscaled, as the reference
        does."""
        with torch.no_grad():
            self.pos_embedding.normal_(generator=generator)
            self.cls_token.normal_(generator=generator)

    def patchify(self, x: torch.Tensor) -> torch.Tensor:
        """[N, C, H, W] -> [N, (H/p)*(W/p), p*p*C], patches in row-major order, channel fastest inside a
        patch."""
        n, c, h, w = x.shape
        p = self.patch
        x = x.reshape(n, c, h // p, p, w // p, p).permute(0, 2, 4, 3, 5, 1)
        return x.reshape(n, (h // p) * (w // p), p * p * c)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The CLS token after the transformer, [N, dim]."""
        tokens = self.to_patch_embedding(self.patchify(x))
        tokens = torch.cat([self.cls_token.expand(tokens.shape[0], -1, -1), tokens], dim=1)
        tokens = self.dropout(tokens + self.pos_embedding[:, : tokens.shape[1]])
        for attn, ff in self.layers:
            tokens = attn(tokens) + tokens
            tokens = ff(tokens) + tokens
        return tokens[:, 0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp_head(self.embed(x))


def _check_patch(name: str, image_size: int, patch) -> None:
    """The side must be a multiple of the patch; 28 px (MNIST-style) digits fit patch 4 (or 7, 14)."""
    if isinstance(patch, bool) or not isinstance(patch, int) or patch < 1:
        raise ValueError(f"{name}: patch must be a positive int, got {patch!r}")
    fits = [p for p in range(4, patch) if image_size % p == 0]
    example = f"{fits[0]}" if fits else "P"
    hint = (
        f"serve the data at a multiple of {patch} px with --image-size, or give it a patch that divides "
        f"{image_size}: glad-eval --model-option {name}.patch={example}"
    )
    check_size(name, image_size, minimum=patch, multiple=patch, hint=hint)


@register_architecture("vit")
def vit(*, num_classes: int, channels: int, image_size: int, patch: int = 16, **kw) -> ViT:
    """GLaD's ViT (patch 16); another ``patch`` (e.g. 4 for 28 px digits) lets it take any side it divides."""
    _check_patch("vit", image_size, patch)
    return ViT(num_classes=num_classes, channels=channels, image_size=image_size, patch=patch, **kw)


@register_architecture("vit_cifar")
def vit_cifar(*, num_classes: int, channels: int, image_size: int, patch: int = 4, **kw) -> ViT:
    """ViTCIFAR: patch 4 (so it takes 28 and 32 px), depth 6, pre-norm LayerNorm."""
    _check_patch("vit_cifar", image_size, patch)
    options = dict(depth=6, layer_norm=True) | kw
    return ViT(num_classes=num_classes, channels=channels, image_size=image_size, patch=patch, **options)
