"""One word per idea: the renamed config classes (old names warn), EvalSettings built into glad_eval's
EvalConfig, pending_is_finite in the Objective protocol, and the CLI words shared with glad-eval."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from glad_distill import DistillConfig, EvalSettings, LatentGeneratorConfig
from glad_distill.cli.distill_cmd import config_from_args
from glad_distill.cli.main import build_parser
from glad_distill.objectives import Objective, ObjectiveOutput, check_objective
from glad_distill.objectives.base import StatelessObjective
from glad_distill.objectives.registry import _REGISTRY, build_objective
from glad_eval.cli import build_parser as build_eval_parser
from glad_eval.protocol import EvalConfig


@pytest.mark.parametrize("module", ["glad_distill", "glad_distill.config"])
def test_generator_config_is_the_deprecated_name_of_latent_generator_config(module):
    import importlib

    new_name = "use glad_distill.LatentGeneratorConfig"
    with pytest.warns(DeprecationWarning, match=f"GeneratorConfig is deprecated.*{new_name}"):
        old = importlib.import_module(module).GeneratorConfig
    assert old is LatentGeneratorConfig
    assert isinstance(DistillConfig().generator, LatentGeneratorConfig)
    with pytest.raises(AttributeError, match="no attribute 'NoSuchConfig'"):
        importlib.import_module(module).NoSuchConfig  # noqa: B018


def test_eval_settings_are_eval_config_fields_with_its_defaults():
    settings = EvalSettings()
    defaults = EvalConfig()
    eval_fields = {g.name for g in dataclasses.fields(EvalConfig)}
    for f in dataclasses.fields(EvalSettings):
        assert f.name in eval_fields
        value = getattr(settings, f.name)
        assert (tuple(value) if f.name == "models" else value) == getattr(defaults, f.name)
    built = EvalSettings(models=["ConvNet", "mlp"], num_seeds=2, epochs=3, seed=7).eval_config(
        device="cpu", dsa_strategy="flip", distill_model="mlp"
    )
    assert (built.models, built.num_seeds, built.epochs, built.seed) == (("convnet", "mlp"), 2, 3, 7)
    assert (built.device, built.dsa_strategy, built.distill_model) == ("cpu", "flip", "mlp")
    assert DistillConfig.from_dict({"eval": {"models": ["convnet"], "num_seeds": 1}}).eval.num_seeds == 1


class _Duck:
    """An objective written before pending_is_finite joined the protocol (no base class)."""

    splits_classes = True

    def __call__(self, batch, seeds):
        return ObjectiveOutput(loss=batch.images.sum(), image_grad=torch.ones_like(batch.images))

    def commit(self):
        pass

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


class _Subclass(Objective):
    splits_classes = True


def test_pending_is_finite_is_part_of_the_objective_protocol(monkeypatch):
    assert _Subclass().pending_is_finite() is True
    assert StatelessObjective().pending_is_finite() is True
    monkeypatch.setitem(_REGISTRY._items, "test-duck", lambda context: _Duck())
    context = type("Context", (), {"config": DistillConfig(method="test-duck")})()
    with pytest.warns(DeprecationWarning, match="has no pending_is_finite"):
        objective = build_objective(context)
    assert objective.pending_is_finite() is True


def test_an_unknown_method_names_the_registered_objectives():
    check_objective("dm")
    with pytest.raises(ValueError, match="method must be one of dc, dm, mtt, got 'xyz'"):
        check_objective("xyz")


@pytest.mark.parametrize(("cuda", "flags", "device"), [(False, [], "cpu"), (True, [], "cuda"),
                                                       (True, ["--device", "cpu"], "cpu"),
                                                       (False, ["--device", "auto"], "cpu")])  # fmt: skip
def test_glad_device_defaults_to_auto_like_glad_eval(monkeypatch, cuda, flags, device):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    for command in ("distill", "run"):
        args = build_parser().parse_args([command, *flags])
        assert config_from_args(args).device == device
    evaluation = build_eval_parser().parse_args(["set", *flags])
    from glad_eval.cli import config_from_args as eval_config_from_args

    assert eval_config_from_args(evaluation).device == device


def test_glad_and_glad_eval_share_flag_words_and_help():
    def help_of(parser, flag):
        action = next(a for a in parser._actions if flag in a.option_strings)
        return action.help

    distill = build_parser()._subparsers._group_actions[0].choices["distill"]
    evaluation = build_eval_parser()
    assert help_of(distill, "--dsa") == help_of(evaluation, "--dsa")
    assert help_of(distill, "--device").startswith(help_of(evaluation, "--device"))
    assert "default auto: cuda when available, else cpu" in help_of(evaluation, "--device")
    for flag in ("--models", "--seeds", "--epochs"):  # glad's --eval-models/--eval-seeds/--eval-epochs
        assert help_of(evaluation, flag)
        assert help_of(distill, "--eval-" + flag.lstrip("-"))
    args = build_parser().parse_args(["distill", "--eval-models", "convnet,mlp", "--eval-seeds", "2",
                                      "--eval-epochs", "3", "--device", "cpu"])  # fmt: skip
    settings = config_from_args(args).eval
    evaluated = build_eval_parser().parse_args(["set", "--models", "convnet,mlp", "--seeds", "2", "--epochs",
                                                "3", "--device", "cpu"])  # fmt: skip
    from glad_eval.cli import config_from_args as eval_config_from_args

    same = eval_config_from_args(evaluated)
    assert (tuple(settings.models), settings.num_seeds, settings.epochs) == (
        same.models, same.num_seeds, same.epochs
    )  # fmt: skip
