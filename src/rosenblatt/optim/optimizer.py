"""The optimizer base class: parameter groups, per-parameter state, zero_grad, state_dict.

An optimizer holds the parameters it updates in ``param_groups``, a list of dicts: each has
its ``"params"`` and its hyperparameters (a value given in the group overrides the
optimizer's default, so two layers can learn at two rates). What the optimizer remembers
about a parameter between steps (a momentum buffer, moment estimates, a step count) lives in
``state[param]``.

A first-order optimizer implements only ``_update(w, grad, state, group)``: the update of one
parameter array ``w`` in place from its gradient. ``step`` walks the groups and skips
parameters whose ``.grad`` is None. Optimizers that need the loss itself (Newton, BFGS,
L-BFGS, a genetic algorithm) override ``step(closure)`` instead.
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .. import _memory
from ..autograd import enable_grad
from ..kernels.optim import gradient as _gradient  # noqa: F401  (Adagrad, Adadelta)
from ..tensor import Tensor

__all__ = ["Optimizer"]

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]


def _to_numpy(value: Any) -> np.ndarray:
    """An array from a NumPy array, a rosenblatt Tensor or a torch.Tensor (for loading)."""
    if isinstance(value, Tensor):
        return value._data
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # torch.Tensor
        return value.detach().cpu().numpy()
    return np.asarray(value)


class Optimizer:
    """Base class of all optimizers: holds ``param_groups`` and per-parameter ``state``.

    Parameters
    ----------
    params : iterable of Tensor, of (name, Tensor) pairs, or of dicts
        The parameters to optimize (``model.parameters()``), or parameter groups: dicts with
        a ``"params"`` entry and any hyperparameters that override ``defaults`` for that group,
        e.g. ``[{"params": body.parameters()}, {"params": head.parameters(), "lr": 1e-2}]``.
    defaults : dict
        The hyperparameters of a group that does not set them.

    Attributes
    ----------
    param_groups : list of dict
        One dict per group: ``"params"`` (list of Tensors) and every hyperparameter.
    state : dict
        ``state[p]`` is the dict of what the optimizer keeps for parameter ``p``
        (keyed by the Parameter object itself).
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        _memory.keep_freed_memory_once()  # training starts: reuse freed arrays (see _memory)
        self.defaults = dict(defaults)
        self._check_hyperparameters(self.defaults)
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or dicts "
                "(e.g. model.parameters()), got a single Tensor"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(
                f"{type(self).__name__}: params need to be an ordered collection (a list), "
                "not a set: the order of a set changes between runs"
            )
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups: list[Any] = list(params)
        if len(groups) == 0:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ hyperparameters
    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        """Raise ValueError for a hyperparameter out of range (subclasses extend this)."""
        if "lr" in group:
            self._require("lr", group["lr"], group["lr"] >= 0, ">= 0")

    def _require(self, name: str, value: Any, ok: bool, expected: str) -> None:
        """Raise ``ValueError`` naming the hyperparameter when ``ok`` is False."""
        if not ok:
            raise ValueError(
                f"{type(self).__name__}: invalid {name}={value!r}; expected {name} {expected}"
            )

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters, e.g. layers unfrozen during fine-tuning.

        Hyperparameters missing from ``param_group`` take the optimizer's defaults.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' entry")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(
                "optimizer parameters need to be an ordered collection (a list), "
                "not a set: the order of a set changes between runs"
            )
        params = list(params)
        if params and all(isinstance(p, tuple) for p in params):  # named_parameters()
            group["param_names"] = [name for name, _ in params]
            params = [p for _, p in params]
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{type(self).__name__} can only optimize Tensors, "
                    f"but one of the params is {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{type(self).__name__}: can't optimize a non-leaf Tensor "
                    "(a result of operations); optimize the Parameters it came from"
                )
        group["params"] = params
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self._check_hyperparameters(group)

        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters",
                stacklevel=2,
            )
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    # ------------------------------------------------------------------ the step
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``p.grad = None`` (default), or a fresh array of zeros.

        The zeros are a new array rather than the old one filled, because backward may have
        given the same gradient array to several parameters.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p._grad is not None:
                    if set_to_none:
                        p._grad = None
                    else:
                        p._grad = p._grad.detach()
                        p._grad._data[...] = 0

    @staticmethod
    def _evaluate(closure: Callable[[], Any] | None) -> Any:
        """Call ``closure`` (which recomputes the loss and its gradients) with grad enabled."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()``'s loss if given.

        ``closure`` is called first (with grad enabled), so it can recompute the loss and
        the gradients the step then uses.
        """
        loss = self._evaluate(closure)
        for group in self.param_groups:
            for p in group["params"]:
                if p._grad is None:
                    continue
                grad = p._grad._data
                p._version[0] += 1  # an in-place change, as torch's optimizers
                w = p._data
                if grad.shape != w.shape:
                    raise ValueError(
                        f"{type(self).__name__}.step: gradient shape {grad.shape} != "
                        f"parameter shape {w.shape}"
                    )
                if grad.dtype != w.dtype:
                    grad = grad.astype(w.dtype)
                self._update(w, grad, self.state[p], group)
        return loss

    def _update(
        self, w: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        """Update ``w`` in place from ``grad``; ``grad`` must never be written to."""
        raise NotImplementedError(f"{type(self).__name__} does not implement _update or step")

    # ------------------------------------------------------------------ state_dict
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's layout (parameters replaced by their index).

        ``{"state": {index: {name: value}}, "param_groups": [{..., "params": [indices]}]}``,
        indices counting the parameters across the groups in order. As in PyTorch, the
        state arrays are the live ones, not copies.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: s for p, s in self.state.items() if s and id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a ``state_dict()`` (of rosenblatt or of the same torch.optim optimizer).

        Parameters are matched by position. State arrays are copied and cast to the
        parameter's dtype.
        """
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: the state dict has "
                f"{len(saved_groups)} parameter groups, the optimizer has "
                f"{len(self.param_groups)}"
            )
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: parameter group {i} has "
                    f"{len(saved['params'])} parameters in the state dict, "
                    f"{len(group['params'])} in the optimizer"
                )
        by_index = {
            k: p
            for saved, group in zip(saved_groups, self.param_groups)
            for k, p in zip(saved["params"], group["params"])
        }
        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for k, saved_state in state_dict["state"].items():
            if k not in by_index:
                continue
            p = by_index[k]
            state[p] = {name: self._load_value(p, k, name, v) for name, v in saved_state.items()}
        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            for name, default in self.defaults.items():
                saved.setdefault(name, default)
            new_groups.append(saved)
        self.state = state
        self.param_groups = new_groups

    def _load_value(self, p: Tensor, index: int, name: str, value: Any) -> Any:
        if value is None or isinstance(value, (bool, int, float)):
            return value
        arr = _to_numpy(value)
        if name == "step":  # a count, whatever container it came in
            return int(arr)
        if arr.shape != p._data.shape:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: state[{index}][{name!r}] has shape "
                f"{arr.shape}, the parameter has shape {p._data.shape}"
            )
        return np.array(arr, dtype=p._data.dtype, copy=True)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)
