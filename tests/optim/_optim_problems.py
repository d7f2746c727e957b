"""Shared test problems: the same loss written once, run by rosenblatt and by torch.

The loss functions use only operators both libraries share (``@``, ``.T``, ``.tanh()``,
``**``, ``.mean()``), so one definition drives both; each library differentiates it with its
own autograd.
"""

from __future__ import annotations

import numpy as np
import torch

import rosenblatt as rb

_rng = np.random.default_rng(20240613)
X = _rng.standard_normal((8, 3))
Y = _rng.standard_normal((8, 2))
INIT = {
    "W1": 0.5 * _rng.standard_normal((4, 3)),
    "b1": 0.1 * _rng.standard_normal(4),
    "W2": 0.5 * _rng.standard_normal((2, 4)),
    "b2": 0.1 * _rng.standard_normal(2),
    "unused": _rng.standard_normal(3),  # never in the loss: its grad stays None
}
ROSEN_INIT = {"x": np.array([-1.2]), "y": np.array([1.0])}


def mlp_loss(P, X, Y):
    """mean((tanh(X W1^T + b1) W2^T + b2 - Y)^2)."""
    h = (X @ P["W1"].T + P["b1"]).tanh()
    return ((h @ P["W2"].T + P["b2"] - Y) ** 2).mean()


def rosen_loss(P, X=None, Y=None):
    """Rosenbrock: (1 - x)^2 + 100 (y - x^2)^2."""
    x, y = P["x"], P["y"]
    return ((1 - x) ** 2 + 100 * (y - x**2) ** 2).sum()


PROBLEMS = {"mlp": (INIT, mlp_loss), "rosenbrock": (ROSEN_INIT, rosen_loss)}


# Every optimizer with every option combination that changes its update rule.
CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.8, weight_decay=0.05, nesterov=True)),
    ("SGD", dict(lr=0.05, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.2, weight_decay=0.01, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1)),
    (
        "Adagrad",
        dict(lr=0.1, lr_decay=0.01, weight_decay=0.05, initial_accumulator_value=0.1, eps=1e-6),
    ),
    ("Adagrad", dict(lr=0.1, maximize=True)),
    ("Adadelta", dict(lr=1.0)),
    ("Adadelta", dict(lr=0.5, rho=0.5)),
    ("Adadelta", dict(lr=2.0, eps=1e-3, weight_decay=0.1)),
    ("Adadelta", dict(lr=1.0, rho=0.95, weight_decay=0.05, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.1, alpha=0.9)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.9, 0.5), amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.6), eps=1e-6, weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, betas=(0.9, 0.5), amsgrad=True)),
    ("AdamW", dict(lr=0.01, weight_decay=0.3, betas=(0.8, 0.99))),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True, betas=(0.9, 0.5), maximize=True)),
]


def case_id(case):
    name, kw = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in kw.items())


def to_numpy(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.data)


def make_params(lib, dtype="float64", problem="mlp"):
    init = PROBLEMS[problem][0]
    if lib == "rb":
        return {k: rb.nn.Parameter(v.astype(dtype)) for k, v in init.items()}
    tdtype = getattr(torch, dtype)
    return {k: torch.nn.Parameter(torch.tensor(v, dtype=tdtype)) for k, v in init.items()}


def data(lib, dtype="float64"):
    if lib == "rb":
        return rb.tensor(X, dtype=dtype), rb.tensor(Y, dtype=dtype)
    tdtype = getattr(torch, dtype)
    return torch.tensor(X, dtype=tdtype), torch.tensor(Y, dtype=tdtype)


def optimizer(lib, name, params, **kwargs):
    return getattr(rb.optim if lib == "rb" else torch.optim, name)(params, **kwargs)


def groups(P, spec):
    """``spec``: list of (parameter names, overrides) -> a list of param-group dicts."""
    if spec is None:
        return list(P.values())
    return [{"params": [P[n] for n in names], **over} for names, over in spec]


def loss_and_backward(lib, P, problem="mlp", dtype="float64"):
    loss = PROBLEMS[problem][1](P, *data(lib, dtype))
    loss.backward()
    return loss
