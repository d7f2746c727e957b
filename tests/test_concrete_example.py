"""The EDSF deck's "Concrete example": one backpropagation step of a 2-2-1 sigmoid network.

W = [[0.1, 0.2], [0.3, 0.4]], b = (0.5, 0.5), W' = (0.5, 0.6), b' = 0.5, x = (0.2, 0.3),
target t = 0, loss (y - t)^2, one gradient step with eta = 1. Every number the slides print
is asserted at the printed precision: the value rounded to the printed digits must equal the
printed number exactly.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

import rosenblatt as rb
from rosenblatt import nn


def printed(value: float, shown: str) -> None:
    """``value`` rounded to as many decimals as ``shown`` has equals ``shown``."""
    decimals = -Decimal(shown).as_tuple().exponent
    assert round(float(value), decimals) == float(shown), f"{value!r} does not print as {shown}"


def _network(dtype: str) -> tuple[nn.Module, nn.Linear, nn.Linear]:
    hidden, out = nn.Linear(2, 2, dtype=dtype), nn.Linear(2, 1, dtype=dtype)
    model = nn.Sequential(hidden, nn.Sigmoid(), out, nn.Sigmoid())
    model.load_state_dict(
        {
            "0.weight": np.array([[0.1, 0.2], [0.3, 0.4]]),
            "0.bias": np.array([0.5, 0.5]),
            "2.weight": np.array([[0.5, 0.6]]),
            "2.bias": np.array([0.5]),
        }
    )
    return model, hidden, out


@pytest.fixture(params=["float64", "float32"])
def step(request):
    """Forward, backward and one SGD step (eta = 1) by hand: p.numpy() -= lr * p.grad."""
    model, hidden, out = _network(request.param)
    x = rb.tensor([[0.2, 0.3]], dtype=request.param)
    t = 0.0
    s1 = hidden(x)
    s1.retain_grad()
    x1 = s1.sigmoid()
    s2 = out(x1)
    y = s2.sigmoid()
    loss = ((y - t) ** 2).sum()
    loss.backward()
    grads = {k: p.grad.numpy().copy() for k, p in model.named_parameters()}
    for p in model.parameters():
        p.data -= 1.0 * p.grad  # the torch idiom: .data is a detached Tensor sharing memory
    with rb.no_grad():
        y_new = model(x)
    return {
        "s1": s1.numpy()[0],
        "x1": x1.numpy()[0],
        "s2": s2.item(),
        "y": y.item(),
        "loss": loss.item(),
        "grads": grads,
        "W": hidden.weight.numpy(),
        "b": hidden.bias.numpy(),
        "W'": out.weight.numpy()[0],
        "b'": out.bias.item(),
        "y_new": y_new.item(),
        "dtype": loss.dtype,
    }


def test_forward(step):
    printed(step["s1"][0], "0.58")
    printed(step["s1"][1], "0.68")
    printed(step["x1"][0], "0.64")
    printed(step["x1"][1], "0.66")
    printed(step["s2"], "1.22")
    printed(step["y"], "0.77")
    printed(step["loss"], "0.60")


def test_backward(step):
    g = step["grads"]
    printed(g["2.weight"][0, 0], "0.17")
    printed(g["2.weight"][0, 1], "0.18")
    dw = [["0.0063", "0.0094"], ["0.0073", "0.011"]]
    for i in range(2):
        for j in range(2):
            printed(g["0.weight"][i, j], dw[i][j])
    printed(g["2.bias"][0], "0.27")
    printed(g["0.bias"][0], "0.031")
    printed(g["0.bias"][1], "0.036")


def test_updated_weights_and_new_output(step):
    w = [["0.094", "0.19"], ["0.29", "0.39"]]
    for i in range(2):
        for j in range(2):
            printed(step["W"][i, j], w[i][j])
    printed(step["W'"][0], "0.33")
    printed(step["W'"][1], "0.42")
    printed(step["b"][0], "0.47")
    printed(step["b"][1], "0.46")
    printed(step["b'"], "0.23")
    printed(step["y_new"], "0.67")
    assert step["y_new"] < step["y"]  # closer to the target t = 0


def test_gradients_equal_the_slide_formulas(step):
    """dl/dW'_i = dl/dy s'(s2) x1_i and dl/dW_ij = dl/dy s'(s2) W'_i s'(s1_i) x_j, exactly."""
    y, x1, s1 = step["y"], step["x1"], step["s1"]
    sig = 1 / (1 + np.exp(-s1))
    delta2 = 2 * y * y * (1 - y)  # dl/dy = 2(y - 0); sigma' = y(1 - y)
    delta1 = delta2 * np.array([0.5, 0.6]) * sig * (1 - sig)
    rtol = 1e-12 if step["dtype"] == np.float64 else 1e-5
    g = step["grads"]
    np.testing.assert_allclose(g["2.weight"][0], delta2 * x1, rtol=rtol)
    np.testing.assert_allclose(g["2.bias"][0], delta2, rtol=rtol)
    np.testing.assert_allclose(g["0.bias"], delta1, rtol=rtol)
    np.testing.assert_allclose(g["0.weight"], np.outer(delta1, [0.2, 0.3]), rtol=rtol)


def test_the_check_itself_rejects_a_wrong_number():
    with pytest.raises(AssertionError):
        printed(0.0158, "0.015")
    printed(0.0149, "0.015")
