"""torch.library.opcheck on every compiled op (schema, autograd registration, fake kernel, AOT dispatch)."""

from __future__ import annotations

import pytest
import torch

OPCHECK_TESTS = ("test_schema", "test_autograd_registration", "test_faketensor", "test_aot_dispatch_dynamic")


def rand(*shape, seed=0, grad=False, dtype=torch.float64):
    t = torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)
    return t.requires_grad_(grad)


def f32(*shape, seed=0):
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed))


def cases():
    ops = torch.ops.glad_ops
    mask_args = (
        rand(1, 2, 5, 6, seed=1),
        f32(4, seed=2),
        f32(3, 2, seed=3),
        None,
        2,
        1,
        2,
        1,
        1,
        2,
        1.4,
        0.2,
        0.7,
        False,
    )
    _y, mask = ops.filtered_lrelu(*mask_args)
    return {
        "bias_act": (
            ops.bias_act.default,
            (rand(2, 3, 4, grad=True), rand(3, seed=1, grad=True), 1, 8, 0.2, 1.4, 0.5),
        ),
        "bias_act_nobias": (ops.bias_act.default, (rand(2, 3, grad=True), None, 0, 2, 0.1, 1.0, -1.0)),
        "bias_act_grad": (
            ops.bias_act_grad.default,
            (rand(4, 3, grad=True), rand(4, 3, seed=1, grad=True), rand(3, seed=2), 1, 3, 0.0, 2.0, -1.0, 1),
        ),
        "upfirdn2d": (
            ops.upfirdn2d.default,
            (rand(2, 3, 5, 6, grad=True), f32(4, seed=1), 2, 1, 1, 2, 2, 1, -1, 3, False, 2.0),
        ),
        "upfirdn2d_2d": (
            ops.upfirdn2d.default,
            (
                rand(1, 2, 6, 5, grad=True, dtype=torch.float32),
                f32(3, 4, seed=1),
                1,
                2,
                2,
                1,
                1,
                2,
                0,
                1,
                True,
                1.0,
            ),
        ),
        "filtered_lrelu": (
            ops.filtered_lrelu.default,
            (
                rand(1, 2, 5, 6, grad=True),
                f32(4, seed=2),
                f32(3, 2, seed=3),
                rand(2, seed=4, grad=True),
                2,
                1,
                2,
                1,
                1,
                2,
                1.4,
                0.2,
                0.7,
                False,
            ),
        ),
        "filtered_lrelu_grad": (
            ops.filtered_lrelu_grad.default,
            (
                rand(*_y.shape, seed=5),
                mask,
                f32(4, seed=2),
                f32(3, 2, seed=3),
                2,
                1,
                2,
                1,
                1,
                2,
                5,
                6,
                1.4,
                0.2,
                False,
            ),
        ),
    }


@pytest.mark.parametrize(
    "name",
    [
        "bias_act",
        "bias_act_nobias",
        "bias_act_grad",
        "upfirdn2d",
        "upfirdn2d_2d",
        "filtered_lrelu",
        "filtered_lrelu_grad",
    ],
)
def test_opcheck(native_cpu, name):
    op, args = cases()[name]
    torch.library.opcheck(op, args, test_utils=OPCHECK_TESTS)
