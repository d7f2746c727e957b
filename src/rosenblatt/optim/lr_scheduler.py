"""Learning-rate schedules: change each parameter group's ``lr`` as training goes on.

Call ``scheduler.step()`` once per epoch, after ``optimizer.step()`` (``ReduceLROnPlateau``
takes the monitored value: ``scheduler.step(val_loss)``). Like PyTorch's, the schedules are
written recursively -- each step multiplies or shifts the current ``lr`` -- so they compose
with other changes to the learning rate; the lr sequences equal PyTorch's.

>>> import rosenblatt as rb
>>> w = rb.nn.Parameter(rb.zeros(2))
>>> opt = rb.optim.SGD([w], lr=1.0)
>>> sched = rb.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
>>> lrs = []
>>> for epoch in range(5):
...     opt.step()
...     sched.step()
...     lrs.append(sched.get_last_lr()[0])
>>> lrs
[1.0, 0.5, 0.5, 0.25, 0.25]
"""

from __future__ import annotations

import math
import types
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from .optimizer import Optimizer

__all__ = [
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "MultiStepLR",
    "ReduceLROnPlateau",
    "StepLR",
]


def _check_optimizer(optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


class LRScheduler:
    """Base class of the epoch-indexed schedules.

    Parameters
    ----------
    optimizer : Optimizer
        Its groups' ``"lr"`` are set at every ``step()``; each group's starting lr is kept as
        ``group["initial_lr"]`` (the ``base_lrs``).
    last_epoch : int
        Index of the last epoch done; -1 (default) starts a new schedule. A value >= 0
        resumes one, and needs ``"initial_lr"`` in the groups (from a loaded optimizer).

    Subclasses implement ``get_lr()``: the lrs for epoch ``self.last_epoch``, usually from
    the current ``group["lr"]``.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param_groups[{i}] has no 'initial_lr', needed to resume a schedule "
                        f"with last_epoch={last_epoch}; load the optimizer's state_dict first"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True  # the first step() only records epoch 0
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates of epoch ``last_epoch``, one per parameter group."""
        raise NotImplementedError

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def step(self) -> None:
        """Advance one epoch and set every group's ``lr``."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = self._current_lrs()

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last ``step()``, one per parameter group."""
        return self._last_lr

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (as in PyTorch)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)


class LambdaLR(LRScheduler):
    """lr_t = base_lr * lr_lambda(t).

    Parameters
    ----------
    optimizer : Optimizer
    lr_lambda : callable or list of callables
        ``epoch -> factor``; one for all groups or one per group.
    last_epoch : int
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer(optimizer)
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"LambdaLR: expected {n} lr_lambdas, got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * f(self.last_epoch) for f, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> dict[str, Any]:
        """As the base class, but functions and lambdas are not saved (callable objects'
        ``__dict__`` are)."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [
            None if isinstance(f, types.FunctionType) else f.__dict__.copy()
            for f in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        lr_lambdas = state.pop("lr_lambdas")
        self.__dict__.update(state)
        for f, saved in zip(self.lr_lambdas, lr_lambdas):
            if saved is not None:
                f.__dict__.update(saved)


class StepLR(LRScheduler):
    """lr_t = base_lr * gamma^floor(t / step_size): multiply by gamma every step_size epochs.

    Parameters
    ----------
    optimizer : Optimizer
    step_size : int
        Period of the decay, in epochs (> 0).
    gamma : float
        Multiplicative factor of the decay.
    last_epoch : int
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        if step_size <= 0:
            raise ValueError(f"StepLR: invalid step_size={step_size!r}; expected step_size > 0")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]


class MultiStepLR(LRScheduler):
    """lr_t = base_lr * gamma^(number of milestones <= t): multiply by gamma at each milestone.

    Parameters
    ----------
    optimizer : Optimizer
    milestones : iterable of int
        Epochs at which the lr is multiplied by gamma (a repeated milestone counts twice).
    gamma : float
        Multiplicative factor of the decay.
    last_epoch : int
    """

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Iterable[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [lr * factor for lr in self._current_lrs()]


class ExponentialLR(LRScheduler):
    """lr_t = base_lr * gamma^t: multiply by gamma every epoch.

    Parameters
    ----------
    optimizer : Optimizer
    gamma : float
        Multiplicative factor of the decay.
    last_epoch : int
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]


