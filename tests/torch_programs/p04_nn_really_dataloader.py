"""Digits with torch.optim, TensorDataset, DataLoader, a fit() loop and a small CNN.

Idioms of "What is torch.nn really?" (second half): ``optim.SGD`` with ``opt.step()`` /
``opt.zero_grad()``, ``TensorDataset`` and ``DataLoader``, ``get_data`` returning a validation
loader with twice the batch size, ``loss_batch`` returning ``(loss.item(), len(xb))``,
``zip(*[...])`` of the validation losses weighted by batch sizes, ``model.train()`` /
``model.eval()``, a ``Lambda`` layer, ``nn.Sequential`` CNN with ``nn.AdaptiveAvgPool2d(1)``,
``x.view(-1, 1, 8, 8)`` and a ``WrappedDataLoader`` that preprocesses each batch.

The training set is permuted once with NumPy and loaded with ``shuffle=False`` so that torch
and rosenblatt see the same batches.
"""

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(0)
digits = load_digits()
X = (digits.data / 16.0).astype(np.float32)
Y = digits.target.astype(np.int64)
order = rng.permutation(len(X))
X, Y = X[order], Y[order]
x_train, y_train, x_valid, y_valid = map(
    torch.tensor, (X[:1000], Y[:1000], X[1000:1400], Y[1000:1400])
)

bs = 50
lr = 0.1
epochs = 2
loss_func = F.cross_entropy


def init_params(model):
    with torch.no_grad():
        for p in model.parameters():
            fan_in = int(np.prod(p.shape[1:])) if p.dim() > 1 else p.shape[0]
            bound = 1.0 / np.sqrt(fan_in)
            p.copy_(torch.from_numpy(rng.uniform(-bound, bound, tuple(p.shape)).astype(np.float32)))
    return model


def get_data(train_ds, valid_ds, bs):
    return (
        DataLoader(train_ds, batch_size=bs, shuffle=False),
        DataLoader(valid_ds, batch_size=bs * 2),
    )


def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)


def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)
        model.eval()
        with torch.no_grad():
            losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
        val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)
        print(epoch, val_loss)


train_ds = TensorDataset(x_train, y_train)
valid_ds = TensorDataset(x_valid, y_valid)
print("dataset sizes", len(train_ds), len(valid_ds))
xb0, yb0 = train_ds[0:3]
print("first targets", yb0.tolist())
train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
print("batches", len(train_dl), len(valid_dl))

model = init_params(nn.Linear(64, 10))
opt = optim.SGD(model.parameters(), lr=lr)
fit(epochs, model, loss_func, opt, train_dl, valid_dl)


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def preprocess(x):
    return x.view(-1, 1, 8, 8)


model = nn.Sequential(
    Lambda(preprocess),
    nn.Conv2d(1, 8, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(8, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.AdaptiveAvgPool2d(1),
    Lambda(lambda x: x.view(x.size(0), -1)),
)
init_params(model)
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
fit(epochs, model, loss_func, opt, train_dl, valid_dl)


class WrappedDataLoader:
    def __init__(self, dl, func):
        self.dl = dl
        self.func = func

    def __len__(self):
        return len(self.dl)

    def __iter__(self):
        for b in self.dl:
            yield self.func(*b)


def to_images(x, y):
    return x.view(-1, 1, 8, 8), y


train_dl = WrappedDataLoader(DataLoader(train_ds, batch_size=bs), to_images)
valid_dl = WrappedDataLoader(DataLoader(valid_ds, batch_size=bs * 2), to_images)
model = nn.Sequential(
    nn.Conv2d(1, 8, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(8, 10, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.AdaptiveAvgPool2d(1),
    nn.Flatten(),
)
init_params(model)
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
fit(epochs, model, loss_func, opt, train_dl, valid_dl)
