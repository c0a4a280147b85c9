"""The glad-eval command line: an end-to-end run, option parsing, and bad input refused with exit status 2."""

from __future__ import annotations

import json
import re

import pytest
import torch
from glad_eval.artifacts import save_distilled
from glad_eval.cli import build_parser, config_from_args, main
from PIL import Image

from .helpers import real_subset


@pytest.fixture
def distilled_dir(tmp_path, mnist5k):
    images, labels = real_subset(mnist5k, per_class=1)
    save_distilled(tmp_path / "set", images, labels, {"dataset": "mnist5k"})
    return tmp_path / "set"


def test_cli_end_to_end(distilled_dir, tmp_path, capsys):
    out = tmp_path / "results"
    argv = [str(distilled_dir), "--models", "mlp,lenet", "--seeds", "2", "--epochs", "2", "--device", "cpu",
            "--out", str(out), "--no-progress", "--distill-model", "mlp", "--lr", "0.01"]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "mlp*" in printed and "lenet" in printed and "cross-arch" in printed
    data = json.loads((out / "results.json").read_text())
    assert data["dataset"] == "mnist5k" and data["num_images"] == 10  # dataset taken from the set's meta
    assert len(data["per_model"]["lenet"]["accuracies"]) == 2 and data["cross_arch_models"] == ["lenet"]
    assert data["config"]["lrs"] == {"mlp": 0.01, "lenet": 0.01} and data["config"]["epochs"] == 2
    assert (out / "results.csv").read_text().startswith("architecture,mean,std,seed_0,seed_1")


