"""Plots: the data drawn equal their oracle (the history, sklearn's ROC curve, PyTorch's
gradients, the model's own outputs), files are real PNGs, pyplot holds no figures."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score, roc_curve

import rosenblatt as rb
from rosenblatt import nn, viz
from rosenblatt.preprocessing import Preprocessor

PNG = b"\x89PNG\r\n\x1a\n"


def _is_png(path) -> bool:
    return path.read_bytes()[:8] == PNG


@pytest.fixture(autouse=True)
def _no_pyplot_figures():
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    yield
    assert set(plt.get_fignums()) == before  # viz never registers figures with pyplot


def test_loss_curve_draws_the_history(tmp_path):
    h = {"loss": [3.0, 2.0, 1.5], "val_loss": [3.1, 2.4, 2.2], "accuracy": [0.2, 0.6, 0.8]}
    fig = viz.plot_loss_curve(h, tmp_path / "loss.png")
    assert _is_png(tmp_path / "loss.png")
    ax_loss, ax_metric = fig.axes
    train, val = ax_loss.get_lines()
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(train.get_ydata(), h["loss"])
    np.testing.assert_array_equal(val.get_ydata(), h["val_loss"])
    assert [t.get_text() for t in ax_loss.get_legend().get_texts()] == ["train", "validation"]
    np.testing.assert_array_equal(ax_metric.get_lines()[0].get_ydata(), h["accuracy"])


def test_loss_curve_takes_a_fit_history():
    X = np.random.default_rng(0).normal(size=(20, 2)).astype(np.float32)
    model = nn.Sequential(nn.Linear(2, 1))
    h = rb.fit(model, X, X.sum(1), loss=nn.MSELoss(), epochs=3, verbose=0)
    fig = viz.plot_loss_curve(h, log_scale=True)
    np.testing.assert_array_equal(fig.axes[0].get_lines()[0].get_ydata(), h.history["loss"])
    assert fig.axes[0].get_yscale() == "log"
    assert fig.axes[1].get_ylabel() == "r2"
    with pytest.raises(ValueError, match="'loss'"):
        viz.plot_loss_curve({"acc": [1]})


def test_confusion_matrix_image_and_counts(tmp_path):
    cm = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 9]])
    fig = viz.plot_confusion_matrix(cm, ["cat", "dog", "eel"], tmp_path / "cm.png")
    assert _is_png(tmp_path / "cm.png")
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), cm)
    texts = {(t.get_position(), t.get_text()) for t in ax.texts}
    assert texts == {((j, i), str(cm[i, j])) for i in range(3) for j in range(3)}
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "eel"]
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"
    with pytest.raises(ValueError, match="square"):
        viz.plot_confusion_matrix(np.ones((2, 3)))
    with pytest.raises(ValueError, match="2 labels for a 3x3"):
        viz.plot_confusion_matrix(cm, ["a", "b"])


def test_roc_curve_equals_sklearn(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    s = y + rng.normal(scale=0.8, size=200)
    fig = viz.plot_roc_curve(y, s, tmp_path / "roc.png")
    assert _is_png(tmp_path / "roc.png")
    curve = fig.axes[0].get_lines()[0]
    fpr, tpr, _ = roc_curve(y, s)
    np.testing.assert_allclose(curve.get_xdata(), fpr)
    np.testing.assert_allclose(curve.get_ydata(), tpr)
    label = fig.axes[0].get_legend().get_texts()[0].get_text()
    assert label == f"AUC = {roc_auc_score(y, s):.4f}"
    with pytest.raises(ValueError, match="both classes"):
        viz.plot_roc_curve(np.ones(5), np.arange(5))
    with pytest.raises(ValueError, match="5 labels but 4 scores"):
        viz.plot_roc_curve(np.r_[0, 1, 0, 1, 1], np.arange(4))


def test_decision_grid_follows_a_known_linear_boundary():
    # one logit z = x1 - x2: class 1 exactly where x1 > x2
    model = nn.Sequential(nn.Linear(2, 1))
    model[0].weight.numpy()[...] = [[1.0, -1.0]]
    model[0].bias.numpy()[...] = 0.0
    X = np.array([[0.0, 0.0], [1.0, 2.0], [3.0, 1.0]])
    xx, yy, classes = viz.decision_grid(model, X, resolution=41)
    off = np.abs(xx - yy) > 1e-6
    np.testing.assert_array_equal(classes[off], (xx > yy)[off])
    assert xx.min() == pytest.approx(-0.5) and yy.max() == pytest.approx(2.5)


def test_decision_grid_applies_the_preprocessing_and_argmax():
    # three outputs: class k where (scaled) x1 is near k - 1: arg-max of -(x1 - c_k)^2 ~ linear
    X = np.array([[0.0, 10.0], [50.0, 20.0], [100.0, 30.0]])
    pre = Preprocessor("minmax", task="classification").fit(X, [0, 1, 2])
    model = nn.Sequential(nn.Linear(2, 3))
    model[0].weight.numpy()[...] = [[-4.0, 0.0], [0.0, 0.0], [4.0, 0.0]]
    model[0].bias.numpy()[...] = [1.0, 0.0, -3.0]  # scores: 1-4s, 0, 4s-3 for s = x1 / 100
    xx, _, classes = viz.decision_grid(model, X, resolution=101, preprocessing=pre, margin=0)
    s = xx / 100
    expected = np.argmax(np.stack([1 - 4 * s, 0 * s, 4 * s - 3]), axis=0)
    clear = (np.abs(s - 0.25) > 0.02) & (np.abs(s - 0.75) > 0.02)
    np.testing.assert_array_equal(classes[clear], expected[clear])
    with pytest.raises(ValueError, match=r"needs 2-D inputs \(n, 2\)"):
        viz.decision_grid(model, np.zeros((3, 3)))


def test_plot_decision_boundary_writes_regions_and_samples(tmp_path):
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2))
    X, y = rb.data.gates("xor")
    fig = viz.plot_decision_boundary(model, X, y, tmp_path / "b.png", resolution=30)
    assert _is_png(tmp_path / "b.png")
    ax = fig.axes[0]
    offsets = ax.collections[-1].get_offsets()
    np.testing.assert_array_equal(np.asarray(offsets), X)
    assert model.training  # the mode is put back


def _mlp_and_torch():
    model = nn.Sequential(nn.Linear(3, 5), nn.Sigmoid(), nn.Linear(5, 4), nn.Sigmoid(),
                          nn.Linear(4, 2)).double()  # fmt: skip
    tm = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Sigmoid(), torch.nn.Linear(5, 4),
                             torch.nn.Sigmoid(), torch.nn.Linear(4, 2)).double()  # fmt: skip
    tm.load_state_dict({k: torch.tensor(v) for k, v in model.state_dict().items()})
    return model, tm


def test_layer_gradients_equal_torch_and_leave_grads_alone():
    model, tm = _mlp_and_torch()
    X = np.random.default_rng(0).normal(size=(16, 3))
    y = np.random.default_rng(1).integers(0, 2, 16)
    model[0].weight.grad = rb.full((5, 3), 7.0)
    grads = viz.layer_gradients(model, X, y, nn.CrossEntropyLoss())
    assert list(grads) == ["0.weight", "2.weight", "4.weight"]
    torch.nn.CrossEntropyLoss()(tm(torch.tensor(X)), torch.tensor(y)).backward()
    for name, g in grads.items():
        expected = dict(tm.named_parameters())[name].grad.numpy()
        np.testing.assert_allclose(g, expected, rtol=1e-10, atol=1e-14)
    np.testing.assert_array_equal(model[0].weight.grad, 7.0)
    assert model[2].weight.grad is None


def test_gradient_histograms_one_panel_per_weight(tmp_path):
    model, _ = _mlp_and_torch()
    X = np.random.default_rng(0).normal(size=(16, 3))
    y = np.random.default_rng(1).integers(0, 2, 16)
    fig = viz.plot_gradient_histograms(model, X, y, nn.CrossEntropyLoss(), tmp_path / "g.png")
    assert _is_png(tmp_path / "g.png")
    grads = viz.layer_gradients(model, X, y, nn.CrossEntropyLoss())
    assert len(fig.axes) == 3
    for ax, (name, g) in zip(fig.axes, grads.items()):
        assert ax.get_title().startswith(name)
        assert sum(p.get_height() for p in ax.patches) == g.size  # every weight counted
        rms = np.sqrt(np.mean(g**2))
        assert f"RMS {rms:.2e}" in ax.get_title()


def test_function_fit_draws_the_model_on_a_grid(tmp_path):
    model = nn.Sequential(nn.Linear(1, 6), nn.Tanh(), nn.Linear(6, 1))
    x = np.linspace(-2, 3, 25)
    fig = viz.plot_function_fit(x, np.sin(x), model, tmp_path / "f.png", target=np.sin)
    assert _is_png(tmp_path / "f.png")
    net, true = fig.axes[0].get_lines()
    grid = net.get_xdata()
    assert grid[0] == -2 and grid[-1] == 3
    with rb.no_grad():
        expected = model(rb.tensor(grid.reshape(-1, 1).astype(np.float32))).numpy()[:, 0]
    np.testing.assert_allclose(net.get_ydata(), expected, rtol=1e-6)
    np.testing.assert_allclose(true.get_ydata(), np.sin(grid))


def test_function_fit_undoes_the_target_scaling():
    x = np.linspace(0, 1, 10).reshape(-1, 1)
    y = 100 + 50 * x[:, 0]
    pre = Preprocessor("standard", task="regression", target_scaling="standard").fit(x, y)
    model = nn.Sequential(nn.Linear(1, 1))
    model[0].weight.numpy()[...] = 1.0  # in scaled units y_s = x_s, i.e. the exact line
    model[0].bias.numpy()[...] = 0.0
    fig = viz.plot_function_fit(x, y, model, preprocessing=pre)
    line = fig.axes[0].get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), 100 + 50 * line.get_xdata(), rtol=1e-5)
