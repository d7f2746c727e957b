"""scikit-learn's own estimator checks on every estimator of rb.models, with no expected
failures: default settings, then the other solvers and options."""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from rosenblatt.models import (
    Adaline,
    LinearDiscriminantAnalysis,
    LinearRegression,
    LogisticRegression,
    MLPClassifier,
    MLPRegressor,
    Perceptron,
    QuadraticDiscriminantAnalysis,
    ThresholdUnit,
)

ESTIMATORS = [
    ThresholdUnit(),
    Perceptron(),
    Adaline(),
    LinearRegression(),
    LogisticRegression(),
    LinearDiscriminantAnalysis(),
    QuadraticDiscriminantAnalysis(),
    MLPClassifier(),
    MLPRegressor(),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# The other solvers and options pass the same checks.
OTHER_SETTINGS = [
    Adaline(solver="batch"),
    LinearRegression(solver="gd"),
    LinearRegression(solver="sgd"),
    LogisticRegression(solver="newton"),
    LogisticRegression(solver="gd"),
    LogisticRegression(solver="sgd"),
    MLPClassifier(solver="lbfgs"),
    MLPRegressor(solver="lbfgs"),
    MLPClassifier(solver="sgd", batch_norm=True, dropout=0.1, l1=1e-3),
]


@parametrize_with_checks(OTHER_SETTINGS)
def test_sklearn_compatible_other_settings(estimator, check):
    check(estimator)
