"""LDA and QDA against scikit-learn and against the EDSF deck's formula."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import discriminant_analysis as sk
from sklearn.datasets import load_iris, make_classification

from rosenblatt.models import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis


@pytest.fixture
def binary():
    return make_classification(200, 4, n_informative=3, n_redundant=0, random_state=3)


@pytest.fixture
def iris():
    return load_iris(return_X_y=True)


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (LinearDiscriminantAnalysis, sk.LinearDiscriminantAnalysis),
        (QuadraticDiscriminantAnalysis, sk.QuadraticDiscriminantAnalysis),
    ],
)
@pytest.mark.parametrize("data", ["binary", "iris"])
def test_probabilities_agree_with_sklearn(ours, theirs, data, request):
    X, y = request.getfixturevalue(data)
    a, b = ours().fit(X, y), theirs().fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-10)
    np.testing.assert_allclose(a.predict_log_proba(X), b.predict_log_proba(X), atol=1e-8)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    np.testing.assert_allclose(a.means_, b.means_)
    np.testing.assert_allclose(a.priors_, b.priors_)


def test_lda_binary_is_the_decks_sigmoid(binary):
    # P(t=1|x) = sigma(w.x + b), w = Sigma^-1 (mu_1 - mu_0),
    # b = (mu_0 Sigma^-1 mu_0 - mu_1 Sigma^-1 mu_1) / 2 + ln(P(t=1)/P(t=0))
    X, y = binary
    lda = LinearDiscriminantAnalysis().fit(X, y)
    mu0, mu1 = X[y == 0].mean(axis=0), X[y == 1].mean(axis=0)
    centered = np.where((y == 0)[:, None], X - mu0, X - mu1)
    Sigma = centered.T @ centered / len(X)
    Si = np.linalg.inv(Sigma)
    w = Si @ (mu1 - mu0)
    a = np.log(np.mean(y == 1) / np.mean(y == 0))
    b = (mu0 @ Si @ mu0 - mu1 @ Si @ mu1) / 2 + a
    np.testing.assert_allclose(lda.coef_, [w], rtol=1e-10)
    np.testing.assert_allclose(lda.intercept_, [b], rtol=1e-10)
    p = 1 / (1 + np.exp(-(X @ w + b)))
    np.testing.assert_allclose(lda.predict_proba(X)[:, 1], p, rtol=1e-10)
    np.testing.assert_allclose(lda.coef_, sk.LinearDiscriminantAnalysis().fit(X, y).coef_)


def test_qda_is_bayes_rule_with_gaussian_densities(binary):
    from scipy.stats import multivariate_normal

    X, y = binary
    qda = QuadraticDiscriminantAnalysis().fit(X, y)
    joint = np.column_stack(
        [
            multivariate_normal(qda.means_[c], qda.covariance_[c]).pdf(X) * qda.priors_[c]
            for c in range(2)
        ]
    )
    np.testing.assert_allclose(qda.predict_proba(X), joint / joint.sum(axis=1, keepdims=True))


def test_priors_and_reg_param_agree_with_sklearn(iris):
    X, y = iris
    priors = [0.2, 0.3, 0.5]
    for ours, theirs in [
        (LinearDiscriminantAnalysis(priors=priors), sk.LinearDiscriminantAnalysis(priors=priors)),
        (
            QuadraticDiscriminantAnalysis(priors=priors, reg_param=0.3),
            sk.QuadraticDiscriminantAnalysis(priors=priors, reg_param=0.3),
        ),
    ]:
        np.testing.assert_allclose(
            ours.fit(X, y).predict_proba(X), theirs.fit(X, y).predict_proba(X), atol=1e-10
        )


def test_lda_survives_a_constant_feature(binary):
    X, y = binary
    X = np.column_stack([X, np.ones(len(X))])
    lda = LinearDiscriminantAnalysis().fit(X, y)
    assert np.all(np.isfinite(lda.coef_))
    assert lda.score(X, y) == LinearDiscriminantAnalysis().fit(X[:, :-1], y).score(X[:, :-1], y)


def test_errors(binary):
    X, y = binary
    with pytest.raises(np.linalg.LinAlgError, match="reg_param"):
        QuadraticDiscriminantAnalysis().fit(np.column_stack([X, X[:, 0]]), y)
    QuadraticDiscriminantAnalysis(reg_param=0.1).fit(np.column_stack([X, X[:, 0]]), y)
    with pytest.raises(ValueError, match="only 1 sample"):
        QuadraticDiscriminantAnalysis().fit([[0.0], [1.0], [5.0]], [0, 0, 1])
    with pytest.raises(ValueError, match="priors"):
        LinearDiscriminantAnalysis(priors=[0.5, 0.6]).fit(X, y)
    with pytest.raises(ValueError, match="reg_param"):
        QuadraticDiscriminantAnalysis(reg_param=2).fit(X, y)
