"""``rb.fit``: the training loop of the course's recipe, Keras-style.

Each epoch: shuffle the training samples (rosenblatt's seeded generator), then for each
batch forward, loss (+ penalty), backward, update; track the loss. Given a DataLoader
instead of arrays, the batches are the loader's, in its order. After the epoch the model
is evaluated on the validation data and the callbacks see the epoch's logs.

    for epoch in range(epochs):
        for (x, t) in batches(shuffle(X, y), batch_size):
            J = loss(model(x), t) + l1 * sum|w| + l2 * sum w^2
            optimizer.zero_grad(); J.backward(); optimizer.step()
"""

from __future__ import annotations

import copy
import inspect
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from .. import random as _random
from ..autograd import no_grad
from ..data.validation import check_count, check_split_classes
from ..tensor import Tensor
from ..utils.data import DataLoader
from .callbacks import (
    Callback,
    CallbackList,
    LearningRateScheduler,
    ProgressBar,
    TerminateOnNaN,
    _as_callbacks,
)
from .data_parallel import DataParallel, wanted
from .divergence import DivergenceGuard
from .fast import Chain, FlatParams
from .history import History
from .inputs import LoaderData, check_loss, loss_task, prepare, split_validation
from .metrics import Metric, metrics_for_loss
from .objective import CONVENTIONS, Penalty, per_sample_loss, sample_weights, weighted_mean

__all__ = ["TrainingDiverged", "fit"]

_EVAL_ROWS = 8192  # evaluation runs in chunks of at most this many samples


class TrainingDiverged(FloatingPointError):
    """The loss (or the weights) became NaN or inf during ``fit``.

    The model's weights (and buffers) have been put back to what they were at the start of
    the failing epoch -- the last ones known to be finite -- and the optimizer's
    per-parameter state (momenta, moments) has been cleared.

    Attributes
    ----------
    epoch, batch : int
        Where it happened, counted from 0 as in the callbacks (the message counts from 1).
    history : History
        The epochs finished before.
    """

    def __init__(self, message: str, epoch: int, batch: int, history: History) -> None:
        super().__init__(message)
        self.epoch, self.batch, self.history = epoch, batch, history


def _regularised_weights(model: Any) -> list[Any]:
    """The parameters the L1/L2 penalty applies to: the weights, i.e. every parameter with
    two or more dimensions. Biases and the scale/shift of normalisation layers (1-D) are not
    penalised, as in Keras's kernel_regularizer and the decks' sum over weights."""
    return [p for p in model.parameters() if p.requires_grad and p._data.ndim >= 2]


def _needs_closure(optimizer: Any) -> bool:
    """Whether ``optimizer.step`` requires a closure (L-BFGS, Newton, a genetic algorithm):
    its ``closure`` has no default, or it is one of rb.optim's optimizers with a ``step`` of
    its own (they take ``closure=None`` as torch's signature does)."""
    from ..optim import Optimizer

    try:
        param = inspect.signature(optimizer.step).parameters.get("closure")
    except (TypeError, ValueError):
        return False
    if param is None:
        return False
    if param.default is inspect.Parameter.empty:
        return True
    return isinstance(optimizer, Optimizer) and type(optimizer).step is not Optimizer.step


def _bounds(n: int, batch_size: int, merge_single: bool) -> list[tuple[int, int]]:
    """(start, stop) of each batch of an epoch; a last batch of one sample joins the one
    before it when ``merge_single`` (batch normalisation needs two samples)."""
    bounds = [(a, min(a + batch_size, n)) for a in range(0, n, batch_size)]
    if merge_single and len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1:
        bounds[-2:] = [(bounds[-2][0], n)]
    return bounds


def _has_batch_norm(model: Any) -> bool:
    from ..nn.normalization import _BatchNorm

    return any(isinstance(m, _BatchNorm) for m in model.modules())


