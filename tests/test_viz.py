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
    for c, scatter in enumerate(ax.collections[1:]):  # one scatter per class, after the regions
        np.testing.assert_array_equal(np.asarray(scatter.get_offsets()), X[y == c])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["class 0", "class 1"]
    assert model.training  # the mode is put back


def _mlp_and_torch():
    model = nn.Sequential(nn.Linear(3, 5), nn.Sigmoid(), nn.Linear(5, 4), nn.Sigmoid(),
                          nn.Linear(4, 2)).double()  # fmt: skip
    tm = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Sigmoid(), torch.nn.Linear(5, 4),
                             torch.nn.Sigmoid(), torch.nn.Linear(4, 2)).double()  # fmt: skip
    tm.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in model.state_dict().items()})
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


# ============================================================================ Jupyter
def test_figures_display_themselves_in_jupyter():
    """IPython's own display formatter (what a notebook cell calls on its value) turns a
    returned figure into a PNG of the figure's size, with no %matplotlib magic."""
    formatters = pytest.importorskip("IPython.core.formatters")
    from matplotlib.figure import Figure

    fig = viz.plot_loss_curve({"loss": [3.0, 2.0, 1.0]})
    assert isinstance(fig, Figure)
    data, _ = formatters.DisplayFormatter().format(fig)
    png = data["image/png"]
    png = png if isinstance(png, bytes) else __import__("base64").b64decode(png)
    assert png[:8] == PNG
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (round(fig.get_figwidth() * 100), round(fig.get_figheight() * 100))


# ============================================================================ graph
def _graph_key(graph):
    return [n.name for n in graph.nodes], sorted((i, j) for i, j, _ in graph.edges)


def test_computation_graph_equals_torchs_graph():
    """The walk over grad_fn.next_functions finds the same nodes and edges in rosenblatt's
    graph as in torch's for the same expression (ops that both name alike)."""
    a0 = np.random.default_rng(0).normal(size=(2, 3))
    b0 = np.random.default_rng(1).normal(size=3)
    graphs = []
    for lib in (rb, torch):
        a = lib.tensor(a0, requires_grad=True)
        b = lib.tensor(b0, requires_grad=True)
        c = (a * b).sigmoid()
        out = ((c + a).tanh() * 2.0 - b.exp()).sum()
        graphs.append(viz.computation_graph(out))
    ours, theirs = graphs
    assert _graph_key(ours) == _graph_key(theirs)
    names = _graph_key(ours)[0]
    assert names[0] == "SumBackward0" and names.count("leaf") == 2 and len(names) == 10


def test_computation_graph_picture_of_the_concrete_example(tmp_path):
    """Deck 002's 2-2-1 network: the boxes are the recorded ops and the named parameters,
    one arrow per edge, each leaf's edge carries its shape and the gradients written in the
    leaves equal torch's."""
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid()).double()
    state = {"0.weight": [[0.1, 0.2], [0.3, 0.4]], "0.bias": [0.5, 0.5], "2.weight": [[0.5, 0.6]],
             "2.bias": [0.5]}  # fmt: skip
    model.load_state_dict({k: np.array(v) for k, v in state.items()})
    loss = ((model(rb.tensor([[0.2, 0.3]], dtype=np.float64)) - 0.0) ** 2).sum()
    loss.backward()
    fig = viz.plot_computation_graph(loss, model, tmp_path / "g.png", show_grad=True)
    assert _is_png(tmp_path / "g.png")
    graph = viz.computation_graph(loss, model)
    ax = fig.axes[0]
    boxes = [t.get_text() for t in ax.texts if t.get_gid() == "node"]
    assert [b.split("\n")[0] for b in boxes] == [n.name for n in graph.nodes]
    assert {n.name for n in graph.nodes if n.kind == "leaf"} == set(state)
    assert [n.name for n in graph.nodes if n.kind == "op"].count("LinearBackward0") == 2
    assert sum(t.get_gid() == "edge" for t in ax.texts) == len(graph.edges) == 10
    for i, _, shape in graph.edges:
        if graph.nodes[i].kind == "leaf":
            assert shape == tuple(graph.nodes[i].tensor.shape)
    tmodel = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Sigmoid(), torch.nn.Linear(2, 1),
                                 torch.nn.Sigmoid()).double()  # fmt: skip
    tmodel.load_state_dict({k: torch.tensor(v, dtype=torch.float64) for k, v in state.items()})
    (tmodel(torch.tensor([[0.2, 0.3]], dtype=torch.float64)) ** 2).sum().backward()
    for name, p in tmodel.named_parameters():
        expected = np.array2string(p.grad.numpy().ravel(), precision=3, separator=" ")
        box = next(b for b in boxes if b.startswith(name + "\n"))
        assert box.endswith("grad " + expected)
    assert any(t.get_text() == "output () = 0.5957" for t in ax.texts)  # the deck prints 0.60


