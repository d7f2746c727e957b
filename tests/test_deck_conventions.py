"""Where the decks disagree with each other or with PyTorch, each convention is explicit,
selectable where a deck needs it, and run on the deck's own numbers.

- threshold at s = 0: s > 0 (Matteucci deck) or s >= 0 (EDSF and KIT decks);
- activation derivatives at exactly 0: torch's values, the KIT table elsewhere;
- the convergence test: the KIT deck's "J decreases by less than 1e-3", one rule everywhere;
- gradient summed (decks) or averaged (torch's default) over N: how eta maps;
- one-hot order: the Matteucci deck codes class 0 as [0 0 1];
- the momentum rule of deck 000 vs deck 001: tests/optim/test_asgd_and_deck_momentum.py;
- the Boltzmann energy of deck 001 vs the RBM's: tests/models/test_boltzmann.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.special import erf

import rosenblatt as rb
import rosenblatt.nn.functional as F
from rosenblatt.models import Adaline, LinearRegression, ThresholdUnit
from rosenblatt.models._base import ConvergenceWarning
from rosenblatt.train.convergence import has_converged

BOOLEAN = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)


# ---------------------------------------------------------------- threshold at s = 0
def test_same_weights_are_and_under_s_gt_0_and_or_under_s_ge_0():
    """w = (1, 1), b = -1: s = 0 on (0, 1) and (1, 0)."""
    strict = ThresholdUnit(weights=[1.0, 1.0], bias=-1.0)
    inclusive = ThresholdUnit(weights=[1.0, 1.0], bias=-1.0, fires_at_zero=True)
    np.testing.assert_array_equal(strict.predict(BOOLEAN), [0, 0, 0, 1])  # AND (deck 000: > 0)
    np.testing.assert_array_equal(inclusive.predict(BOOLEAN), [0, 1, 1, 1])  # OR (decks 002, 004)


@pytest.mark.parametrize("fires_at_zero", [False, True])
def test_the_matteucci_units_do_not_depend_on_the_convention(fires_at_zero):
    """-1/2 + x1 + x2 (OR) and -2 + 3/2 x1 + x2 (AND): no Boolean input has s = 0."""
    OR = ThresholdUnit(weights=[1.0, 1.0], bias=-0.5, fires_at_zero=fires_at_zero)
    AND = ThresholdUnit(weights=[1.5, 1.0], bias=-2.0, fires_at_zero=fires_at_zero)
    np.testing.assert_array_equal(OR.predict(BOOLEAN), [0, 1, 1, 1])
    np.testing.assert_array_equal(AND.predict(BOOLEAN), [0, 0, 0, 1])


def test_step_value_selects_the_convention_as_torch_heaviside():
    s = np.array([-1.0, 0.0, 0.5])
    for value in (0.0, 1.0):
        expected = torch.heaviside(torch.tensor(s), torch.tensor(value, dtype=torch.float64))
        expected = expected.numpy()
        np.testing.assert_array_equal(F.step(rb.tensor(s), value=value).numpy(), expected)
        np.testing.assert_array_equal(rb.nn.Step(value)(rb.tensor(s)).numpy(), expected)
    np.testing.assert_array_equal(F.step(rb.tensor(s)).numpy(), [0, 0, 1])  # default: s > 0


# ---------------------------------------------------------------- derivatives at 0
LAMBDA, ALPHA = 1.0507009873554805, 1.6732632423543772


def _phi(x):
    return np.exp(-x * x / 2) / np.sqrt(2 * np.pi)


# name: (rosenblatt function, the KIT table's derivative g'(x) for x != 0, torch's g'(0))
KIT_TABLE = {
    "identity": (lambda x: x * 1.0, lambda x: np.ones_like(x), 1.0),
    "binary step": (lambda x: F.step(x, 1.0), lambda x: np.zeros_like(x), 0.0),
    "sigmoid": (F.sigmoid, lambda x: 1 / (1 + np.exp(-x)) * (1 - 1 / (1 + np.exp(-x))), 0.25),
    "tanh": (F.tanh, lambda x: 1 - np.tanh(x) ** 2, 1.0),
    "relu": (F.relu, lambda x: (x > 0) * 1.0, 0.0),
    "gelu": (F.gelu, lambda x: 0.5 * (1 + erf(x / np.sqrt(2))) + x * _phi(x), 0.5),
    "softplus": (F.softplus, lambda x: 1 / (1 + np.exp(-x)), 0.5),
    "elu": (F.elu, lambda x: np.where(x < 0, np.exp(x), 1.0), 1.0),
    "selu": (F.selu, lambda x: LAMBDA * np.where(x < 0, ALPHA * np.exp(x), 1.0), LAMBDA * ALPHA),
    "leaky relu": (F.leaky_relu, lambda x: np.where(x < 0, 0.01, 1.0), 0.01),
}
TORCH = {
    "identity": lambda x: x * 1.0,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "gelu": torch.nn.functional.gelu,
    "softplus": torch.nn.functional.softplus,
    "elu": torch.nn.functional.elu,
    "selu": torch.nn.functional.selu,
    "leaky relu": torch.nn.functional.leaky_relu,
}


def _derivative(fn, x):
    t = rb.tensor(x, dtype="float64", requires_grad=True)
    fn(t).sum().backward()
    return t.grad.numpy()


@pytest.mark.parametrize("name", list(KIT_TABLE))
def test_derivatives_follow_the_kit_table_away_from_zero_and_torch_at_zero(name):
    fn, kit, at_zero = KIT_TABLE[name]
    x = np.array([-3.0, -1.0, -0.2, 0.3, 1.0, 2.5])
    np.testing.assert_allclose(_derivative(fn, x), kit(x), rtol=1e-12, atol=1e-15)
    ours = _derivative(fn, np.array([0.0]))[0]
    assert ours == pytest.approx(at_zero, rel=1e-12, abs=0)
    if name in TORCH:
        tx = torch.zeros(1, dtype=torch.float64, requires_grad=True)
        TORCH[name](tx).sum().backward()
        assert ours == pytest.approx(float(tx.grad[0]), rel=1e-15, abs=0)


def test_selu_at_zero_is_where_torch_and_the_kit_table_differ():
    ours = _derivative(F.selu, np.array([0.0]))[0]
    assert ours == pytest.approx(LAMBDA * ALPHA)  # torch: the x <= 0 branch
    assert abs(ours - LAMBDA) > 0.7  # the KIT table's lambda (x >= 0 branch)
    assert "SELU         lambda = 1.0507" in rb.ops.activation.__doc__  # documented there


# ---------------------------------------------------------------- the convergence test
def test_the_kit_rule_declares_convergence_when_j_decreases_by_less_than_1e_3():
    assert not has_converged(1.0, 0.998, 1e-3)  # decreased by 2e-3
    assert has_converged(1.0, 0.9995, 1e-3)  # by 5e-4: converged
    assert has_converged(1.0, 1.2, 1e-3)  # a rise has decreased by less than 1e-3
    assert not has_converged(1.0, 1.2, 1e-3, rule="change")  # the other reading
    assert has_converged(1.0, 0.9995, 1e-3, rule="change")
    with pytest.raises(ValueError, match="convergence rule"):
        rb.callbacks.ConvergenceTest(1e-3, rule="sometimes")


class _Model:
    stop_training = False


@pytest.mark.parametrize("rule, stops_at", [("decrease", 2), ("change", 4)])
def test_convergence_test_callback_on_a_rising_loss(rule, stops_at):
    losses = [1.0, 0.5, 0.6, 0.3, 0.2995]  # epoch 2 rises, epoch 4 decreases by 5e-4
    cb = rb.callbacks.ConvergenceTest(tol=1e-3, rule=rule)
    cb.model = _Model()
    cb.on_train_begin()
    for epoch, loss in enumerate(losses):
        cb.on_epoch_end(epoch, {"loss": loss})
        if cb.model.stop_training:
            break
    assert cb.converged_epoch == stops_at
    assert cb.stopped_on_rise == (rule == "decrease")  # the rise, not a small change


def test_gradient_descent_that_overshoots_stops_at_the_first_rise():
    """A too-large learning rate: J rises at once; the KIT rule stops there and keeps the
    parameters of the last epoch before the rise (the starting point here)."""
    x = np.linspace(0, 1, 20)[:, None]
    y = 3 * x[:, 0]
    with pytest.warns(ConvergenceWarning, match="the loss rose"):
        model = LinearRegression(solver="gd", learning_rate=20.0, tol=1e-3).fit(x, y)
    assert model.n_iter_ == 1 and not model.converged_
    assert len(model.loss_curve_) == 1


def test_linear_regression_gd_stops_where_the_kit_deck_says():
    """Univariate least squares by the deck's simultaneous updates, J = 1/(2n) sum r^2:
    the estimator stops at the first epoch where J decreased by less than 1e-3."""
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 2, 40)
    y = 1.0 + 2.0 * x + 0.1 * rng.standard_normal(40)
    alpha, t0, t1, previous, epochs = 0.1, 0.0, 0.0, np.inf, 0
    while True:
        epochs += 1
        r = t0 + t1 * x - y
        t0, t1 = t0 - alpha * r.mean(), t1 - alpha * (x * r).mean()  # updated simultaneously
        J = 0.5 * np.mean((t0 + t1 * x - y) ** 2)
        if previous - J < 1e-3:
            break
        previous = J
    model = LinearRegression(solver="gd", learning_rate=alpha, tol=1e-3, max_iter=10_000)
    model.fit(x[:, None], y)
    assert model.converged_ and model.n_iter_ == epochs
    assert model.intercept_ == pytest.approx(t0, rel=1e-5)
    assert model.coef_[0] == pytest.approx(t1, rel=1e-5)


def test_adaline_offers_both_rules():
    """Online LMS with a large eta: E rises in some epoch; "decrease" stops there,
    "change" keeps going until |Delta E| < tol."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] + 0.8 * rng.standard_normal(60) > 0).astype(int)
    kw = dict(eta0=0.08, tol=1e-4, max_iter=500, random_state=0)
    with pytest.warns(ConvergenceWarning, match="the loss rose"):
        strict = Adaline(convergence="decrease", **kw).fit(X, y)
    loose = Adaline(convergence="change", **kw).fit(X, y)
    curve = loose.loss_curve_
    rises = [k for k in range(1, len(curve)) if curve[k] > curve[k - 1] + 1e-4]
    assert rises, "the data must make online E rise somewhere"
    # the same run up to the first rise; "decrease" stops there and keeps the weights before
    assert strict.loss_curve_ == curve[: rises[0]] and not strict.converged_
    assert strict.n_iter_ == rises[0] < loose.n_iter_
    with pytest.raises(ValueError, match="convergence rule"):
        Adaline(convergence="never").fit(X, y)


