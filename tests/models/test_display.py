"""Estimators in plots: rb.viz draws the decision boundary of a fitted Perceptron,
LogisticRegression, LDA and MLPClassifier, the loss curve from an estimator's ``history``,
an ROC curve from ``roc_scores`` and a confusion matrix from ``confusion``; scikit-learn's
display classes take rb.models' estimators as they take their own."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402
from sklearn.inspection import DecisionBoundaryDisplay  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    ConfusionMatrixDisplay,
    RocCurveDisplay,
    confusion_matrix,
    roc_curve,
)

from rosenblatt import models, viz  # noqa: E402
from rosenblatt.viz import confusion, roc_scores  # noqa: E402

X, y = make_blobs(120, centers=[[-2, -1], [2, 1]], cluster_std=1.0, random_state=0)
LABELS = np.array(["no", "yes"])[y]

CLASSIFIERS = {
    "perceptron": models.Perceptron(random_state=0, max_iter=200),
    "logistic": models.LogisticRegression(),
    "lda": models.LinearDiscriminantAnalysis(),
    "mlp": models.MLPClassifier((8,), solver="lbfgs", random_state=0),
}


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_the_decision_boundary_of_a_fitted_estimator_is_drawn(name, tmp_path):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = CLASSIFIERS[name].fit(X, LABELS)
    fig = viz.plot_decision_boundary(est, X, LABELS, tmp_path / f"{name}.png", resolution=40)
    assert (tmp_path / f"{name}.png").stat().st_size > 0
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["class no", "class yes"]  # the class legend
    display = DecisionBoundaryDisplay.from_estimator(
        est, X, grid_resolution=40, eps=0.5, response_method="predict", ax=Figure().subplots()
    )
    grid = np.c_[display.xx0.ravel(), display.xx1.ravel()]
    codes = np.searchsorted(est.classes_, est.predict(grid)).reshape(display.xx0.shape)
    np.testing.assert_array_equal(display.response, codes)  # sklearn's display takes ours
    drawn = fig.display_  # and the regions drawn are that display's
    assert isinstance(drawn, DecisionBoundaryDisplay)
    np.testing.assert_array_equal(drawn.xx0, display.xx0)
    np.testing.assert_array_equal(drawn.xx1, display.xx1)
    np.testing.assert_array_equal(drawn.response, codes)
    assert drawn.surface_ is fig.axes[0].collections[0]


def test_loss_curve_roc_and_confusion_matrix_of_estimators(tmp_path):
    clf = models.MLPClassifier((8,), max_iter=15, random_state=0)
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    fig = viz.plot_loss_curve(clf, tmp_path / "loss.png")
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_ydata(), clf.loss_curve_)
    scores = roc_scores(clf, X)
    fig = viz.plot_roc_curve(y, scores, tmp_path / "roc.png")
    fpr, tpr, _ = roc_curve(y, clf.predict_proba(X)[:, 1])
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_xdata(), fpr)
    theirs = RocCurveDisplay.from_estimator(clf, X, y, ax=Figure().subplots())  # takes it too
    np.testing.assert_array_equal(theirs.fpr, fpr)
    fig = viz.plot_roc_curve(y, clf, X=X)  # the scores of the estimator itself
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_xdata(), fpr)
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_ydata(), tpr)
    assert fig.display_.roc_auc == pytest.approx(theirs.roc_auc)
    cm, labels = confusion(clf, X, y)
    np.testing.assert_array_equal(cm, confusion_matrix(y, clf.predict(X)))
    viz.plot_confusion_matrix(cm, labels, tmp_path / "cm.png")
    disp = ConfusionMatrixDisplay.from_estimator(clf, X, y, ax=Figure().subplots())
    np.testing.assert_array_equal(disp.confusion_matrix, cm)
    fig = viz.plot_confusion_matrix(clf, X=X, y=y)  # the estimator's predictions counted
    np.testing.assert_array_equal(fig.display_.confusion_matrix, cm)
    texts = {(t.get_position(), t.get_text()) for t in fig.axes[0].texts}
    assert texts == {((j, i), str(cm[i, j])) for i in range(2) for j in range(2)}
    detector = models.AutoencoderAnomalyDetector((2,), max_iter=5, random_state=0).fit(X)
    np.testing.assert_array_equal(roc_scores(detector, X), detector.anomaly_score(X))
    gan = models.GAN(1, max_iter=2, random_state=0).fit(X)
    assert set(gan.history) == {"loss", "generator_loss"}
    with pytest.raises(AttributeError):
        _ = models.MLPClassifier().history  # not fitted