def test_computation_graph_names_leaves_from_a_dict():
    W = rb.tensor(np.ones((2, 2)), requires_grad=True)
    b = rb.tensor(np.zeros(2), requires_grad=True)
    x = rb.tensor(np.ones((1, 2)), requires_grad=True)
    graph = viz.computation_graph(((x @ W) + b).sum(), {"W": W, "b": b})
    assert sorted(n.name for n in graph.nodes if n.kind == "leaf") == ["W", "b", "leaf"]


def test_computation_graph_needs_a_graph():
    with pytest.raises(ValueError, match="does not require grad"):
        viz.plot_computation_graph(rb.tensor([1.0, 2.0]).sum())


# ============================================================================ decision regions
def test_decision_grid_of_sklearn_estimators_equals_their_predict():
    from sklearn.datasets import make_blobs
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    X, y = make_blobs(120, centers=3, random_state=0)
    labels = np.array(["ant", "bee", "cat"])[y]
    clf = LogisticRegression().fit(X, labels)
    xx, yy, codes = viz.decision_grid(clf, X, resolution=40)
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    np.testing.assert_array_equal(clf.classes_[codes.ravel()], clf.predict(grid))
    fig = viz.plot_decision_regions(clf, X, labels, resolution=40)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["class ant", "class bee", "class cat"]
    svm = LinearSVC().fit(X, y == 1)  # only decision_function would do too; predict wins
    _, _, codes = viz.decision_grid(svm, X, resolution=30)
    xx, yy, _ = viz.decision_grid(svm, X, resolution=30)
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    np.testing.assert_array_equal(codes.ravel(), svm.predict(grid).astype(int))


def test_decision_grid_of_a_decision_function_only_and_rb_estimators():
    class Plane:  # scores s = x1 + 2 x2 - 1: class 1 where s > 0
        def decision_function(self, X):
            return X[:, 0] + 2 * X[:, 1] - 1

    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, -1.0]])
    xx, yy, codes = viz.decision_grid(Plane(), X, resolution=31)
    s = xx + 2 * yy - 1
    clear = np.abs(s) > 1e-9
    np.testing.assert_array_equal(codes[clear], (s > 0)[clear])
    Xo, yo = rb.data.gates("or")
    p = rb.models.Perceptron(eta0=0.5, shuffle=False).fit(Xo, yo)
    xx, yy, codes = viz.decision_grid(p, Xo, resolution=25)
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    np.testing.assert_array_equal(p.classes_[codes.ravel()], p.predict(grid))
    with pytest.raises(TypeError, match="neither a module nor an estimator"):
        viz.decision_grid(object(), X)
    with pytest.raises(ValueError, match="does not hold"):
        viz.plot_decision_boundary(p, Xo, np.array(["a", "b", "b", "b"]))


# ============================================================================ perceptron
def test_perceptron_run_of_the_decks_or_example(tmp_path):
    """Matteucci: OR from w = [1 1 1], eta = 0.5, ends at h_OR(-1/2 + x1 + x2) after three
    updates (each on the record (0, 0)); scikit-learn's Perceptron ends at the same w."""
    from sklearn.linear_model import Perceptron

    from rosenblatt.demos.lessons import perceptron_run

    X, t = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]), np.array([-1, 1, 1, 1])
    run = perceptron_run(X, t, 0.5, [1, 1, 1])
    expected = [[1, 1, 1], [0.5, 1, 1], [0, 1, 1], [-0.5, 1, 1]]
    np.testing.assert_array_equal(run.weights, expected)
    assert run.updates == [(1, 0), (2, 0), (3, 0)] and run.errors_per_epoch == [1, 1, 1, 0]
    sk = Perceptron(eta0=0.5, shuffle=False, tol=None, max_iter=5)
    sk.fit(X, t, coef_init=np.array([[1.0, 1.0]]), intercept_init=np.array([1.0]))
    np.testing.assert_array_equal(np.r_[sk.intercept_, sk.coef_[0]], run.weights[-1])
    fig = viz.plot_perceptron_run(run, tmp_path / "or.png")
    assert _is_png(tmp_path / "or.png")
    for ax, w in zip(fig.axes, run.weights):
        line = ax.get_lines()[0]
        x1, x2 = line.get_xdata(), line.get_ydata()
        np.testing.assert_allclose(w[0] + w[1] * x1 + w[2] * x2, 0, atol=1e-12)
        assert str(np.round(w, 3).tolist()) in ax.get_title()
    bars = fig.axes[len(run.weights)].patches
    assert [b.get_height() for b in bars] == [1, 1, 1, 0]
    assert "3 updates, converged" in fig._suptitle.get_text()