def test_options_become_the_config():
    args = build_parser().parse_args(
        ["set", "--models", "ConvNet,vgg11", "--lr", "0.02", "--lr", "vgg11=1e-5", "--model-option",
         "convnet.depth=3", "--model-option", "convnet.norm=batchnorm", "--seeds", "3", "--epochs", "7",
         "--batch-size", "64", "--device", "cpu", "--seed", "9"]
    )  # fmt: skip
    config = config_from_args(args)
    assert config.models == ("convnet", "vgg11") and config.lrs == {"convnet": 0.02, "vgg11": 1e-5}
    assert config.model_kwargs == {"convnet": {"depth": 3, "norm": "batchnorm"}}
    assert (config.num_seeds, config.epochs, config.batch_size, config.seed) == (3, 7, 64, 9)
    cifar = config_from_args(build_parser().parse_args(["set", "--eval-mode", "CIFAR", "--device", "cpu"]))
    assert cifar.models == ("convnet", "alexnet_cifar", "resnet18_cifar", "vgg11_cifar", "vit_cifar")
    assert cifar.epochs == 1000 and cifar.num_seeds == 5 and cifar.batch_size == 256


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--models", "convnet,foo"], "unknown architecture 'foo'"),
        (["--lr", "vgg11=fast"], "--lr 'vgg11=fast'"),
        (["--model-option", "depth=3"], "MODEL.KEY=VALUE"),
        (["--dataset", "cifar10"], "--data-root"),
        (["--image-size", "64"], "images are 32x32 px but dataset 'mnist5k' is served at 64 px"),
        (["--distill-model", "convnett"], "distill_model.*'convnett'"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_writes_nothing(distilled_dir, tmp_path, capsys, extra, message):
    out = tmp_path / "results"
    assert main([str(distilled_dir), "--out", str(out), "--no-progress", "--device", "cpu", *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("glad-eval: error:") and re.search(message, err)
    assert not out.exists()


def test_out_that_cannot_be_a_directory_is_refused_before_training(
    distilled_dir, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr("glad_eval.cli.evaluate", lambda *a, **k: pytest.fail("training started"))
    taken = tmp_path / "taken"
    taken.write_text("keep me")
    for out, message in (
        (taken, "a file of that name exists"),
        (taken / "sub", "is not a writable directory"),
    ):
        assert main([str(distilled_dir), "--out", str(out), "--no-progress", "--device", "cpu"]) == 5
        assert message in capsys.readouterr().err
    assert taken.read_text() == "keep me"


def test_absent_device_exits_6(distilled_dir, tmp_path, capsys):
    out = tmp_path / "results"
    assert main([str(distilled_dir), "--out", str(out), "--no-progress", "--device", "cuda:99"]) == 6
    err = capsys.readouterr().err
    assert err.startswith("glad-eval: error:") and "device='cuda:99'" in err and "Traceback" not in err
    assert not out.exists()


def test_bad_images_exit_2(tmp_path, capsys):
    save_distilled(tmp_path / "gray", torch.rand(3, 1, 32, 32), torch.tensor([0, 1, 2]))
    assert main([str(tmp_path / "gray"), "--no-progress", "--device", "cpu"]) == 2
    assert "class(es) [3, 4, 5, 6, 7, 8, 9]" in capsys.readouterr().err


def write_png_tree(root, images, labels):
    """An ImageFolder tree: root/<label>/<k>.png, grayscale 8-bit."""
    for k, (image, label) in enumerate(zip(images, labels.tolist(), strict=True)):
        (root / str(label)).mkdir(parents=True, exist_ok=True)
        pixels = (image[0] * 255).round().to(torch.uint8).numpy()
        Image.fromarray(pixels).save(root / str(label) / f"{k}.png")


def test_png_image_folder_end_to_end_with_progress_bars(tmp_path, mnist5k, capsys):
    images, labels = real_subset(mnist5k, per_class=1)
    write_png_tree(tmp_path / "pngs", images, labels)
    out = tmp_path / "results"
    argv = [str(tmp_path / "pngs"), "--dataset", "mnist5k", "--models", "mlp", "--seeds", "1",
            "--epochs", "2", "--device", "cpu", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "evaluating on mnist5k" in captured.err and "mlp #0" in captured.err  # the job and epoch bars
    data = json.loads((out / "results.json").read_text())
    assert data["num_images"] == 10 and len(data["per_model"]["mlp"]["accuracies"]) == 1


def test_png_image_folder_with_an_empty_class_exits_2(tmp_path, mnist5k, capsys):
    images, labels = real_subset(mnist5k, per_class=1)
    write_png_tree(tmp_path / "pngs", images, labels)
    for png in (tmp_path / "pngs" / "7").iterdir():
        png.unlink()
    assert (
        main([str(tmp_path / "pngs"), "--no-progress", "--device", "cpu", "--out", str(tmp_path / "r")]) == 2
    )
    assert re.search(r"class folder .*7 holds no images", capsys.readouterr().err)
    assert not (tmp_path / "r").exists()


def test_dsa_is_the_flag_and_dsa_strategy_still_works_with_a_warning(capsys):
    args = build_parser().parse_args(["set", "--dsa", "flip", "--device", "cpu"])
    assert config_from_args(args).dsa_strategy == "flip"
    with pytest.warns(DeprecationWarning, match="--dsa-strategy is deprecated.*use --dsa"):
        old = build_parser().parse_args(["set", "--dsa-strategy", "crop", "--device", "cpu"])
    assert config_from_args(old).dsa_strategy == "crop"
    assert "glad-eval: warning: --dsa-strategy is deprecated" in capsys.readouterr().err
    default = config_from_args(build_parser().parse_args(["set", "--device", "cpu"]))
    assert default.dsa_strategy == "color_crop_cutout_flip_scale_rotate"
    assert "--dsa-strategy" not in build_parser().format_help()


def test_device_defaults_to_auto_cuda_when_available_else_cpu(monkeypatch):
    assert build_parser().parse_args(["set"]).device == "auto"
    assert "default auto: cuda when available, else cpu" in " ".join(build_parser().format_help().split())
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert config_from_args(build_parser().parse_args(["set"])).device == "cpu"
    assert config_from_args(build_parser().parse_args(["set", "--device", "auto"])).device == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert config_from_args(build_parser().parse_args(["set"])).device == "cuda"
    assert config_from_args(build_parser().parse_args(["set", "--device", "cpu"])).device == "cpu"


@pytest.mark.parametrize(
    ("rank", "no_progress", "expected"), [(0, False, True), (1, False, False), (0, True, False)]
)
def test_progress_is_off_on_other_ranks(distilled_dir, monkeypatch, rank, no_progress, expected):
    """The CLI knows the rank and --no-progress and hands the dataset loader a plain `progress` argument."""
    import glad_eval.cli as cli
    from glad_eval.distributed import ProcessGroup

    seen = {}

    def fake_load_dataset(name, **kwargs):
        seen.update(kwargs)
        raise FileNotFoundError("stop here")

    monkeypatch.setattr(cli, "join_process_group", lambda device: ProcessGroup(rank=rank, world_size=2))
    monkeypatch.setattr(cli, "load_dataset", fake_load_dataset)
    argv = [str(distilled_dir), "--models", "mlp", "--device", "cpu"] + (
        ["--no-progress"] if no_progress else []
    )
    assert main(argv) == 3
    assert seen["progress"] is expected
