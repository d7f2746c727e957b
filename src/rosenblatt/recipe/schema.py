"""The recipe format: every section's keys with their check and default (``KEYS``), and the
names a recipe may use for activations, initialisations, losses, optimizers and schedules.

``rosenblatt train --help`` prints ``KEYS``; ``DEFAULT_RECIPE`` is the built-in default run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import nn, optim
from ..preprocessing import IMPUTE, SCALINGS
from ..tensor import Tensor
from .checks import (
    Check,
    boolean,
    choice,
    either,
    integer,
    list_of,
    number,
    one_or_list,
    positive,
    string,
    table,
)

# Names the recipe may use for activations, initialisations, losses, optimizers, schedules.
ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {  # from rosenblatt.nn's one registry
    name: nn.ACTIVATIONS[name]
    for name in "relu leaky_relu sigmoid tanh gelu softplus elu selu identity".split()
}

# init name -> function(weight) from nn.init's one registry (INITIALISERS); "default" keeps
# PyTorch's Linear initialisation (kaiming_uniform with a = sqrt(5), biases uniform in
# +-1/sqrt(fan_in)).
_INIT_NAMES = """xavier_uniform xavier_normal glorot_uniform glorot_normal kaiming_uniform
kaiming_normal he_uniform he_normal lecun_normal normal zeros""".split()
INITS: dict[str, Callable[[Tensor], Any] | None] = {
    "default": None,
    **{name: nn.init.INITIALISERS[name] for name in _INIT_NAMES},
}

# loss name -> (module factory, task); the output layer and its implied activation follow:
# cross_entropy: one logit per class, softmax inside the loss; binary_cross_entropy: one
# logit, sigmoid inside the loss; tanh_mse: one output, the Matteucci deck's tanh unit for
# classes coded -1/+1 with the squared error (TanhSquaredError); mse / l1: one linear output.
LOSSES: dict[str, str] = {
    "cross_entropy": "multiclass",
    "binary_cross_entropy": "binary",
    "tanh_mse": "binary",
    "mse": "regression",
    "l1": "regression",
}


class TanhSquaredError(nn.Module):
    """loss.name = "tanh_mse": E = mean (tanh(a) - t)^2, t = 2 y - 1 in {-1, +1} for the 0/1
    labels y (Matteucci deck: "two classes {Omega_0 = -1, Omega_1 = +1}: use a tanh output").

    The network's one output is z = 2a, so that it stays the logit every binary model
    gives: y_out = tanh(a) = tanh(z/2) and sigmoid(z) = (1 + y_out)/2 is the probability
    that ``evaluate`` and ``predict`` read, as for ``binary_cross_entropy``.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        t = target.reshape(input.shape) * 2 - 1
        return nn.functional.tanh_mse_loss(input * 0.5, t)


_LR, _WD, _EPS = positive(), number(0.0), positive()
# optimizer name -> its hyperparameters' checks; the class is optim.FIRST_ORDER[name]
_OPTIMIZER_KEYS: dict[str, dict[str, Check]] = {
    "sgd": {
        "lr": _LR,
        "momentum": number(0.0),
        "dampening": number(0.0),
        "weight_decay": _WD,
        "nesterov": boolean(),
    },
    "adam": {
        "lr": _LR,
        "betas": list_of(number(0.0, 1.0), "numbers in [0, 1)", length=2),
        "eps": _EPS,
        "weight_decay": _WD,
        "amsgrad": boolean(),
    },
    "adamw": {
        "lr": _LR,
        "betas": list_of(number(0.0, 1.0), "numbers in [0, 1)", length=2),
        "eps": _EPS,
        "weight_decay": _WD,
        "amsgrad": boolean(),
    },
    "rmsprop": {
        "lr": _LR,
        "alpha": number(0.0, 1.0),
        "eps": _EPS,
        "weight_decay": _WD,
        "momentum": number(0.0),
        "centered": boolean(),
    },
    "adagrad": {
        "lr": _LR,
        "lr_decay": number(0.0),
        "weight_decay": _WD,
        "initial_accumulator_value": number(0.0),
        "eps": _EPS,
    },
}
OPTIMIZERS: dict[str, tuple[type, dict[str, Check]]] = {
    name: (optim.FIRST_ORDER[name], keys) for name, keys in _OPTIMIZER_KEYS.items()
}