def test_perceptron_run_on_xor_cycles_and_never_separates():
    """XOR is not linearly separable: every weight vector the rule visits misclassifies a
    record (checked by brute force), so no epoch is error-free and from w = 0 the weights
    come back to 0 after every epoch (the cycling of the perceptron)."""
    from rosenblatt.demos.lessons import perceptron_run

    X, t = rb.data.gates("xor", signed=True)
    run = perceptron_run(X, t, 0.5, max_epochs=6)
    assert not run.converged and all(e > 0 for e in run.errors_per_epoch)
    Xa = np.hstack([np.ones((4, 1)), X])
    for w in run.weights:
        assert np.any(np.asarray(t) * (Xa @ w) <= 0)
    per_epoch = len(run.weights[1:]) // 6
    for k in range(0, len(run.weights), per_epoch):
        np.testing.assert_array_equal(run.weights[k], 0.0)
    fig = viz.plot_perceptron_run(run, max_panels=5)
    assert len([a for a in fig.axes if a.get_lines()]) == 5
    assert "did not converge" in fig._suptitle.get_text()


# ============================================================================ universal approximation
def test_universal_approximation_fits_are_least_squares_sums_of_ramps(tmp_path):
    from rosenblatt.demos.lessons import relu_units_fit

    f, interval = (lambda x: x * np.sin(x)), (-4.0, 4.0)
    fig = viz.plot_universal_approximation(f, interval, path=tmp_path / "ua.png")
    assert _is_png(tmp_path / "ua.png")
    rms = []
    for ax, n in zip(fig.axes, (1, 2, 3, 6, 13)):
        fit = relu_units_fit(f, n, interval)
        lines = ax.get_lines()
        x = lines[0].get_xdata()
        state = {k: np.asarray(v) for k, v in fit.model.state_dict().items()}
        ramps = state["2.weight"][0] * np.maximum(
            x[:, None] * state["0.weight"][:, 0] + state["0.bias"], 0
        )
        np.testing.assert_allclose(lines[0].get_ydata(), ramps.sum(1), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(lines[1].get_ydata(), f(x))
        assert len(lines) == 2 + n
        for line, ramp in zip(lines[2:], ramps.T):
            np.testing.assert_allclose(line.get_ydata(), ramp, atol=1e-12)
        # least squares: the residual is orthogonal to every ReLU feature (normal equations)
        xs = np.linspace(*interval, 200)
        phi = np.maximum(xs[:, None] + fit.b, 0)
        np.testing.assert_allclose(phi.T @ (phi @ fit.w - f(xs)), 0, atol=1e-8)
        rms.append(np.sqrt(np.mean((ramps.sum(1) - f(x)) ** 2)))
    np.testing.assert_allclose(fig.axes[5].get_lines()[0].get_ydata(), rms)
    assert rms[4] < rms[3] < rms[2] and rms[4] < 0.05
    viz.plot_universal_approximation(f, interval, units=(2, 4), path=tmp_path / "ua.svg")
    assert b"<svg" in (tmp_path / "ua.svg").read_bytes()[:1000]  # SVG by the extension


# ============================================================================ vanishing gradients
def test_gradient_flow_rms_equals_torch(tmp_path):
    model, tm = _mlp_and_torch()
    X = np.random.default_rng(0).normal(size=(16, 3))
    y = np.random.default_rng(1).integers(0, 2, 16)
    fig = viz.plot_gradient_flow({"mlp": model}, X, y, nn.CrossEntropyLoss(), tmp_path / "f.png")
    assert _is_png(tmp_path / "f.png")
    torch.nn.CrossEntropyLoss()(tm(torch.tensor(X)), torch.tensor(y)).backward()
    rms = [float(np.sqrt(np.mean(tm[i].weight.grad.numpy() ** 2))) for i in (0, 2, 4)]
    line = fig.axes[-1].get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), rms, rtol=1e-10)
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
    assert len(fig.axes[0].patches) == 3  # one step histogram per layer


