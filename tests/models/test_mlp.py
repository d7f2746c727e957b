"""MLPClassifier / MLPRegressor: one epoch equals scikit-learn's from the same weights; XOR;
early stopping, partial_fit, warm_start, regularisers, solvers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import neural_network as sk
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import rosenblatt as rb
from rosenblatt.models import MLPClassifier, MLPRegressor, Perceptron
from rosenblatt.optim import FIRST_ORDER
from rosenblatt.train import fast

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([0, 1, 1, 0])


@pytest.fixture
def blobs():
    X, y = make_classification(240, 6, n_informative=4, n_classes=3, class_sep=2.0, random_state=0)
    return StandardScaler().fit_transform(X), y


def _quiet_fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


# ---------------------------------------------------------------------- the oracle
CASES = {
    "binary-sgd": (MLPClassifier, sk.MLPClassifier, 2, "sgd", "tanh"),
    "multiclass-sgd": (MLPClassifier, sk.MLPClassifier, 3, "sgd", "relu"),
    "multiclass-sgd-logistic": (MLPClassifier, sk.MLPClassifier, 4, "sgd", "logistic"),
    "regression-sgd": (MLPRegressor, sk.MLPRegressor, 0, "sgd", "tanh"),
}


@pytest.mark.parametrize("case", CASES)
def test_one_epoch_equals_sklearns_from_the_same_weights(case):
    # Plain SGD (no momentum), 4 mini-batches in order: same loss, penalty, gradients and
    # steps as scikit-learn. (Adam is not compared here: it divides by sqrt(v), so weights
    # with near-zero gradients amplify float32-vs-float64 rounding; rb.optim.Adam is
    # checked against torch.optim.Adam in tests/optim.)
    ours_cls, sk_cls, n_classes, solver, activation = CASES[case]
    if n_classes:
        X, y = make_classification(
            64, 5, n_informative=3, n_redundant=0, n_classes=n_classes, random_state=1
        )
    else:
        X, y = make_regression(64, 5, noise=0.1, random_state=1)
        y = y / y.std()
    kw = dict(
        hidden_layer_sizes=(7, 4),
        activation=activation,
        solver=solver,
        alpha=0.05,
        batch_size=16,
        learning_rate_init=0.05,
        max_iter=1,
        shuffle=False,
        warm_start=True,
        momentum=0.0,
    )
    ours = _quiet_fit(ours_cls(random_state=0, **kw), X, y)
    theirs = _quiet_fit(sk_cls(random_state=0, nesterovs_momentum=False, **kw), X, y)
    # start both from the same weights (ours, float32, copied exactly into sklearn's)
    theirs.coefs_ = [w.astype(np.float64) for w in ours.coefs_]
    theirs.intercepts_ = [b.astype(np.float64) for b in ours.intercepts_]
    _quiet_fit(ours, X, y)  # one more epoch, warm
    _quiet_fit(theirs, X, y)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-6)
    assert ours.loss_curve_[-1] == pytest.approx(theirs.loss_curve_[-1], rel=1e-5)
    if n_classes:
        np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-5)
    else:
        np.testing.assert_allclose(ours.predict(X), theirs.predict(X), atol=1e-5)


# ---------------------------------------------------------------------- XOR
def test_xor_perceptron_fails_mlp_solves_it():
    with pytest.warns(ConvergenceWarning):
        p = Perceptron(max_iter=100, shuffle=False).fit(XOR_X, XOR_Y)
    assert p.score(XOR_X, XOR_Y) < 1.0 and not p.converged_
    for solver in ("lbfgs", "adam"):
        clf = MLPClassifier(
            (8,),
            "tanh",
            solver=solver,
            learning_rate_init=0.05,
            batch_size=4,
            max_iter=500,
            random_state=0,
        )
        clf.fit(XOR_X, XOR_Y)
        assert clf.predict(XOR_X).tolist() == XOR_Y.tolist(), solver
        assert clf.loss_curve_[-1] < 0.1


# ---------------------------------------------------------------------- engine and dtype
def test_float32_network_float64_probabilities(blobs):
    X, y = blobs
    clf = _quiet_fit(MLPClassifier((16,), max_iter=20, random_state=0), X, y)
    assert all(p.dtype == np.float32 for p in clf.model_.parameters())
    assert isinstance(clf.model_, rb.nn.Sequential)
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float64 and proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-6)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert [c.shape for c in clf.coefs_] == [(6, 16), (16, 3)]
    assert clf.n_layers_ == 3 and clf.n_outputs_ == 3


@pytest.mark.parametrize(
    "cls,n_classes,activation",
    [
        (MLPClassifier, 3, "relu"),
        (MLPClassifier, 2, "tanh"),
        (MLPClassifier, 3, "logistic"),
        (MLPRegressor, 0, "identity"),
    ],
)
def test_chain_steps_equal_the_recorded_graphs(cls, n_classes, activation, monkeypatch):
    # A plain network trains by calling its primitives' backward along the chain (rb.fit's
    # fast path, train.fast.Chain);
    # the same fit through the recorded graph and loss.backward() gives the same numbers.
    if n_classes:
        X, y = make_classification(
            90, 5, n_informative=3, n_redundant=0, n_classes=n_classes, random_state=0
        )
    else:
        X, y = make_regression(90, 5, n_targets=2, noise=0.1, random_state=0)
    kw = dict(hidden_layer_sizes=(7, 4), activation=activation, alpha=0.01, l1=0.001)
    kw.update(batch_size=16, max_iter=4, random_state=0)
    chain = _quiet_fit(cls(**kw), X, y)
    monkeypatch.setattr(fast.Chain, "build", classmethod(lambda cls, *args: None))
    graph = _quiet_fit(cls(**kw), X, y)
    assert chain.loss_curve_ == graph.loss_curve_
    for a, b in zip(chain.coefs_ + chain.intercepts_, graph.coefs_ + graph.intercepts_):
        np.testing.assert_array_equal(a, b)


def test_random_state_and_global_seed_reproduce(blobs):
    X, y = blobs
    a = _quiet_fit(MLPClassifier((8,), max_iter=5, dropout=0.2, random_state=3), X, y)
    b = _quiet_fit(MLPClassifier((8,), max_iter=5, dropout=0.2, random_state=3), X, y)
    assert a.loss_curve_ == b.loss_curve_
    rb.manual_seed(7)
    c = _quiet_fit(MLPClassifier((8,), max_iter=5), X, y)
    rb.manual_seed(7)
    d = _quiet_fit(MLPClassifier((8,), max_iter=5), X, y)
    assert c.loss_curve_ == d.loss_curve_ != a.loss_curve_


def test_training_reduces_the_loss_and_fits(blobs):
    X, y = blobs
    clf = _quiet_fit(
        MLPClassifier((32,), learning_rate_init=0.01, max_iter=100, random_state=0), X, y
    )
    assert clf.loss_curve_[-1] < 0.5 * clf.loss_curve_[0]
    assert clf.score(X, y) > 0.9
    assert clf.n_iter_ == len(clf.loss_curve_) and clf.t_ == clf.n_iter_ * len(X)


def test_stops_when_the_loss_stops_improving(blobs):
    X, y = blobs
    clf = MLPClassifier(
        (16,), learning_rate_init=0.05, tol=1e-2, n_iter_no_change=3, max_iter=500, random_state=0
    ).fit(X, y)
    assert clf.n_iter_ < 500
    # scikit-learn's rule replayed on the loss curve: count epochs whose loss is not below
    # best - tol; stop when the count exceeds n_iter_no_change -- exactly at the last epoch.
    best, count, stopped_at = np.inf, 0, None
    for epoch, loss in enumerate(clf.loss_curve_, start=1):
        count = count + 1 if loss > best - 1e-2 else 0
        best = min(best, loss)
        if count > 3:
            stopped_at = epoch
            break
    assert stopped_at == clf.n_iter_ == len(clf.loss_curve_)


def test_early_stopping_keeps_the_best_validation_epoch(blobs):
    X, y = blobs
    kw = dict(
        hidden_layer_sizes=(16,), learning_rate_init=0.05, early_stopping=True, random_state=0
    )
    clf = MLPClassifier(n_iter_no_change=4, max_iter=300, **kw).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_ < 300
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.validation_scores_[-1] < clf.best_validation_score_ or clf.n_iter_ <= 5
    # The same run cut after the best epoch has the same weights: they were restored.
    best_epoch = int(np.argmax(clf.validation_scores_)) + 1
    cut = _quiet_fit(MLPClassifier(n_iter_no_change=1000, max_iter=best_epoch, **kw), X, y)
    assert cut.validation_scores_ == clf.validation_scores_[:best_epoch]
    for a, b in zip(clf.coefs_ + clf.intercepts_, cut.coefs_ + cut.intercepts_):
        np.testing.assert_array_equal(a, b)


def test_partial_fit_is_one_epoch(blobs):
    X, y = blobs
    clf = MLPClassifier((16,), learning_rate_init=0.01, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:100], y[:100], classes=[0, 1, 2])
    for _ in range(9):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 10 and clf.loss_curve_[-1] < clf.loss_curve_[1]
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(X[:3], [0, 1, 5])
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")
    reg = MLPRegressor((8,), random_state=0).partial_fit(X, y.astype(float))
    assert reg.n_iter_ == 1


def test_warm_start_continues_from_the_current_weights(blobs):
    X, y = blobs
    clf = _quiet_fit(MLPClassifier((16,), max_iter=10, warm_start=True, random_state=0), X, y)
    first = list(clf.loss_curve_)
    _quiet_fit(clf, X, y)
    assert clf.loss_curve_[:10] == first and len(clf.loss_curve_) == 20
    assert clf.loss_curve_[10] < first[0]
    cold = _quiet_fit(MLPClassifier((16,), max_iter=10, random_state=0), X, y)
    assert cold.loss_curve_ == first


# ---------------------------------------------------------------------- options
def test_l1_and_alpha_shrink_the_weights(blobs):
    X, y = blobs
    kw = dict(hidden_layer_sizes=(16,), max_iter=60, learning_rate_init=0.01, random_state=0)
    plain = _quiet_fit(MLPClassifier(alpha=0.0, **kw), X, y)
    l1 = _quiet_fit(MLPClassifier(alpha=0.0, l1=5.0, **kw), X, y)
    l2 = _quiet_fit(MLPClassifier(alpha=20.0, **kw), X, y)
    size = [sum(np.abs(w).sum() for w in m.coefs_) for m in (plain, l1, l2)]
    assert size[1] < 0.5 * size[0] and size[2] < 0.5 * size[0]


def test_penalty_is_in_the_reported_loss(blobs):
    X, y = blobs
    kw = dict(
        hidden_layer_sizes=(4,),
        solver="sgd",
        learning_rate_init=1e-12,
        momentum=0.0,
        max_iter=1,
        batch_size=len(X),
        shuffle=False,
        random_state=0,
    )
    a = _quiet_fit(MLPClassifier(alpha=0.0, **kw), X, y)
    b = _quiet_fit(MLPClassifier(alpha=2.0, l1=3.0, **kw), X, y)
    W = a.coefs_
    expected = 0.5 * 2.0 * sum((w**2).sum() for w in W) + 3.0 * sum(np.abs(w).sum() for w in W)
    assert b.loss_curve_[0] - a.loss_curve_[0] == pytest.approx(expected / len(X), rel=1e-4)


def test_dropout_batch_norm_and_per_layer_activations(blobs):
    X, y = blobs
    clf = _quiet_fit(
        MLPClassifier(
            (32, 16),
            ["relu", "tanh"],
            dropout=0.2,
            batch_norm=True,
            learning_rate_init=0.01,
            max_iter=60,
            random_state=0,
        ),
        X,
        y,
    )
    kinds = [type(m).__name__ for m in clf.model_]
    assert kinds == [
        "Linear",
        "BatchNorm1d",
        "ReLU",
        "Dropout",
        "Linear",
        "BatchNorm1d",
        "Tanh",
        "Dropout",
        "Linear",
    ]
    assert clf.score(X, y) > 0.85
    assert not clf.model_.training
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))  # eval: no dropout


@pytest.mark.parametrize("solver", sorted([*FIRST_ORDER, "lbfgs"]))
def test_every_solver_trains(blobs, solver):
    X, y = blobs
    lr = {"sgd": 0.1, "adagrad": 0.1, "adadelta": 1.0, "asgd": 0.1, "previousgradientmomentum": 0.1}
    lr = lr.get(solver, 0.01)
    clf = _quiet_fit(
        MLPClassifier((16,), solver=solver, learning_rate_init=lr, max_iter=60, random_state=0),
        X,
        y,
    )
    assert clf.score(X, y) > 0.85, solver


def test_lbfgs_regression_and_multi_output():
    x = np.linspace(-1, 1, 100)[:, None]
    Y = np.column_stack([np.sin(3 * x[:, 0]), x[:, 0] ** 2])
    reg = MLPRegressor((20,), "tanh", solver="lbfgs", max_iter=500, random_state=0).fit(x, Y)
    assert reg.predict(x).shape == (100, 2) and reg.score(x, Y) > 0.99
    assert reg.loss_curve_[-1] < reg.loss_curve_[0]
    one = MLPRegressor((20,), "tanh", solver="lbfgs", max_iter=500, random_state=0)
    assert one.fit(x, Y[:, 0]).predict(x).shape == (100,)


def test_diverging_training_stops_with_finite_weights(blobs):
    X, y = blobs
    with pytest.warns(ConvergenceWarning, match="loss (became|exploded)"):
        reg = MLPRegressor(
            (16,), solver="sgd", learning_rate_init=10.0, momentum=0.9, max_iter=50, random_state=0
        ).fit(X * 1e3, y * 1e3)
    assert all(np.all(np.isfinite(w)) for w in reg.coefs_)


def test_in_a_pipeline_and_grid_search(blobs):
    X, y = blobs
    mlp = MLPClassifier((8,), learning_rate_init=0.01, max_iter=100, random_state=0)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), mlp), {"mlpclassifier__alpha": [1e-4, 1e-1]}, cv=2
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert search.best_score_ > 0.75
    assert search.best_estimator_[-1].n_iter_ > 0


def test_iris_matches_sklearns_accuracy():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    ours = _quiet_fit(MLPClassifier((16,), max_iter=300, random_state=0), X, y)
    theirs = _quiet_fit(sk.MLPClassifier((16,), max_iter=300, random_state=0), X, y)
    assert ours.score(X, y) >= theirs.score(X, y) - 0.02


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(activation="swish"), "activation"),
        (dict(hidden_layer_sizes=(4, 4), activation=["relu"]), "activation"),
        (dict(solver="newton"), "solver"),
        (dict(hidden_layer_sizes=(0,)), "hidden_layer_sizes"),
        (dict(dropout=1.0), "dropout"),
        (dict(batch_size=0), "batch_size"),
        (dict(solver="lbfgs", dropout=0.5), "deterministic"),
    ],
)
def test_bad_parameters_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MLPClassifier(**kwargs).fit(XOR_X, XOR_Y)


def test_the_trained_network_round_trips_through_rb_save(blobs, tmp_path):
    X, y = blobs
    clf = _quiet_fit(MLPClassifier((8,), batch_norm=True, max_iter=5, random_state=0), X, y)
    rb.save(clf.model_, tmp_path / "mlp.safetensors")
    net = rb.load(tmp_path / "mlp.safetensors").eval()
    with rb.no_grad():
        logits = net(rb.tensor(X.astype(np.float32))).numpy()
    np.testing.assert_array_equal(clf.classes_[logits.argmax(axis=1)], clf.predict(X))


def test_models_is_a_lazy_attribute_of_the_package():
    assert rb.models.MLPClassifier is MLPClassifier


def test_training_continues_after_pickling(blobs):
    # The parameters are views into one flat vector that the optimizer updates; a pickled
    # and restored estimator must still train (and exactly as the original does).
    import pickle

    X, y = blobs
    a = MLPClassifier((8,), random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    b = pickle.loads(pickle.dumps(a))
    for clf in (a, b):
        clf.partial_fit(X, y)
    assert a.loss_curve_ == b.loss_curve_
    for wa, wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(wa, wb)
    before = [w.copy() for w in b.coefs_]
    b.partial_fit(X, y)
    assert not np.array_equal(before[0], b.coefs_[0])
