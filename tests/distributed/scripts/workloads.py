"""Small float64 training problems shared by the mpiexec scripts and the single-process
references of tests/distributed: the same seed gives the same data and initial weights in
every process."""

from __future__ import annotations

from typing import Any

import numpy as np

import rosenblatt as rb
from rosenblatt import nn


class SeqNet(nn.Module):
    """LSTM over (N, T, 3) sequences; the last hidden state goes through a linear head."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(3, 8, batch_first=True, dtype=np.float64)
        self.head = nn.Linear(8, 2).double()

    def forward(self, x: Any) -> Any:
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def workload(name: str) -> dict[str, Any]:
    """Model, data and fit arguments of one problem. Batches of every problem end with an
    uneven last batch (not a multiple of 2 or 3; for 3 ranks the CNN's last shard is empty)."""
    rb.manual_seed(0)
    rng = np.random.default_rng(0)
    if name == "mlp":  # 40 training samples: batches 16, 16, 8; validation 10
        X, y = rng.standard_normal((50, 6)), rng.integers(0, 3, 50)
        model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3)).double()
        opt = rb.optim.Adam(model.parameters(), lr=0.01)
        return dict(model=model, X=X, y=y, optimizer=opt, batch_size=16, validation_split=0.2)
    if name == "mlp_sum":  # a summed regression loss, metrics mse/mae/r2: batches 16, 16, 7
        X = rng.standard_normal((39, 4))
        y = np.stack([X[:, 0] - X[:, 1] ** 2, np.sin(X[:, 2])], axis=1)
        model = nn.Sequential(nn.Linear(4, 12), nn.ReLU(), nn.Linear(12, 2)).double()
        opt = rb.optim.SGD(model.parameters(), lr=0.002, momentum=0.9)
        return dict(model=model, X=X, y=y, optimizer=opt, batch_size=16,
                    loss=nn.MSELoss(reduction="sum"), validation_data=(X[:11], y[:11]))  # fmt: skip
    if name == "cnn":  # batch norm: batches 8, 8, 8, 2
        X, y = rng.standard_normal((26, 1, 6, 6)), rng.integers(0, 2, 26)
        model = nn.Sequential(
            nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(16, 2),
        ).double()  # fmt: skip
        opt = rb.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        return dict(model=model, X=X, y=y, optimizer=opt, batch_size=8)
    if name == "lstm":  # batches 8, 8, 5
        X, y = rng.standard_normal((21, 5, 3)), rng.integers(0, 2, 21)
        model = SeqNet()
        opt = rb.optim.RMSprop(model.parameters(), lr=0.01)
        return dict(model=model, X=X, y=y, optimizer=opt, batch_size=8)
    raise ValueError(name)


def train(
    name: str, distributed: bool, epochs: int = 3, callbacks: Any = (), sync_bn: bool = True
) -> tuple:
    """Fit the problem; returns (model, history). Distributed runs convert batch norm to
    SyncBatchNorm (unless ``sync_bn=False``), so that its statistics cover the global batch
    as in one process."""
    w = workload(name)
    model = w.pop("model")
    if distributed and sync_bn:
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    X, y = w.pop("X"), w.pop("y")
    h = rb.fit(model, X, y, epochs=epochs, verbose=0, distributed=distributed,
               callbacks=list(callbacks), **w)  # fmt: skip
    return model, h


def state(model: Any) -> dict[str, np.ndarray]:
    return {k: np.array(v) for k, v in model.state_dict().items()}