def test_vanishing_gradients_in_a_deep_sigmoid_net_not_with_relu_and_he():
    from rosenblatt.demos.lessons import deep_mlp

    rb.manual_seed(0)
    X, y = rb.data.make_moons(128, noise=0.1, random_state=0)
    flows = viz.gradient_flow(
        {"sigmoid": deep_mlp(8, 32, "sigmoid"), "relu": deep_mlp(8, 32, "relu", "he")},
        X, y, nn.CrossEntropyLoss(),
    )  # fmt: skip
    ratio = {}
    for name, grads in flows.items():
        rms = [np.sqrt(np.mean(g.astype(np.float64) ** 2)) for g in grads.values()]
        assert len(rms) == 8
        ratio[name] = rms[0] / rms[-1]
    assert ratio["sigmoid"] < 1e-3  # each sigmoid layer multiplies by sigma' <= 1/4
    assert ratio["relu"] > 0.05


# ============================================================================ optimizers
def _torch_path(J, start, make, steps, closure_based=False):
    w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = make([w])

    def closure():
        opt.zero_grad()
        loss = J(w)
        loss.backward()
        return loss

    path = [w.detach().numpy().copy()]
    for _ in range(steps):
        if closure_based:
            opt.step(closure)
        else:
            closure()
            opt.step()
        path.append(w.detach().numpy().copy())
    return np.array(path)


def test_optimizer_paths_equal_torch_optim_and_are_drawn(tmp_path):
    from rosenblatt import optim
    from rosenblatt.demos.lessons import optimizer_paths

    def J(w):  # Rosenbrock with b = 10, on rb tensors, torch tensors and (2, m) grids
        return (1 - w[0]) ** 2 + 10 * (w[1] - w[0] ** 2) ** 2

    start = [-1.5, 2.0]
    pairs = {
        "GD": (lambda p: optim.SGD(p, lr=0.01), lambda p: torch.optim.SGD(p, lr=0.01)),
        "momentum": (lambda p: optim.SGD(p, lr=0.01, momentum=0.9),
                     lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9)),
        "AdaGrad": (lambda p: optim.Adagrad(p, lr=0.3), lambda p: torch.optim.Adagrad(p, lr=0.3)),
        "RMSProp": (lambda p: optim.RMSprop(p, lr=0.01), lambda p: torch.optim.RMSprop(p, lr=0.01)),
        "Adam": (lambda p: optim.Adam(p, lr=0.1), lambda p: torch.optim.Adam(p, lr=0.1)),
    }  # fmt: skip
    paths = optimizer_paths(J, start, {k: v[0] for k, v in pairs.items()}, steps=40)
    for name, (_, make) in pairs.items():
        np.testing.assert_allclose(
            paths[name], _torch_path(J, start, make, 40), rtol=1e-10, atol=1e-12
        )
    lbfgs = optimizer_paths(
        J, start, {"L-BFGS": lambda p: optim.LBFGS(p, line_search_fn="strong_wolfe")}, 3
    )
    expected = _torch_path(
        J, start, lambda p: torch.optim.LBFGS(p, line_search_fn="strong_wolfe"), 3, True
    )
    np.testing.assert_allclose(lbfgs["L-BFGS"], expected, rtol=1e-7, atol=1e-9)
    fig = viz.plot_loss_surface(J, paths, tmp_path / "s.png")
    assert _is_png(tmp_path / "s.png")
    ax = fig.axes[0]
    for line, (name, p) in zip(ax.get_lines(), paths.items()):
        np.testing.assert_array_equal(line.get_xydata(), p)
        assert line.get_label() == f"{name}: J = {J(p[-1]):.3g}"


