"""Callbacks: code that ``rb.fit`` calls at the start and end of training, epochs and batches.

The names, keywords and hook signatures are Keras's, so a Keras callback reads the same:

    on_train_begin(logs)            on_train_end(logs)
    on_epoch_begin(epoch, logs)     on_epoch_end(epoch, logs)    epoch counts from 0
    on_batch_begin(batch, logs)     on_batch_end(batch, logs)    logs: {"loss": batch loss}

``logs`` at the end of an epoch holds "loss", the metrics and their "val_" versions. A
callback stops training with ``self.model.stop_training = True``. During ``fit`` every
callback has ``self.model``, ``self.params`` (epochs, steps, ...) and ``self.loop`` (the
running loop: its ``optimizer``, ``history``, ``callbacks``).

The course's convergence test (KIT deck: "declare convergence when J(theta) decreases by
less than 1e-3 in one iteration") is :class:`ConvergenceTest`; early stopping, checkpoints,
learning-rate schedules, CSV logs, resuming after a crash and the progress bar are the
others. :class:`NoImprovement` is scikit-learn's stopping rule, which its estimators use.
"""

from __future__ import annotations

import csv
import math
import os
import sys
import time
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import random as _random
from . import state as _state
from .convergence import check_rule, has_converged

__all__ = [
    "BackupAndRestore",
    "BackupError",
    "Callback",
    "CallbackList",
    "CSVLogger",
    "ConvergenceTest",
    "EarlyStopping",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "NoImprovement",
    "ProgressBar",
    "TerminateOnNaN",
]

Logs = dict[str, Any]


def get_weights(model: Any) -> dict[str, np.ndarray]:
    """A copy of the model's state_dict (parameters and buffers)."""
    return {k: np.array(v, copy=True) for k, v in model.state_dict().items()}


def set_weights(model: Any, weights: dict[str, np.ndarray]) -> None:
    model.load_state_dict(weights)


def say(message: str) -> None:
    """Print a callback's message on its own line above the progress bars (``tqdm.write``),
    instead of through the middle of them."""
    from tqdm.auto import tqdm

    tqdm.write(message, file=sys.stdout)


def _writes_files() -> bool:
    """Whether this process writes checkpoints and logs: yes, except on the ranks > 0 of a
    data-parallel run (rank 0 writes for all; every rank keeps the same state)."""
    dist = sys.modules.get("rosenblatt.distributed")
    return dist is None or not dist.is_initialized() or dist.get_rank() == 0


class Callback:
    """Base class: override the hooks you need; each does nothing by default.

    ``state_dict()`` / ``load_state_dict()`` carry what a callback has learned so far (the
    best value, a patience counter), so that :class:`BackupAndRestore` resumes it too.
    """

    model: Any = None
    params: dict[str, Any] = {}
    loop: Any = None
    _restores = False  # BackupAndRestore: runs after every other callback

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs: Logs | None = None) -> None:
        """Called once before the first epoch."""

    def on_train_end(self, logs: Logs | None = None) -> None:
        """Called once after the last epoch (also after Ctrl-C or divergence)."""

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        """Called at the start of epoch ``epoch`` (from 0)."""

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Called with the epoch's loss, metrics and validation values in ``logs``."""

    def on_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Called before each batch (only for callbacks that override it)."""

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Called after each update with ``logs = {"loss": batch loss, "size": n}``."""

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict()`` returned."""


def _overrides(cb: Callback, hook: str) -> bool:
    return getattr(type(cb), hook) is not getattr(Callback, hook)


class CallbackList:
    """The callbacks of one fit, called in order; restoring callbacks
    (:class:`BackupAndRestore`) run last in every hook, after the others have set up and
    after the history has recorded the epoch. Batch hooks are only called on callbacks that
    override them, so the inner loop pays nothing for the others."""

    def __init__(self, callbacks: Iterable[Callback], model: Any, params: dict[str, Any]) -> None:
        cbs = list(callbacks)
        self.callbacks = [c for c in cbs if not c._restores] + [c for c in cbs if c._restores]
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)
        self.batch_begin = [
            c.on_batch_begin for c in self.callbacks if _overrides(c, "on_batch_begin")
        ]
        self.batch_end = [c.on_batch_end for c in self.callbacks if _overrides(c, "on_batch_end")]

    def set_loop(self, loop: Any) -> None:
        for cb in self.callbacks:
            cb.loop = loop

    def on_train_begin(self, logs: Logs | None = None) -> None:
        for cb in self.callbacks:
            cb.on_train_begin(logs)

    def on_train_end(self, logs: Logs | None = None) -> None:
        for cb in self.callbacks:
            cb.on_train_end(logs)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)


# ---------------------------------------------------------------------- monitoring helpers
_MAX_METRICS = ("accuracy", "acc", "auc", "r2", "precision", "recall", "f1")


def _monitor_mode(monitor: str, mode: str, who: str) -> str:
    """ "min" or "max" for ``monitor``; "auto" picks "max" for accuracy-like names."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{who}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    name = monitor.removeprefix("val_")
    return "max" if name in _MAX_METRICS or name.endswith("accuracy") else "min"


