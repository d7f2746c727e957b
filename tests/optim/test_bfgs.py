"""BFGS reaches the optimum of scipy.optimize.minimize(method="BFGS") on the same problems."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
from sklearn.datasets import make_classification

import rosenblatt as rb
import rosenblatt.nn.functional as F

_X, _y = make_classification(
    n_samples=150, n_features=4, n_informative=3, n_redundant=0, flip_y=0.1, random_state=1
)
_X = (_X - _X.mean(0)) / _X.std(0)
_R = np.random.default_rng(5)
_Q = np.linalg.qr(_R.standard_normal((6, 6)))[0]  # orthogonal
_A = _Q @ np.diag([100.0, 30.0, 10.0, 3.0, 1.0, 0.1]) @ _Q.T  # condition number 1000
_B = _R.standard_normal(6)


def logistic(P):
    z = rb.tensor(_X, dtype="float64") @ P[0] + P[1]
    return F.binary_cross_entropy_with_logits(z, rb.tensor(_y, dtype="float64"))


def rosenbrock4(P):
    w = P[0]
    return ((1 - w[:-1]) ** 2 + 100 * (w[1:] - w[:-1] ** 2) ** 2).sum()


def quadratic(P):
    w = P[0]
    return 0.5 * (w @ (rb.tensor(_A, dtype="float64") @ w)) - rb.tensor(_B, dtype="float64") @ w


PROBLEMS = {
    "logistic": ([np.zeros(4), np.zeros(1)], logistic),
    "rosenbrock-4d": ([np.array([-1.2, 1.0, -1.2, 1.0])], rosenbrock4),
    "ill-conditioned-quadratic": ([np.zeros(6)], quadratic),
}


def _scipy_optimum(init, loss_fn):
    sizes = [a.size for a in init]

    def fun(w):
        ps = [
            rb.tensor(p.reshape(a.shape), dtype="float64", requires_grad=True)
            for p, a in zip(np.split(w, np.cumsum(sizes)[:-1]), init)
        ]
        loss = loss_fn(ps)
        loss.backward()
        return float(loss), np.concatenate([p.grad.ravel() for p in ps])

    w0 = np.concatenate([a.ravel() for a in init])
    result = scipy.optimize.minimize(fun, w0, jac=True, method="BFGS", options={"gtol": 1e-10})
    return result.x, result.fun


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_bfgs_reaches_scipy_bfgs_optimum(name):
    init, loss_fn = PROBLEMS[name]
    P = [rb.tensor(a, dtype="float64", requires_grad=True) for a in init]
    opt = rb.optim.BFGS(P, max_iter=500, tolerance_grad=1e-10, tolerance_change=1e-14)

    def closure():
        opt.zero_grad()
        loss = loss_fn(P)
        loss.backward()
        return loss

    opt.step(closure)
    expected_w, expected_loss = _scipy_optimum(init, loss_fn)
    ours = np.concatenate([p.numpy().ravel() for p in P])
    np.testing.assert_allclose(ours, expected_w, atol=1e-6)
    assert float(closure()) == pytest.approx(expected_loss, rel=1e-9, abs=1e-12)
    assert np.abs(ours - np.concatenate([a.ravel() for a in init])).max() > 0.1  # it moved


def test_quadratic_minimiser_is_the_linear_solve():
    init, loss_fn = PROBLEMS["ill-conditioned-quadratic"]
    w = rb.tensor(init[0], dtype="float64", requires_grad=True)
    opt = rb.optim.BFGS([w], max_iter=100, tolerance_grad=1e-12, tolerance_change=0.0)

    def closure():
        opt.zero_grad()
        loss = loss_fn([w])
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(w.numpy(), np.linalg.solve(_A, _B), rtol=1e-8, atol=1e-9)


def test_update_keeps_H_symmetric_positive_definite_and_satisfies_the_secant_equation():
    """After the update with the pair (s, y): H y = s, H = H^T, H > 0."""
    init, loss_fn = PROBLEMS["rosenbrock-4d"]
    w = rb.tensor(init[0], dtype="float64", requires_grad=True)
    opt = rb.optim.BFGS([w], max_iter=4)

    def closure():
        opt.zero_grad()
        loss = loss_fn([w])
        loss.backward()
        return loss

    opt.step(closure)
    state = opt.state[w]
    closure()
    s = state["d"] * state["t"]  # the last step and change of gradient
    y = w.grad - state["prev_flat_grad"]
    opt._remember(state, s, y)
    H = state["H"]
    np.testing.assert_allclose(H @ y, s, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    assert np.linalg.eigvalsh(H).min() > 0


def test_too_many_parameters_points_to_lbfgs():
    with pytest.raises(ValueError, match=r"max_params=100.*LBFGS"):
        rb.optim.BFGS([rb.tensor(np.zeros(101), requires_grad=True)], max_params=100)


def test_parameter_groups_and_bad_line_search_are_refused():
    a, b = (rb.tensor(np.ones(2), requires_grad=True) for _ in range(2))
    with pytest.raises(ValueError, match="parameter groups"):
        rb.optim.BFGS([{"params": [a]}, {"params": [b]}])
    with pytest.raises(ValueError, match="line_search_fn"):
        rb.optim.BFGS([a], line_search_fn="exact")