def test_newton_path_on_a_quadratic_lands_on_the_minimum_in_one_step():
    from rosenblatt import optim
    from rosenblatt.demos.lessons import optimizer_paths

    def J(w):  # 1/2 w'Aw - b'w with A = [[3, 1], [1, 2]], b = (1, -1)
        return 1.5 * w[0] ** 2 + w[0] * w[1] + w[1] ** 2 - w[0] + w[1]

    paths = optimizer_paths(J, [4.0, -3.0], {"Newton": lambda p: optim.Newton(p)}, steps=2)
    minimum = np.linalg.solve([[3.0, 1.0], [1.0, 2.0]], [1.0, -1.0])
    np.testing.assert_allclose(paths["Newton"][1:], [minimum, minimum], atol=1e-12)


# ============================================================================ adversarial
def test_fgsm_perturbation_equals_eps_sign_of_torchs_input_gradient(tmp_path):
    from rosenblatt.demos.lessons import fgsm

    rb.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 12), nn.Tanh(), nn.Linear(12, 3)).double()
    tm = torch.nn.Sequential(
        torch.nn.Linear(16, 12), torch.nn.Tanh(), torch.nn.Linear(12, 3)
    ).double()
    tm.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in model.state_dict().items()})
    rng = np.random.default_rng(0)
    X, y = rng.uniform(0, 1, size=(40, 16)), rng.integers(0, 3, 40)
    xt = torch.tensor(X, requires_grad=True)
    torch.nn.functional.cross_entropy(tm(xt), torch.tensor(y)).backward()
    for eps in (0.05, 0.3):
        x_adv = fgsm(model, X, y, eps)
        np.testing.assert_array_equal(x_adv, X + eps * np.sign(xt.grad.numpy()))
        clipped = fgsm(model, X, y, eps, clip=(0.0, 1.0))
        np.testing.assert_array_equal(clipped, np.clip(X + eps * np.sign(xt.grad.numpy()), 0, 1))
    assert model[0].weight.grad is None  # the model's gradients are left alone
    epsilons = [0.0, 0.1, 0.5]
    fig = viz.plot_adversarial(model, X[0], y[0], 0.1, tmp_path / "a.png", image_shape=(4, 4),
                               epsilons=epsilons, X_test=X, y_test=y)  # fmt: skip
    assert _is_png(tmp_path / "a.png")
    x0 = torch.tensor(X[:1], requires_grad=True)
    torch.nn.functional.cross_entropy(tm(x0), torch.tensor(y[:1])).backward()
    delta = 0.1 * np.sign(x0.grad.numpy()[0])
    images = [np.asarray(ax.images[0].get_array()) for ax in fig.axes[:3]]
    np.testing.assert_allclose(images[0], X[0].reshape(4, 4))
    np.testing.assert_allclose(images[1], delta.reshape(4, 4), atol=1e-12)
    np.testing.assert_allclose(images[2], (X[0] + delta).reshape(4, 4))
    accuracy = []
    for eps in epsilons:  # the curve: torch's accuracy on its own FGSM inputs
        xt = torch.tensor(X, requires_grad=True)
        torch.nn.functional.cross_entropy(tm(xt), torch.tensor(y)).backward()
        with torch.no_grad():
            pred = tm(xt + eps * xt.grad.sign()).argmax(1).numpy()
        accuracy.append(np.mean(pred == y))
    np.testing.assert_allclose(fig.axes[3].get_lines()[0].get_ydata(), accuracy)


# ============================================================================ displays
def _drawn_regions(fig):
    """The class whose filled region (a band of the DecisionBoundaryDisplay's contourf,
    read back from the figure's paths) holds each grid point; -1 where none or several."""
    display = fig.display_
    points = np.column_stack([display.xx0.ravel(), display.xx1.ravel()])
    inside = np.array([p.contains_points(points) for p in display.surface_.get_paths()])
    drawn = np.where(inside.sum(0) == 1, inside.argmax(0), -1)
    return drawn.reshape(display.xx0.shape)


def _clear_of_the_boundary(codes):
    """Interior grid points whose four neighbours have the same class: the contour between
    classes passes between grid points, so these lie inside their class's region."""
    c = codes[1:-1, 1:-1]
    same = (c == codes[:-2, 1:-1]) & (c == codes[2:, 1:-1])
    same &= (c == codes[1:-1, :-2]) & (c == codes[1:-1, 2:])
    mask = np.zeros(codes.shape, dtype=bool)
    mask[1:-1, 1:-1] = same
    return mask


def _blobs(centers=3):
    from sklearn.datasets import make_blobs

    X, y = make_blobs(150, centers=centers, cluster_std=1.5, random_state=0)
    return X, np.array(["ant", "bee", "cat", "dog"])[y]


