"""How the estimators train on rb.fit (``train.estimators``, ``callbacks.NoImprovement``):
the solvers against closed forms (least squares, ridge) and scikit-learn's stopping rule
against scikit-learn's own bookkeeping."""

from __future__ import annotations

import inspect
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.neural_network import MLPClassifier as SkMLP

import rosenblatt as rb
from rosenblatt import nn
from rosenblatt.models._base import linear_unit
from rosenblatt.train.estimators import descend, lbfgs, run
from rosenblatt.train.objective import Penalty, ScaledLoss


@pytest.fixture
def regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    t = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + 0.1 * rng.normal(size=40)
    return X, t[:, None], rng.uniform(0.2, 3.0, 40)


def _least_squares(X, t, w=None):
    """argmin sum_i w_i (x_i.W + b - t_i)^2 with an intercept: (W, b)."""
    A = np.hstack([X, np.ones((len(X), 1))])
    r = np.ones(len(X)) if w is None else np.sqrt(w)
    theta = np.linalg.lstsq(A * r[:, None], t[:, 0] * r, rcond=None)[0]
    return theta[:-1], theta[-1]


def _estimator():
    return SimpleNamespace(loss_curve_=[])


def test_linear_unit_starts_at_zero_or_at_the_given_weights():
    unit = linear_unit(3, 2, True)
    assert unit.weight._data.dtype == np.float64 and not unit.weight._data.any()
    assert not unit.bias._data.any()
    unit = linear_unit(2, 1, False, [1.0, 2.0])
    np.testing.assert_array_equal(unit.weight._data, [[1.0, 2.0]])
    assert unit.bias is None


@pytest.mark.parametrize("weighted", [False, True])
def test_lbfgs_reaches_the_weighted_least_squares_solution(regression, weighted):
    X, t, w = regression
    w = w if weighted else None
    unit, est = linear_unit(3, 1, True), _estimator()
    res = lbfgs(est, unit, X, t, ScaledLoss(nn.MSELoss(), 0.5), Penalty(), sample_weight=w,
                max_iter=200, options={"gtol": 1e-12, "ftol": 1e-15})  # fmt: skip
    W, b = _least_squares(X, t, w)
    np.testing.assert_allclose(unit.weight._data[0], W, atol=1e-7)
    np.testing.assert_allclose(unit.bias._data[0], b, atol=1e-7)
    assert res.success and est.loss_curve_ and est.loss_curve_[-1] == pytest.approx(res.fun)


def test_lbfgs_penalty_is_ridge_on_the_weights_only(regression):
    """J = (sum_i (1/2)(y_i - t_i)^2 + l2 |W|^2) / n is ridge with alpha = 2 l2 (the
    intercept not penalised): the scale 1/n does not move the minimum."""
    X, t, _ = regression
    unit = linear_unit(3, 1, True)
    lbfgs(_estimator(), unit, X, t, ScaledLoss(nn.MSELoss(), 0.5), Penalty(l2=1.5),
          sample_weight=None, max_iter=200, options={"gtol": 1e-12, "ftol": 1e-15})  # fmt: skip
    ridge = Ridge(alpha=3.0).fit(X, t[:, 0])
    np.testing.assert_allclose(unit.weight._data[0], ridge.coef_, atol=1e-7)
    np.testing.assert_allclose(unit.bias._data[0], ridge.intercept_, atol=1e-7)


def test_lbfgs_warns_when_scipy_stops_short(regression):
    X, t, _ = regression
    est = SimpleNamespace(loss_curve_=[])
    with pytest.warns(ConvergenceWarning, match="SimpleNamespace \\(lbfgs\\) did not converge"):
        lbfgs(est, linear_unit(3, 1, True), X, t, ScaledLoss(nn.MSELoss(), 0.5), Penalty(),
              sample_weight=None, max_iter=1, options={})  # fmt: skip


