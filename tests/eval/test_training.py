"""The one training loop (glad_eval.training.fit) and the EMA on torch's AveragedModel."""

from __future__ import annotations

import pytest
import torch
from glad_eval import models
from glad_eval.protocol import EMA, ema_decay, lr_factor
from glad_eval.training import EpochEnd, TrainSettings, fit
from torch import nn

from .helpers import make_dataset


def small_model(**kw) -> nn.Module:
    """A width-8 ConvNet for 3 classes of 3 x 16 x 16 images (kw: more build options)."""
    return models.build_architecture(
        "convnet", num_classes=3, channels=3, image_size=16, generator=torch.Generator(), width=8, **kw
    )


def test_preparing_batches_equals_training_on_prepared_images():
    """uint8 images prepared batch by batch (the experts' way) train exactly like images normalised up front
    (the evaluation's way): same shuffles, same DSA draws, same steps."""
    dataset = make_dataset(per_class=5)
    settings = TrainSettings(epochs=3, batch_size=4, lr=0.01)
    images, labels = dataset.train.images, dataset.train.labels
    up_front, per_batch = small_model(), small_model()
    fit(up_front, dataset.normalize(images.float() / 255.0), labels, settings,
        generator=torch.Generator().manual_seed(1))  # fmt: skip
    fit(per_batch, images, labels, settings, generator=torch.Generator().manual_seed(1),
        prepare=lambda batch: dataset.normalize(batch.float() / 255.0))  # fmt: skip
    for a, b in zip(up_front.parameters(), per_batch.parameters(), strict=True):
        assert torch.equal(a, b)
    assert not torch.equal(next(up_front.parameters()), next(small_model().parameters()))  # it trained


def test_epoch_end_sees_every_epoch_its_lr_and_mean_loss():
    dataset = make_dataset(per_class=3)  # 9 images, batch 4: 3 batches per epoch
    x, y = dataset.normalize(dataset.train.float01()), dataset.train.labels
    model = small_model()
    seen: list[EpochEnd] = []
    losses: list[float] = []
    original = torch.nn.functional.cross_entropy

    def spy(*args, **kwargs):
        loss = original(*args, **kwargs)
        losses.append(loss.item())
        return loss

    settings = TrainSettings(epochs=3, batch_size=4, lr=0.5, lr_schedule=lr_factor)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(torch.nn.functional, "cross_entropy", spy)
        fit(model, x, y, settings, generator=torch.Generator(), on_epoch_end=seen.append)
    assert [e.epoch for e in seen] == [0, 1, 2] and all(e.model is model and e.batches == 3 for e in seen)
    assert [e.lr for e in seen] == [0.5 * lr_factor(epoch, 3) for epoch in range(3)]
    for e in seen:
        assert e.mean_loss == pytest.approx(sum(losses[3 * e.epoch : 3 * e.epoch + 3]) / 3, rel=1e-6)


def test_ema_is_bitwise_the_lerp_recursion_and_copies_buffers():
    """EMA (AveragedModel) parameters equal ema.lerp_(live, 1 - d_n) step by step; BatchNorm buffers are
    copied from the live model, not averaged."""
    live = small_model(norm="batchnorm")
    ema = EMA(live)
    reference = [p.detach().clone() for p in live.parameters()]
    g = torch.Generator().manual_seed(0)
    for n in range(1, 6):
        with torch.no_grad():
            for p in live.parameters():
                p.add_(torch.randn(p.shape, generator=g))
            for b in live.buffers():
                if b.is_floating_point():
                    b.add_(torch.rand(b.shape, generator=g))
                else:
                    b.add_(1)
        assert ema.update(live) == ema_decay(n)
        for r, p in zip(reference, live.parameters(), strict=True):
            r.lerp_(p.detach(), 1.0 - ema_decay(n))
    assert ema.num_updates == 5
    for r, p in zip(reference, ema.model.parameters(), strict=True):
        assert torch.equal(r, p)
    for a, b in zip(ema.model.buffers(), live.buffers(), strict=True):
        assert torch.equal(a, b)
    assert sum(1 for b in live.buffers() if b.dtype == torch.int64) > 0  # num_batches_tracked was copied too