def _check_regions_equal_predict(fig, predicted_labels, classes):
    """The display's response is the index of predict's label at every grid point, and
    the filled regions drawn are where it says; the legend names the classes, each in the
    colour of its region."""
    display = fig.display_
    grid = np.column_stack([display.xx0.ravel(), display.xx1.ravel()])
    expected = np.searchsorted(classes, predicted_labels(grid)).reshape(display.xx0.shape)
    np.testing.assert_array_equal(display.response, expected)
    assert len(np.unique(expected)) == len(classes)  # every class has a region
    clear = _clear_of_the_boundary(expected)
    assert clear.mean() > 0.8
    np.testing.assert_array_equal(_drawn_regions(fig)[clear], expected[clear])
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [f"class {c}" for c in classes]
    bands = display.surface_.get_facecolor()[:, :3]
    for k, handle in enumerate(legend.legend_handles):
        np.testing.assert_allclose(handle.get_facecolor()[0][:3], bands[k])


@pytest.mark.parametrize("centers", [2, 3])
def test_decision_regions_of_an_nn_sequential_equal_its_argmax(centers):
    """A module's regions: arg-max of its outputs (one logit: class 1 where z > 0), with
    the classes the sorted labels of y."""
    rb.manual_seed(0)
    X, y = _blobs(centers)
    classes = np.unique(y)
    width = 1 if centers == 2 else centers
    t = np.searchsorted(classes, y)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, width)).double()
    loss = nn.CrossEntropyLoss()
    if width == 1:
        t, loss = t.reshape(-1, 1).astype(np.float64), nn.BCEWithLogitsLoss()
    optimizer = rb.optim.Adam(model.parameters(), lr=0.05)
    rb.fit(model, X, t, loss=loss, optimizer=optimizer, epochs=30, batch_size=None, verbose=0)
    tm = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, width))
    tm = tm.double()
    tm.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in model.state_dict().items()})

    def predict(grid):  # torch's outputs: z > 0, or the arg-max
        with torch.no_grad():
            z = tm(torch.tensor(grid)).numpy()
        return classes[(z[:, 0] > 0).astype(int) if width == 1 else z.argmax(1)]

    fig = viz.plot_decision_boundary(model, X, y, resolution=80)
    _check_regions_equal_predict(fig, predict, classes)


def test_decision_regions_of_rb_estimators_equal_predict_and_sklearns_display():
    """Perceptron, LogisticRegression, LDA, QDA and MLPClassifier of rb.models and
    scikit-learn's LogisticRegression: the regions are predict's classes on the grid, the
    grid and response those of scikit-learn's DecisionBoundaryDisplay.from_estimator."""
    import warnings

    from matplotlib.figure import Figure
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.inspection import DecisionBoundaryDisplay
    from sklearn.linear_model import LogisticRegression

    estimators = [
        (2, rb.models.Perceptron(random_state=0)),  # two classes only
        (2, rb.models.Adaline(random_state=0)),
        (3, rb.models.LogisticRegression()),
        (3, rb.models.LinearDiscriminantAnalysis()),
        (3, rb.models.QuadraticDiscriminantAnalysis()),
        (3, rb.models.MLPClassifier((8,), solver="lbfgs", random_state=0)),
        (3, LogisticRegression()),
    ]
    for centers, est in estimators:
        X, y = _blobs(centers)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X, y)
        fig = viz.plot_decision_boundary(est, X, y, resolution=60)
        _check_regions_equal_predict(fig, est.predict, est.classes_)
        theirs = DecisionBoundaryDisplay.from_estimator(
            est, X, grid_resolution=60, eps=0.5, response_method="predict", ax=Figure().subplots()
        )
        ours = fig.display_
        np.testing.assert_array_equal(ours.xx0, theirs.xx0)
        np.testing.assert_array_equal(ours.xx1, theirs.xx1)
        np.testing.assert_array_equal(ours.response, theirs.response)


