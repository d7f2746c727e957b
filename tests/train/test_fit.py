"""rb.fit: learning on digits, History, batch modes, validation, penalties -- against PyTorch
running the same updates on the same batches, scikit-learn's metrics, and hand formulas."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _train_helpers import mlp, weights
from sklearn import metrics as skm

import rosenblatt as rb
from rosenblatt import nn


# ---------------------------------------------------------------------- oracles
def torch_copy(model: nn.Sequential) -> torch.nn.Sequential:
    """The same architecture in PyTorch, with the same weights (float64 for a tight oracle)."""
    acts = {nn.ReLU: torch.nn.ReLU, nn.Tanh: torch.nn.Tanh, nn.Sigmoid: torch.nn.Sigmoid}
    layers = []
    for m in model:
        if isinstance(m, nn.Linear):
            layers.append(torch.nn.Linear(m.in_features, m.out_features))
        else:
            layers.append(acts[type(m)]())
    tm = torch.nn.Sequential(*layers).double()
    tm.load_state_dict({k: torch.tensor(v, dtype=torch.float64) for k, v in weights(model).items()})
    return tm


def batch_orders(n: int, batch_size: int | None, epochs: int) -> list[list[np.ndarray]]:
    """The batches rb.fit will use: a permutation per epoch from rb's generator, drawn from a
    copy of its current state (no permutation when one batch covers the data)."""
    g = np.random.default_rng()
    g.bit_generator.state = rb.get_rng().bit_generator.state
    bs = n if batch_size is None else batch_size
    out = []
    for _ in range(epochs):
        order = g.permutation(n) if bs < n else np.arange(n)
        out.append([order[a : a + bs] for a in range(0, n, bs)])
    return out


def torch_sgd_run(tm, X, y, batches, lr, loss_fn, l1=0.0, l2=0.0):
    """Plain SGD in PyTorch on the given batches; returns per-epoch weighted mean of the batch
    loss (data + penalty) and the outputs seen per epoch."""
    opt = torch.optim.SGD(tm.parameters(), lr=lr)
    Xt = torch.tensor(X, dtype=torch.float64)
    yt = torch.tensor(y)
    if yt.is_floating_point():
        yt = yt.double()
    losses, outputs = [], []
    for epoch in batches:
        total, outs = 0.0, []
        for idx in epoch:
            out = tm(Xt[idx])
            loss = loss_fn(out, yt[idx])
            for name, p in tm.named_parameters():
                if p.ndim >= 2:
                    loss = loss + l1 * p.abs().sum() + l2 * (p * p).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            outs.append((idx, out.detach().numpy()))
        losses.append(total / len(X))
        outputs.append(outs)
    return losses, outputs


# ---------------------------------------------------------------------- learning
def test_digits_mlp_reaches_97_percent(digits):
    X_tr, X_te, y_tr, y_te = digits
    model = mlp(64, 64, 10)
    history = rb.fit(model, X_tr, y_tr, epochs=40, batch_size=32, verbose=0)  # Adam(1e-3)
    with rb.no_grad():
        pred = model(rb.tensor(X_te)).numpy().argmax(axis=1)
    acc = skm.accuracy_score(y_te, pred)
    assert acc >= 0.97, acc
    assert history.history["loss"][-1] < history.history["loss"][0] / 10


@pytest.mark.parametrize("batch_size", [None, 1, 7, 32])
def test_updates_and_loss_history_equal_torch_sgd(blobs, batch_size):
    X, y = blobs
    X, y = X[:40], y[:40]
    model = mlp(4, 6, 3, act=nn.Tanh)
    tm = torch_copy(model)
    epochs = 3
    batches = batch_orders(len(X), batch_size, epochs)
    opt = rb.optim.SGD(model.parameters(), lr=0.05)
    h = rb.fit(model, X, y, nn.CrossEntropyLoss(), opt, epochs, batch_size, verbose=0)
    losses, outputs = torch_sgd_run(tm, X, y, batches, 0.05, torch.nn.CrossEntropyLoss())
    np.testing.assert_allclose(h.history["loss"], losses, rtol=2e-5)
    # running accuracy over the epoch = accuracy of the outputs each batch saw
    for e, outs in enumerate(outputs):
        hits = sum(int((o.argmax(1) == y[idx]).sum()) for idx, o in outs)
        assert h.history["accuracy"][e] == hits / len(X)
    for k, v in weights(model).items():
        np.testing.assert_allclose(v, tm.state_dict()[k].numpy(), atol=2e-5, rtol=1e-4)
    steps = 1 if batch_size is None else -(-40 // batch_size)
    assert h.params["steps"] == steps
    assert h.params["samples"] == 40


def test_history_shape_and_keys(blobs):
    X, y = blobs
    h = rb.fit(mlp(4, 8, 3), X, y, epochs=5, validation_split=0.25, verbose=0)
    assert isinstance(h, rb.History)
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 5 for v in h.history.values())
    assert all(isinstance(x, float) for v in h.history.values() for x in v)
    assert h.epoch == [0, 1, 2, 3, 4]
    assert h.params["epochs"] == 5 and h.params["samples"] == 90
    assert h.params["validation_samples"] == 30
    assert h.interrupted is False and h.diverged is None


def test_validation_split_takes_the_last_fraction(blobs):
    X, y = blobs
    rb.manual_seed(3)
    h1 = rb.fit(mlp(4, 8, 3), X, y, epochs=3, validation_split=0.2, verbose=0)
    rb.manual_seed(3)
    m2 = mlp(4, 8, 3)
    h2 = rb.fit(m2, X[:96], y[:96], epochs=3, validation_data=(X[96:], y[96:]), verbose=0)
    assert h1.history == h2.history


def test_validation_metrics_use_final_weights_in_eval_mode(blobs):
    X, y = blobs
    model = mlp(4, 8, 3, dropout=0.5)
    h = rb.fit(model, X[:80], y[:80], epochs=3, validation_data=(X[80:], y[80:]), verbose=0)
    model.eval()
    with rb.no_grad():
        out = model(rb.tensor(X[80:]))
        loss = nn.CrossEntropyLoss()(out, rb.tensor(y[80:])).item()
    assert h.history["val_loss"][-1] == pytest.approx(loss, rel=1e-6)
    assert h.history["val_accuracy"][-1] == skm.accuracy_score(y[80:], out.numpy().argmax(1))


def test_two_fits_with_the_same_seed_are_bit_identical(blobs):
    X, y = blobs
    runs = []
    for _ in range(2):
        rb.manual_seed(42)
        model = mlp(4, 16, 3, dropout=0.3)  # dropout and shuffling both draw random numbers
        h = rb.fit(model, X, y, epochs=4, batch_size=16, validation_split=0.1, verbose=0)
        runs.append((weights(model), h.history))
    (w1, h1), (w2, h2) = runs
    assert all(np.array_equal(w1[k], w2[k]) for k in w1)
    assert h1 == h2
    rb.manual_seed(43)
    model = mlp(4, 16, 3, dropout=0.3)
    rb.fit(model, X, y, epochs=4, batch_size=16, validation_split=0.1, verbose=0)
    assert not np.array_equal(weights(model)["0.weight"], w1["0.weight"])


def test_training_and_evaluation_modes():
    """Training batches run in train mode with a graph; evaluation in eval mode without."""
    calls = []

    class Probe(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def forward(self, x):
            calls.append((self.training, rb.is_grad_enabled(), x.shape[0]))
            return self.lin(x)

    X = np.random.default_rng(0).normal(size=(10, 2)).astype(np.float32)
    y = np.array([0, 1] * 5)
    model = Probe()
    model.eval()
    rb.fit(model, X, y, epochs=1, batch_size=4, validation_data=(X[:3], y[:3]), verbose=0)
    # fit first checks the model's output on 2 samples of X, its loss on them, and the
    # output on 2 samples of the validation data: in eval mode, without a graph
    assert calls[:3] == [(False, False, 2)] * 3
    calls = calls[3:]
    assert calls[:3] == [(True, True, 4), (True, True, 4), (True, True, 2)]
    assert calls[3:] == [(False, False, 3)]
    assert model.training is False  # the mode the model came in with


def test_binary_logits_targets_reshaped_and_accuracy_threshold_zero(rng):
    X = rng.normal(size=(30, 3)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.float32)  # shape (N,), model outputs (N, 1)
    model = mlp(3, 1)
    tm = torch_copy(model)
    h = rb.fit(model, X, y, nn.BCEWithLogitsLoss(), rb.optim.SGD(model.parameters(), lr=0.5),
               epochs=2, batch_size=None, verbose=0)  # fmt: skip
    batches = [[np.arange(30)]] * 2
    losses, outputs = torch_sgd_run(tm, X, y[:, None], batches, 0.5, torch.nn.BCEWithLogitsLoss())
    np.testing.assert_allclose(h.history["loss"], losses, rtol=1e-5)
    for e in range(2):
        logits = outputs[e][0][1][:, 0]
        assert h.history["accuracy"][e] == skm.accuracy_score(y, (logits > 0).astype(int))


def test_regression_metrics_equal_sklearn(rng):
    X = rng.normal(size=(50, 3)).astype(np.float32)
    y = (X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=50)).astype(np.float32)
    model = mlp(3, 8, 1, act=nn.Tanh)
    tm = torch_copy(model)
    h = rb.fit(model, X[:40], y[:40], nn.MSELoss(), rb.optim.SGD(model.parameters(), lr=0.05),
               epochs=3, batch_size=None, validation_data=(X[40:], y[40:]), verbose=0)  # fmt: skip
    assert set(h.history) == {
        "loss",
        "mse",
        "mae",
        "r2",
        "val_loss",
        "val_mse",
        "val_mae",
        "val_r2",
    }
    batches = [[np.arange(40)]] * 3
    _, outputs = torch_sgd_run(tm, X[:40], y[:40, None], batches, 0.05, torch.nn.MSELoss())
    for e in range(3):
        out = outputs[e][0][1][:, 0]
        assert h.history["mse"][e] == pytest.approx(skm.mean_squared_error(y[:40], out), rel=1e-5)
        assert h.history["mae"][e] == pytest.approx(skm.mean_absolute_error(y[:40], out), rel=1e-5)
        assert h.history["r2"][e] == pytest.approx(skm.r2_score(y[:40], out), rel=1e-5)
    with torch.no_grad():
        val_out = tm(torch.tensor(X[40:], dtype=torch.float64)).numpy()[:, 0]
    assert h.history["val_r2"][-1] == pytest.approx(skm.r2_score(y[40:], val_out), rel=1e-4)


# ---------------------------------------------------------------------- L1 / L2
@pytest.mark.parametrize("l1,l2", [(0.01, 0.0), (0.0, 0.05), (0.02, 0.03)])
def test_l1_l2_penalty_equals_hand_formula_and_torch(blobs, l1, l2):
    X, y = blobs
    model = mlp(4, 5, 3, act=nn.Tanh)
    w0 = weights(model)
    tm = torch_copy(model)
    h = rb.fit(model, X, y, nn.CrossEntropyLoss(), rb.optim.SGD(model.parameters(), lr=0.1),
               epochs=3, batch_size=None, l1=l1, l2=l2, verbose=0)  # fmt: skip
    # epoch 0 reports J at the initial weights: data loss + l1 sum|W| + l2 sum W^2, weights
    # only (the 2-D parameters), biases not penalised
    with torch.no_grad():
        p0 = torch.softmax(torch_copy_from(w0, tm)(torch.tensor(X, dtype=torch.float64)), 1)
    data = skm.log_loss(y, p0.numpy(), labels=[0, 1, 2])
    Ws = [w0["0.weight"], w0["2.weight"]]
    hand = data + l1 * sum(np.abs(W).sum() for W in Ws) + l2 * sum((W**2).sum() for W in Ws)
    assert h.history["loss"][0] == pytest.approx(hand, rel=1e-5)
    losses, _ = torch_sgd_run(tm, X, y, [[np.arange(len(X))]] * 3, 0.1,
                              torch.nn.CrossEntropyLoss(), l1, l2)  # fmt: skip
    np.testing.assert_allclose(h.history["loss"], losses, rtol=1e-5)
    for k, v in weights(model).items():
        np.testing.assert_allclose(v, tm.state_dict()[k].numpy(), atol=1e-6)


def torch_copy_from(w: dict, tm: torch.nn.Sequential) -> torch.nn.Sequential:
    import copy

    t2 = copy.deepcopy(tm)
    t2.load_state_dict({k: torch.tensor(v, dtype=torch.float64) for k, v in w.items()})
    return t2


# ---------------------------------------------------------------------- inputs
def test_accepts_tensors_and_casts_to_parameter_dtype(blobs):
    X, y = blobs
    rb.manual_seed(5)
    m1 = mlp(4, 8, 3)
    rb.fit(m1, rb.tensor(X.astype(np.float64)), rb.tensor(y), epochs=2, verbose=0)
    rb.manual_seed(5)
    m2 = mlp(4, 8, 3)
    rb.fit(m2, X, y, epochs=2, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(weights(m1).values(), weights(m2).values()))
    assert m1[0].weight.dtype == np.float32
    m64 = mlp(4, 8, 3).double()
    rb.fit(m64, X, y.astype(np.float64), epochs=1, verbose=0)  # float labels 0., 1., 2. are fine
    assert m64[0].weight.dtype == np.float64


def test_default_optimizer_is_adam_1e_3(blobs):
    X, y = blobs
    rb.manual_seed(9)
    m1 = mlp(4, 8, 3)
    rb.fit(m1, X, y, epochs=2, verbose=0)
    rb.manual_seed(9)
    m2 = mlp(4, 8, 3)
    rb.fit(m2, X, y, optimizer=rb.optim.Adam(m2.parameters(), lr=1e-3), epochs=2, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(weights(m1).values(), weights(m2).values()))


def test_closure_optimizer_gets_a_closure(blobs):
    """An optimizer whose step requires a closure (as L-BFGS) is driven through it."""
    X, y = blobs
    seen = []

    class ClosureGD(rb.optim.Optimizer):
        def __init__(self, params, lr):
            super().__init__(params, {"lr": lr})

        def step(self, closure):
            loss = closure()
            seen.append(float(loss.item()))
            for g in self.param_groups:
                for p in g["params"]:
                    p.data -= g["lr"] * p.grad

    rb.manual_seed(1)
    m1 = mlp(4, 3)
    h = rb.fit(m1, X, y, optimizer=ClosureGD(m1.parameters(), 0.1), epochs=3, batch_size=None,
               verbose=0)  # fmt: skip
    rb.manual_seed(1)
    m2 = mlp(4, 3)
    rb.fit(m2, X, y, optimizer=rb.optim.SGD(m2.parameters(), lr=0.1), epochs=3, batch_size=None,
           verbose=0)  # fmt: skip
    assert len(seen) == 3
    np.testing.assert_allclose(h.history["loss"], seen, rtol=1e-6)
    for a, b in zip(weights(m1).values(), weights(m2).values()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_verbose_2_prints_one_line_per_epoch(blobs, capsys):
    X, y = blobs
    rb.fit(mlp(4, 3), X, y, epochs=3, verbose=2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("Epoch 1/3") and "loss: " in lines[0] and "accuracy: " in lines[0]


def test_verbose_0_is_silent_and_1_draws_bars(blobs, capsys):
    X, y = blobs
    rb.fit(mlp(4, 3), X, y, epochs=2, verbose=0)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    rb.fit(mlp(4, 3), X, y, epochs=2, verbose=1)
    err = capsys.readouterr().err
    assert "epochs" in err and "2/2" in err and "acc " in err  # "accuracy" shortened to fit
