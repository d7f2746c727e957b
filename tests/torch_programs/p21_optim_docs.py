"""The torch.optim documentation's idioms: per-parameter options, schedulers, LBFGS closures.

Idioms of the torch.optim page: ``optim.SGD([{'params': model.base.parameters()},
{'params': model.classifier.parameters(), 'lr': 1e-3}], lr=1e-2, momentum=0.9)``,
``optimizer.param_groups[0]["lr"]`` read and written by hand, ``ExponentialLR`` with
``scheduler.get_last_lr()``, ``ReduceLROnPlateau(optimizer, 'min', factor=0.5, patience=1)``
stepped with the validation loss, ``optim.Adam`` with ``weight_decay``, and ``optim.LBFGS``
(without and with ``line_search_fn="strong_wolfe"``) stepped with a ``closure`` that zeroes
the gradients, computes the loss, calls ``backward()`` and returns it.
"""

import numpy as np
import torch
from torch import nn, optim
from torch.optim.lr_scheduler import ExponentialLR, ReduceLROnPlateau

rng = np.random.default_rng(0)
X = torch.tensor(rng.standard_normal((64, 5)).astype(np.float32))
Y = torch.tensor((rng.standard_normal((64, 5)) @ rng.standard_normal((5, 2))).astype(np.float32))


class TwoPart(nn.Module):
    def __init__(self):
        super().__init__()
        self.base = nn.Sequential(nn.Linear(5, 8), nn.Tanh())
        self.classifier = nn.Linear(8, 2)

    def forward(self, x):
        return self.classifier(self.base(x))


def make_model():
    model = TwoPart()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(
                torch.from_numpy(
                    np.random.default_rng(1).standard_normal(tuple(p.shape)).astype(np.float32)
                    * 0.3
                )
            )
    return model


model = make_model()
optimizer = optim.SGD(
    [{"params": model.base.parameters()}, {"params": model.classifier.parameters(), "lr": 1e-3}],
    lr=1e-2,
    momentum=0.9,
)
print(
    "groups",
    len(optimizer.param_groups),
    optimizer.param_groups[0]["lr"],
    optimizer.param_groups[1]["lr"],
)
print("momentum", optimizer.param_groups[1]["momentum"])
scheduler = ExponentialLR(optimizer, gamma=0.9)
loss_fn = nn.MSELoss()
for epoch in range(4):
    for i in range(0, 64, 16):
        optimizer.zero_grad()
        loss = loss_fn(model(X[i : i + 16]), Y[i : i + 16])
        loss.backward()
        optimizer.step()
    scheduler.step()
    print("epoch", epoch, "loss", loss.item(), "lrs", scheduler.get_last_lr())
for param_group in optimizer.param_groups:
    param_group["lr"] = 0.005
print("set by hand", [g["lr"] for g in optimizer.param_groups])

model = make_model()
optimizer = optim.Adam(model.parameters(), lr=0.05, weight_decay=1e-3)
scheduler = ReduceLROnPlateau(optimizer, "min", factor=0.5, patience=1)
for epoch in range(8):
    optimizer.zero_grad()
    loss = loss_fn(model(X[:48]), Y[:48])
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        val_loss = loss_fn(model(X[48:]), Y[48:]).item()
    scheduler.step(val_loss)
    print("plateau", epoch, loss.item(), val_loss, optimizer.param_groups[0]["lr"])

linear = nn.Linear(5, 2)
for line_search_fn in (None, "strong_wolfe"):
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(rng.standard_normal((2, 5)).astype(np.float32)))
        linear.bias.zero_()
    optimizer = optim.LBFGS(
        linear.parameters(), lr=1, max_iter=4, history_size=10, line_search_fn=line_search_fn
    )
    for step in range(3):

        def closure():
            optimizer.zero_grad()
            output = linear(X)
            loss = loss_fn(output, Y)
            loss.backward()
            return loss

        loss = optimizer.step(closure)
        print("lbfgs", line_search_fn, step, loss.item(), loss_fn(linear(X), Y).item())
