"""LinearRegression and LogisticRegression against numpy.linalg.lstsq and scikit-learn."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from rosenblatt.models import LinearRegression, LogisticRegression


@pytest.fixture
def regression(rng):
    X = rng.normal(size=(80, 4))
    y = X @ np.array([1.5, -2.0, 0.0, 0.7]) + 3.0 + 0.1 * rng.normal(size=80)
    return X, y


# ---------------------------------------------------------------------- linear regression
def test_normal_equations_equal_lstsq(regression):
    X, y = regression
    reg = LinearRegression().fit(X, y)
    A = np.hstack([np.ones((len(X), 1)), X])  # the CERN deck's X with the bias column
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(reg.intercept_, theta[0], rtol=1e-12)
    np.testing.assert_allclose(reg.coef_, theta[1:], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(reg.predict(X), A @ theta, rtol=1e-12)
    # (X^T X)^-1 X^T y: the textbook form gives the same theta on full-rank data
    np.testing.assert_allclose(np.linalg.solve(A.T @ A, A.T @ y), theta, rtol=1e-9)


def test_normal_equations_rank_deficient_and_multi_output(rng):
    X = rng.normal(size=(30, 2))
    X = np.column_stack([X, X[:, 0] + X[:, 1]])  # X^T X is singular
    Y = np.column_stack([X[:, 0] - 1, 2 * X[:, 2] + 0.5])
    reg = LinearRegression(fit_intercept=False).fit(X, Y)
    expected = np.linalg.pinv(X) @ Y  # minimum-norm least squares = X^+ y
    np.testing.assert_allclose(reg.coef_, expected.T, atol=1e-10)
    assert reg.coef_.shape == (2, 3) and reg.predict(X).shape == (30, 2)
    assert np.all(reg.intercept_ == 0)


def test_normal_equations_match_sklearn(regression):
    X, y = regression
    ours, ref = LinearRegression().fit(X, y), sk.LinearRegression().fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-10)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-10)
    assert ours.score(X, y) == pytest.approx(ref.score(X, y))


@pytest.mark.parametrize("solver", ["gd", "sgd"])
def test_gradient_descent_reaches_the_normal_equations(regression, solver):
    X, y = regression
    exact = LinearRegression().fit(X, y)
    lr = 0.1 if solver == "gd" else 0.02
    reg = LinearRegression(
        solver=solver, learning_rate=lr, tol=1e-10, max_iter=5000, batch_size=8, random_state=0
    ).fit(X, y)
    atol = 1e-4 if solver == "gd" else 2e-2  # constant-step SGD hovers around the optimum
    np.testing.assert_allclose(reg.coef_, exact.coef_, atol=atol)
    np.testing.assert_allclose(reg.intercept_, exact.intercept_, atol=atol)
    J = np.mean((exact.predict(X) - y) ** 2) / 2
    assert reg.loss_curve_[-1] == pytest.approx(J, rel=1e-2)


def test_gd_loss_curve_and_the_kit_convergence_test(regression):
    X, y = regression
    reg = LinearRegression(solver="gd", learning_rate=0.05, tol=1e-3).fit(X, y)
    curve = np.array(reg.loss_curve_)
    assert reg.converged_ and reg.n_iter_ == len(curve)
    assert np.all(np.diff(curve) < 0)  # J falls at every step with a small enough alpha
    assert curve[-2] - curve[-1] < 1e-3 <= curve[-3] - curve[-2]  # stopped at the 1st small step
    r = X @ reg.coef_ + reg.intercept_ - y
    assert curve[-1] == pytest.approx(np.mean(r**2) / 2)  # J = 1/(2n) sum r^2


def test_gd_diverges_cleanly_with_a_too_large_rate(regression):
    X, y = regression
    with pytest.warns(ConvergenceWarning, match="diverged"):
        reg = LinearRegression(solver="gd", learning_rate=50.0, max_iter=2000).fit(X * 100, y)
    assert np.all(np.isfinite(reg.coef_)) and np.isfinite(reg.intercept_)


def test_polynomial_regression_in_a_pipeline():
    x = np.linspace(-2, 2, 40)[:, None]
    y = 0.5 - x[:, 0] + 2 * x[:, 0] ** 2 - 0.25 * x[:, 0] ** 3
    model = make_pipeline(PolynomialFeatures(3, include_bias=False), LinearRegression())
    model.fit(x, y)
    np.testing.assert_allclose(model[-1].coef_, [-1, 2, -0.25], atol=1e-10)
    np.testing.assert_allclose(model[-1].intercept_, 0.5, atol=1e-10)
    # gradient descent needs the scaled basis (KIT deck: feature scaling)
    gd = make_pipeline(
        PolynomialFeatures(3, include_bias=False),
        StandardScaler(),
        LinearRegression(solver="gd", learning_rate=0.3, tol=1e-12, max_iter=20000),
    )
    gd.fit(x, y)
    np.testing.assert_allclose(gd.predict(x), y, atol=1e-4)


def test_linear_regression_errors():
    with pytest.raises(ValueError, match="solver"):
        LinearRegression(solver="qr").fit([[1.0], [2.0]], [1.0, 2.0])
    with pytest.raises(ValueError, match="learning_rate"):
        LinearRegression(solver="gd", learning_rate=-1).fit([[1.0], [2.0]], [1.0, 2.0])


# ---------------------------------------------------------------------- logistic regression
@pytest.fixture
def binary():
    return make_classification(300, 5, n_informative=3, n_redundant=0, random_state=0)


def _sklearn_unpenalised(X, y):
    return sk.LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)


@pytest.mark.parametrize("solver", ["lbfgs", "newton"])
def test_unpenalised_binary_reaches_sklearns_optimum(binary, solver):
    X, y = binary
    ref = _sklearn_unpenalised(X, y)
    clf = LogisticRegression(penalty=None, solver=solver, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(clf.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(clf.intercept_, ref.intercept_, atol=1e-6)
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X), atol=1e-7)
    assert clf.converged_


def test_unpenalised_gd_approaches_sklearns_optimum(binary):
    X, y = binary
    ref = _sklearn_unpenalised(X, y)
    clf = LogisticRegression(
        penalty=None, solver="gd", learning_rate=1.0, tol=1e-12, max_iter=5000
    ).fit(X, y)
    np.testing.assert_allclose(clf.coef_, ref.coef_, atol=1e-3)
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X), atol=1e-4)


def test_sgd_gets_close_to_the_optimum(binary):
    X, y = binary
    ref = _sklearn_unpenalised(X, y)
    clf = LogisticRegression(
        penalty=None,
        solver="sgd",
        learning_rate=0.05,
        tol=None,
        max_iter=200,
        batch_size=16,
        random_state=0,
    ).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X), atol=0.03)
    assert len(clf.loss_curve_) == 200


@pytest.mark.parametrize("solver", ["lbfgs", "newton"])
def test_l2_multinomial_matches_sklearn(solver):
    X, y = load_iris(return_X_y=True)
    ref = sk.LogisticRegression(C=0.5, tol=1e-12, max_iter=10_000).fit(X, y)
    clf = LogisticRegression(C=0.5, solver=solver, tol=1e-10, max_iter=1000).fit(X, y)
    # sklearn's lbfgs stops on its ftol with |gradient| ~ 1e-7, so the two optima agree to
    # ~1e-5 in the weights; ours is at least as good on the objective itself.
    np.testing.assert_allclose(clf.coef_, ref.coef_, atol=5e-5)
    np.testing.assert_allclose(clf.intercept_, ref.intercept_, atol=5e-5)
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    assert clf.coef_.shape == (3, 4)
    A = np.hstack([np.ones((len(X), 1)), X])
    T = (y[:, None] == np.arange(3)).astype(float)
    lam, penalised = 1 / (0.5 * len(X)), np.r_[0.0, np.ones(4)]

    def objective(model):
        theta = np.column_stack([model.intercept_, model.coef_])
        Z = A @ theta.T
        nll = np.mean(np.log(np.exp(Z).sum(axis=1)) - np.sum(T * Z, axis=1))
        return nll + lam / 2 * np.sum((theta * penalised) ** 2)

    assert objective(clf) <= objective(ref) + 1e-13


def test_l2_binary_matches_sklearn_without_intercept(binary):
    X, y = binary
    ref = sk.LogisticRegression(C=0.1, fit_intercept=False, tol=1e-12).fit(X, y)
    clf = LogisticRegression(C=0.1, fit_intercept=False, solver="newton", tol=1e-10).fit(X, y)
    np.testing.assert_allclose(clf.coef_, ref.coef_, atol=1e-7)
    assert clf.intercept_.tolist() == [0.0]


def test_probabilities_and_the_decision_rule(binary):
    X, y = binary
    clf = LogisticRegression().fit(X, y)
    p = clf.predict_proba(X)
    z = X @ clf.coef_[0] + clf.intercept_[0]
    np.testing.assert_allclose(p[:, 1], 1 / (1 + np.exp(-z)), rtol=1e-12)  # sigma(w.x + b)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(p), atol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), (p[:, 1] >= 0.5).astype(int))  # deck's rule


def test_logistic_regression_in_grid_search_and_cross_validation(binary):
    X, y = binary
    grid = {"C": [0.01, 1.0], "solver": ["lbfgs", "newton"]}
    search = GridSearchCV(LogisticRegression(), grid, cv=3).fit(X, y)
    assert search.best_params_["C"] in (0.01, 1.0) and len(search.cv_results_["params"]) == 4
    scores = cross_val_score(make_pipeline(StandardScaler(), LogisticRegression()), X, y, cv=3)
    reference = make_pipeline(StandardScaler(), sk.LogisticRegression())
    np.testing.assert_allclose(scores, cross_val_score(reference, X, y, cv=3))


def test_logistic_regression_errors(binary):
    X, y = binary
    with pytest.raises(ValueError, match="penalty"):
        LogisticRegression(penalty="l1").fit(X, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        LogisticRegression().fit(X, np.zeros(len(X)))
    with pytest.warns(ConvergenceWarning):
        LogisticRegression(max_iter=2).fit(X, y)


def test_string_labels(binary):
    X, y = binary
    labels = np.array(["no", "yes"])[y]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = LogisticRegression(solver="newton").fit(X, labels)
    assert set(clf.predict(X)) == {"no", "yes"}
    assert clf.classes_.tolist() == ["no", "yes"]
