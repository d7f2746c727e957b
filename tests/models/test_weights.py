"""sample_weight and class_weight: an integer weight equals repeating the row (each estimator
against itself, in deterministic settings), scikit-learn's results where it has the same
model, class_weight="balanced" equal to scikit-learn's weighting, and rb.fit's Keras
meaning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn import neural_network as sk_nn
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

import rosenblatt as rb
from rosenblatt import nn, optim
from rosenblatt.models import (
    Adaline,
    LinearRegression,
    LogisticRegression,
    MLPClassifier,
    MLPRegressor,
    Perceptron,
)


def _quiet(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


@pytest.fixture
def weighted():
    """Classification data, integer weights with zeros, and the rows repeated by them."""
    X, y = make_classification(60, 4, n_informative=3, n_redundant=0, random_state=0)
    X = StandardScaler().fit_transform(X)
    w = np.random.default_rng(0).integers(0, 4, len(X))
    return X, y, w, np.repeat(X, w, axis=0), np.repeat(y, w)


def _outputs(model, X):
    return model.predict_proba(X) if hasattr(model, "predict_proba") else model.predict(X)


# ---------------------------------------------------------------------- weight = repetition
CASES = {
    "linear-normal": (LinearRegression(), 1e-10, "values"),
    "linear-gd": (LinearRegression(solver="gd", learning_rate=0.1, tol=1e-12), 1e-8, "values"),
    "logistic-lbfgs": (LogisticRegression(C=0.5, tol=1e-10), 1e-7, "classes"),
    "logistic-newton": (LogisticRegression(solver="newton", tol=1e-10), 1e-9, "classes"),
    "logistic-gd": (LogisticRegression(solver="gd", C=2.0, tol=1e-10), 1e-7, "classes"),
    "adaline-batch": (Adaline(solver="batch", eta0=0.05, tol=1e-12, max_iter=4000), 1e-8, "c"),
    "mlp-sgd": (
        MLPClassifier(
            (5,),
            solver="sgd",
            batch_size=500,
            max_iter=20,
            alpha=0.1,
            learning_rate_init=0.1,
            random_state=0,
        ),  # fmt: skip
        1e-5,
        "classes",
    ),
    "mlp-regressor-sgd": (
        MLPRegressor(
            (5,),
            solver="sgd",
            batch_size=500,
            max_iter=20,
            alpha=0.1,
            momentum=0.5,
            learning_rate_init=0.05,
            random_state=0,
        ),  # fmt: skip
        1e-5,
        "values",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_an_integer_weight_equals_repeating_the_row(case, weighted):
    model, tol, kind = CASES[case]
    X, y, w, X_rep, y_rep = weighted
    if kind == "values":
        target = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.3 * np.sin(3 * X[:, 0])
        y, y_rep = target, np.repeat(target, w)
    a = _quiet(
        rb.models.__dict__[type(model).__name__](**model.get_params()), X, y, sample_weight=w
    )
    b = _quiet(rb.models.__dict__[type(model).__name__](**model.get_params()), X_rep, y_rep)
    np.testing.assert_allclose(_outputs(a, X), _outputs(b, X), rtol=tol, atol=tol)
    ones = _quiet(rb.models.__dict__[type(model).__name__](**model.get_params()), X, y,
                  sample_weight=np.ones(len(X)))  # fmt: skip
    plain = _quiet(rb.models.__dict__[type(model).__name__](**model.get_params()), X, y)
    np.testing.assert_allclose(_outputs(ones, X), _outputs(plain, X), rtol=tol, atol=tol)


def test_all_zero_or_negative_weights_are_refused(weighted):
    X, y, *_ = weighted
    for model in (LogisticRegression(), MLPClassifier((3,), max_iter=2), Perceptron()):
        with pytest.raises(ValueError, match="zero"):
            model.fit(X, y, sample_weight=np.zeros(len(X)))
        with pytest.raises(ValueError, match="(?i)negative"):
            model.fit(X, y, sample_weight=-np.ones(len(X)))


# ---------------------------------------------------------------------- against scikit-learn
def test_weighted_least_squares_equals_sklearns(weighted):
    X, _, w, *_ = weighted
    y = X @ np.array([1.0, -2.0, 0.5, 3.0]) + np.random.default_rng(1).normal(size=len(X))
    ours = LinearRegression().fit(X, y, sample_weight=w)
    theirs = sk.LinearRegression().fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-10)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-10)


@pytest.mark.parametrize("solver", ["lbfgs", "newton"])
def test_weighted_and_balanced_logistic_regression_equal_sklearns(solver, weighted):
    X, y, w, *_ = weighted
    y3 = np.where(X[:, 1] > 0.8, 2, y)  # three unbalanced classes
    for target in (y, y3):
        kw = dict(C=0.7, tol=1e-10, max_iter=1000, class_weight="balanced")
        ours = LogisticRegression(solver=solver, **kw).fit(X, target, sample_weight=w + 1)
        theirs = sk.LogisticRegression(**kw).fit(X, target, sample_weight=w + 1)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=2e-5)
        np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=2e-6)


def test_balanced_class_weight_is_sklearns_weighting(weighted):
    X, y, *_ = weighted
    y = np.where(np.arange(len(y)) < 45, 0, 1)  # 45 against 15
    balanced = LogisticRegression(class_weight="balanced", tol=1e-10).fit(X, y)
    explicit = LogisticRegression(tol=1e-10).fit(
        X, y, sample_weight=compute_sample_weight("balanced", y)
    )
    np.testing.assert_allclose(balanced.coef_, explicit.coef_, rtol=1e-12)
    as_dict = LogisticRegression(class_weight={0: 60 / 90, 1: 60 / 30}, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(balanced.coef_, as_dict.coef_, rtol=1e-12)


def test_weighted_perceptron_takes_sklearns_steps(weighted):
    # Both update w += eta s_i t_i x_i at each misclassified sample; visiting in order.
    X, y, w, *_ = weighted
    for kw in (dict(sample_weight=w + 0.5), dict(class_weight={0: 2.0, 1: 0.5})):
        sample_weight = kw.pop("sample_weight", None)
        ours = _quiet(Perceptron(eta0=0.1, shuffle=False, max_iter=30, **kw), X, y,
                      sample_weight=sample_weight)  # fmt: skip
        theirs = _quiet(sk.Perceptron(eta0=0.1, shuffle=False, max_iter=ours.n_iter_, tol=None,
                                      **kw), X, y, sample_weight=sample_weight)  # fmt: skip
        np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-12)


def test_weighted_mlp_epoch_equals_sklearns_from_the_same_weights(weighted):
    # plain SGD over 4 batches in order: scikit-learn's per-batch (sum w l + alpha/2 |W|^2) /
    # sum w, its loss curve and its steps (float32 here, float64 there)
    X, y, w, *_ = weighted
    kw = dict(hidden_layer_sizes=(6,), activation="tanh", solver="sgd", alpha=0.05,
              batch_size=15, learning_rate_init=0.1, max_iter=1, shuffle=False,
              warm_start=True, momentum=0.0)  # fmt: skip
    ours = _quiet(MLPClassifier(random_state=0, **kw), X, y, sample_weight=w)
    theirs = _quiet(sk_nn.MLPClassifier(random_state=0, **kw), X, y, sample_weight=w)
    theirs.coefs_ = [c.astype(np.float64) for c in ours.coefs_]
    theirs.intercepts_ = [b.astype(np.float64) for b in ours.intercepts_]
    _quiet(ours, X, y, sample_weight=w)
    _quiet(theirs, X, y, sample_weight=w)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-6)
    assert ours.loss_curve_[-1] == pytest.approx(theirs.loss_curve_[-1], rel=1e-5)


# ---------------------------------------------------------------------- rb.fit: Keras
def test_rb_fit_weights_each_samples_loss_as_keras_does(weighted):
    X, y, w, *_ = weighted
    X = X.astype(np.float32)
    rb.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))
    start = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    out = model(rb.tensor(X)).detach().numpy().astype(np.float64)
    logp = out - np.log(np.exp(out).sum(axis=1, keepdims=True))
    nll = -logp[np.arange(len(y)), y]
    weights = w * np.where(y == 1, 3.0, 1.0)
    opt = optim.SGD(model.parameters(), lr=0.0)
    h = rb.fit(model, X, y, optimizer=opt, epochs=1, batch_size=None, sample_weight=w,
               class_weight={0: 1.0, 1: 3.0}, verbose=0)  # fmt: skip
    # Keras's sum over batch size: sum_i w_i l_i / n (not divided by sum w)
    assert h.history["loss"][0] == pytest.approx(np.sum(weights * nll) / len(y), rel=1e-5)
    # class_weight is the same as the sample weights it stands for
    runs = []
    for kw in (dict(sample_weight=w, class_weight={0: 1.0, 1: 3.0}), dict(sample_weight=weights)):
        model.load_state_dict(start)
        opt = optim.Adam(model.parameters(), lr=0.01)
        runs.append(rb.fit(model, X, y, optimizer=opt, epochs=3, batch_size=16, verbose=0,
                           generator=np.random.default_rng(1), **kw).history["loss"])  # fmt: skip
    assert runs[0] == runs[1]
    with pytest.raises(ValueError, match="shape"):
        rb.fit(model, X, y, sample_weight=w[:-1], verbose=0)
    with pytest.raises(ValueError, match="no weight for the classes"):
        rb.fit(model, X, y, class_weight={0: 1.0}, verbose=0)


def test_rb_fit_sklearn_convention_counts_weight_k_as_k_copies(weighted):
    X, y, w, X_rep, y_rep = weighted
    results = []
    for data, weights in (((X, y), w), ((X_rep, y_rep), None)):
        rb.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 5, dtype=np.float64), nn.ReLU(),
                              nn.Linear(5, 2, dtype=np.float64))  # fmt: skip
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        h = rb.fit(model, *data, optimizer=opt, epochs=5, batch_size=None, l2=0.05, l1=0.01,
                   convention="sklearn", sample_weight=weights, verbose=0)  # fmt: skip
        results.append((h.history["loss"], [p.numpy() for p in model.parameters()]))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