def test_descend_converges_to_least_squares_and_records_J(regression):
    X, t, w = regression
    unit, est = linear_unit(3, 1, True), _estimator()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        descend(est, unit, X, t, ScaledLoss(nn.MSELoss(), 0.5), learning_rate=0.3,
                batch_size=None, max_iter=5000, tol=1e-13, sample_weight=w)  # fmt: skip
    W, b = _least_squares(X, t, w)
    np.testing.assert_allclose(unit.weight._data[0], W, atol=1e-5)
    np.testing.assert_allclose(unit.bias._data[0], b, atol=1e-5)
    assert est.converged_ and est.n_iter_ == len(est.loss_curve_) > 1
    # J of each epoch is the weighted mean of (1/2)(y - t)^2 at that epoch's weights
    y = X @ unit.weight._data.T + unit.bias._data
    J = np.average(0.5 * (y - t)[:, 0] ** 2, weights=w)
    assert est.loss_curve_[-1] == pytest.approx(J, rel=1e-10)
    assert np.all(np.diff(est.loss_curve_) < 0)


def test_descend_keeps_the_epoch_before_a_rise(regression):
    X, t, _ = regression
    unit, est = linear_unit(3, 1, True), _estimator()
    with pytest.warns(ConvergenceWarning, match="the loss rose"):
        descend(est, unit, X, t, ScaledLoss(nn.MSELoss(), 0.5), learning_rate=2.5,
                batch_size=None, max_iter=100, tol=1e-6)  # fmt: skip
    assert not est.converged_
    y = X @ unit.weight._data.T + unit.bias._data  # the kept weights give the last J recorded
    assert est.loss_curve_[-1] == pytest.approx(np.mean(0.5 * (y - t) ** 2), rel=1e-10)


def test_descend_without_tol_runs_max_iter_epochs_and_warns_when_tol_is_not_met(regression):
    X, t, _ = regression
    est = _estimator()
    descend(est, linear_unit(3, 1, True), X, t, ScaledLoss(nn.MSELoss(), 0.5),
            learning_rate=0.01, batch_size=8, max_iter=7, tol=None,
            rng=np.random.default_rng(0))  # fmt: skip
    assert est.n_iter_ == 7 and not est.converged_
    with pytest.warns(ConvergenceWarning, match="did not converge in max_iter=3"):
        descend(_estimator(), linear_unit(3, 1, True), X, t, ScaledLoss(nn.MSELoss(), 0.5),
                learning_rate=0.01, batch_size=None, max_iter=3, tol=1e-9)  # fmt: skip


def test_run_turns_divergence_into_a_convergence_warning(regression):
    X, t, _ = regression
    unit = linear_unit(3, 1, True)
    est = _estimator()
    with pytest.warns(ConvergenceWarning, match="SimpleNamespace: training diverged"):
        history = run(est, unit, X * 1e30, t, loss=nn.MSELoss(),
                      optimizer=rb.optim.SGD(unit.parameters(), lr=1e10), epochs=5)  # fmt: skip
    assert history.diverged is not None
    assert np.all(np.isfinite(unit.weight._data))


# ---------------------------------------------------------------------- NoImprovement
def _sklearn_counts(losses, scores, tol, n_iter_no_change):
    """scikit-learn's own rule (its MLP's _update_no_improvement_count) on given losses or
    validation scores: the epoch at which it stops (or None) and its best value."""
    sk = SkMLP(tol=tol, n_iter_no_change=n_iter_no_change)
    sk.loss_curve_, sk.validation_scores_ = [], []
    sk.best_loss_, sk.best_validation_score_ = np.inf, -np.inf
    sk._no_improvement_count, sk.coefs_, sk.intercepts_ = 0, [], []
    early = scores is not None
    values = iter(scores if early else [])
    sk._score = lambda *a, **k: next(values)
    n_args = len(inspect.signature(sk._update_no_improvement_count).parameters)
    for epoch, loss in enumerate(losses):
        sk.loss_curve_.append(loss)
        sk._update_no_improvement_count(early, *[None] * (n_args - 1))
        if sk._no_improvement_count > n_iter_no_change:
            return epoch, sk.best_validation_score_ if early else sk.best_loss_
    return None, sk.best_validation_score_ if early else sk.best_loss_


