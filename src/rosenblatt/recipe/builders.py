"""What a recipe builds: the model (an ``nn.Sequential``), the loss, the optimizer, the
learning-rate schedule and the callbacks (early stopping, the convergence test).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import nn, optim
from ..data import (
    check_memory,
)
from .checks import RecipeError
from .parsing import Recipe
from .schema import INITS, OPTIMIZERS, SCHEDULES, TanhSquaredError


def build_model(recipe: Recipe, n_features: int, n_outputs: int) -> nn.Sequential:
    """The MLP of ``[model]`` (``nn.mlp``): per hidden layer Linear -> [BatchNorm1d] ->
    activation -> [Dropout], then Linear(last, n_outputs). The output activation is the loss's.

    Weights are initialised by ``model.init`` (biases to zero), drawing from rosenblatt's
    seeded generator.

    >>> from rosenblatt.recipe import parse_recipe
    >>> r = parse_recipe('[data]\\nsource = "xor"\\n[model]\\nlayers = [4]\\nactivation = "tanh"')
    >>> build_model(r, 2, 2)
    Sequential(
      (0): Linear(in_features=2, out_features=4, bias=True)
      (1): Tanh()
      (2): Linear(in_features=4, out_features=2, bias=True)
    )
    """
    m = recipe.model
    check_model_memory(recipe, n_features, n_outputs)
    dtype = None if m["dtype"] == "float32" else np.dtype(m["dtype"])
    model = nn.mlp([n_features, *m["layers"], n_outputs], m["activation"],
                   batch_norm=m["batch_norm"], dropout=m["dropout"], dtype=dtype)  # fmt: skip
    init = INITS[m["init"]]
    if init is not None:
        for layer in model:
            if isinstance(layer, nn.Linear):
                init(layer.weight)
                nn.init.zeros_(layer.bias)
    return model


def check_model_memory(recipe: Recipe, n_features: int, n_outputs: int, n_samples: int = 0) -> None:
    """Refuse, before anything is allocated, a network that cannot fit in memory.

    Training holds each weight ~6 times (the weight, its gradient, two optimizer moments,
    the last good and the best copy) and, per sample of a batch, each layer's output and its
    gradient. Raises RecipeError naming ``model.layers`` and the sizes.
    """
    m, t = recipe.model, recipe.training
    sizes = [n_features, *m["layers"], n_outputs]
    n_params = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    itemsize = np.dtype(m["dtype"]).itemsize
    batch = n_samples if t["batch_size"] == "full" else min(t["batch_size"], n_samples)
    need = itemsize * (6 * n_params + 2 * batch * sum(sizes))
    try:
        check_memory(
            need, f"model.layers = {m['layers']} ({n_params:,} parameters for {n_features} inputs)"
        )
    except ValueError as e:
        raise RecipeError(f"{e}; use fewer or smaller layers") from None


def build_loss(recipe: Recipe, loss: str | None = None) -> nn.Module:
    """The loss module of ``[loss]`` (``loss`` overrides the name, e.g. the one inferred)."""
    name = loss or recipe.loss["name"] or "cross_entropy"
    if name == "cross_entropy":
        return nn.CrossEntropyLoss(label_smoothing=recipe.loss["label_smoothing"])
    if name == "binary_cross_entropy":
        pw = recipe.loss["pos_weight"]
        return nn.BCEWithLogitsLoss(pos_weight=None if pw is None else np.float32(pw))
    if name == "tanh_mse":
        return TanhSquaredError()
    return nn.MSELoss() if name == "mse" else nn.L1Loss()


def build_optimizer(recipe: Recipe, params: Iterable[Any]) -> optim.Optimizer:
    """The optimizer of ``[optimizer]`` with its hyperparameters (unset ones: the defaults
    of ``rb.optim``, which are PyTorch's)."""
    o = recipe.optimizer
    cls, _ = OPTIMIZERS[o["name"]]
    hyper = {k: v for k, v in o.items() if k not in ("name", "schedule")}
    if "betas" in hyper:
        hyper["betas"] = tuple(hyper["betas"])
    return cls(params, **hyper)


def build_scheduler(recipe: Recipe, optimizer: optim.Optimizer) -> Any:
    """The lr schedule of ``[optimizer.schedule]`` or None; cosine's T_max defaults to the
    number of epochs."""
    s = recipe.optimizer["schedule"]
    if s is None:
        return None
    cls, _, _ = SCHEDULES[s["name"]]
    kwargs = {k: v for k, v in s.items() if k != "name"}
    if s["name"] == "cosine":
        kwargs.setdefault("T_max", recipe.training["epochs"])
    return cls(optimizer, **kwargs)


def monitor_of(recipe: Recipe) -> str:
    """What early stopping and best-weight keeping watch: val_loss with a validation split,
    else the training loss."""
    return "val_loss" if recipe.training["validation_split"] > 0 else "loss"


def build_callbacks(recipe: Recipe) -> list[Any]:
    """The callbacks of ``[training]``.

    - ``patience`` -> ``EarlyStopping(monitor, patience, min_delta)``;
    - ``restore_best_weights`` (default true) -> the weights of the best epoch are put back
      at the end, also after Ctrl-C (an EarlyStopping whose patience outlasts the run
      when no patience is set);
    - ``convergence_tol`` -> ``ConvergenceTest(tol)`` on the training loss.
    """
    from ..train import callbacks as cb

    t = recipe.training
    out: list[Any] = []
    if t["patience"] is not None or t["restore_best_weights"]:
        patience = t["epochs"] if t["patience"] is None else t["patience"]
        out.append(
            cb.EarlyStopping(
                monitor=monitor_of(recipe),
                patience=patience,
                min_delta=t["min_delta"],
                restore_best_weights=t["restore_best_weights"],
            )
        )
    if t["convergence_tol"] is not None:
        out.append(cb.ConvergenceTest(tol=t["convergence_tol"]))
    return out