def _monitored(logs: Logs | None, monitor: str, who: str) -> float | None:
    value = (logs or {}).get(monitor)
    if value is None:
        warnings.warn(
            f"{who}: the monitored value {monitor!r} is not in the logs "
            f"(available: {sorted(logs or {})}); skipping",
            RuntimeWarning,
            stacklevel=3,
        )
        return None
    return float(value)


# ---------------------------------------------------------------------- early stopping
class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs (Keras's semantics).

    An epoch improves when ``current < best - min_delta`` (mode "min") or
    ``current > best + min_delta`` (mode "max").

    Parameters
    ----------
    monitor : str
        A key of the epoch logs ("val_loss", "loss", "val_accuracy", ...).
    min_delta : float
        Smallest change that counts as an improvement.
    patience : int
        Epochs without improvement after which training stops.
    mode : {"auto", "min", "max"}
        "auto": "max" for accuracy-like names, else "min".
    restore_best_weights : bool
        At the end of training (also after Ctrl-C) load the weights of the best epoch.
    baseline : float, optional
        Training stops if the value does not beat the baseline within ``patience`` epochs.
    start_from_epoch : int
        Epochs to wait before monitoring starts (a warm-up).

    Attributes
    ----------
    best, best_epoch, stopped_epoch, wait, best_weights
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        self.monitor, self.min_delta, self.patience = monitor, abs(min_delta), patience
        self.verbose, self.baseline = verbose, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        self.mode = _monitor_mode(monitor, mode, "EarlyStopping")
        self._reset()

    def _reset(self) -> None:
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best: float | None = None
        self.best_weights: dict[str, np.ndarray] | None = None

    def _is_improvement(self, value: float, reference: float | None) -> bool:
        if reference is None:
            return True
        if self.mode == "min":
            return value + self.min_delta < reference
        return value - self.min_delta > reference

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._reset()

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        current = _monitored(logs, self.monitor, "EarlyStopping")
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = get_weights(self.model), epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = get_weights(self.model)
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            say(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                best = self.best_epoch + 1
                say(f"Restoring model weights from the end of the best epoch: {best}")
            set_weights(self.model, self.best_weights)

    def state_dict(self) -> dict[str, Any]:
        keys = ("wait", "stopped_epoch", "best_epoch", "best", "best_weights")
        return {k: getattr(self, k) for k in keys}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            setattr(self, k, v)


class NoImprovement(Callback):
    """scikit-learn's stopping rule for its MLP (``n_iter_no_change``), and the estimator's
    bookkeeping of the epochs.

    Without validation data an epoch improves when the training loss fell to
    ``best_loss_ - tol`` or below; ``best_loss_`` is the lowest loss so far, whether or not
    that epoch counted as an improvement. With validation data (scikit-learn's
    ``early_stopping``) an epoch improves when the validation score rose to
    ``best_validation_score_ + tol`` or above, and the weights of the best-scoring epoch are
    put back at the end. Training stops when more than ``n_iter_no_change``
    epochs in a row did not improve. Each epoch adds to the estimator's ``n_iter_``, ``t_``
    (by ``n_samples``), ``loss_curve_`` (and ``validation_scores_``) and prints
    ``Iteration k, loss = ...`` when ``est.verbose``.

    How it differs from :class:`EarlyStopping` (Keras's rule, kept distinct): Keras stops
    after ``patience`` epochs without improvement (``wait >= patience``), scikit-learn after
    ``n_iter_no_change + 1``; Keras's improvement is strict (``current < best - min_delta``)
    and moves ``best`` only on an improvement, while scikit-learn counts a fall of exactly
    ``tol`` and keeps ``best_loss_`` at the lowest loss; with ``restore_best_weights`` Keras
    keeps the weights of the last improving epoch, scikit-learn those of the highest
    validation score. And this callback writes into a scikit-learn estimator.

    Parameters
    ----------
    est : estimator
        Reads ``tol``, ``n_iter_no_change``, ``verbose`` (and ``_validation_score``);
        updates ``n_iter_``, ``t_``, ``loss_curve_``, ``best_loss_`` (or
        ``validation_scores_`` and ``best_validation_score_``), which it must have set
        before training.
    n_samples : int
        Training samples per epoch (added to ``t_``).
    validation : (X_val, y_val) or (X_val, y_val, w_val), optional
        The held-out data whose score ``est._validation_score(*validation)`` decides;
        None: the training loss decides.
    """

    def __init__(self, est: Any, n_samples: int, validation: tuple[np.ndarray, ...] | None) -> None:
        self.est, self.n_samples, self.validation = est, n_samples, validation
        self.count = 0
        self.best: dict[str, np.ndarray] | None = None

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        est, loss = self.est, (logs or {})["loss"]
        est.n_iter_ += 1
        est.t_ += self.n_samples
        est.loss_curve_.append(loss)
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {loss:.8f}")
        if self.validation is None:
            improved = loss <= est.best_loss_ - est.tol
            est.best_loss_ = min(est.best_loss_, loss)
        else:
            score = est._validation_score(*self.validation)
            est.validation_scores_.append(score)
            improved = score >= est.best_validation_score_ + est.tol
            if score > est.best_validation_score_:
                est.best_validation_score_ = score
                self.best = get_weights(self.model)
        self.count = 0 if improved else self.count + 1
        if self.count > est.n_iter_no_change:
            self.model.stop_training = True

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self.best is not None:
            set_weights(self.model, self.best)


class ConvergenceTest(Callback):
    """Declare convergence when J decreases by less than ``tol`` in one epoch:
    stop when J(epoch - 1) - J(epoch) < tol (the KIT deck's convergence test).

    An increase of J also counts as "decreased by less than tol" and stops training;
    ``rule="change"`` stops only when |J(epoch - 1) - J(epoch)| < tol instead (see
    ``rosenblatt.train.convergence``, the one definition of both rules).

    Parameters
    ----------
    tol : float
        The smallest decrease per epoch that keeps training going (the deck uses 1e-3).
    monitor : str
        The logged quantity J ("loss" by default; "val_loss" works too).
    rule : {"decrease", "change"}
        "decrease" (default, the KIT deck's) or "change".
    restore_on_rise : bool
        When it fires because J rose (the step overshot), put back the weights of the epoch
        before (rb.fit's last good ones).

    Attributes
    ----------
    converged : bool
        Whether the test fired.
    converged_epoch : int or None
        The epoch (from 0) at which it fired.
    stopped_on_rise : bool
        Whether it fired because J rose by tol or more (the step overshot), rather than
        changed by less than tol.
    """

    def __init__(
        self,
        tol: float = 1e-3,
        monitor: str = "loss",
        rule: str = "decrease",
        restore_on_rise: bool = False,
    ) -> None:
        if tol < 0:
            raise ValueError(f"ConvergenceTest: tol must be >= 0, got {tol}")
        check_rule(rule, "ConvergenceTest")
        self.tol, self.monitor, self.rule = tol, monitor, rule
        self.restore_on_rise = restore_on_rise
        self.previous: float | None = None
        self.converged = False
        self.converged_epoch: int | None = None
        self.stopped_on_rise = False

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.previous, self.converged, self.converged_epoch = None, False, None
        self.stopped_on_rise = False

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        current = _monitored(logs, self.monitor, "ConvergenceTest")
        if current is None:
            return
        if self.previous is not None and has_converged(self.previous, current, self.tol, self.rule):
            self.converged, self.converged_epoch = True, epoch
            self.stopped_on_rise = current - self.previous >= self.tol
            self.model.stop_training = True
            if self.stopped_on_rise and self.restore_on_rise:
                self.loop.last_good.restore()
        self.previous = current

    def state_dict(self) -> dict[str, Any]:
        return {"previous": self.previous}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.previous = state["previous"]


class TerminateOnNaN(Callback):
    """Stop quietly when the loss turns NaN or inf.

    ``rb.fit`` always checks every batch loss; by default a non-finite loss restores the
    weights from the start of the epoch and raises ``rb.train.TrainingDiverged``. With this
    callback it restores the same weights, warns, stops, and returns the history (with
    ``history.diverged`` set) instead of raising -- Keras's behaviour.
    """


# ---------------------------------------------------------------------- schedules
def _is_plateau_scheduler(schedule: Any) -> bool:
    return any(c.__name__ == "ReduceLROnPlateau" for c in type(schedule).__mro__)


class LearningRateScheduler(Callback):
    """Set the learning rate each epoch from a schedule.

    Parameters
    ----------
    schedule : rb.optim.lr_scheduler instance, or function (epoch, lr) -> lr
        A scheduler is stepped at the end of every epoch (``ReduceLROnPlateau`` with the
        monitored value). A function (Keras style) is called at the start of every epoch with
        the epoch index and the current lr, and its result becomes every group's lr.
    monitor : str
        What ``ReduceLROnPlateau`` watches: "val_loss", falling back to "loss" when there is
        no validation data.
    verbose : int
        1 prints the lr when it changes.

    The lr used in each epoch is logged as "learning_rate".
    """

    def __init__(self, schedule: Any, verbose: int = 0, monitor: str = "val_loss") -> None:
        if not (hasattr(schedule, "step") or callable(schedule)):
            raise TypeError(
                "LearningRateScheduler: schedule must be an rb.optim.lr_scheduler instance or "
                f"a function (epoch, lr) -> lr, got {type(schedule).__name__}"
            )
        self.schedule, self.verbose, self.monitor = schedule, verbose, monitor
        self._lr = float("nan")

    def _optimizer(self) -> Any:
        if hasattr(self.schedule, "optimizer"):
            return self.schedule.optimizer
        return self.loop.optimizer

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        groups = self._optimizer().param_groups
        if not hasattr(self.schedule, "step"):
            lr = self._call_function(epoch, float(groups[0]["lr"]))
            for group in groups:
                group["lr"] = lr
        if self.verbose and groups[0]["lr"] != self._lr:
            say(f"Epoch {epoch + 1}: learning rate = {groups[0]['lr']:.6g}")
        self._lr = float(groups[0]["lr"])

    def _call_function(self, epoch: int, lr: float) -> float:
        try:
            value = self.schedule(epoch, lr)
        except TypeError:  # the old Keras signature schedule(epoch)
            value = self.schedule(epoch)
        value = float(value)
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"LearningRateScheduler: the schedule returned lr={value!r}")
        return value

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = self._lr
        if hasattr(self.schedule, "step"):
            if _is_plateau_scheduler(self.schedule):
                key = self.monitor if self.monitor in (logs or {}) else "loss"
                value = _monitored(logs, key, "LearningRateScheduler")
                if value is not None:
                    self.schedule.step(value)
            else:
                self.schedule.step()

    def state_dict(self) -> dict[str, Any]:
        if hasattr(self.schedule, "state_dict"):
            return {"schedule": self.schedule.state_dict()}
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if "schedule" in state:
            self.schedule.load_state_dict(state["schedule"])


# ---------------------------------------------------------------------- files
class ModelCheckpoint(Callback):
    """Save the model after every epoch, or only when ``monitor`` improves.

    Parameters
    ----------
    filepath : str or PathLike
        May hold ``str.format`` fields: ``{epoch}`` (from 1) and any log key, e.g.
        ``"ckpt-{epoch:02d}-{val_loss:.4f}.safetensors"``.
    monitor : str
        The logged quantity compared by ``save_best_only``.
    save_best_only : bool
        Save only when the epoch is the best so far (the file is then overwritten unless the
        name changes).
    mode : {"auto", "min", "max"}
    save_weights_only : bool
        Write only the state_dict (a safetensors file of the weights, PyTorch key names)
        instead of ``rb.save``'s full model (architecture + weights).
    initial_value_threshold : float, optional
        A value the monitored quantity must beat before the first save.

    Every file is written atomically (temporary file + rename).
    """

    def __init__(
        self,
        filepath: str | os.PathLike[str],
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        initial_value_threshold: float | None = None,
    ) -> None:
        self.filepath, self.monitor, self.verbose = os.fspath(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.mode = _monitor_mode(monitor, mode, "ModelCheckpoint")
        self.best = initial_value_threshold

    def _better(self, value: float) -> bool:
        if self.best is None:
            return True
        return value < self.best if self.mode == "min" else value > self.best

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if self.save_best_only:
            current = _monitored(logs, self.monitor, "ModelCheckpoint")
            if current is None or not self._better(current):
                return
            self.best = current
        try:
            path = self.filepath.format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError, ValueError) as e:
            raise ValueError(
                f"ModelCheckpoint: cannot fill in filepath {self.filepath!r} with epoch and "
                f"the logs {sorted(logs)}: {e}"
            ) from e
        self._save(path)
        if self.verbose:
            say(f"Epoch {epoch + 1}: saved model to {path}")

    def _save(self, path: str) -> None:
        from .. import io

        if not _writes_files():
            return
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)  # as Keras: made when needed
        if self.save_weights_only:
            io.save_state(path, self.model.state_dict(), {"content": "state_dict"})
        else:
            io.save(self.model, path)

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = state["best"]


