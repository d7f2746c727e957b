"""The Matteucci deck's output coding: "two classes {Omega_0 = -1, Omega_1 = +1}: use a tanh
output activation" -- MLPClassifier(output_activation="tanh"), its loss against torch and the
squared error by hand, and the reading of tanh as a probability."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone

import rosenblatt as rb
from rosenblatt.models import MLPClassifier
from rosenblatt.nn import TanhMSELoss as TanhSquaredError

XOR = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 10, dtype=float)
Y_PM = np.array([-1, 1, 1, -1] * 10)  # the deck's -1/+1 labels


def test_tanh_squared_error_equals_torch():
    rng = np.random.default_rng(0)
    a, t = rng.normal(size=(6, 1)), np.where(rng.random((6, 1)) < 0.5, -1.0, 1.0)
    x = rb.tensor(a, requires_grad=True)
    loss = TanhSquaredError()(x, rb.tensor(t))
    tx = torch.tensor(a, requires_grad=True)
    t_loss = torch.nn.functional.mse_loss(torch.tanh(tx), torch.tensor(t))
    loss.backward()
    t_loss.backward()
    assert loss.item() == pytest.approx(t_loss.item(), rel=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    y = np.tanh(a)  # dE/da = 2 (y - t)(1 - y^2) / n
    np.testing.assert_allclose(x.grad.numpy(), 2 * (y - t) * (1 - y**2) / 6, rtol=1e-12)


def test_xor_with_minus_one_plus_one_targets_and_a_tanh_output():
    clf = MLPClassifier(
        (8,), "tanh", output_activation="tanh", solver="lbfgs", alpha=0.0, random_state=0
    ).fit(XOR, Y_PM)
    np.testing.assert_array_equal(clf.classes_, [-1, 1])
    np.testing.assert_array_equal(clf.predict(XOR[:4]), [-1, 1, 1, -1])
    # the trained loss is the deck's squared error of y = tanh(a) against t = -1/+1
    a = clf._outputs(XOR)[:, 0]
    assert clf.loss_curve_[-1] == pytest.approx(np.mean((np.tanh(a) - Y_PM) ** 2), rel=1e-3)
    # y read as a probability: p(+1) = (1 + y)/2 = sigma(2a)
    proba = clf.predict_proba(XOR[:4])
    np.testing.assert_allclose(proba[:, 1], (1 + np.tanh(a[:4])) / 2, rtol=1e-10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert clf.score(XOR, Y_PM) == 1.0


def test_any_two_labels_are_coded_minus_one_and_plus_one():
    y = np.where(Y_PM > 0, "fraud", "normal")  # classes_ = ["fraud", "normal"]
    clf = MLPClassifier((8,), "tanh", output_activation="tanh", solver="lbfgs", random_state=0)
    clf.fit(XOR, y)
    t = clf._targets(y, first=False)
    np.testing.assert_array_equal(t[:, 0], np.where(y == "normal", 1.0, -1.0))
    np.testing.assert_array_equal(clf.predict(XOR[:4]), ["normal", "fraud", "fraud", "normal"])


def test_tanh_output_needs_two_classes_and_a_known_name():
    with pytest.raises(ValueError, match="two classes"):
        MLPClassifier((4,), output_activation="tanh", max_iter=2).fit(XOR, np.arange(40) % 3)
    with pytest.raises(ValueError, match="output_activation"):
        MLPClassifier((4,), output_activation="relu", max_iter=2).fit(XOR, Y_PM)
    clf = MLPClassifier(output_activation="tanh")
    assert clone(clf).get_params()["output_activation"] == "tanh"


# ---------------------------------------------------------------- the recipe: loss.name = "tanh_mse"
def test_recipe_tanh_output_learns_xor_and_keeps_the_logit_convention():
    from rosenblatt import recipe as R

    text = (
        '[data]\nsource = "xor"\nscaling = "none"\ntest_split = 0.0\nseed = 0\n'
        '[model]\nlayers = [4]\nactivation = "tanh"\n[loss]\nname = "tanh_mse"\n'
        '[optimizer]\nname = "adam"\nlr = 0.05\n[training]\nepochs = 400\nbatch_size = "full"\n'
    )
    run = R.train(R.parse_recipe(text), verbose=0)
    assert run.metrics["accuracy"] == 1.0
    np.testing.assert_array_equal(R.predict(run.model, run.data.X, run.preprocessing), [0, 1, 1, 0])
    # the one output is the logit z = 2a: predict_scores' sigmoid(z) = (1 + tanh a)/2
    with rb.no_grad():
        z = run.model(rb.tensor(run.data.X, dtype="float32")).numpy()[:, 0].astype(float)
    p = R.predict_scores(run.model, run.data.X, run.preprocessing)[:, 1]
    np.testing.assert_allclose(p, (1 + np.tanh(z / 2)) / 2, rtol=1e-5)
    # the loss: mean (tanh(z/2) - t)^2 with t = 2y - 1, against torch
    y = np.array([0.0, 1.0, 1.0, 0.0])[:, None]
    loss = R.build_loss(run.recipe)(rb.tensor(z[:, None]), rb.tensor(y))
    t_loss = torch.nn.functional.mse_loss(
        torch.tanh(torch.tensor(z[:, None]) / 2), torch.tensor(2 * y - 1)
    )
    assert loss.item() == pytest.approx(t_loss.item(), rel=1e-6)
    assert loss.item() < 0.01 and run.history.history["loss"][-1] < 0.01  # (y - t)^2 -> 0
