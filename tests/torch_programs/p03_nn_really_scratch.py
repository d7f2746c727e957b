"""Logistic regression on digits from scratch, then refactored step by step onto torch.nn.

Idioms of "What is torch.nn really?" (first half): weights made with ``torch.tensor`` then
``weights.requires_grad_()``, a hand-written ``log_softmax`` and ``nll`` using
``input[range(n), target]``, ``torch.argmax(out, dim=1) == yb`` accuracy, the manual update
``weights -= weights.grad * lr; weights.grad.zero_()``; then ``F.cross_entropy``, an
``nn.Module`` with ``nn.Parameter`` updated by ``for p in model.parameters(): p -= p.grad * lr``
with ``model.zero_grad()``, and finally ``nn.Linear``.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn

rng = np.random.default_rng(0)
digits = load_digits()
X = (digits.data / 16.0).astype(np.float32)
Y = digits.target.astype(np.int64)
order = rng.permutation(len(X))
X, Y = X[order], Y[order]
x_train, y_train, x_valid, y_valid = map(
    torch.tensor, (X[:1000], Y[:1000], X[1000:1400], Y[1000:1400])
)
n, c = x_train.shape
print("train", n, c, "min", x_train.min().item(), "max", x_train.max().item())

w_init = rng.standard_normal((64, 10)).astype(np.float32)
weights = torch.tensor(w_init) / math.sqrt(64)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def model(xb):
    return log_softmax(xb @ weights + bias)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


loss_func = nll
bs = 64
xb, yb = x_train[0:bs], y_train[0:bs]
preds = model(xb)
print("first prediction", preds[0].tolist())
print("initial", loss_func(preds, yb).item(), accuracy(preds, yb).item())

lr = 0.5
epochs = 2
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        end_i = start_i + bs
        xb = x_train[start_i:end_i]
        yb = y_train[start_i:end_i]
        pred = model(xb)
        loss = loss_func(pred, yb)
        loss.backward()
        with torch.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()
    print("scratch epoch", epoch, loss_func(model(xb), yb).item(), accuracy(model(xb), yb).item())

# F.cross_entropy replaces log_softmax + nll.
loss_func = F.cross_entropy


def model(xb):
    return xb @ weights + bias


print("cross_entropy", loss_func(model(xb), yb).item(), accuracy(model(xb), yb).item())


class DigitsLogistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(torch.tensor(w_init) / math.sqrt(64))
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, xb):
        return xb @ self.weights + self.bias


def fit(model, epochs):
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            loss = loss_func(model(xb), yb)
            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= p.grad * lr
                model.zero_grad()
        print("fit epoch", epoch, loss_func(model(x_valid), y_valid).item())


model = DigitsLogistic()
print("module before", loss_func(model(xb), yb).item())
fit(model, 2)
print("module after", loss_func(model(xb), yb).item())


class DigitsLinear(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(64, 10)

    def forward(self, xb):
        return self.lin(xb)


model = DigitsLinear()
with torch.no_grad():
    model.lin.weight.copy_(torch.tensor(w_init.T / 8.0))
    model.lin.bias.zero_()
print("linear before", loss_func(model(xb), yb).item())
fit(model, 2)
print("linear after", loss_func(model(xb), yb).item(), accuracy(model(x_valid), y_valid).item())