class CSVLogger(Callback):
    """Write one row per epoch to a CSV file: the epoch (from 0), then every logged value,
    columns in sorted order (Keras's layout).

    Parameters
    ----------
    filename : str or PathLike
    separator : str
    append : bool
        Append to an existing file (and skip the header) instead of overwriting it; use it
        together with BackupAndRestore so resumed runs keep the earlier rows. A last line
        that a killed process left unfinished is removed first; with a BackupAndRestore in
        the fit, so are the rows of the epochs the fit (re)trains, from the one it starts
        at: each epoch has one row however often the run was killed and resumed.
    """

    def __init__(
        self, filename: str | os.PathLike[str], separator: str = ",", append: bool = False
    ) -> None:
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self._file: Any = None
        self._writer: Any = None
        self._keys: list[str] | None = None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._file, self._writer, self._keys = None, None, None
        self._started = False  # the file is opened at the first epoch's end

    def _open(self, epoch: int) -> None:
        """Open the file for the rows from ``epoch`` on (see ``append``)."""
        self._started = True
        if not _writes_files():
            return
        self._header: list[str] | None = None
        if self.append and os.path.exists(self.filename) and os.path.getsize(self.filename):
            cbs = getattr(getattr(self.loop, "callbacks", None), "callbacks", [])
            resumable = any(isinstance(c, BackupAndRestore) for c in cbs)
            self._header = self._keep_rows_before(epoch if resumable else None)
        self._file = open(self.filename, "a" if self.append else "w", newline="")  # noqa: SIM115

    def _keep_rows_before(self, epoch: int | None) -> list[str] | None:
        """Rewrite the file (atomically) with its header and its complete rows (of the
        epochs before ``epoch``, unless None); returns the header (None if it has none)."""
        from .. import io

        with open(self.filename, newline="") as f:
            text = f.read()
        if not text.endswith("\n"):  # a line cut off by a kill
            text = text[: text.rfind("\n") + 1]
        rows = list(csv.reader(text.splitlines(keepends=True), delimiter=self.sep))
        if not rows:
            return None
        header, kept = rows[0], []
        for row in rows[1:]:
            complete = len(row) == len(header) and row[0].isdigit()
            if complete and (epoch is None or int(row[0]) < epoch):
                kept.append(row)
        text = io_text(header, kept, self.sep)
        io.atomic_write(self.filename, text)
        return header

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if not self._started:
            self._open(epoch)
        if self._file is None:
            return
        logs = logs or {}
        if self._keys is None:
            header = self._header
            self._keys = sorted(logs) if header is None else header[1:]
            self._writer = csv.DictWriter(
                self._file, fieldnames=["epoch", *self._keys], delimiter=self.sep,
                extrasaction="ignore",
            )  # fmt: skip
            if header is None:
                self._writer.writeheader()
        row = {"epoch": epoch, **{k: logs.get(k, "NA") for k in self._keys}}
        self._writer.writerow(row)
        self._file.flush()

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def io_text(header: list[str], rows: list[list[str]], sep: str) -> str:
    """CSV text of a header and rows (the csv module's quoting)."""
    import io as _io

    buffer = _io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