class _Snapshot:
    """The last weights known to be good: copies of the parameters and buffers, taken at the
    start of every epoch into arrays allocated once (a few microseconds per epoch)."""

    def __init__(self, model: Any, optimizer: Any) -> None:
        self.params = list(model.parameters())
        self.tensors = self.params + list(model.buffers())
        self.copies = [np.empty_like(t._data) for t in self.tensors]
        self.optimizer = optimizer

    def take(self) -> None:
        for i, t in enumerate(self.tensors):
            if self.copies[i].shape == t._data.shape and self.copies[i].dtype == t._data.dtype:
                np.copyto(self.copies[i], t._data)
            else:
                self.copies[i] = np.array(t._data, copy=True)

    def restore(self) -> None:
        """Put the weights back and forget the optimizer's per-parameter state (its moments
        may hold NaN/inf by now; the next step starts them afresh, as a new optimizer would)."""
        for t, c in zip(self.tensors, self.copies):
            t._data[...] = c
        state = getattr(self.optimizer, "state", None)
        if isinstance(state, dict):
            state.clear()


Batch = tuple[np.ndarray, np.ndarray, "np.ndarray | None"]


class _Loop:
    """One run of ``fit``: the data, the model and what it trains with, and the epoch loop."""

    def __init__(self, model: Any, loss: Any, optimizer: Any, metrics: list[Metric],
                 callbacks: CallbackList, history: History, epochs: int,
                 batch_size: int | None, shuffle: bool, penalty: Penalty, convention: str,
                 train: tuple[np.ndarray, np.ndarray, np.ndarray | None] | LoaderData,
                 val: tuple[np.ndarray, np.ndarray, np.ndarray | None] | LoaderData | None,
                 generator: np.random.Generator | None) -> None:  # fmt: skip
        self.model, self.loss, self.optimizer, self.metrics = model, loss, optimizer, metrics
        self.callbacks, self.history, self.epochs = callbacks, history, epochs
        self.shuffle, self.penalty, self.sklearn = shuffle, penalty, convention == "sklearn"
        self.generator = generator
        self.loader = train if isinstance(train, LoaderData) else None
        self.X: np.ndarray | None = None  # the arrays, when there is no loader
        self.y: np.ndarray | None = None
        self.w: np.ndarray | None = None  # the sample weights, when given
        self.val = val
        self.bounds: list[tuple[int, int]] = []
        self.steps: int | None = None
        if isinstance(train, LoaderData):
            self.steps = train.steps
        else:
            self.X, self.y, self.w = train
            n = len(self.X)
            size = n if batch_size is None else min(int(batch_size), n)
            self.bounds = _bounds(n, size, _has_batch_norm(model))
            self.steps = len(self.bounds)
        self.custom = callable(getattr(model, "train_step", None))
        self.weights = _regularised_weights(model) if penalty else []
        self.weighted_loss = per_sample_loss(loss) if self.w is not None else None
        self.closure = optimizer is not None and _needs_closure(optimizer)
        self.par: DataParallel | None = None  # fit(distributed=True): shards, DDP, sums
        self.net = model  # computes the training forward (the DDP wrapper when parallel)
        self.initial_epoch = 0
        self.last_good = _Snapshot(model, optimizer)
        self.guard = DivergenceGuard()  # NaN/inf, or far above the loss at the start
        self.chain: Chain | None = None  # the fast path, set up by run_epochs
        self.flat: FlatParams | None = None
        self.chain_grads: list[np.ndarray] = []

    # ------------------------------------------------------------------ penalty
    def add_penalty_gradient(self, scale: float) -> None:
        """dJ/dw += scale dP/dw (into the flat gradient, or as a new array: backward may
        share gradient arrays)."""
        if self.flat is not None:
            for w, g in zip(self.flat.weights, self.flat.grads):
                g += self.penalty.gradient(w, scale)
            return
        self.penalty.add_to_grads(self.weights, scale)

    def penalty_value(self, scale: float) -> float:
        weights = self.flat.weights if self.flat is not None else [p._data for p in self.weights]
        return self.penalty.value(weights, scale)

    # ------------------------------------------------------------------ last good state
    def weights_finite(self) -> bool:
        """Whether every weight is finite. One sum per parameter: NaN and inf propagate
        through it, and a sum of finite weights overflows only for weights near 1e38 / size,
        which no converging network has."""
        for p in self.last_good.params:
            if not math.isfinite(p._data.sum()):
                return False
        return True

    def diverged(self, epoch: int, batch: int, what: str) -> TrainingDiverged:
        self.last_good.restore()
        if self.flat is not None:
            self.flat.state.clear()
        msg = (
            f"training diverged: {what} at epoch {epoch + 1}/{self.epochs}, batch "
            f"{batch + 1}/{self.steps or '?'}; the weights were restored to those at the start of "
            f"epoch {epoch + 1}. Lower the learning rate or scale the features."
        )
        return TrainingDiverged(msg, epoch, batch, self.history)

    # ------------------------------------------------------------------ one epoch
    def batches(self) -> Iterator[Batch]:
        """The epoch's (x, t, w) batches: the DataLoader's (without weights), or slices of
        (X, y, w) after one shuffling gather per epoch (the batches are then views)."""
        if self.loader is not None:
            for xb, tb in self.loader:
                yield xb, tb, None
            return
        X, y, w = self.X, self.y, self.w
        assert X is not None and y is not None and self.steps is not None
        if self.shuffle and self.steps > 1:
            order = _random.get_rng().permutation(len(X))
            if self.par is not None:  # rank 0's order: every rank cuts the same batches
                order = self.par.same_order(order)
            X, y = X[order], y[order]
            w = None if w is None else w[order]
        for a, b in self.bounds:
            yield X[a:b], y[a:b], None if w is None else w[a:b]

    def train_epoch(self, epoch: int) -> dict[str, float]:
        """One pass over the (shuffled) training set; returns the epoch's loss and metrics."""
        metrics = self.metrics
        batch_begin, batch_end = self.callbacks.batch_begin, self.callbacks.batch_end
        for m in metrics:
            m.reset()
        total, n, b = 0.0, 0, 0
        extra: dict[str, list[float]] = {}  # train_step's other logs: sum, samples
        for b, (xb, tb, wb) in enumerate(self.batches()):
            nb = len(xb)
            n += nb
            for hook in batch_begin:
                hook(b, {"size": nb})
            if self.par is not None and self.loader is None:  # this rank's shard of the batch
                xb, tb = xb[self.par.part(nb)], tb[self.par.part(nb)]
            x, t = Tensor._make(xb, None), Tensor._make(tb, None)
            out: Any
            if self.custom:
                value, out = self.custom_step(x, t, extra, nb), None
            elif self.closure:
                value, out = self.closure_step(x, t, nb)
            else:
                value, out = self.step(x, t, wb, nb)
            problem = self.guard.check(value)
            if problem:
                raise self.diverged(epoch, b, problem)
            total += value * nb
            for m in metrics if len(tb) else ():
                m.update(out, tb)
            for hook in batch_end:
                hook(b, {"loss": value, "size": nb})
        if not self.weights_finite():
            raise self.diverged(epoch, b, "the weights became NaN/inf")
        if self.par is not None:  # the metrics' sums over every rank's shards
            self.par.merge(metrics)
        logs = {"loss": total / n}
        logs.update({k: s / c for k, (s, c) in extra.items()})
        for m in metrics:
            logs[m.name] = m.result()
        return logs

    def step(self, x: Tensor, t: Tensor, w: np.ndarray | None, n: int) -> tuple[float, np.ndarray]:
        """One update on a batch of n samples (x: this rank's shard when data-parallel):
        forward, loss (+ penalty), backward, optimizer step -- along the chain of primitives
        where the model is one, else through the recorded graph. Returns the batch's J and
        the model's outputs."""
        denominator = float(w.sum()) if self.sklearn and w is not None else float(n)
        if not denominator:  # a batch of weight 0 ("sklearn") counts for nothing
            with no_grad():
                return 0.0, self.model(x)._data
        if self.chain is not None:
            grads = (
                self.chain_grads
                if self.flat is not None
                else [np.empty_like(p._data) for p in self.chain.params]
            )
            value, out = self.chain.step(x._data, t._data, grads, w, denominator)
            if self.flat is None:
                for p, g in zip(self.chain.params, grads):
                    p._grad = Tensor._make(g, None)
        else:
            out_t = self.net(x)
            if w is None:
                loss = self.batch_loss(out_t, t, n)
            else:
                assert self.weighted_loss is not None
                loss = weighted_mean(self.weighted_loss(out_t, t), w, denominator)
            self.optimizer.zero_grad()
            loss.backward()
            value, out = self.batch_value(loss), out_t._data
            if self.flat is not None:
                self.flat.collect()
        if self.weights:
            scale = 1.0 / denominator if self.sklearn else 1.0
            value += self.penalty_value(scale)
            if math.isfinite(value):
                self.add_penalty_gradient(scale)
        if math.isfinite(value):
            if self.flat is not None:
                self.flat.step()
            else:
                self.optimizer.step()
        return value, out

    def custom_step(self, x: Tensor, t: Tensor, extra: dict[str, list[float]], n: int) -> float:
        """The model's own ``train_step(x, t)`` (a GAN's round of the game): it updates the
        weights itself and returns its logs, "loss" among them."""
        logs = self.net.train_step(x, t)
        for k, v in logs.items():
            if k != "loss":
                if not math.isfinite(v):
                    return float(v)
                sums = extra.setdefault(k, [0.0, 0])
                sums[0] += v * n
                sums[1] += n
        return float(logs["loss"])

    def batch_loss(self, out: Tensor, t: Tensor, batch: int) -> Tensor:
        """The loss to differentiate: loss(out, t), or this rank's share of the global
        batch's loss when data-parallel (see ``data_parallel``)."""
        if self.par is None:
            return self.loss(out, t)
        whole = batch if self.loader is None else len(out) * self.par.world
        return self.par.loss(self.loss, out, t, whole)

    def batch_value(self, loss: Tensor) -> float:
        """The batch's loss as a number (the global batch's, after backward, when parallel)."""
        return float(loss._data) if self.par is None else self.par.batch_value()

    def closure_step(self, x: Tensor, t: Tensor, size: int) -> tuple[float, np.ndarray]:
        """One ``optimizer.step(closure)`` (L-BFGS and the like): the closure recomputes loss
        and gradients; the loss and output of its first call are what the epoch reports."""
        first: list[Any] = []

        def closure() -> Tensor:
            self.optimizer.zero_grad()
            out = self.net(x)
            loss = self.batch_loss(out, t, size)
            loss.backward()
            value = self.batch_value(loss)
            if self.weights:
                self.add_penalty_gradient(1.0)
                value += self.penalty_value(1.0)
            if not first:
                first.append((value, out._data))
            return Tensor._make(np.asarray(value, dtype=loss._data.dtype), None)

        self.optimizer.step(closure)
        return first[0]

    # ------------------------------------------------------------------ evaluation
    def evaluate(
        self, data: tuple[np.ndarray, np.ndarray, np.ndarray | None] | LoaderData
    ) -> dict[str, float]:
        """Loss (+ penalty) and metrics on (X, y[, w]) or a DataLoader's batches, in eval
        mode, without building a graph."""
        self.model.eval()
        metrics = [copy.copy(m) for m in self.metrics]
        for m in metrics:
            m.reset()
        total, n = 0.0, 0.0
        with no_grad():
            for xb, tb, wb in _eval_batches(data):
                weight: float = len(xb)  # loss * batch size: the batch's sum of losses
                if self.par is not None:  # this rank's shard and its share of that sum
                    xb, tb, weight = self.par.eval_shard(xb, tb, isinstance(data, LoaderData))
                    if not len(xb):
                        continue
                out = self.model(Tensor._make(xb, None))
                t = Tensor._make(tb, None)
                count: float = len(xb)  # the samples (or, weighted, their weight) in the mean
                if wb is None:
                    loss = self.loss(out, t)
                else:  # sum_i w_i l_i / d, d = the batch's weight or size (the convention)
                    weight = count = float(wb.sum()) if self.sklearn else len(xb)
                    loss = weighted_mean(per_sample_loss(self.loss)(out, t), wb, weight or 1.0)
                n += count
                total += float(loss._data) * weight
                for m in metrics:
                    m.update(out._data, tb)
        self.model.train()
        if self.par is not None:  # add up the ranks' sums
            total, n = self.par.merge(metrics, total, n)
        scale = 1.0 / n if self.sklearn else 1.0
        logs = {"loss": total / n + (self.penalty_value(scale) if self.weights else 0.0)}
        for m in metrics:
            logs[m.name] = m.result()
        return logs

    # ------------------------------------------------------------------ the run
    def run_epochs(self) -> dict[str, float]:
        """Epochs from ``initial_epoch`` (set by BackupAndRestore) until ``epochs`` or until a
        callback sets ``model.stop_training``; returns the last epoch's logs."""
        model, callbacks, logs = self.model, self.callbacks, {}
        epoch = self.initial_epoch
        self.start_fast_path()
        try:
            # overflow on the way to a NaN loss is reported once, by TrainingDiverged
            with np.errstate(over="ignore", invalid="ignore"):
                while epoch < self.epochs and not model.stop_training:
                    callbacks.on_epoch_begin(epoch)
                    if self.flat is not None:
                        self.flat.relink()
                    self.last_good.take()
                    logs = self.train_epoch(epoch)
                    if self.val is not None:
                        logs.update({f"val_{k}": v for k, v in self.evaluate(self.val).items()})
                    if self.flat is not None:
                        self.flat.sync_state()
                    callbacks.on_epoch_end(epoch, logs)
                    epoch += 1
        finally:
            if self.flat is not None:
                self.flat.close()
            self.flat = self.chain = None
        if model.stop_training and self.history.epoch:
            self.history.stopped_epoch = self.history.epoch[-1]
        return logs

    def start_fast_path(self) -> None:
        """The chain of primitives and the flat parameter vector, where they apply (never for
        a data-parallel run, a closure optimizer or a model with its own train_step)."""
        if self.par is not None or self.closure or self.custom or self.loader is not None:
            return
        assert self.y is not None
        self.chain = Chain.build(self.model, self.loss, self.y)
        self.flat = FlatParams.build(self.model, self.optimizer)
        if self.chain is not None and self.flat is not None:
            index = {id(p): i for i, p in enumerate(self.flat.params)}
            self.chain_grads = [self.flat.grads[index[id(p)]] for p in self.chain.params]

    def run(self) -> History:
        model, callbacks, history = self.model, self.callbacks, self.history
        was_training = model.training
        model.stop_training = False
        model.train()
        callbacks.set_loop(self)
        logs: dict[str, float] = {}
        try:
            with _random.use_generator(self.generator):
                callbacks.on_train_begin()
                if self.par is not None:
                    self.par.check_start(self.initial_epoch)
                logs = self.run_epochs()
        except KeyboardInterrupt:
            history.interrupted = True
            warnings.warn(
                f"training interrupted (Ctrl-C) after {len(history.epoch)} finished epochs",
                RuntimeWarning,
                stacklevel=3,
            )
        except TrainingDiverged as e:
            history.diverged = e
            callbacks.on_train_end(logs)
            if any(isinstance(c, TerminateOnNaN) for c in callbacks.callbacks):
                warnings.warn(str(e), RuntimeWarning, stacklevel=3)
                return history
            raise
        finally:
            model.train(was_training)
            if self.par is not None:
                self.par.close()
        callbacks.on_train_end(logs)
        return history


