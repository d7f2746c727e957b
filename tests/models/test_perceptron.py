"""Threshold units, the perceptron and Adaline against the decks' worked examples."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from rosenblatt.models import Adaline, Perceptron, ThresholdUnit, perceptron_or_demo

BOOL_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)


# ---------------------------------------------------------------------- threshold units
def test_or_and_threshold_units_reproduce_the_truth_tables():
    # Matteucci deck: h_OR(-1/2 + x1 + x2), h_AND(-2 + 3/2 x1 + x2), fire when > 0.
    assert ThresholdUnit(weights=[1, 1], bias=-0.5).predict(BOOL_X).tolist() == [0, 1, 1, 1]
    assert ThresholdUnit(weights=[1.5, 1], bias=-2).predict(BOOL_X).tolist() == [0, 0, 0, 1]


def test_threshold_unit_fires_only_strictly_above_zero():
    unit = ThresholdUnit(weights=[1.0], bias=-1.0)
    np.testing.assert_array_equal(unit.decision_function([[0.0], [1.0], [2.0]]), [-1, 0, 1])
    assert unit.predict([[1.0]]).tolist() == [0]


def test_threshold_unit_fit_keeps_given_weights_and_maps_labels():
    unit = ThresholdUnit(weights=[1, 1], bias=-0.5).fit(BOOL_X, ["off", "on", "on", "on"])
    np.testing.assert_array_equal(unit.coef_, [1, 1])
    assert unit.intercept_ == -0.5
    assert unit.predict(BOOL_X).tolist() == ["off", "on", "on", "on"]


def test_threshold_unit_without_weights_bisects_the_class_means():
    X = np.array([[0.0, 0.0], [2.0, 0.0], [4.0, 4.0], [6.0, 4.0]])
    unit = ThresholdUnit().fit(X, [0, 0, 1, 1])
    mu0, mu1 = np.array([1.0, 0.0]), np.array([5.0, 4.0])
    np.testing.assert_allclose(unit.coef_, mu1 - mu0)
    midpoint = (mu0 + mu1) / 2
    assert unit.decision_function([midpoint])[0] == pytest.approx(0.0)


def test_threshold_unit_errors():
    with pytest.raises(NotFittedError):
        ThresholdUnit().predict(BOOL_X)
    with pytest.raises(ValueError, match="weights has 3 values but X has 2 features"):
        ThresholdUnit(weights=[1, 1, 1]).predict(BOOL_X)
    with pytest.raises(ValueError, match="Only binary classification"):
        ThresholdUnit().fit(np.arange(6.0).reshape(3, 2), [0, 1, 2])


# ---------------------------------------------------------------------- perceptron
def test_matteucci_or_run_ends_at_the_decks_weights_after_three_updates():
    # OR with t in {-1, +1}, w = [w0, w1, w2] = [1, 1, 1] (bias first), eta = 0.5, in order.
    p = Perceptron(eta0=0.5, shuffle=False)
    p.fit(BOOL_X, [-1, 1, 1, 1], coef_init=[1, 1], intercept_init=1)
    w = np.concatenate([p.intercept_, p.coef_[0]])
    np.testing.assert_array_equal(w, [-0.5, 1.0, 1.0])
    assert p.n_updates_ == 3
    assert p.errors_per_epoch_ == [1, 1, 1, 0]
    assert p.n_iter_ == 4 and p.converged_
    assert p.predict(BOOL_X).tolist() == [-1, 1, 1, 1]
    assert p.criterion(BOOL_X, [-1, 1, 1, 1]) == 0.0


def test_or_with_zero_one_targets_is_the_same_run():
    p = Perceptron(eta0=0.5, shuffle=False)
    p.fit(BOOL_X, [0, 1, 1, 1], coef_init=[1, 1], intercept_init=1)
    np.testing.assert_array_equal(np.r_[p.intercept_, p.coef_[0]], [-0.5, 1.0, 1.0])
    assert p.predict(BOOL_X).tolist() == [0, 1, 1, 1]


def test_perceptron_or_demo_prints_every_step():
    lines: list[str] = []
    p = perceptron_or_demo(out=lines.append)
    steps = [line for line in lines if re.match(r"\s+\d+\s+1 [01] [01]", line)]
    assert len(steps) == 16  # 4 epochs x 4 records
    updates = [line for line in steps if "w +=" in line]
    assert len(updates) == 3 and all("1 0 0" in line for line in updates)
    assert updates[-1].rstrip().endswith("[-0.5 1 1]")
    assert "3 updates" in lines[-1] and "[-0.5 1 1]" in lines[-1]
    assert p.n_updates_ == 3


def test_xor_does_not_converge_and_warns():
    p = Perceptron(eta0=0.5, max_iter=50, shuffle=False)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        p.fit(BOOL_X, [-1, 1, 1, -1])
    assert not p.converged_
    assert p.n_iter_ == 50 and len(p.errors_per_epoch_) == 50
    assert min(p.errors_per_epoch_) > 0
    assert p.score(BOOL_X, [-1, 1, 1, -1]) < 1.0


def test_criterion_is_minus_the_summed_margins_of_the_misclassified():
    with pytest.warns(ConvergenceWarning):
        p = Perceptron(max_iter=1, shuffle=False).fit(BOOL_X, [0, 1, 1, 1])
    p.coef_, p.intercept_ = np.array([[1.0, -2.0]]), np.array([0.5])
    s = BOOL_X @ np.array([1.0, -2.0]) + 0.5  # [0.5, -1.5, 1.5, -0.5]
    t = np.array([-1.0, 1.0, 1.0, 1.0])
    expected = -np.sum((t * s)[t * s <= 0])  # misclassified: samples 0, 1, 3
    assert p.criterion(BOOL_X, [0, 1, 1, 1]) == pytest.approx(expected) == 2.5


def test_a_sample_on_the_boundary_counts_as_misclassified():
    # From w = 0, b = 0 every net input is 0 and t (w.x + b) = 0 <= 0 is a mistake: update
    # to w = 1, b = 1; then x = -1 has s = 0 again, another update to w = 2, b = 0.
    p = Perceptron(eta0=1.0, shuffle=False).fit([[1.0], [-1.0]], [1, 0])
    assert p.errors_per_epoch_ == [2, 0]
    assert p.coef_[0, 0] == 2.0 and p.intercept_[0] == 0.0


def test_perceptron_converges_on_separable_data_and_shuffling_is_seeded(rng):
    X = rng.normal(size=(200, 3))
    y = (X @ np.array([1.0, -2.0, 0.5]) + 0.3 > 0).astype(int)
    a = Perceptron(random_state=1).fit(X, y)
    b = Perceptron(random_state=1).fit(X, y)
    assert a.converged_ and a.score(X, y) == 1.0
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.n_updates_ == sum(a.errors_per_epoch_) == b.n_updates_


def test_fit_intercept_false_keeps_the_bias():
    p = Perceptron(fit_intercept=False, shuffle=False)
    p.fit(BOOL_X, [-1, 1, 1, 1], intercept_init=-0.5)
    assert p.intercept_[0] == -0.5
    assert p.converged_


def test_perceptron_errors():
    with pytest.raises(ValueError, match="coef_init has 3 values but X has 2 features"):
        Perceptron().fit(BOOL_X, [0, 1, 1, 1], coef_init=[1, 1, 1])
    with pytest.raises(ValueError, match="eta0"):
        Perceptron(eta0=0).fit(BOOL_X, [0, 1, 1, 1])
    with pytest.raises(ValueError, match="not seen in fit"):
        Perceptron().fit(BOOL_X, [0, 1, 1, 1]).criterion(BOOL_X, [0, 1, 2, 1])


# ---------------------------------------------------------------------- Adaline
def test_batch_adaline_reaches_the_least_squares_solution(rng):
    # The fixed point of the batch LMS rule is the least-squares fit to t in {-1, +1}.
    X = rng.normal(size=(100, 3))
    y = (X[:, 0] - X[:, 1] + 0.3 * rng.normal(size=100) > 0).astype(int)
    t = 2.0 * y - 1
    ada = Adaline(solver="batch", eta0=0.1, tol=1e-12, max_iter=5000).fit(X, y)
    A = np.hstack([np.ones((100, 1)), X])
    theta = np.linalg.lstsq(A, t, rcond=None)[0]
    np.testing.assert_allclose(ada.intercept_[0], theta[0], atol=1e-5)
    np.testing.assert_allclose(ada.coef_[0], theta[1:], atol=1e-5)
    assert ada.converged_
    assert np.all(np.diff(ada.loss_curve_) <= 1e-15)  # batch descent: E never rises


def test_online_adaline_is_the_widrow_hoff_rule():
    X = np.array([[1.0, 2.0], [-1.0, 0.5]])
    ada = Adaline(eta0=0.1, max_iter=1, shuffle=False, tol=None).fit(X, [1, 0])
    w, b = np.zeros(2), 0.0
    for x, t in zip(X, [1.0, -1.0]):
        err = t - (w @ x + b)
        w, b = w + 0.1 * err * x, b + 0.1 * err
    np.testing.assert_allclose(ada.coef_[0], w)
    np.testing.assert_allclose(ada.intercept_[0], b)


def test_online_adaline_learns_and_thresholds(rng):
    X = rng.normal(size=(200, 2))
    y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    ada = Adaline(random_state=0).fit(X, y)
    assert ada.score(X, y) > 0.95
    assert ada.converged_ and ada.n_iter_ == len(ada.loss_curve_)


def test_adaline_divergence_stops_and_keeps_finite_weights(rng):
    X = 100 * rng.normal(size=(50, 2))
    y = (X[:, 0] > 0).astype(int)
    with pytest.warns(ConvergenceWarning, match="diverged"):
        ada = Adaline(solver="batch", eta0=10.0).fit(X, y)
    assert np.all(np.isfinite(ada.coef_)) and np.isfinite(ada.intercept_[0])


def test_adaline_errors():
    with pytest.raises(ValueError, match="solver"):
        Adaline(solver="newton").fit(BOOL_X, [0, 1, 1, 1])
