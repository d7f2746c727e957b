"""The harness itself must fail on a wrong op: otherwise every op test proves nothing."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from harness import check_op, draw

from rosenblatt.autograd import Function


class WrongSquareGrad(Function):
    """y = x^2 with the wrong derivative 2x + 0.01."""

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, g):
        return g * (2 * self.x + 0.01)


class Float64Square(Function):
    """y = x^2 but always computed in float64 (loses float32)."""

    def forward(self, x):
        self.x = x.astype(np.float64)
        return self.x * self.x

    def backward(self, g):
        return (g * 2 * self.x).astype(g.dtype)


def test_harness_accepts_a_correct_op():
    check_op(lambda a: a * a, lambda a: a * a, [(3, 2)])


def test_harness_catches_a_wrong_forward():
    with pytest.raises(AssertionError):
        check_op(lambda a: a * a + 1e-6, lambda a: a * a, [(3, 2)])


def test_harness_catches_a_wrong_gradient_against_torch():
    with pytest.raises(AssertionError, match="gradient of input 0"):
        check_op(WrongSquareGrad.apply, lambda a: a * a, [(3, 2)])


def test_harness_catches_a_wrong_gradient_by_finite_differences():
    """Even without torch as the oracle (torch given the same wrong derivative)."""

    class TorchWrong(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * (2 * x + 0.01)

    with pytest.raises(AssertionError, match="gradcheck failed"):
        check_op(WrongSquareGrad.apply, TorchWrong.apply, [(3, 2)])


def test_harness_catches_a_lost_float32():
    with pytest.raises(AssertionError, match="float32 inputs gave float64"):
        check_op(Float64Square.apply, lambda a: a * a, [(3,)])


def test_draw_keeps_away_from_kinks():
    x = draw((1000,), np.random.default_rng(0), -1, 1, kinks=[0.0, 0.5], gap=0.05)
    assert np.abs(x).min() >= 0.05 - 1e-12
    assert np.abs(x - 0.5).min() >= 0.05 - 1e-12


def test_draw_distinct():
    x = draw((4, 5), np.random.default_rng(0), -1, 1, distinct=True)
    assert len(np.unique(x)) == 20 and x.shape == (4, 5)