_sched = optim.lr_scheduler
# schedule name -> (class, keys, required keys). cosine's T_max defaults to training.epochs.
SCHEDULES: dict[str, tuple[type, dict[str, Check], tuple[str, ...]]] = {
    "step": (_sched.StepLR, {"step_size": integer(1), "gamma": positive()}, ("step_size",)),
    "multistep": (
        _sched.MultiStepLR,
        {"milestones": list_of(integer(1), "integers >= 1"), "gamma": positive()},
        ("milestones",),
    ),
    "exponential": (_sched.ExponentialLR, {"gamma": positive()}, ("gamma",)),
    "cosine": (_sched.CosineAnnealingLR, {"T_max": integer(1), "eta_min": number(0.0)}, ()),
    "plateau": (
        _sched.ReduceLROnPlateau,
        {
            "factor": number(0.0, 1.0),
            "patience": integer(0),
            "threshold": number(0.0),
            "cooldown": integer(0),
            "min_lr": number(0.0),
        },
        (),
    ),
}

_REQUIRED = object()
MAX_EPOCHS = 1_000_000  # a run of more epochs is a typo (2**63 - 1), not a plan
# section -> key -> (check, default). optimizer and optimizer.schedule are checked against
# OPTIMIZERS / SCHEDULES once their name is known.
KEYS: dict[str, dict[str, tuple[Check, Any]]] = {
    "": {
        "name": (string(), None),
        "description": (string(), None),
    },
    "data": {
        "source": (string(), _REQUIRED),
        "path": (string(), None),
        "target": (string(), None),
        "features": (list_of(string(), "column names"), None),
        "categorical": (choice(("error", "onehot")), "error"),
        "categorical_columns": (list_of(string(), "column names"), None),
        "impute": (choice(IMPUTE), "none"),
        "options": (table(), None),
        "scaling": (choice(SCALINGS), "standard"),
        "target_scaling": (choice(SCALINGS), "none"),
        "test_split": (number(0.0, 1.0), 0.2),
        "seed": (integer(0), 0),
    },
    "model": {
        "layers": (list_of(integer(1), "integers >= 1"), [128, 64]),  # the default recipe's
        "activation": (one_or_list(choice(ACTIVATIONS), "activation names"), "relu"),
        "init": (choice(INITS), "default"),
        "dropout": (number(0.0, 1.0), 0.0),
        "batch_norm": (boolean(), False),
        "dtype": (choice(("float32", "float64")), "float32"),
    },
    "loss": {
        "name": (choice(LOSSES), None),
        "pos_weight": (positive(), None),
        "label_smoothing": (number(0.0, 1.0), 0.0),
    },
    "optimizer": {
        "name": (choice(OPTIMIZERS), "adam"),
    },
    "training": {
        "epochs": (integer(1, MAX_EPOCHS), 30),
        "batch_size": (
            either(integer(1), choice(("full",)), expected='an integer >= 1 or "full"'),
            32,
        ),
        "validation_split": (number(0.0, 1.0), 0.0),
        "shuffle": (boolean(), True),
        "patience": (integer(0), None),
        "min_delta": (number(0.0), 0.0),
        "convergence_tol": (number(0.0), None),
        "restore_best_weights": (boolean(), True),
        "l1": (number(0.0), 0.0),
        "l2": (number(0.0), 0.0),
    },
}

# The built-in default recipe (``rosenblatt train`` without a file): an MLP on the
# digits that ship with scikit-learn; ~0.98 test accuracy in a few seconds of training.
DEFAULT_RECIPE = """\
name = "digits-mlp"
description = "64-128-64-10 ReLU MLP on scikit-learn's 8x8 digits (the built-in default)"

[data]
source = "digits"
scaling = "standard"
test_split = 0.2
seed = 0

[model]
layers = [128, 64]
activation = "relu"

[loss]
name = "cross_entropy"
label_smoothing = 0.1

[optimizer]
name = "adam"
lr = 0.001

[training]
epochs = 40
batch_size = 32
validation_split = 0.1
"""