class BackupError(ValueError):
    """A backup that cannot be resumed from: damaged, or written by another fit."""


class _BackupMismatch(BackupError):
    """A sound backup written by a fit with other callbacks."""


class BackupAndRestore(Callback):
    """Resume training after a crash or kill from the last finished epoch.

    At the end of every epoch the whole training state is written atomically to
    ``backup_dir/backup.safetensors``: the model's weights and buffers, the optimizer's state
    (moments, step counts, learning rates), every callback's state (schedules, early-stopping
    counters and best weights), the history so far, and the state of rosenblatt's random
    generator. When ``fit`` starts and the file exists, all of it is loaded and training goes
    on with the next epoch, so a resumed run ends with exactly the weights of an
    uninterrupted one (same seed, same arguments). When training ends normally the backup is
    deleted (Keras's semantics), unless ``delete_checkpoint=False``; after Ctrl-C or
    divergence it is kept.

    Parameters
    ----------
    backup_dir : str or PathLike
        Folder for the backup; created if missing. Use one folder per run.
    delete_checkpoint : bool
        Delete the backup when training finishes.
    """

    _restores = True

    def __init__(self, backup_dir: str | os.PathLike[str], delete_checkpoint: bool = True) -> None:
        self.backup_dir = os.fspath(backup_dir)
        self.delete_checkpoint = delete_checkpoint
        self.path = os.path.join(self.backup_dir, "backup.safetensors")
        self.resumed_epoch: int | None = None

    def _others(self) -> list[Callback]:
        return [c for c in self.loop.callbacks.callbacks if c is not self]

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.resumed_epoch = None
        if not os.path.exists(self.path):
            return
        before = get_weights(self.model)
        try:
            self._restore()
        except _BackupMismatch:
            raise
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, RuntimeError) as e:
            set_weights(self.model, before)  # nothing half-restored
            problem = " ".join(str(e).split())
            raise BackupError(
                f"BackupAndRestore: the backup {self.path} is damaged (or from another model) "
                f"and cannot be resumed from ({type(e).__name__}: {problem}); delete it "
                f"(rm {self.path!r}) to train from the start"
            ) from e

    def _restore(self) -> None:
        from .. import io

        s = _state.unpack(*io.load_state(self.path))
        others = self._others()
        if s["callbacks"] and len(s["callbacks"]) != len(others):
            raise _BackupMismatch(
                f"BackupAndRestore: {self.path} was written by a fit with "
                f"{len(s['callbacks'])} other callbacks, this fit has {len(others)}; "
                "resume with the same arguments (or delete the backup)"
            )
        self.model.load_state_dict(s["model"])
        if self.loop.optimizer is not None and s["optimizer"] is not None:
            self.loop.optimizer.load_state_dict(s["optimizer"])
        for cb, cb_state in zip(others, s["callbacks"]):
            if cb_state["type"] != type(cb).__name__:
                raise _BackupMismatch(
                    f"BackupAndRestore: callback mismatch: the backup has {cb_state['type']}, "
                    f"this fit has {type(cb).__name__} in that place (resume with the same "
                    "arguments, or delete the backup)"
                )
            cb.load_state_dict(cb_state["state"])
        _random.get_rng().bit_generator.state = s["rng"]
        self.model.stop_training = bool(s["stop_training"])
        self.loop.initial_epoch = self.resumed_epoch = int(s["epoch"]) + 1

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        optimizer = self.loop.optimizer
        training_state = {
            "epoch": epoch,
            "model": dict(self.model.state_dict()),
            "optimizer": None if optimizer is None else optimizer.state_dict(),
            "callbacks": [
                {"type": type(cb).__name__, "state": cb.state_dict()} for cb in self._others()
            ],
            "rng": _random.get_rng().bit_generator.state,
            "stop_training": bool(getattr(self.model, "stop_training", False)),
        }
        from .. import io

        if _writes_files():
            os.makedirs(self.backup_dir, exist_ok=True)
            io.save_state(self.path, *_state.pack(training_state))

    def on_train_end(self, logs: Logs | None = None) -> None:
        history = self.loop.history
        finished = not (history.interrupted or history.diverged is not None)
        if finished and self.delete_checkpoint and _writes_files() and os.path.exists(self.path):
            from .. import io

            os.remove(self.path)
            io.remove_stale_temporaries(self.backup_dir)  # of writes killed earlier
            if not os.listdir(self.backup_dir):
                os.rmdir(self.backup_dir)


