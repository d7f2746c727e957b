"""An LSTM reads handwritten digits row by row (the EDSF deck's recurrent networks).

Each 8x8 digit of scikit-learn's data set is a sequence of T = 8 steps; the input at step t
is row t of the image (8 pixel values scaled from 0..16 to [0, 1]). An LSTM with 64 hidden
units reads the 8 rows; its last hidden state h_8 goes through a Linear(64, 10) layer to
the class scores (softmax cross-entropy):

    x_t = image[t, :],   (h_t, c_t) = LSTM(x_t, (h_{t-1}, c_{t-1})),   scores = W h_8 + b.

Trained with Adam on 80 % of the 1 797 digits (stratified split, seed 0), it classifies the
held-out 20 % with about 0.97 accuracy (0.972 with seed 0; 0.969-0.975 over seeds 0-3).

Run: python examples/lstm_digits.py
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import rosenblatt as rb
from rosenblatt import nn, optim


class RowLSTM(nn.Module):
    """LSTM over the image rows, then a linear classifier on the last hidden state."""

    def __init__(self, rows: int = 8, hidden: int = 64, classes: int = 10) -> None:
        super().__init__()
        self.lstm = nn.LSTM(rows, hidden, batch_first=True)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x: rb.Tensor) -> rb.Tensor:
        """x (N, T=8, 8) -> class scores (N, 10)."""
        out, (h_n, c_n) = self.lstm(x)
        return self.head(h_n[-1])


def load_data(seed: int = 0) -> tuple[np.ndarray, ...]:
    """Digits as (N, 8 steps, 8 features) float32 sequences in [0, 1], int64 labels."""
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)  # (N, 8, 8): row t is step t
    y = digits.target.astype(np.int64)
    return train_test_split(x, y, test_size=0.2, stratify=y, random_state=seed)


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    model.eval()
    with rb.no_grad():
        pred = model(rb.tensor(x)).numpy().argmax(axis=1)
    model.train()
    return float(np.mean(pred == y))


def main(epochs: int = 40, batch_size: int = 32, lr: float = 3e-3, seed: int = 0) -> float:
    """Train the row-by-row LSTM and return its test accuracy."""
    rb.manual_seed(seed)
    x_train, x_test, y_train, y_test = load_data(seed)
    model = RowLSTM()
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.Adam(model.parameters(), lr=lr)
    schedule = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    rng = rb.get_rng()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x_train))
        total = 0.0
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            loss = loss_fn(model(rb.tensor(x_train[idx])), rb.tensor(y_train[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        schedule.step()
        if epoch % 10 == 0 or epoch == 1:
            print(
                f"epoch {epoch:3d}  loss {total / len(order):.4f}  "
                f"test accuracy {accuracy(model, x_test, y_test):.4f}"
            )
    acc = accuracy(model, x_test, y_test)
    print(f"row-by-row LSTM test accuracy on {len(y_test)} held-out digits: {acc:.4f}")
    return acc


if __name__ == "__main__":
    main()
