"""rb.fit given a DataLoader: the same training as the arrays in the same batch order, the
loader's sampler deciding the batches, and the same checks on the first batch."""

from __future__ import annotations

import numpy as np
import pytest
from _train_helpers import mlp, weights

import rosenblatt as rb
from rosenblatt import nn, optim
from rosenblatt.utils.data import DataLoader, Dataset, TensorDataset, random_split


def twins(*sizes: int) -> tuple[nn.Sequential, nn.Sequential]:
    """Two models with the same initial weights."""
    a, b = mlp(*sizes), mlp(*sizes)
    b.load_state_dict(weights(a))
    return a, b


def train(model: nn.Sequential, *data, **kwargs) -> rb.History:
    kwargs.setdefault("loss", nn.CrossEntropyLoss())
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return rb.fit(model, *data, optimizer=opt, verbose=0, **kwargs)


def assert_same_training(h1: rb.History, h2: rb.History, m1, m2) -> None:
    assert h1.history.keys() == h2.history.keys()
    for k in h1.history:
        np.testing.assert_allclose(h1.history[k], h2.history[k], rtol=1e-6, err_msg=k)
    for k, w in weights(m1).items():
        np.testing.assert_array_equal(w, weights(m2)[k])


def test_loader_trains_as_the_arrays_without_shuffling(blobs) -> None:
    X, y = blobs
    m1, m2 = twins(4, 8, 3)
    loader = DataLoader(TensorDataset(X, y), batch_size=16)
    h1 = train(m1, loader, epochs=3)
    h2 = train(m2, X, y, epochs=3, batch_size=16, shuffle=False)
    assert_same_training(h1, h2, m1, m2)
    assert h1.history["loss"] == h2.history["loss"]  # bit for bit
    assert h1.params["steps"] == len(loader) == 8 and h1.params["samples"] == 120


def test_validation_loader_gives_the_validation_arrays_loss(blobs) -> None:
    X, y = blobs
    Xt, yt, Xv, yv = X[:90], y[:90], X[90:], y[90:]
    m1, m2 = twins(4, 8, 3)
    val = DataLoader(TensorDataset(Xv, yv), batch_size=7)  # batch means, weighted by size
    h1 = train(m1, DataLoader(TensorDataset(Xt, yt), batch_size=10), validation_data=val, epochs=2)
    h2 = train(m2, Xt, yt, batch_size=10, shuffle=False, validation_data=(Xv, yv), epochs=2)
    assert_same_training(h1, h2, m1, m2)
    assert h1.params["validation_samples"] == 30


def test_shuffled_loader_is_seeded_like_fit_shuffle(blobs) -> None:
    """A RandomSampler draws one permutation per epoch from rb's generator, as fit does, and
    looking at the first batch before training draws nothing."""
    X, y = blobs
    m1, m2 = twins(4, 8, 3)
    rb.manual_seed(11)
    h1 = train(m1, DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True), epochs=3)
    rb.manual_seed(11)
    h2 = train(m2, X, y, batch_size=32, shuffle=True, epochs=3)
    assert_same_training(h1, h2, m1, m2)


def test_regression_targets_are_cast_and_reshaped_per_batch(rng) -> None:
    X = rng.normal(size=(50, 3)).astype(np.float32)
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1  # float64, shape (50,)
    m1, m2 = twins(3, 1)
    kw = dict(loss=nn.MSELoss(), epochs=4)
    h1 = train(m1, DataLoader(TensorDataset(X, y), batch_size=8), **kw)
    h2 = train(m2, X, y, batch_size=8, shuffle=False, **kw)
    assert_same_training(h1, h2, m1, m2)


class Pairs(Dataset):
    """Samples as a generic data set would give them: (array, Python float)."""

    def __init__(self, X: np.ndarray, y: np.ndarray) -> None:
        self.X, self.y = X, y

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, i: int) -> tuple[np.ndarray, float]:
        return self.X[i], float(self.y[i])


def test_generic_dataset_and_drop_last(rng) -> None:
    X = rng.normal(size=(30, 2)).astype(np.float32)
    y = X.sum(axis=1)
    m1, m2 = twins(2, 1)
    kw = dict(loss=nn.MSELoss(), epochs=2)
    loader = DataLoader(Pairs(X, y), batch_size=8, drop_last=True)  # 3 batches, 24 samples
    h1 = train(m1, loader, **kw)
    h2 = train(m2, X[:24], y[:24], batch_size=8, shuffle=False, **kw)
    assert_same_training(h1, h2, m1, m2)
    assert h1.params["steps"] == 3


def test_random_split_loaders(blobs) -> None:
    X, y = blobs
    ds = TensorDataset(X, y)
    tr, va = random_split(ds, [0.75, 0.25])
    model = mlp(4, 16, 3)
    h = train(
        model,
        DataLoader(tr, batch_size=16, shuffle=True),
        validation_data=DataLoader(va, batch_size=64),
        epochs=15,
    )
    assert len(h.history["val_loss"]) == 15
    assert h.history["val_accuracy"][-1] > 0.8
    assert h.params["samples"] == 90 and h.params["validation_samples"] == 30


def test_loader_errors(blobs) -> None:
    X, y = blobs
    loader = DataLoader(TensorDataset(X, y), batch_size=16)
    model = mlp(4, 8, 3)
    with pytest.raises(ValueError, match="y must be None when X is a DataLoader"):
        train(model, loader, y)
    with pytest.raises(ValueError, match="fit needs targets y"):
        train(model, X)
    with pytest.raises(ValueError, match="validation_split needs arrays"):
        train(model, loader, validation_split=0.2)
    triples = DataLoader(TensorDataset(X, y, y), batch_size=16)
    with pytest.raises(ValueError, match=r"\(x, y\) pairs .* list of 3 items"):
        train(model, triples)
    bad = y.copy()
    bad[3] = 7
    with pytest.raises(ValueError, match="DataLoader batch y"):
        train(model, DataLoader(TensorDataset(X, bad), batch_size=16))
    with pytest.raises(ValueError, match="DataLoader batch X has 3 features.*expects 4"):
        train(model, DataLoader(TensorDataset(X[:, :3], y), batch_size=16))
    with pytest.raises(ValueError, match="yields no batches"):
        train(model, DataLoader(TensorDataset(X[:3], y[:3]), batch_size=4, drop_last=True))