# ---------------------------------------------------------------------- progress
def _format_logs(logs: Logs) -> str:
    return " - ".join(
        f"{k}: {v:.4g}" if isinstance(v, float) else f"{k}: {v}" for k, v in logs.items()
    )


def _short_name(key: str) -> str:
    return key.replace("accuracy", "acc")


def _fitted_postfix(logs: Logs, width: int) -> str:
    """The epoch's values that fit in ``width`` characters, most telling first: loss,
    val_loss, then each metric's validation value before its training value. Values with 3
    significant digits, accuracy shortened to acc."""
    names = [k for k in logs if k not in ("loss", "val_loss", "learning_rate")]
    metrics = [k for k in names if not k.startswith("val_")]
    order = ["loss", "val_loss"]
    for m in metrics:
        order += [f"val_{m}", m]
    order += [k for k in names if k not in order]
    parts: list[str] = []
    used = 0
    for k in order:
        if k not in logs:
            continue
        v = logs[k]
        item = f"{_short_name(k)} {v:.3g}" if isinstance(v, float) else f"{_short_name(k)} {v}"
        if used + len(item) + (2 if parts else 0) > width:
            break
        parts.append(item)
        used += len(item) + (2 if len(parts) > 1 else 0)
    return ", ".join(parts)


class ProgressBar(Callback):
    """The progress display of ``fit``: verbose=1 a tqdm bar over epochs (with the last
    epoch's loss and metrics) and one over the batches of the current epoch (with the
    running loss); verbose=2 one printed line per epoch; verbose=0 nothing.

    Uses ``tqdm.auto``, so the bars are widgets in a notebook and text in a terminal. In a
    terminal each bar fits its width (80 columns: a bar of 12 characters at least, then as
    many of loss, val_loss, val_acc, acc ... as fit); callbacks print their messages above
    the bars (``callbacks.say``).
    """

    _FIXED = 40  # "epochs 16/40 |" + "| 00:05<00:07, " + room for the bar itself

    def __init__(self, verbose: int = 1, file: Any = None) -> None:
        self.verbose, self.file = verbose, file
        self._epochs_bar: Any = None
        self._batches_bar: Any = None
        self._t0 = 0.0

    def _columns(self) -> int:
        import shutil

        return max(shutil.get_terminal_size((80, 24)).columns, 40)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._t0 = time.perf_counter()
        self._sum, self._count = 0.0, 0
        if self.verbose != 1:
            return
        from tqdm.auto import tqdm

        epochs, steps = self.params.get("epochs"), self.params.get("steps")
        ncols = self._columns()
        compact = "{desc} {n_fmt}/{total_fmt} |{bar}| {elapsed}<{remaining}{postfix}"
        if self._epochs_bar is None:
            self._epochs_bar = tqdm(
                total=epochs, initial=epoch, desc="epochs", unit="epoch", file=self.file,
                ncols=ncols, bar_format=compact,
            )  # fmt: skip
        if steps and steps > 1:
            if self._batches_bar is None:
                self._batches_bar = tqdm(
                    total=steps, desc=f"epoch {epoch + 1}", unit="batch", leave=False,
                    file=self.file, ncols=ncols, bar_format=compact,
                )  # fmt: skip
            else:
                self._batches_bar.reset(total=steps)
                self._batches_bar.set_description(f"epoch {epoch + 1}", refresh=False)

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        bar = self._batches_bar
        if bar is None or logs is None:
            return
        n = logs["size"]
        self._sum += logs["loss"] * n
        self._count += n
        if batch % 10 == 0:
            bar.set_postfix_str(f"loss {self._sum / self._count:.3g}", refresh=False)
        bar.update(1)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if self.verbose == 2:
            seconds = time.perf_counter() - self._t0
            line = f"Epoch {epoch + 1}/{self.params.get('epochs')} - {seconds:.2f}s"
            print(
                f"{line} - {_format_logs(logs)}" if logs else line,
                file=self.file or sys.stdout,
                flush=True,
            )
        elif self._epochs_bar is not None:
            width = max(self._epochs_bar.ncols or self._columns(), 40) - self._FIXED
            self._epochs_bar.set_postfix_str(_fitted_postfix(logs, width), refresh=False)
            self._epochs_bar.update(1)

    def on_train_end(self, logs: Logs | None = None) -> None:
        for bar in (self._batches_bar, self._epochs_bar):
            if bar is not None:
                bar.close()
        self._batches_bar = self._epochs_bar = None


def _as_callbacks(callbacks: Iterable[Callback] | Callback | None) -> list[Callback]:
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    out = list(callbacks)
    for cb in out:
        if not isinstance(cb, Callback):
            raise TypeError(
                f"callbacks must be rb.callbacks.Callback instances, got {type(cb).__name__}"
            )
    return out
