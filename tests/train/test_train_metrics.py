"""Metrics against scikit-learn, and the streaming accumulators against the whole-set functions."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from rosenblatt.train import metrics as M


def test_accuracy_multiclass_argmax(rng):
    out = rng.normal(size=(50, 4))
    t = rng.integers(0, 4, 50)
    assert M.accuracy(out, t) == pytest.approx(skm.accuracy_score(t, out.argmax(1)))


def test_accuracy_one_hot_targets(rng):
    out = rng.normal(size=(30, 3))
    t = rng.integers(0, 3, 30)
    assert M.accuracy(out, np.eye(3)[t]) == pytest.approx(skm.accuracy_score(t, out.argmax(1)))


@pytest.mark.parametrize("threshold", [0.0, 0.5])
def test_accuracy_binary_threshold(rng, threshold):
    out = rng.normal(0.3, 1.0, size=(40, 1))
    t = rng.integers(0, 2, 40).astype(np.float32)
    expected = skm.accuracy_score(t, (out[:, 0] > threshold).astype(int))
    assert M.accuracy(out, t, threshold=threshold) == pytest.approx(expected)
    assert M.accuracy(out[:, 0], t.reshape(-1, 1), threshold=threshold) == pytest.approx(expected)


def test_regression_metrics_equal_sklearn(rng):
    y = rng.normal(size=(60, 3))
    t = y + rng.normal(0, 0.5, size=y.shape)
    assert M.mse(y, t) == pytest.approx(skm.mean_squared_error(t, y))
    assert M.mae(y, t) == pytest.approx(skm.mean_absolute_error(t, y))
    assert M.r2(y, t) == pytest.approx(skm.r2_score(t, y))
    assert M.r2(y[:, 0], t[:, 0]) == pytest.approx(skm.r2_score(t[:, 0], y[:, 0]))


def test_r2_constant_target_follows_sklearn():
    t = np.ones(5)
    assert M.r2(t, t) == skm.r2_score(t, t)
    assert M.r2(t + 0.1, t) == skm.r2_score(t, t + 0.1)


@pytest.mark.parametrize(
    "task,name,make",
    [
        ("multiclass", "accuracy", lambda r: (r.normal(size=(97, 5)), r.integers(0, 5, 97))),
        (
            "binary_logits",
            "accuracy",
            lambda r: (r.normal(size=(97, 1)), r.integers(0, 2, (97, 1)).astype(float)),
        ),
        ("regression", "mse", lambda r: (r.normal(size=(97, 2)), r.normal(size=(97, 2)))),
        ("regression", "mae", lambda r: (r.normal(size=(97, 2)), r.normal(size=(97, 2)))),
        ("regression", "r2", lambda r: (r.normal(size=(97, 2)), r.normal(1, 2, size=(97, 2)))),
    ],
)
def test_streaming_equals_whole_set(rng, task, name, make):
    out, t = make(rng)
    metrics = {m.name: m for m in M.metrics_for_loss(task, None)}
    m = metrics[name]
    m.reset()
    for a in range(0, 97, 13):  # uneven batches
        m.update(out[a : a + 13], t[a : a + 13])
    threshold = 0.0 if task == "binary_logits" else 0.5
    whole = {
        "accuracy": lambda: M.accuracy(out, t, threshold),
        "mse": lambda: skm.mean_squared_error(t, out),
        "mae": lambda: skm.mean_absolute_error(t, out),
        "r2": lambda: skm.r2_score(t, out),
    }[name]()
    assert m.result() == pytest.approx(whole, rel=1e-10, abs=1e-12)


def test_default_metrics_per_task():
    names = lambda task: [m.name for m in M.metrics_for_loss(task, None)]  # noqa: E731
    assert names("multiclass") == ["accuracy"]
    assert names("binary_probs") == ["accuracy"]
    assert names("regression") == ["mse", "mae", "r2"]
    assert names("other") == []


def test_custom_metric_function_and_unknown_name(rng):
    def max_error(out, t):
        return float(np.max(np.abs(out - t)))

    (m,) = M.metrics_for_loss("regression", [max_error])
    assert m.name == "max_error"
    with pytest.raises(ValueError, match="unknown metric 'f1score'"):
        M.metrics_for_loss("regression", ["f1score"])