def _ours(losses, scores, tol, n_iter_no_change):
    values = iter(scores or [])
    est = SimpleNamespace(n_iter_=0, t_=0, loss_curve_=[], validation_scores_=[], verbose=0,
                          best_loss_=np.inf, best_validation_score_=-np.inf, tol=tol,
                          n_iter_no_change=n_iter_no_change,
                          _validation_score=lambda *a: next(values))  # fmt: skip
    model = nn.Linear(1, 1)
    model.stop_training = False
    cb = rb.callbacks.NoImprovement(est, 10, None if scores is None else ("X", "y"))
    cb.set_model(model)
    for epoch, loss in enumerate(losses):
        cb.on_epoch_end(epoch, {"loss": loss})
        if model.stop_training:
            break
    stopped = epoch if model.stop_training else None
    best = est.best_validation_score_ if scores is not None else est.best_loss_
    assert est.n_iter_ == len(est.loss_curve_) == epoch + 1 and est.t_ == 10 * est.n_iter_
    return stopped, best


SEQUENCES = [
    [1.0, 0.75, 0.5, 0.25, 0.0, -0.25],  # falls by exactly tol every epoch
    [1.0, 0.9, 0.95, 0.85, 0.8, 0.8, 0.79, 0.78, 0.5, 0.5, 0.5],
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [3.0, 2.0, 2.5, 1.0, 1.1, 1.2, 0.9, 0.95, 0.96, 0.97, 0.98],
]


@pytest.mark.parametrize("sequence", SEQUENCES)
@pytest.mark.parametrize("n_iter_no_change", [0, 1, 2])
@pytest.mark.parametrize("on", ["loss", "validation score"])
def test_no_improvement_stops_where_sklearn_stops(sequence, n_iter_no_change, on):
    tol = 0.25
    if on == "loss":
        args = (sequence, None, tol, n_iter_no_change)
    else:  # a score rises: the negated sequence
        args = ([0.0] * len(sequence), [-v for v in sequence], tol, n_iter_no_change)
    assert _ours(*args) == _sklearn_counts(*args)


def test_no_improvement_is_not_keras_early_stopping():
    """Losses falling by exactly tol: scikit-learn's rule counts them as improvements,
    Keras's EarlyStopping (strict, patience = n_iter_no_change) does not."""
    losses = [1.0, 0.75, 0.5, 0.25, 0.0]
    assert _ours(losses, None, 0.25, 1) == (None, 0.0)
    keras = rb.callbacks.EarlyStopping(monitor="loss", min_delta=0.25, patience=1)
    model = nn.Linear(1, 1)
    model.stop_training = False
    keras.set_model(model)
    keras.on_train_begin()
    for epoch, loss in enumerate(losses):
        keras.on_epoch_end(epoch, {"loss": loss})
        if model.stop_training:
            break
    assert keras.stopped_epoch == 1


def test_no_improvement_puts_back_the_best_scoring_weights():
    X = np.linspace(-1, 1, 20)[:, None].astype(np.float32)
    t = (2 * X).astype(np.float32)
    model = nn.Linear(1, 1)
    scores: list[np.ndarray] = []

    def score(*_):  # the epoch's weights are saved as it goes; the third epoch scores best
        scores.append(model.weight._data.copy())
        return [0.1, 0.2, 0.9, 0.3, 0.4, 0.5][len(scores) - 1]

    est = SimpleNamespace(n_iter_=0, t_=0, loss_curve_=[], validation_scores_=[], verbose=0,
                          best_loss_=np.inf, best_validation_score_=-np.inf, tol=1e-4,
                          n_iter_no_change=2, _validation_score=score)  # fmt: skip
    cb = rb.callbacks.NoImprovement(est, len(X), (X, t))
    rb.fit(model, X, t, loss=nn.MSELoss(), optimizer=rb.optim.SGD(model.parameters(), lr=0.1),
           epochs=6, batch_size=None, callbacks=[cb], verbose=0)  # fmt: skip
    assert est.n_iter_ == 6 and est.best_validation_score_ == 0.9
    np.testing.assert_array_equal(model.weight._data, scores[2])
