"""Expert buffers for MTT: training and metadata, refusal of mismatched buffers, MTT runs and resumes."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch
from glad_distill import BufferConfig, Distiller, NetConfig
from glad_distill.experts import METADATA_FILE, ExpertBuffers, train_experts
from glad_distill.networks import flatten_parameters, random_network
from glad_eval.data import ImageSet


@pytest.fixture(scope="module")
def buffers(tmp_path_factory, mnist):
    """Two width-8 experts, two epochs each, on 300 of the training digits (same dataset name and shapes)."""
    small = dataclasses.replace(mnist, train=ImageSet(mnist.train.images[:300], mnist.train.labels[:300]))
    config = BufferConfig(num_experts=2, epochs=2, batch_size=100, net=NetConfig(width=8), seed=3)
    return train_experts(config, tmp_path_factory.mktemp("buffers"), dataset=small, progress=False)


def test_buffers_hold_trajectories_and_metadata(buffers, mnist):
    metadata = json.loads((buffers.root / METADATA_FILE).read_text())
    assert metadata["dataset"] == "mnist5k" and metadata["resolution"] == 32 and metadata["channels"] == 1
    assert (metadata["architecture"], metadata["depth"], metadata["width"], metadata["norm"]) == (
        "convnet",
        3,
        8,
        "instancenorm",
    )
    assert metadata["epochs"] == 2 and metadata["lr"] == 0.01 and metadata["num_experts"] == 2
    net = random_network(
        NetConfig(width=8), num_classes=10, channels=1, image_size=32, generator=torch.Generator()
    )
    assert metadata["parameters"] == [[n, list(p.shape)] for n, p in net.named_parameters()]
    opened = ExpertBuffers.open(buffers.root)
    start, end = opened.pair(1, 0, 2)
    assert start.shape == end.shape == flatten_parameters(net).shape
    assert not torch.equal(start, end)  # the expert trained
    first, _ = opened.pair(0, 0, 1)
    assert not torch.equal(first, start)  # experts start from different weights


def test_mismatched_buffers_are_refused_naming_the_fields(buffers, make_config, mnist, tmp_path):
    config = make_config(
        method="mtt",
        net={"width": 16, "norm": "batchnorm"},
        mtt={"buffers": str(buffers.root), "expert_epochs": 1, "max_start_epoch": 1},
    )
    with pytest.raises(
        ValueError, match=r"width: buffers have 8, the student has 16.*norm: buffers have"
    ) as err:
        Distiller(config, tmp_path / "run", dataset=mnist, progress=False)
    assert "parameters" in str(err.value) and not (tmp_path / "run").exists()


def test_too_short_trajectories_are_refused(buffers, make_config, mnist, tmp_path):
    config = make_config(
        method="mtt", mtt={"buffers": str(buffers.root), "expert_epochs": 2, "max_start_epoch": 2}
    )
    with pytest.raises(ValueError, match="exceeds the 2 epochs"):
        Distiller(config, tmp_path / "run", dataset=mnist, progress=False)


def test_missing_buffers_are_refused(make_config, mnist, tmp_path):
    config = make_config(method="mtt", mtt={"buffers": str(tmp_path / "none")})
    with pytest.raises(ValueError, match="glad buffers"):
        Distiller(config, tmp_path / "run", dataset=mnist, progress=False)


@pytest.mark.parametrize("unroll", ["first_order", "full"])
def test_mtt_distills_and_resumes_bitwise(unroll, buffers, make_config, mnist, tmp_path):
    config = make_config(
        method="mtt",
        iterations=2,
        dsa_strategy="color_crop_cutout_flip_scale_rotate",
        mtt={
            "buffers": str(buffers.root),
            "expert_epochs": 1,
            "max_start_epoch": 1,
            "syn_steps": 2,
            "unroll": unroll,
            "lr_lr": 1e-3,
        },
    )
    straight = Distiller(config, tmp_path / "straight", dataset=mnist, progress=False)
    result = straight.run()
    assert all(torch.isfinite(torch.tensor(result.loss_history)))
    assert straight.objective.syn_lr.item() != config.mtt.lr_teacher  # syn_lr learned

    def interrupt(iteration):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Distiller(config, tmp_path / "cut", dataset=mnist, progress=False, on_iteration=interrupt).run()
    resumed = Distiller(config, tmp_path / "cut", dataset=mnist, progress=False, resume=True)
    again = resumed.run()
    assert torch.equal(again.images01, result.images01) and again.loss_history == result.loss_history
    assert resumed.objective.syn_lr.item() == straight.objective.syn_lr.item()