def _eval_batches(
    data: tuple[np.ndarray, np.ndarray, np.ndarray | None] | LoaderData,
) -> Iterator[Batch]:
    """Evaluation batches: a DataLoader's, or (X, y[, w]) in chunks of ``_EVAL_ROWS``."""
    if isinstance(data, LoaderData):
        return ((x, t, None) for x, t in data)
    X, y, w = data
    return (
        (X[a : a + _EVAL_ROWS], y[a : a + _EVAL_ROWS], None if w is None else w[a : a + _EVAL_ROWS])
        for a in range(0, len(X), _EVAL_ROWS)
    )


def _n_samples(data: tuple[Any, ...] | LoaderData) -> int | None:
    return data.samples if isinstance(data, LoaderData) else len(data[0])


def fit(
    model: Any,
    X: Any,
    y: Any = None,
    loss: Any = None,
    optimizer: Any = None,
    epochs: int = 10,
    batch_size: int | None = 32,
    validation_data: tuple[Any, ...] | None = None,
    validation_split: float = 0.0,
    callbacks: Iterable[Callback] | Callback | None = (),
    metrics: Sequence[str | Callable[..., float] | Metric] | None = None,
    shuffle: bool = True,
    l1: float = 0.0,
    l2: float = 0.0,
    verbose: int = 1,
    scheduler: Any = None,
    distributed: bool | None = None,
    sample_weight: Any = None,
    class_weight: dict[Any, float] | None = None,
    convention: str = "keras",
    generator: np.random.Generator | None = None,
) -> History:
    """Train ``model`` on (X, y): minimise J = loss(model(x), t) + l1 sum|w| + l2 sum w^2.

    Mini-batch gradient descent by default; ``batch_size=None`` is (full-)batch gradient
    descent, ``batch_size=1`` online SGD. Keras's semantics and names throughout. A model
    that is an ``nn.Sequential`` of Linear layers and activations trains on the fast path
    (``rosenblatt.train.fast``: no graph, one flat parameter vector), bit for bit as it
    would through the recorded graph.

    Parameters
    ----------
    model : nn.Module
        Trained in ``train()`` mode, evaluated in ``eval()`` mode under ``rb.no_grad()``; its
        mode is put back at the end.
    X : array_like or Tensor, shape (N, ...), or rb.utils.data.DataLoader
        Inputs; cast to the dtype of the model's parameters. Or a DataLoader yielding
        (x, y) batches, iterated afresh every epoch: its sampler and batch size decide
        the batches (``batch_size`` and ``shuffle`` of fit do not apply), and each batch is
        converted as arrays would be -- the first batch is checked in full before training
        starts, the others are cast to the same dtypes and target shape.
    y : array_like or Tensor, shape (N,) or (N, ...); None when X is a DataLoader
        Targets: class indices for ``CrossEntropyLoss``/``NLLLoss`` (or probability rows);
        0/1 floats for ``BCELoss``/``BCEWithLogitsLoss``; values for regression losses.
        ``(N,)`` targets are reshaped to ``(N, 1)`` for a model with one output.
    loss : loss module or function, default ``nn.CrossEntropyLoss()``
    optimizer : rb.optim optimizer, default ``optim.Adam(model.parameters(), lr=1e-3)``
        ``step(closure)`` optimizers (L-BFGS, Newton) get a closure automatically.
    epochs : int
        Passes over the training data.
    batch_size : int or None
        Samples per update; None uses all of them (batch gradient descent).
    validation_data : (X_val, y_val), (X_val, y_val, w_val) or DataLoader, optional
        Evaluated after every epoch ("val_loss", "val_accuracy", ...); w_val weighs the
        samples of "val_loss".
    validation_split : float
        Fraction of (X, y) held out for validation, taken from the END of the data before
        shuffling (Keras), with its sample weights. Ignored when ``validation_data`` is
        given; not with a DataLoader (split its data set with
        ``rb.utils.data.random_split`` instead).
    callbacks : Callback or list of Callback
        See ``rb.callbacks``: EarlyStopping, ModelCheckpoint, BackupAndRestore,
        ConvergenceTest, LearningRateScheduler, CSVLogger, TerminateOnNaN (and
        NoImprovement, scikit-learn's stopping rule, for its estimators).
    metrics : list of str or functions, optional
        Default: ["accuracy"] for CrossEntropy/NLL/BCE/BCEWithLogits (arg-max, threshold 0 on
        logits, 0.5 on probabilities); ["mse", "mae", "r2"] for MSELoss/L1Loss; none else.
    shuffle : bool
        Shuffle the training samples every epoch (rb's seeded generator).
    l1, l2 : float
        Penalty coefficients: J = loss + l1 sum|w| + l2 sum w^2, summed over the weights
        (parameters with two or more dimensions; biases are not penalised).
    verbose : {0, 1, 2}
        0 silent, 1 progress bars (tqdm.auto), 2 one line per epoch.
    scheduler : rb.optim.lr_scheduler instance or function (epoch, lr) -> lr, optional
        Stepped once per epoch (see ``callbacks.LearningRateScheduler``).
    distributed : bool or None
        Data-parallel training over the ranks of an MPI job (``mpiexec -n P``): each global
        batch of ``batch_size`` samples is split across the ranks and the gradients are
        averaged (DistributedDataParallel), so the steps equal one process's; only rank 0
        prints and writes files. None (default): on when started by mpiexec with P > 1.
        See ``rosenblatt.train.data_parallel``.
    sample_weight : array_like of shape (N,), optional
        Keras's meaning: sample i's loss counts w_i times, J = sum_i w_i l_i / n + penalty
        for a batch of n (a sample's l_i the mean over its outputs); with arrays only.
    class_weight : dict, optional
        Keras's meaning: class c's samples count ``class_weight[c]`` times (multiplying
        ``sample_weight``, by ``rosenblatt.train.objective.sample_weights``); for
        class-index targets or 0/1 targets.
    convention : {"keras", "sklearn"}
        How a batch's J is normalised (``rosenblatt.train.objective``): "keras" as above;
        "sklearn" J = (sum_i w_i l_i + P) / sum_i w_i, the penalty shared by the batch's
        samples, so that a sample of integer weight k counts as k copies of it
        (scikit-learn's MLP: alpha/(2m) sum W^2 is l2 = alpha/2).
    generator : numpy Generator, optional
        The run's randomness (shuffling, dropout masks, noise layers) draws from it instead
        of rosenblatt's global generator, which is left as it was.

    Returns
    -------
    History
        ``history.history["loss"]`` has one value per epoch: the mean over the epoch's
        batches, weighted by batch size, of the batch's J -- the data loss PLUS the penalty,
        as Keras reports it. "val_loss" likewise includes the penalty (at the epoch's final
        weights). Metrics use the model's outputs during the epoch (Keras's running
        metrics); "val_" metrics the final weights.

    Raises
    ------
    ValueError
        Bad data, found before training starts: NaN/inf in X or y (how many, where); labels
        outside [0, n_outputs); a feature width the first layer does not take (naming the
        layer, expected and actual width); targets whose shape does not match the output.
    TrainingDiverged
        The loss (or, after the epoch's last update, a weight) became NaN/inf; the message
        names epoch and batch. The weights are restored to those at the start of that
        epoch -- the last ones known to be good -- and the optimizer's per-parameter state is
        cleared. With a ``TerminateOnNaN`` callback a warning is issued instead and the
        history is returned with ``history.diverged`` set.

    Notes
    -----
    A model with a method ``train_step(x, t)`` does its own update on each batch (Keras's
    ``Model.train_step``: a GAN's round of the game) and returns its logs, "loss" among
    them; fit runs the epochs, batches, callbacks and the divergence guard around it (no
    loss, optimizer, metrics or penalty of fit's then).

    A model with batch normalisation never gets a last batch of one sample: it joins the
    batch before it.

    Ctrl-C (KeyboardInterrupt) stops training cleanly: the callbacks' ``on_train_end`` runs
    (EarlyStopping with ``restore_best_weights`` puts the best weights back, CSV files are
    closed, a BackupAndRestore backup is kept), a RuntimeWarning is issued, and ``fit``
    RETURNS the history with ``history.interrupted = True`` instead of re-raising.

    Examples
    --------
    >>> import numpy as np, rosenblatt as rb
    >>> from rosenblatt import nn
    >>> _ = rb.manual_seed(0)
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    >>> y = np.array([0, 1, 1, 0])
    >>> model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    >>> opt = rb.optim.Adam(model.parameters(), lr=0.05)
    >>> h = rb.fit(model, X, y, optimizer=opt, epochs=300, batch_size=None, verbose=0)
    >>> h.history["accuracy"][-1]
    1.0
    """
    from .. import nn, optim

    custom = callable(getattr(model, "train_step", None))
    loss_fn = nn.CrossEntropyLoss() if loss is None and not custom else loss
    check_count(epochs, "epochs", 0)
    if batch_size is not None:
        check_count(batch_size, "batch_size", 1, " or None")
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1 or 2, got {verbose!r}")
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, got {convention!r}")
    penalty = Penalty(l1, l2)
    weighted = sample_weight is not None or class_weight is not None
    if custom and (loss_fn is not None or metrics or penalty or weighted):
        raise ValueError(
            f"{type(model).__name__} has its own train_step: fit takes no loss, metrics, "
            "penalty or sample weights for it"
        )
    task = loss_task(loss_fn)
    train: tuple[np.ndarray, np.ndarray, np.ndarray | None] | LoaderData
    if isinstance(X, DataLoader):
        if y is not None:
            raise ValueError("y must be None when X is a DataLoader: its batches hold the targets")
        if weighted:
            raise ValueError("sample_weight and class_weight need arrays, not a DataLoader")
        train = LoaderData(X, model, task)
        Xa, ya = train.first
    elif y is None:
        raise ValueError("fit needs targets y (or a DataLoader of (x, y) batches as X)")
    else:
        Xa, ya = prepare(model, X, y, task)
        wa = sample_weights(sample_weight, class_weight, ya, len(Xa)) if weighted else None
        train = (Xa, ya, wa)
    if loss_fn is not None:
        check_loss(model, loss_fn, Xa, ya)
    val: tuple[np.ndarray, np.ndarray, np.ndarray | None] | LoaderData | None = None
    if isinstance(validation_data, DataLoader):
        val = LoaderData(validation_data, model, task, name="validation_data ")
    elif validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError("validation_data must be a pair (X_val, y_val) or (X_val, y_val, w)")
        Xv, yv = prepare(model, validation_data[0], validation_data[1], task, "validation_data ")
        wv = validation_data[2] if len(validation_data) == 3 else None
        val = (Xv, yv, None if wv is None else sample_weights(wv, None, yv, len(Xv)))
    elif validation_split:
        if isinstance(train, LoaderData):
            raise ValueError(
                "validation_split needs arrays; with a DataLoader pass validation_data= another "
                "DataLoader (split the data set with rb.utils.data.random_split)"
            )
        wa = train[2]
        Xa, ya, Xv, yv = split_validation(Xa, ya, validation_split)
        if task in ("multiclass", "binary_logits", "binary_probs"):
            check_split_classes(ya, yv)  # a warning for data sorted by class
        k = len(Xa)
        train = (Xa, ya, None if wa is None else wa[:k])
        val = (Xv, yv, None if wa is None else wa[k:])
    if optimizer is None and not custom:
        optimizer = optim.Adam(model.parameters(), lr=1e-3)
    metric_list = [] if custom else metrics_for_loss(task, metrics)
    names = [m.name for m in metric_list]
    if len(set(names)) != len(names):
        raise ValueError(f"metrics must have distinct names, got {names}")

    par = DataParallel(model, loss_fn) if wanted(distributed) else None
    if par is not None and weighted:
        raise ValueError("sample_weight and class_weight are not supported with distributed=True")
    if par is not None and par.rank != 0:
        verbose = 0  # only rank 0 reports progress
    user = _as_callbacks(callbacks)
    if scheduler is not None:
        user.insert(0, LearningRateScheduler(scheduler))
    history = History()
    n_train = len(Xa)
    bs = n_train if batch_size is None else min(int(batch_size), n_train)
    params = {
        "epochs": epochs,
        "steps": len(_bounds(n_train, bs, _has_batch_norm(model))),
        "batch_size": batch_size,
        "samples": n_train,
        "validation_samples": 0 if val is None else _n_samples(val),
        "verbose": verbose,
        "metrics": names,
        "l1": l1,
        "l2": l2,
    }
    if isinstance(train, LoaderData):  # the loader decides the batches
        params.update(steps=train.steps, batch_size=X.batch_size, samples=train.samples)
    history.params = params
    cb_list = CallbackList([*user, ProgressBar(verbose), history], model, params)
    loop = _Loop(model, loss_fn, optimizer, metric_list, cb_list, history, epochs, batch_size,
                 shuffle, penalty, convention, train, val, generator)  # fmt: skip
    if par is None:
        return loop.run()
    loop.par, loop.net = par, par.net
    return par.run(loop, shared=(TrainingDiverged,))