# ---------------------------------------------------------------- summed vs averaged gradient
def test_summed_gradient_is_the_decks_and_mean_reduction_takes_n_times_eta():
    """EDSF deck: grad E(w) = sum_j [f(x_j) - t_j] x*_j, W -> W - eta sum_N dl/dW."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((25, 3))
    t = (rng.random(25) < 0.5).astype(float)
    w0 = rng.standard_normal(4)
    Xs = np.hstack([np.ones((25, 1)), X])  # x* = (1, x_1, ..., x_D)
    deck_grad = Xs.T @ (1 / (1 + np.exp(-Xs @ w0)) - t)

    def step(reduction, lr):
        w = rb.nn.Parameter(rb.tensor(w0, dtype="float64"))
        loss = F.binary_cross_entropy_with_logits(
            rb.tensor(Xs) @ w, rb.tensor(t), reduction=reduction
        )
        opt = rb.optim.SGD([w], lr=lr)
        loss.backward()
        grad = w.grad.numpy().copy()
        opt.step()
        return grad, w.numpy()

    g_sum, w_sum = step("sum", 0.01)
    g_mean, w_mean = step("mean", 0.01 * 25)  # eta_mean = N eta_sum
    np.testing.assert_allclose(g_sum, deck_grad, rtol=1e-12)
    np.testing.assert_allclose(g_mean, deck_grad / 25, rtol=1e-12)
    np.testing.assert_allclose(w_mean, w_sum, rtol=1e-12)
    np.testing.assert_allclose(w_sum, w0 - 0.01 * deck_grad, rtol=1e-12)


# ---------------------------------------------------------------- one-hot order
def test_one_hot_order_of_the_matteucci_deck_is_the_flipped_torch_order():
    """Omega_0 = [0 0 1], Omega_1 = [0 1 0], Omega_2 = [1 0 0]."""
    y = rb.tensor([0, 1, 2], dtype=np.int64)
    deck = np.array([[0, 0, 1], [0, 1, 0], [1, 0, 0]])
    np.testing.assert_array_equal(F.one_hot(y, 3).flip(-1).numpy(), deck)
    np.testing.assert_array_equal(F.one_hot(y, 3).numpy(), np.eye(3, dtype=int))
    # the loss does not care, as long as outputs are permuted the same way
    logits = np.random.default_rng(2).standard_normal((3, 3))
    torch_order = F.cross_entropy(rb.tensor(logits), F.one_hot(y, 3).double())
    deck_order = F.cross_entropy(rb.tensor(logits[:, ::-1].copy()), rb.tensor(deck * 1.0))
    assert torch_order.item() == pytest.approx(deck_order.item(), rel=1e-12)