def test_decision_regions_of_an_anomaly_detector_and_preprocessing():
    """An outlier detector predicts -1 for an anomaly: class 1 of 0/1 labels. With
    preprocessing the model sees the transformed grid, the axes stay in raw units."""
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(200, 2)), rng.uniform(-6, 6, size=(20, 2))])
    y = np.r_[np.zeros(200, int), np.ones(20, int)]
    det = rb.models.AutoencoderAnomalyDetector((2,), max_iter=20, random_state=0)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        det.fit(X[:200])
    fig = viz.plot_decision_boundary(det, X, y, resolution=50, class_names=["normal", "anomaly"])
    grid = np.column_stack([fig.display_.xx0.ravel(), fig.display_.xx1.ravel()])
    expected = (det.predict(grid) == -1).reshape(fig.display_.xx0.shape)
    np.testing.assert_array_equal(fig.display_.response, expected)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["class normal", "class anomaly"]
    pre = Preprocessor("standard", task="classification").fit(100 * X, y)
    lr = rb.models.LogisticRegression().fit(pre.transform(100 * X), y)
    fig = viz.plot_decision_boundary(lr, 100 * X, y, preprocessing=pre, resolution=40)
    grid = np.column_stack([fig.display_.xx0.ravel(), fig.display_.xx1.ravel()])
    assert grid[:, 0].max() == pytest.approx(100 * X[:, 0].max() + 0.5)
    np.testing.assert_array_equal(fig.display_.response.ravel(), lr.predict(pre.transform(grid)))


def _curves(fig):
    return [(line.get_xdata(), line.get_ydata()) for line in fig.axes[0].get_lines()]


def test_roc_curves_of_models_equal_sklearns_roc_curve_of_their_scores():
    """With X the scores are the model's: predict_proba (one-vs-rest for three classes), a
    module's sigmoid or softmax (scipy's as the oracle), a detector's anomaly score."""
    from scipy.special import expit, softmax

    X, y = _blobs(3)
    lr = rb.models.LogisticRegression().fit(X, y)
    fig = viz.plot_roc_curve(y, lr, X=X)
    p = lr.predict_proba(X)
    assert len(fig.axes[0].get_lines()) == 4  # three classes and chance
    for (fpr, tpr), c in zip(_curves(fig), range(3)):
        expected = roc_curve(y == lr.classes_[c], p[:, c])
        np.testing.assert_array_equal(fpr, expected[0])
        np.testing.assert_array_equal(tpr, expected[1])
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == [
        f"{c} vs rest: AUC = {roc_auc_score(y == c, p[:, k]):.4f}"
        for k, c in enumerate(lr.classes_)
    ] + ["chance"]
    assert isinstance(fig.display_, list) and len(fig.display_) == 3

    rb.manual_seed(0)
    two = y != "cat"
    model = nn.Sequential(nn.Linear(2, 1)).double()
    fig = viz.plot_roc_curve(y[two], model, X=X[two])
    z = X[two] @ np.asarray(model[0].weight.numpy()).T[:, 0] + np.asarray(model[0].bias.numpy())
    fpr, tpr, _ = roc_curve(y[two] == "bee", expit(z))
    np.testing.assert_allclose(_curves(fig)[0][0], fpr)
    np.testing.assert_allclose(_curves(fig)[0][1], tpr)
    model = nn.Sequential(nn.Linear(2, 3)).double()
    fig = viz.plot_roc_curve(y, model, X=X)
    z = X @ np.asarray(model[0].weight.numpy()).T + np.asarray(model[0].bias.numpy())
    for (f, t), c in zip(_curves(fig), range(3)):
        fpr, tpr, _ = roc_curve(y == np.unique(y)[c], softmax(z, axis=1)[:, c])
        np.testing.assert_allclose(f, fpr)
        np.testing.assert_allclose(t, tpr)

    rng = np.random.default_rng(0)
    Xd = np.vstack([rng.normal(size=(200, 2)), rng.uniform(-6, 6, size=(20, 2))])
    yd = np.r_[np.zeros(200, int), np.ones(20, int)]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        det = rb.models.AutoencoderAnomalyDetector((2,), max_iter=20, random_state=0)
        det.fit(Xd[:200])
    fig = viz.plot_roc_curve(yd, det, X=Xd)
    fpr, tpr, _ = roc_curve(yd, det.anomaly_score(Xd))
    np.testing.assert_array_equal(_curves(fig)[0][0], fpr)
    np.testing.assert_array_equal(_curves(fig)[0][1], tpr)
    fig = viz.plot_roc_curve(np.where(yd == 1, -1, 1), det, X=Xd)  # sklearn's -1 = outlier
    fpr, tpr, _ = roc_curve(np.where(yd == 1, -1, 1), det.decision_function(Xd))
    np.testing.assert_array_equal(_curves(fig)[0][0], fpr)