class CosineAnnealingLR(LRScheduler):
    """lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2.

    Parameters
    ----------
    optimizer : Optimizer
    T_max : int
        Half-period of the cosine, in epochs (> 0): the lr reaches eta_min at t = T_max.
    eta_min : float
        Lowest learning rate.
    last_epoch : int

    Notes
    -----
    As in PyTorch the schedule is applied recursively (SGDR, Loshchilov & Hutter, 2017)::

        lr_t = eta_min + (lr_{t-1} - eta_min) * (1 + cos(pi t/T_max)) / (1 + cos(pi (t-1)/T_max))

    and, when (t - 1 - T_max) is a multiple of 2 T_max (where that ratio is 0/0),
    ``lr_t = lr_{t-1} + (base_lr - eta_min) * (1 - cos(pi / T_max)) / 2``. Left alone it
    equals the closed form above, which keeps going past T_max: the lr climbs back to base_lr
    at t = 2 T_max and the cosine repeats.
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        if T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: invalid T_max={T_max!r}; expected T_max > 0")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if (t - 1 - T) % (2 * T) == 0:
            return [
                lr + (base - eta_min) * (1 - math.cos(math.pi / T)) / 2
                for lr, base in zip(self._current_lrs(), self.base_lrs)
            ]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - eta_min) + eta_min for lr in self._current_lrs()]


class ReduceLROnPlateau(LRScheduler):
    """lr := max(lr * factor, min_lr) once the metric has not improved for patience epochs.

    Parameters
    ----------
    optimizer : Optimizer
    mode : {"min", "max"}
        Whether the monitored value should go down (a loss) or up (an accuracy).
    factor : float
        Multiplies the lr at a reduction (< 1).
    patience : int
        Number of epochs without improvement tolerated; the lr drops on the next one.
    threshold : float
        How much better than the best value counts as an improvement.
    threshold_mode : {"rel", "abs"}
        "rel": better than best * (1 - threshold) (mode "min") or best * (1 + threshold)
        ("max"); "abs": better than best - threshold or best + threshold.
    cooldown : int
        Epochs to wait after a reduction before counting bad epochs again.
    min_lr : float or list of float
        Lower bound on the lr, for all groups or per group.
    eps : float
        A reduction smaller than eps is skipped.

    Notes
    -----
    At each ``step(metric)``: an improvement resets the count of bad epochs, anything else
    adds one (but not during cooldown); when the count exceeds patience every group's lr
    becomes ``max(lr * factor, min_lr)``, the count resets and the cooldown starts.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0,
        eps: float = 1e-8,
    ) -> None:
        _check_optimizer(optimizer)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: invalid factor={factor!r}; expected factor < 1")
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}"
            )
        self.optimizer = optimizer
        self.factor = factor
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ValueError(f"ReduceLROnPlateau: expected {n} min_lrs, got {len(min_lr)}")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * n
        self.mode = mode
        self.patience = patience
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = self._current_lrs()
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        """Whether ``a`` improves on ``best`` by more than the threshold."""
        if self.mode == "min":
            if self.threshold_mode == "rel":
                return a < best * (1.0 - self.threshold)
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metrics: Any) -> None:  # type: ignore[override]
        """Record this epoch's monitored value and reduce the lr if it has plateaued."""
        current = float(metrics)
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._current_lrs()

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"ReduceLROnPlateau: the optimizer has {len(groups)} param groups but "
                    f"min_lr lists {len(self.min_lrs)}; update min_lrs"
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr
