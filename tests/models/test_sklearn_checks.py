"""scikit-learn's own estimator checks, on every estimator of rb.models (default settings)."""

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
