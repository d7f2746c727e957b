"""rb.fit's fast path (train/fast.py): a chain of primitives and one flat parameter vector give
the same bits as the recorded graph and optimizer.step() on each parameter."""

from __future__ import annotations

import numpy as np
import pytest

import rosenblatt as rb
from rosenblatt import nn, optim
from rosenblatt.train import fast
from rosenblatt.train.callbacks import Callback
from rosenblatt.train.objective import ScaledLoss

OPTIMIZERS = {
    "sgd": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adam": lambda p: optim.Adam(p, lr=0.01),
    "adamw": lambda p: optim.AdamW(p, lr=0.01, amsgrad=True),
    "rmsprop": lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    "adagrad": lambda p: optim.Adagrad(p, lr=0.05),
    "adadelta": lambda p: optim.Adadelta(p, lr=1.0),
}


def _data(task: str, n: int = 90, d: int = 5):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d)).astype(np.float32)
    if task == "multiclass":
        return X, (X[:, 0] + X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 1), 3
    if task == "binary":
        return X, (X[:, 0] * X[:, 1] > 0).astype(np.float32), 1
    return X, np.column_stack([np.sin(X[:, 0]), X[:, 1] * X[:, 2]]).astype(np.float32), 2


def _model(n_out: int, acts: tuple[type[nn.Module], ...], bias: bool = True) -> nn.Sequential:
    rb.manual_seed(1)
    layers: list[nn.Module] = [nn.Linear(5, 7, bias=bias), acts[0]()]
    layers += [nn.Sequential(nn.Linear(7, 4), acts[1]()), nn.Linear(4, n_out)]
    return nn.Sequential(*layers)


class _Paths(Callback):
    """Records whether the run used the chain and the flat vector."""

    def on_epoch_end(self, epoch, logs=None):
        self.chain, self.flat = self.loop.chain is not None, self.loop.flat is not None


def _train(task, loss, acts, opt, monkeypatch=None, graph=False, flat=True, **kw):
    X, y, n_out = _data(task)
    model = _model(n_out, acts, bias=kw.pop("bias", True))
    with monkeypatch.context() as m:
        if graph:
            m.setattr(fast.Chain, "build", classmethod(lambda cls, *a: None))
        if not flat:
            m.setattr(fast.FlatParams, "build", classmethod(lambda cls, *a: None))
        paths = _Paths()
        h = rb.fit(model, X, y, loss=loss, optimizer=OPTIMIZERS[opt](model.parameters()),
                   epochs=3, batch_size=16, verbose=0, callbacks=[paths], generator=np.random.default_rng(2), **kw)  # fmt: skip
    assert (paths.chain, paths.flat) == (not graph, flat)
    return h.history["loss"], [p.numpy().copy() for p in model.parameters()], model


CASES = [
    ("multiclass", nn.CrossEntropyLoss(), (nn.ReLU, nn.Tanh)),
    ("binary", nn.BCEWithLogitsLoss(), (nn.Sigmoid, nn.LeakyReLU)),
    ("regression", nn.MSELoss(), (nn.GELU, nn.ELU)),
    ("regression", ScaledLoss(nn.MSELoss(), 0.5), (nn.SELU, nn.Softplus)),
]


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
@pytest.mark.parametrize("case", range(len(CASES)), ids=[c[0] for c in CASES])
def test_chain_equals_the_recorded_graph_bit_for_bit(case, opt, monkeypatch):
    task, loss, acts = CASES[case]
    kw = dict(l1=1e-3, l2=1e-2) if case % 2 else {}
    fast_loss, fast_w, _ = _train(task, loss, acts, opt, monkeypatch, **kw)
    graph_loss, graph_w, _ = _train(task, loss, acts, opt, monkeypatch, graph=True, **kw)
    assert fast_loss == graph_loss
    for a, b in zip(fast_w, graph_w):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("convention", ["keras", "sklearn"])
