"""DFP, Broyden and conjugate gradients (decks 001, 003) against scipy and closed forms.

- Each reaches the optimum scipy.optimize.minimize reaches on the BFGS test problems.
- Linear CG's iterates equal scipy.sparse.linalg.cg's, and the solve is A^-1 b.
- The update formulas: the secant equation H y = s, DFP as BFGS's dual on B = H^-1, Broyden
  as the Sherman-Morrison inverse of its update of B, and n exact line-search steps on a
  quadratic ending at H = A^-1 and w = A^-1 b (BFGS, DFP).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
import scipy.sparse.linalg
from test_bfgs import _A, _B, PROBLEMS, _scipy_optimum

import rosenblatt as rb

OPTIMIZERS = {
    "DFP": dict(max_iter=5000, max_eval=20000),
    "Broyden": dict(max_iter=5000, max_eval=20000),
    "ConjugateGradient": dict(max_iter=5000, max_eval=20000),
}


def _minimise(cls_name, init, loss_fn, **kwargs):
    P = [rb.tensor(a, dtype="float64", requires_grad=True) for a in init]
    opt = getattr(rb.optim, cls_name)(P, tolerance_grad=1e-10, tolerance_change=1e-14, **kwargs)

    def closure():
        opt.zero_grad()
        loss = loss_fn(P)
        loss.backward()
        return loss

    opt.step(closure)
    return np.concatenate([p.numpy().ravel() for p in P]), float(closure()), opt, P


@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_reaches_the_scipy_optimum(name, problem):
    init, loss_fn = PROBLEMS[problem]
    ours, loss, _, _ = _minimise(name, init, loss_fn, **OPTIMIZERS[name])
    expected_w, expected_loss = _scipy_optimum(init, loss_fn)
    np.testing.assert_allclose(ours, expected_w, atol=5e-6)
    assert loss == pytest.approx(expected_loss, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("beta", ["PR+", "PR", "FR", "HS"])
def test_every_cg_rule_reaches_scipy_cg_optimum(beta):
    """scipy's own nonlinear CG (Polak-Ribiere) is the oracle here."""
    init, loss_fn = PROBLEMS["logistic"]
    ours, loss, _, _ = _minimise("ConjugateGradient", init, loss_fn, beta=beta, max_iter=500)

    sizes = [a.size for a in init]

    def fun(w):
        ps = [
            rb.tensor(p.reshape(a.shape), dtype="float64", requires_grad=True)
            for p, a in zip(np.split(w, np.cumsum(sizes)[:-1]), init)
        ]
        value = loss_fn(ps)
        value.backward()
        return float(value), np.concatenate([p.grad.numpy().ravel() for p in ps])

    w0 = np.concatenate([a.ravel() for a in init])
    ref = scipy.optimize.minimize(fun, w0, jac=True, method="CG", options={"gtol": 1e-10})
    np.testing.assert_allclose(ours, ref.x, atol=5e-6)
    assert loss == pytest.approx(ref.fun, rel=1e-9)


def test_linear_cg_iterates_equal_scipy_sparse_cg():
    rng = np.random.default_rng(0)
    Q = np.linalg.qr(rng.standard_normal((8, 8)))[0]
    A = Q @ np.diag(np.linspace(1.0, 50.0, 8)) @ Q.T
    b = rng.standard_normal(8)
    theirs, ours = [], []
    scipy.sparse.linalg.cg(A, b, rtol=1e-12, maxiter=8, callback=lambda x: theirs.append(x.copy()))
    x = rb.optim.conjugate_gradient(A, b, tol=1e-12, callback=lambda x: ours.append(x.copy()))
    assert len(ours) == len(theirs) == 8  # n steps for n distinct eigenvalues
    for k, (a, c) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-14, err_msg=f"iterate {k}")
    np.testing.assert_allclose(x, np.linalg.solve(A, b), atol=1e-12)


def test_linear_cg_ends_in_as_many_steps_as_distinct_eigenvalues():
    rng = np.random.default_rng(1)
    Q = np.linalg.qr(rng.standard_normal((6, 6)))[0]
    A = Q @ np.diag([1.0, 1.0, 1.0, 5.0, 5.0, 9.0]) @ Q.T  # 3 distinct eigenvalues
    b = rng.standard_normal(6)
    x = rb.optim.conjugate_gradient(A, b, max_iter=3, tol=0.0)
    np.testing.assert_allclose(x, np.linalg.solve(A, b), atol=1e-12)


