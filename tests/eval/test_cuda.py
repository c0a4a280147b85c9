"""glad-eval on a CUDA device: seeded models, DSA and a short evaluation (skipped without CUDA)."""

from __future__ import annotations

import pytest
import torch
from glad_eval import models
from glad_eval.augment import DSA
from glad_eval.protocol import EvalConfig, evaluate

from .helpers import real_subset

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]


def test_seeded_build_on_cuda_equals_the_cpu_build():
    kwargs = dict(num_classes=10, channels=3, image_size=32)
    cpu = models.build_architecture("convnet", **kwargs, generator=torch.Generator().manual_seed(2))
    gpu = models.build_architecture(
        "convnet", **kwargs, generator=torch.Generator().manual_seed(2), device="cuda"
    )
    for (name, a), b in zip(cpu.named_parameters(), gpu.parameters(), strict=True):
        assert b.device.type == "cuda" and torch.equal(a, b.cpu()), name


def test_dsa_on_cuda_matches_cpu_with_the_same_parameters():
    dsa = DSA(mode="M")
    x = torch.rand(4, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    params = dsa.sample(4, generator=torch.Generator().manual_seed(1))
    expected = dsa.apply(x, params)
    x_gpu = x.cuda().requires_grad_()
    out = dsa.apply(x_gpu, params.to("cuda"))
    torch.testing.assert_close(out.cpu(), expected, atol=1e-5, rtol=0)
    out.square().sum().backward()
    assert torch.isfinite(x_gpu.grad).all() and x_gpu.grad.abs().sum() > 0
    on_gpu = dsa.sample(4, generator=torch.Generator("cuda").manual_seed(1))  # a CUDA generator draws there
    assert all(v.device.type == "cuda" for v in on_gpu.values.values())


def test_short_real_evaluation_on_cuda_beats_chance(mnist5k):
    images, labels = real_subset(mnist5k, per_class=10)
    config = EvalConfig(
        models=("convnet", "mlp"), num_seeds=2, epochs=30, lrs={"convnet": 0.03, "mlp": 0.05}, device="cuda"
    )
    report = evaluate(images, labels, mnist5k, config, progress=False)
    for name in ("convnet", "mlp"):
        assert report.per_model[name].mean > 40.0, report.format_table()  # chance is 10 %
    assert report.config["device"] == "cuda"