def test_roc_curve_of_string_labels_and_a_score_matrix():
    rng = np.random.default_rng(1)
    y = np.array(["no", "yes"])[rng.integers(0, 2, 100)]
    s = (y == "yes") + rng.normal(size=100)
    fig = viz.plot_roc_curve(y, s)  # positive: the greater label
    fpr, tpr, _ = roc_curve(y, s, pos_label="yes")
    np.testing.assert_array_equal(_curves(fig)[0][0], fpr)
    fig = viz.plot_roc_curve(y, -s, pos_label="no")
    fpr, _, _ = roc_curve(y, -s, pos_label="no")
    np.testing.assert_array_equal(_curves(fig)[0][0], fpr)
    fig = viz.plot_roc_curve(y, np.column_stack([-s, s]))  # two columns: column 1 positive
    fpr, _, _ = roc_curve(y, s, pos_label="yes")
    np.testing.assert_array_equal(_curves(fig)[0][0], fpr)
    with pytest.raises(ValueError, match="3 score columns but 2 classes"):
        viz.plot_roc_curve(y, np.ones((100, 3)), class_names=["a", "b"])


def test_confusion_matrix_of_models_equals_sklearns():
    """With X and y the counts are the model's predictions against y, cell by cell as
    scikit-learn's confusion_matrix; a module's output k is the k-th label of y."""
    from sklearn.metrics import confusion_matrix

    X, y = _blobs(3)
    lda = rb.models.LinearDiscriminantAnalysis().fit(X, y)
    fig = viz.plot_confusion_matrix(lda, X=X, y=y)
    cm = confusion_matrix(y, lda.predict(X), labels=lda.classes_)
    ax = fig.axes[0]
    texts = {(t.get_position(), t.get_text()) for t in ax.texts}
    assert texts == {((j, i), str(cm[i, j])) for i in range(3) for j in range(3)}
    np.testing.assert_array_equal(fig.display_.confusion_matrix, cm)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(lda.classes_)
    rb.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3)).double()
    fig = viz.plot_confusion_matrix(model, ["a", "b", "c"], X=X, y=y)
    z = X @ np.asarray(model[0].weight.numpy()).T + np.asarray(model[0].bias.numpy())
    cm = confusion_matrix(y, np.unique(y)[z.argmax(1)], labels=np.unique(y))
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), cm)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="needs the true labels"):
        viz.plot_confusion_matrix(model, X=X)
    with pytest.raises(ValueError, match=r"labels \['eel'\] that y does not hold"):
        viz.plot_confusion_matrix(lda, X=X[:2], y=["ant", "eel"])


def test_loss_curve_of_estimators_and_a_history():
    import warnings

    from sklearn.neural_network import MLPClassifier

    X, y = _blobs(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = MLPClassifier((4,), max_iter=7, random_state=0).fit(X, y)  # no history
        ours = rb.models.MLPClassifier((4,), max_iter=7, random_state=0).fit(X, y)
    for est in (theirs, ours):
        line = viz.plot_loss_curve(est).axes[0].get_lines()[0]
        np.testing.assert_array_equal(line.get_ydata(), est.loss_curve_)
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 8))
    with pytest.raises(ValueError, match="loss_curve_"):
        viz.plot_loss_curve(MLPClassifier())  # not fitted


def test_class_scores_are_the_ops_sigmoid_and_softmax():
    from scipy.special import expit, softmax

    z = np.array([[-800.0], [-3.0], [0.0], [2.5], [800.0]])
    np.testing.assert_allclose(viz._class_scores(z), np.column_stack([expit(-z), expit(z)]))
    Z = np.array([[1000.0, 0.0, -1000.0], [0.1, 0.2, 0.3]])
    np.testing.assert_allclose(viz._class_scores(Z), softmax(Z, axis=1))


def test_a_figure_pickles_with_its_display():
    import pickle

    X, y = _blobs(2)
    fig = viz.plot_decision_boundary(rb.models.LogisticRegression().fit(X, y), X, y, resolution=20)
    copy = pickle.loads(pickle.dumps(fig))
    assert type(copy).__name__ == "ReprFigure" and copy._repr_png_()[:8] == PNG
    np.testing.assert_array_equal(copy.display_.response, fig.display_.response)