def test_cg_on_the_quadratic_is_the_linear_solve():
    init, loss_fn = PROBLEMS["ill-conditioned-quadratic"]
    ours, _, opt, P = _minimise("ConjugateGradient", init, loss_fn, max_iter=100)
    np.testing.assert_allclose(ours, np.linalg.solve(_A, _B), rtol=1e-8, atol=1e-9)
    # the cubic of the line search is exact on a quadratic: about n = 6 iterations
    assert opt.state[P[0]]["n_iter"] <= 10


def _pair(rng, n=5):
    """An H = B^-1 that is symmetric positive definite and a pair (s, y) with y.s > 0."""
    M = rng.standard_normal((n, n))
    H = M @ M.T + n * np.eye(n)
    s = rng.standard_normal(n)
    y = s + 0.3 * rng.standard_normal(n)
    assert y @ s > 0
    return H, s, y


@pytest.mark.parametrize("name", ["BFGS", "DFP", "Broyden"])
def test_update_satisfies_the_secant_equation(name):
    H, s, y = _pair(np.random.default_rng(2))
    H_new = getattr(rb.optim, name)._inverse_update(H.copy(), s, y)
    np.testing.assert_allclose(H_new @ y, s, rtol=1e-10, atol=1e-12)


def test_dfp_is_bfgs_dual_on_the_hessian():
    """DFP's H update equals the inverse of B := (I - rho y s^T) B (I - rho s y^T) + rho y y^T."""
    H, s, y = _pair(np.random.default_rng(3))
    B = np.linalg.inv(H)
    rho = 1 / (y @ s)
    n = len(s)
    B_new = (np.eye(n) - rho * np.outer(y, s)) @ B @ (np.eye(n) - rho * np.outer(s, y))
    B_new += rho * np.outer(y, y)
    H_new = rb.optim.DFP._inverse_update(H.copy(), s, y)
    np.testing.assert_allclose(H_new, np.linalg.inv(B_new), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(H_new, H_new.T, atol=1e-12)
    assert np.linalg.eigvalsh(H_new).min() > 0


def test_broyden_is_the_inverse_of_its_rank_one_update_of_b():
    """H_new = (B + (y - B s) s^T / s.s)^-1, B = H^-1 (Sherman-Morrison)."""
    H, s, y = _pair(np.random.default_rng(4))
    B = np.linalg.inv(H)
    B_new = B + np.outer(y - B @ s, s) / (s @ s)
    H_new = rb.optim.Broyden._inverse_update(H.copy(), s, y)
    np.testing.assert_allclose(H_new, np.linalg.inv(B_new), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name", ["BFGS", "DFP"])
def test_n_exact_line_search_steps_on_a_quadratic_give_the_inverse_hessian(name):
    """J = 1/2 w^T A w - b^T w: n steps with the exact step t = -g.d / d.A d end at
    w = A^-1 b with H = A^-1 (the quadratic termination of the Broyden family)."""
    n = _A.shape[0]
    w_param = rb.tensor(np.zeros(n), dtype="float64", requires_grad=True)
    opt = getattr(rb.optim, name)([w_param])
    state: dict = {}
    opt._reset_memory(state)
    w = np.zeros(n)
    g = _A @ w - _B
    for _ in range(n):
        d = opt._direction(state, g)
        t = -(g @ d) / (d @ _A @ d)
        s = t * d
        w = w + s
        g_new = _A @ w - _B
        opt._remember(state, s, g_new - g)
        g = g_new
    np.testing.assert_allclose(w, np.linalg.solve(_A, _B), rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(state["H"], np.linalg.inv(_A), rtol=1e-6, atol=1e-8)


def test_broyden_restarts_when_its_direction_is_not_downhill():
    w = rb.tensor(np.zeros(2), dtype="float64", requires_grad=True)
    opt = rb.optim.Broyden([w])
    state = {"H": -np.eye(2)}  # an estimate that points uphill
    g = np.array([1.0, 2.0])
    np.testing.assert_array_equal(opt._direction(state, g), -g)
    assert state["H"] is None


def test_cg_rejects_an_unknown_beta_and_parameter_groups():
    w = rb.tensor(np.zeros(2), dtype="float64", requires_grad=True)
    with pytest.raises(ValueError, match="beta"):
        rb.optim.ConjugateGradient([w], beta="XX")
    v = rb.tensor(np.zeros(2), dtype="float64", requires_grad=True)
    with pytest.raises(ValueError, match="groups"):
        rb.optim.ConjugateGradient([{"params": [w]}, {"params": [v]}])


def test_dfp_and_broyden_refuse_too_many_parameters():
    w = rb.tensor(np.zeros(20), dtype="float64", requires_grad=True)
    for name in ("DFP", "Broyden"):
        with pytest.raises(ValueError, match=f"{name}: the model has 20 parameters"):
            getattr(rb.optim, name)([w], max_params=10)