def test_weighted_sklearn_penalised_and_biasless_runs_equal_too(convention, monkeypatch):
    X, y, _ = _data("multiclass")
    w = np.random.default_rng(3).integers(0, 4, len(X))
    kw = dict(sample_weight=w, class_weight={0: 1.0, 1: 2.0, 2: 0.5}, l2=0.1, l1=0.01)
    kw.update(convention=convention, bias=False)
    args = ("multiclass", nn.CrossEntropyLoss(), (nn.ReLU, nn.Tanh), "adam", monkeypatch)
    runs = [_train(*args, **kw), _train(*args, graph=True, **kw)]
    runs.append(_train(*args, graph=True, flat=False, **kw))
    assert runs[0][0] == runs[1][0]
    for a, b, c in zip(runs[0][1], runs[1][1], runs[2][1]):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6)  # the penalty sums per array


def test_the_flat_update_equals_one_update_per_parameter(monkeypatch):
    for opt in OPTIMIZERS:
        a = _train("multiclass", nn.CrossEntropyLoss(), (nn.ReLU, nn.Tanh), opt, monkeypatch)
        b = _train("multiclass", nn.CrossEntropyLoss(), (nn.ReLU, nn.Tanh), opt, monkeypatch,
                   graph=True, flat=False)  # fmt: skip
        assert a[0] == b[0], opt
        for x, z in zip(a[1], b[1]):
            np.testing.assert_array_equal(x, z)


def test_parameters_keep_their_arrays_and_the_optimizer_its_state(monkeypatch):
    X, y, _ = _data("multiclass")
    model = _model(3, (nn.ReLU, nn.Tanh))
    arrays = [p.numpy() for p in model.parameters()]
    opt = optim.Adam(model.parameters(), lr=0.01)
    rb.fit(model, X, y, optimizer=opt, epochs=2, batch_size=16, verbose=0)
    assert all(p.numpy() is a for p, a in zip(model.parameters(), arrays))
    assert all(opt.state[p]["step"] == 12 for p in model.parameters())
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())
    # a second run continues from that state as one long run does
    other = _model(3, (nn.ReLU, nn.Tanh))
    opt2 = optim.Adam(other.parameters(), lr=0.01)
    gen = np.random.default_rng(5)
    rb.fit(other, X, y, optimizer=opt2, epochs=1, batch_size=16, verbose=0, generator=gen)
    rb.fit(other, X, y, optimizer=opt2, epochs=1, batch_size=16, verbose=0, generator=gen)
    again = _model(3, (nn.ReLU, nn.Tanh))
    with monkeypatch.context() as m:
        m.setattr(fast.FlatParams, "build", classmethod(lambda cls, *a: None))
        opt3 = optim.Adam(again.parameters(), lr=0.01)
        gen = np.random.default_rng(5)
        rb.fit(again, X, y, optimizer=opt3, epochs=1, batch_size=16, verbose=0, generator=gen)
        rb.fit(again, X, y, optimizer=opt3, epochs=1, batch_size=16, verbose=0, generator=gen)
    for a, b in zip(other.parameters(), again.parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_other_models_take_the_graph():
    X, y, _ = _data("multiclass")
    for model in (
        nn.Sequential(nn.Linear(5, 4), nn.Dropout(0.1), nn.Linear(4, 3)),
        nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4), nn.Linear(4, 3)),
    ):
        paths = _Paths()
        rb.fit(model, X, y, epochs=1, verbose=0, callbacks=[paths])
        assert not paths.chain and paths.flat
    model = nn.Sequential(nn.Linear(5, 3))
    paths = _Paths()
    rb.fit(model, X, y, optimizer=optim.LBFGS(model.parameters()), epochs=1, verbose=0,
           callbacks=[paths])  # fmt: skip
    assert not paths.chain and not paths.flat
    paths = _Paths()
    rb.fit(model, X, y, loss=nn.CrossEntropyLoss(label_smoothing=0.1), epochs=1, verbose=0,
           callbacks=[paths])  # fmt: skip
    assert not paths.chain and paths.flat
