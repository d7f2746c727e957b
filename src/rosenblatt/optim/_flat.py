"""All parameters as one flat vector w = [vec(W_1), vec(b_1), ...], for the optimizers that
need the whole of w at once (Newton, BFGS, L-BFGS, the genetic algorithm).

A closure-based optimizer holds a single list of parameters; these helpers read and write
them as one vector, in the order of the list, without keeping a copy of the model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..autograd import enable_grad
from ..tensor import Tensor

__all__ = ["add_flat", "call_closure", "flat_grad", "flat_params", "numel", "set_flat"]


def numel(params: Sequence[Tensor]) -> int:
    """n = number of scalars in all parameters."""
    return sum(int(p._data.size) for p in params)


def flat_params(params: Sequence[Tensor]) -> np.ndarray:
    """w = [vec(p_1), vec(p_2), ...], a fresh array."""
    return np.concatenate([p._data.reshape(-1) for p in params])


def flat_grad(params: Sequence[Tensor]) -> np.ndarray:
    """g = [vec(p_1.grad), ...]; a parameter without a gradient contributes zeros."""
    parts = [
        np.zeros(p._data.size, dtype=p._data.dtype)
        if p._grad is None
        else np.asarray(p._grad._data, dtype=p._data.dtype).reshape(-1)
        for p in params
    ]
    return np.concatenate(parts)


def set_flat(params: Sequence[Tensor], w: np.ndarray) -> None:
    """p_i := the slice of ``w`` that belongs to p_i (in place, keeping p_i's dtype)."""
    offset = 0
    for p in params:
        n = p._data.size
        p._data[...] = w[offset : offset + n].reshape(p._data.shape)
        offset += n


def add_flat(params: Sequence[Tensor], alpha: float, d: np.ndarray) -> None:
    """w := w + alpha * d (in place, parameter by parameter)."""
    offset = 0
    for p in params:
        n = p._data.size
        p._data += alpha * d[offset : offset + n].reshape(p._data.shape)
        offset += n


def call_closure(closure: Callable[[], Any] | None, name: str) -> Any:
    """closure() with grad enabled; a clear error when the optimizer was given none."""
    if closure is None or not callable(closure):
        raise TypeError(
            f"{name}.step needs a closure that re-evaluates the model and returns the loss, "
            "e.g. def closure(): opt.zero_grad(); loss = loss_fn(model(X), y); "
            "loss.backward(); return loss"
        )
    with enable_grad():
        return closure()


def single_group(opt: Any) -> list[Tensor]:
    """The parameters of an optimizer that allows one parameter group only (as L-BFGS)."""
    if len(opt.param_groups) != 1:
        raise ValueError(
            f"{type(opt).__name__} doesn't support per-parameter options "
            f"(parameter groups): got {len(opt.param_groups)} groups, expected 1"
        )
    return opt.param_groups[0]["params"]
