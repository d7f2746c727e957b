"""Multi-layer perceptrons as scikit-learn estimators, trained on rosenblatt's engine.

The network is an ``nn.Sequential`` of ``nn.Linear`` layers with an activation after each
hidden layer (optionally ``nn.BatchNorm1d`` before it and ``nn.Dropout`` after it). It
trains in float32 (predictions evaluate the trained weights in float64, so that they do
not depend on the batch a sample comes in). Training follows scikit-learn's MLP semantics:
mini-batches of ``batch_size`` from a shuffled epoch, the mean loss of the batch plus the
penalty

    alpha/(2m) sum |W|^2 + l1/m sum |W|      (m = samples in the batch, weights only),

an epoch loss that is the sample-weighted mean of the batch losses (``loss_curve_``), and
the stopping rule "no improvement larger than tol for n_iter_no_change epochs" on the
training loss, or on the validation score with ``early_stopping``.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import scipy.optimize
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import nn, optim
from .. import random as _random
from ..autograd import Function, no_grad
from ..nn import functional as F
from ..ops import elementwise as E
from ..ops.linalg import Linear
from ..ops.loss import MSE, BCEWithLogits, SoftmaxCrossEntropy
from ..tensor import Tensor
from ._base import ConvergenceWarning, ProbabilisticClassifierMixin, check_param, make_rng

__all__ = ["MLPClassifier", "MLPRegressor"]

_F32 = np.float32

#: activation name -> module; scikit-learn's names ("identity", "logistic", "tanh", "relu")
#: and the course's others.
ACTIVATIONS: dict[str, type[nn.Module]] = {
    "identity": nn.Identity,
    "logistic": nn.Sigmoid,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "selu": nn.SELU,
    "gelu": nn.GELU,
    "softplus": nn.Softplus,
}


#: activation modules whose primitive takes the input alone: the networks of Linear layers
#: and these activations backpropagate along a chain (see _Chain).
CHAIN_ACTIVATIONS: dict[type[nn.Module], type[Function]] = {
    nn.ReLU: E.ReLU,
    nn.Tanh: E.Tanh,
    nn.Sigmoid: E.Sigmoid,
}


def first_order_optimizers() -> dict[str, type[optim.Optimizer]]:
    """The optimizers of ``rb.optim`` that step from ``.grad`` alone, by lower-case name."""
    found = {}
    for obj in vars(optim).values():
        if (
            isinstance(obj, type)
            and issubclass(obj, optim.Optimizer)
            and obj._update is not optim.Optimizer._update
        ):
            found[obj.__name__.lower()] = obj
    return found


@contextlib.contextmanager
def _drawing_from(rng: np.random.Generator) -> Iterator[None]:
    """Let rosenblatt's global generator be ``rng`` for a while, so layer initialisation,
    shuffling and dropout masks all follow the estimator's ``random_state``."""
    saved = _random._rng
    _random._rng = rng
    try:
        yield
    finally:
        _random._rng = saved


def _penalize(
    g: np.ndarray, w: np.ndarray, n_weights: int, alpha: float, l1: float, m: int
) -> float:
    """Add the penalty's gradient (alpha w + l1 sign(w)) / m to ``g`` in place and return the
    penalty (alpha/2 sum w^2 + l1 sum |w|) / m -- scikit-learn's, added to the mean loss of
    a batch of m samples. ``g`` and ``w`` are flat vectors of all parameters, the Linear
    weights first (``w[:n_weights]``; biases are not penalised)."""
    value = 0.0
    gw, ww = g[:n_weights], w[:n_weights]
    if alpha:
        gw += (alpha / m) * ww
        value += 0.5 * alpha * float(np.dot(ww, ww)) / m
    if l1:
        sw = np.sign(ww)
        gw += (l1 / m) * sw
        value += l1 * float(np.dot(sw, ww)) / m
    return value


class _Chain:
    """Backpropagation along a network that is a chain of primitives, without a graph.

    A network of Linear layers and the activations of CHAIN_ACTIVATIONS (no batch norm, no
    dropout) computes a chain x -> Linear -> f -> ... -> Linear -> loss, so its backward
    pass is each primitive's ``backward`` in reverse order. :meth:`step` calls the same
    primitives (``forward`` / ``backward`` of ``ops``) on the same arrays as
    ``loss.backward()`` on the recorded graph, and gets the same numbers, without making
    Tensors, recording nodes and walking the graph: on a 64-100-10 network with batches
    of 200 that bookkeeping took about as long as the forward pass.

    Parameters
    ----------
    model : nn.Sequential
    loss : Function subclass
        The fused loss primitive, called as ``loss.forward(outputs, targets)``.
    scale : float
        The loss is ``scale * loss`` (1/2 for the squared error).
    grads : dict
        id(parameter) -> the array that receives its gradient (a view of the flat buffer).
    """

    def __init__(
        self, model: nn.Sequential, loss: type[Function], scale: float, grads: dict[int, Any]
    ) -> None:
        self.layers: list[tuple[type[Function], list[Tensor]]] = []
        for m in model:
            if isinstance(m, nn.Linear):  # (the estimator's layers all have a bias)
                self.layers.append((Linear, [m.weight, m.bias]))
            elif type(m) in CHAIN_ACTIVATIONS:
                self.layers.append((CHAIN_ACTIVATIONS[type(m)], []))
            elif not isinstance(m, nn.Identity):
                raise TypeError(f"_Chain: {type(m).__name__} is not a chain primitive")
        self.views = [[grads[id(p)] for p in params] for _, params in self.layers]
        self.loss, self.scale = loss, scale

    @staticmethod
    def fits(model: nn.Sequential) -> bool:
        """Whether ``model`` is such a chain."""
        return all(isinstance(m, (nn.Linear, nn.Identity, *CHAIN_ACTIVATIONS)) for m in model)

    def step(self, x: np.ndarray, target: np.ndarray) -> float:
        """Forward and backward on a batch; the gradients land in ``grads``; returns the loss."""
        fns = []
        for cls, params in self.layers:
            fn = cls()
            if params:  # Linear: dL/dx (not for the first layer), dL/dW, dL/db
                fn.needs_input_grad = (bool(fns), True, True)
                x = fn.forward(x, params[0]._data, params[1]._data)
            else:
                fn.needs_input_grad = (True,)
                x = fn.forward(x)
            fns.append(fn)
        loss = self.loss()
        loss.needs_input_grad = (True, False)
        scale = np.asarray(self.scale, dtype=x.dtype)
        value = loss.forward(x, target) * scale
        g = loss.backward(scale)
        if type(g) is tuple:  # (dL/d outputs, None for the targets)
            g = g[0]
        for fn, views in zip(reversed(fns), reversed(self.views)):
            if views:  # Linear: dL/dx (None for the first layer), dL/dW, dL/db
                g, *grads = fn.backward(g)
                for view, pg in zip(views, grads):
                    view[...] = pg.ravel()
            else:  # activation: dL/dx
                g = fn.backward(g)
        return float(value)


class _BaseMLP(BaseEstimator):
    """Shared training code of MLPClassifier and MLPRegressor."""

    _target_kind = ""  # "classes" or "values"

    def __init__(
        self,
        hidden_layer_sizes: Sequence[int] = (100,),
        activation: str | Sequence[str] = "relu",
        *,
        solver: str = "adam",
        alpha: float = 1e-4,
        l1: float = 0.0,
        dropout: float = 0.0,
        batch_norm: bool = False,
        batch_size: int | str = "auto",
        learning_rate_init: float = 1e-3,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        momentum: float = 0.9,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        warm_start: bool = False,
        verbose: bool = False,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.l1 = l1
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.momentum = momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.verbose = verbose

    # ------------------------------------------------------------------ subclass hooks
    def _targets(self, y: np.ndarray, first: bool, classes: Any = None) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover

    def _loss(self, out: Tensor, target: Tensor) -> Tensor:
        raise NotImplementedError  # pragma: no cover

    def _loss_primitive(self) -> tuple[type[Function], float]:
        """The fused primitive of ``_loss`` and its factor (for _Chain)."""
        raise NotImplementedError  # pragma: no cover

    def _score_outputs(self, out: np.ndarray, target: np.ndarray) -> float:
        raise NotImplementedError  # pragma: no cover

    def _n_outputs(self, Y: np.ndarray) -> int:
        raise NotImplementedError  # pragma: no cover

    # ------------------------------------------------------------------ checks
    def _hidden_sizes(self) -> list[int]:
        sizes: list[Any] = self.hidden_layer_sizes  # type: ignore[assignment]
        sizes = [sizes] if isinstance(sizes, (int, np.integer)) else list(sizes)
        ok = all(isinstance(s, (int, np.integer)) and s >= 1 for s in sizes)
        check_param(
            self, "hidden_layer_sizes", self.hidden_layer_sizes, ok, "a sequence of ints >= 1"
        )
        return [int(s) for s in sizes]

    def _activations(self, n_hidden: int) -> list[str]:
        names = (
            [self.activation] * n_hidden
            if isinstance(self.activation, str)
            else list(self.activation)
        )
        ok = len(names) == n_hidden and all(a in ACTIVATIONS for a in names)
        check_param(
            self,
            "activation",
            self.activation,
            ok,
            f"one of {sorted(ACTIVATIONS)} or a list of them, one per hidden layer ({n_hidden})",
        )
        return names

    def _check_params(self) -> None:
        solvers = [*first_order_optimizers(), "lbfgs"]
        check_param(self, "solver", self.solver, self.solver in solvers, f"one of {solvers}")
        for name in ("alpha", "l1", "momentum"):
            value = getattr(self, name)
            check_param(self, name, value, _real(value) and value >= 0, ">= 0")
        check_param(
            self,
            "learning_rate_init",
            self.learning_rate_init,
            _real(self.learning_rate_init) and self.learning_rate_init > 0,
            "> 0",
        )
        check_param(self, "tol", self.tol, _real(self.tol) and self.tol >= 0, ">= 0")
        check_param(
            self,
            "dropout",
            self.dropout,
            _real(self.dropout) and 0 <= self.dropout < 1,
            "a float in [0, 1)",
        )
        check_param(
            self,
            "validation_fraction",
            self.validation_fraction,
            _real(self.validation_fraction) and 0 < self.validation_fraction < 1,
            "a float in (0, 1)",
        )
        for name in ("max_iter", "n_iter_no_change"):
            value = getattr(self, name)
            check_param(self, name, value, _integer(value) and value >= 1, "an int >= 1")
        size = self.batch_size
        ok = size == "auto" or (isinstance(size, (int, np.integer)) and size >= 1)
        check_param(self, "batch_size", self.batch_size, ok, '"auto" or an int >= 1')
        if self.solver == "lbfgs" and self.dropout:
            raise ValueError(
                f"{type(self).__name__}: dropout={self.dropout} needs a stochastic solver; "
                "L-BFGS needs a deterministic loss (use dropout=0.0 or solver='adam')"
            )
        if self.batch_norm and not hasattr(nn, "BatchNorm1d"):
            raise NotImplementedError(  # pragma: no cover - BatchNorm1d ships with nn
                f"{type(self).__name__}: batch_norm=True needs rosenblatt.nn.BatchNorm1d"
            )

    # ------------------------------------------------------------------ the network
    def _build(self, n_in: int, n_out: int) -> nn.Sequential:
        """Linear -> [BatchNorm1d] -> activation -> [Dropout] per hidden layer, then Linear.

        Weights and biases start as scikit-learn's: U(-a, a) with
        a = sqrt(6 / (fan_in + fan_out)) (Glorot), sqrt(2 / (fan_in + fan_out)) before a
        logistic activation.
        """
        hidden = self._hidden_sizes()
        names = self._activations(len(hidden))
        sizes = [n_in, *hidden, n_out]
        rng = _random.get_rng()
        layers: list[nn.Module] = []
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            linear = nn.Linear(fan_in, fan_out)
            act = names[i] if i < len(hidden) else "identity"
            factor = 2.0 if act in ("logistic", "sigmoid") else 6.0
            bound = np.sqrt(factor / (fan_in + fan_out))
            for p in (linear.weight, linear.bias):
                p._data[...] = rng.uniform(-bound, bound, p.shape)
            layers.append(linear)
            if i < len(hidden):
                if self.batch_norm:
                    layers.append(nn.BatchNorm1d(fan_out))
                layers.append(ACTIVATIONS[act]())
                if self.dropout:
                    layers.append(nn.Dropout(self.dropout))
        return nn.Sequential(*layers)

    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weight matrices in scikit-learn's layout: coefs_[i] is (n_in, n_out) = W_i^T."""
        return [m.weight._data.T.copy() for m in self._linears()]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Bias vectors, one per layer."""
        return [m.bias._data.copy() for m in self._linears()]

    def _linears(self) -> list[nn.Linear]:
        return [m for m in self.model_ if isinstance(m, nn.Linear)]

    def _weights_first(self) -> tuple[list[Tensor], int]:
        """The parameters, the Linear weights first (then biases, batch-norm scales), and
        the number of weight entries: the layout of the flat vectors in which the
        penalty is one slice."""
        weights = [m.weight for m in self._linears()]
        ids = {id(w) for w in weights}
        params = weights + [p for p in self.model_.parameters() if id(p) not in ids]
        return params, sum(w._data.size for w in weights)

    def _state(self) -> list[Tensor]:
        return [*self.model_.parameters(), *self.model_.buffers()]

    def _snapshot(self) -> list[np.ndarray]:
        return [t._data.copy() for t in self._state()]

    def _restore(self, snapshot: list[np.ndarray]) -> None:
        for t, saved in zip(self._state(), snapshot):
            t._data[...] = saved

    def _outputs(self, X: Any) -> np.ndarray:
        """The network's raw outputs (logits / values) in evaluation mode.

        The float32 weights are evaluated in float64 (a copy of the network): in float32
        the rounding of a matrix product depends on how many rows it has, so a sample's
        prediction would change in the last digits with the batch it comes in.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        net = copy.deepcopy(self.model_).double().eval()
        with no_grad():
            return net(Tensor._make(X, None))._data

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any, y: Any) -> _BaseMLP:
        """Train the network (from scratch, or from the current weights with warm_start).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) (or (n_samples, n_targets) for regression)

        Returns
        -------
        self
        """
        return self._fit(X, y, incremental=False)

    def _partial_fit(self, X: Any, y: Any, classes: Any = None) -> _BaseMLP:
        return self._fit(X, y, incremental=True, classes=classes)

    def _fit(self, X: Any, y: Any, incremental: bool, classes: Any = None) -> _BaseMLP:
        self._check_params()
        fresh = not hasattr(self, "model_") or not (self.warm_start or incremental)
        X, y = validate_data(
            self,
            X,
            y,
            reset=fresh,
            dtype=_F32,
            multi_output=self._target_kind == "values",
            y_numeric=self._target_kind == "values",
        )
        Y = self._targets(y, first=fresh, classes=classes)
        if fresh:
            self._rng = make_rng(self.random_state)
        with _drawing_from(self._rng):
            if fresh:
                n_out = self._n_outputs(Y)
                self.model_ = self._build(X.shape[1], n_out)
                self.n_outputs_ = n_out
                self.n_layers_ = len(self._hidden_sizes()) + 2
                self.loss_curve_: list[float] = []
                self.validation_scores_: list[float] = []
                self.best_loss_, self.best_validation_score_ = np.inf, -np.inf
                self.n_iter_, self.t_ = 0, 0
            if self.solver == "lbfgs":
                self._fit_lbfgs(X, Y)
            else:
                params, n_weights = self._flatten()
                if fresh or not incremental or not hasattr(self, "_optimizer"):
                    self._optimizer = self._make_optimizer()
                self._fit_stochastic(X, Y, incremental, params, n_weights)
        self.model_.eval()
        return self

    def _flatten(self) -> tuple[list[Tensor], int]:
        """Make every parameter a view into one flat float32 vector ``self._flat``.

        The optimizers are elementwise, so one update of the flat vector is the update of
        every parameter, in one call instead of one per tensor (the steps of a small
        network are dominated by per-call overhead). Called before each training run, so
        that parameters copied since (pickling, restoring) are linked again. Returns the
        parameters in the order of the flat vector, the Linear weights first, and the
        number of weight entries (``flat[:n_weights]``, the penalised ones).
        """
        params, n_weights = self._weights_first()
        values = np.concatenate([p._data.ravel() for p in params])
        flat = getattr(self, "_flat", None)
        if flat is None or flat._data.shape != values.shape:
            flat = self._flat = nn.Parameter(values)
        else:
            flat._data[...] = values
        offset = 0
        for p in params:
            size = p._data.size
            p._data = flat._data[offset : offset + size].reshape(p._data.shape)
            offset += size
        self._flat_grad = np.zeros_like(flat._data)  # the gradient buffer of every step
        return params, n_weights

    def _make_optimizer(self) -> optim.Optimizer:
        cls = first_order_optimizers()[self.solver]
        kwargs: dict[str, Any] = {"lr": self.learning_rate_init}
        if cls is optim.SGD:
            kwargs["momentum"] = self.momentum
        return cls([self._flat], **kwargs)

    def _batches(self, n: int) -> list[np.ndarray]:
        """The mini-batch index arrays of one epoch (shuffled when ``shuffle``)."""
        size = min(200, n) if self.batch_size == "auto" else min(int(self.batch_size), n)
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        batches = [order[i : i + size] for i in range(0, n, size)]
        if self.batch_norm and len(batches) > 1 and len(batches[-1]) == 1:
            batches[-2:] = [np.concatenate(batches[-2:])]  # batch norm needs 2 samples
        return batches

    def _fit_stochastic(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        incremental: bool,
        params: list[Tensor],
        n_weights: int,
    ) -> None:
        """Epochs of mini-batch steps with the rb.optim optimizer, scikit-learn's stopping.

        A step: forward and backward (along the chain of primitives where the network is
        one, else through the recorded graph), the parameters' gradients gathered into one
        flat buffer, the penalty's gradient added to its weight slice, one update of the
        flat parameter vector.
        """
        early = self.early_stopping and not incremental
        if early:
            stratify = Y if self._target_kind == "classes" else None
            X, X_val, Y, Y_val = train_test_split(
                X,
                Y,
                test_size=self.validation_fraction,
                stratify=stratify,
                random_state=int(self._rng.integers(2**31 - 1)),
            )
            self._best_state = self._snapshot()
        model, opt, flat, g = self.model_, self._optimizer, self._flat, self._flat_grad
        alpha, l1 = self.alpha, self.l1
        views = [g[a:b] for a, b in _segments(params)]  # each parameter's slice of g
        g_tensor = Tensor._make(g, None)
        if _Chain.fits(model):
            chain = _Chain(
                model, *self._loss_primitive(), {id(p): v for p, v in zip(params, views)}
            )
            step = chain.step
        else:
            step = functools.partial(self._graph_step, params=params, views=views)
        n = len(X)
        self._no_improvement = 0
        for _ in range(1 if incremental else self.max_iter):
            good = self._snapshot()
            model.train()
            total = 0.0
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught below
                for idx in self._batches(n):
                    m = len(idx)
                    loss = step(X.take(idx, axis=0), Y.take(idx, axis=0))
                    penalty = (
                        _penalize(g, flat._data, n_weights, alpha, l1, m) if alpha or l1 else 0
                    )
                    flat._grad = g_tensor
                    total += (loss + penalty) * m
                    opt.step()
            epoch_loss = total / n
            if not np.isfinite(epoch_loss):
                self._restore(good)
                warnings.warn(
                    f"{type(self).__name__}: the loss became {epoch_loss} at epoch "
                    f"{self.n_iter_ + 1}; stopped and kept the weights of the last finite "
                    f"epoch. Lower learning_rate_init or scale the features.",
                    ConvergenceWarning,
                    stacklevel=4,
                )
                return
            self.n_iter_ += 1
            self.t_ += n
            self.loss_curve_.append(epoch_loss)
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {epoch_loss:.8f}")
            if early:
                self._update_no_improvement(self._validation_score(X_val, Y_val))
            else:
                self._update_no_improvement(None)
            if self._no_improvement > self.n_iter_no_change:
                break
        else:
            if not incremental and self.n_iter_ >= self.max_iter:
                warnings.warn(
                    f"{type(self).__name__}: maximum iterations ({self.max_iter}) reached "
                    "and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=4,
                )
        if early:
            self._restore(self._best_state)

    def _graph_step(
        self, X: np.ndarray, Y: np.ndarray, params: list[Tensor], views: list[np.ndarray]
    ) -> float:
        """Forward and backward through the recorded graph; the gradients land in ``views``."""
        loss = self._loss(self.model_(Tensor._make(X, None)), Tensor._make(Y, None))
        for p in params:
            p._grad = None
        loss.backward()
        for p, view in zip(params, views):
            if p._grad is None:
                view.fill(0)
            else:
                view[...] = p._grad._data.ravel()
        return float(loss._data)

    def _validation_score(self, X_val: np.ndarray, Y_val: np.ndarray) -> float:
        self.model_.eval()
        with no_grad():
            out = self.model_(Tensor._make(X_val, None))._data
        return self._score_outputs(out, Y_val)

    def _update_no_improvement(self, score: float | None) -> None:
        """scikit-learn's rule: an epoch counts as 'no improvement' unless the loss fell
        below best_loss_ - tol (or the validation score rose above best + tol)."""
        if score is None:
            loss = self.loss_curve_[-1]
            improved = loss <= self.best_loss_ - self.tol
            self.best_loss_ = min(self.best_loss_, loss)
        else:
            self.validation_scores_.append(score)
            improved = score >= self.best_validation_score_ + self.tol
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_state = self._snapshot()
        self._no_improvement = 0 if improved else self._no_improvement + 1

    def _fit_lbfgs(self, X: np.ndarray, Y: np.ndarray) -> None:
        """Full-batch L-BFGS (scipy's L-BFGS-B) on the flattened parameters, gradients by
        backward; stops when the largest gradient component is below tol."""
        model = self.model_
        params, n_weights = self._weights_first()
        shapes = [p._data.shape for p in params]
        splits = np.cumsum([p._data.size for p in params])[:-1]
        Xt, Yt = Tensor._make(X, None), Tensor._make(Y, None)
        model.train()

        def value_and_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
            for p, chunk, shape in zip(params, np.split(theta, splits), shapes):
                p._data[...] = chunk.reshape(shape)
                p._grad = None
            loss = self._loss(model(Xt), Yt)
            loss.backward()
            grads = [
                np.zeros(s) if p._grad is None else p._grad._data for p, s in zip(params, shapes)
            ]
            g = np.concatenate([g.ravel() for g in grads]).astype(np.float64)
            w = np.concatenate([p._data.ravel() for p in params]).astype(np.float64)
            value = float(loss.item()) + _penalize(g, w, n_weights, self.alpha, self.l1, len(X))
            return value, g

        curve: list[float] = []
        with np.errstate(over="ignore", invalid="ignore"):
            res = scipy.optimize.minimize(
                value_and_grad,
                np.concatenate([p._data.ravel() for p in params]).astype(np.float64),
                jac=True,
                method="L-BFGS-B",
                callback=lambda intermediate_result: curve.append(float(intermediate_result.fun)),
                options={"maxiter": self.max_iter, "maxfun": 15000, "gtol": self.tol},
            )
        value_and_grad(res.x)
        self.loss_curve_ += curve
        self.n_iter_ += int(res.nit)
        self.t_ += int(res.nit) * len(X)
        self.best_loss_ = min([self.best_loss_, *curve])
        if res.status == 1:
            warnings.warn(
                f"{type(self).__name__}: lbfgs failed to converge in max_iter={self.max_iter} "
                f"iterations ({res.message}).",
                ConvergenceWarning,
                stacklevel=4,
            )


def _segments(params: list[Tensor]) -> list[tuple[int, int]]:
    """(start, stop) of each parameter in the flat vector of all of them, in order."""
    stops = np.cumsum([p._data.size for p in params]).tolist()
    return list(zip([0, *stops[:-1]], stops))


def _real(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def _integer(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


class MLPClassifier(ProbabilisticClassifierMixin, ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier: softmax (or sigmoid) output, cross-entropy loss.

    y = softmax(W_L h_{L-1} + b_L),  h_l = f_l(W_l h_{l-1} + b_l),  h_0 = x; for two
    classes one sigmoid output unit. Trained on rosenblatt's engine in float32 with any
    first-order optimizer of ``rb.optim`` or full-batch L-BFGS, by backpropagation.

    Parameters
    ----------
    hidden_layer_sizes : sequence of int
        Units of each hidden layer, e.g. (100,) or (64, 32).
    activation : str or sequence of str
        Hidden activation: "relu", "tanh", "logistic" (= "sigmoid"), "identity",
        "leaky_relu", "elu", "selu", "gelu", "softplus"; or one name per hidden layer.
    solver : str
        "adam", "sgd", "adagrad", "rmsprop", "adamw" (any first-order ``rb.optim``
        optimizer by lower-case name) or "lbfgs".
    alpha : float
        L2 penalty: alpha/(2m) sum |W|^2 per batch of m samples (scikit-learn's).
    l1 : float
        L1 penalty: l1/m sum |W| per batch.
    dropout : float
        Dropout probability after each hidden activation (0 for none).
    batch_norm : bool
        Batch normalisation (nn.BatchNorm1d) before each hidden activation.
    batch_size : int or "auto"
        Mini-batch size; "auto" is min(200, n_samples).
    learning_rate_init : float
        The optimizer's lr.
    max_iter : int
        Maximum epochs (stochastic solvers) or iterations (lbfgs).
    shuffle : bool
        Shuffle the samples each epoch.
    random_state : None, int or numpy Generator
        Seeds initialisation, shuffling, dropout masks and the validation split; None
        draws from rosenblatt's global generator.
    tol : float
        Improvement below tol for n_iter_no_change epochs stops training; for lbfgs, the
        gradient tolerance.
    momentum : float
        Momentum of the "sgd" solver.
    early_stopping : bool
        Hold out validation_fraction of the training data (stratified), stop when its
        accuracy does not improve by tol for n_iter_no_change epochs, and keep the weights
        of the best epoch.
    validation_fraction : float
    n_iter_no_change : int
    warm_start : bool
        ``fit`` continues from the current weights.
    verbose : bool
        Print the loss of each epoch.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    model_ : nn.Sequential
        The trained network (outputs logits).
    coefs_, intercepts_ : list of ndarray
        Weights (n_in, n_out) and biases of each layer, scikit-learn's layout.
    loss_curve_ : list of float
        Training loss of each epoch (or lbfgs iteration), penalty included.
    validation_scores_ : list of float
        Validation accuracy of each epoch (early_stopping only).
    best_loss_, best_validation_score_ : float
    n_iter_ : int
    t_ : int
        Training samples seen.
    n_layers_, n_outputs_, n_features_in_ : int

    Examples
    --------
    XOR, which no single perceptron can learn:

    >>> import numpy as np
    >>> from rosenblatt.models import MLPClassifier
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 10, dtype=float)
    >>> y = np.array([0, 1, 1, 0] * 10)
    >>> clf = MLPClassifier((8,), "tanh", solver="lbfgs", random_state=0).fit(X, y)
    >>> clf.predict([[0, 0], [0, 1], [1, 0], [1, 1]])
    array([0, 1, 1, 0])
    """

    _target_kind = "classes"

    def _targets(self, y: np.ndarray, first: bool, classes: Any = None) -> np.ndarray:
        """Labels -> class indices (int64), or (n, 1) float32 0/1 for two classes."""
        check_classification_targets(y)
        if first:
            self.classes_ = np.unique(y if classes is None else np.asarray(classes))
            if len(self.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes, "
                    f"got 1 class: '{self.classes_[0]}'"
                )
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            raise ValueError(
                f"{type(self).__name__}: y holds labels {list(np.unique(y[unknown])[:5])} "
                f"that are not in classes_ {list(self.classes_)}"
            )
        codes = np.searchsorted(self.classes_, y)
        if len(self.classes_) == 2:
            return codes.astype(_F32)[:, None]
        return codes.astype(np.int64)

    def _n_outputs(self, Y: np.ndarray) -> int:
        return 1 if len(self.classes_) == 2 else len(self.classes_)

    def _loss(self, out: Tensor, target: Tensor) -> Tensor:
        if out.shape[1] == 1:
            return F.binary_cross_entropy_with_logits(out, target)
        # the fused primitive itself: the targets are class codes that _targets made, in
        # range by construction, so F.cross_entropy's checks of every batch are not needed
        return SoftmaxCrossEntropy.apply(out, target=target._data)

    def _loss_primitive(self) -> tuple[type[Function], float]:
        return (BCEWithLogits if self.n_outputs_ == 1 else SoftmaxCrossEntropy), 1.0

    def _score_outputs(self, out: np.ndarray, target: np.ndarray) -> float:
        pred = (out[:, 0] > 0) if out.shape[1] == 1 else out.argmax(axis=1)
        truth = target[:, 0] if target.ndim == 2 else target
        return float(np.mean(pred == truth))

    @available_if(lambda self: self.solver != "lbfgs")
    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> MLPClassifier:
        """One epoch over (X, y) from the current weights (stochastic solvers only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like, optional
            All the classes; required on the first call (y may not show them all).

        Returns
        -------
        self : MLPClassifier
        """
        if not hasattr(self, "classes_") and classes is None:
            raise ValueError("MLPClassifier.partial_fit: classes must be passed on the first call")
        return self._partial_fit(X, y, classes=classes if not hasattr(self, "model_") else None)

    def _scores(self, X: Any) -> np.ndarray:
        """The output logits z: (n_samples,) for two classes (one sigmoid unit), else
        (n_samples, n_classes); predict_proba is softmax(z) ([sigma(-z), sigma(z)] for two)."""
        z = self._outputs(X)
        return z[:, 0] if z.shape[1] == 1 else z


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor: identity output, squared-error loss.

    y = W_L h_{L-1} + b_L,  h_l = f_l(W_l h_{l-1} + b_l); loss (1/2) mean (y - t)^2 (the
    maximum-likelihood loss of Gaussian noise) plus the penalty. Same parameters as
    :class:`MLPClassifier`; early_stopping scores the validation set by R^2.

    Attributes
    ----------
    model_ : nn.Sequential
    coefs_, intercepts_ : list of ndarray
    loss_curve_, validation_scores_ : list of float
    best_loss_, best_validation_score_ : float
    n_iter_, t_, n_layers_, n_outputs_, n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from rosenblatt.models import MLPRegressor
    >>> x = np.linspace(-1, 1, 200)[:, None]
    >>> reg = MLPRegressor((32,), "tanh", solver="lbfgs", random_state=0).fit(x, x[:, 0] ** 2)
    >>> bool(reg.score(x, x[:, 0] ** 2) > 0.99)
    True
    """

    _target_kind = "values"

    def _targets(self, y: np.ndarray, first: bool, classes: Any = None) -> np.ndarray:
        if first:
            self._y_ndim = y.ndim
        Y = np.asarray(y, dtype=_F32).reshape(len(y), -1)
        if not first and Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"MLPRegressor: y has {Y.shape[1]} targets, the network was fitted with "
                f"{self.n_outputs_}"
            )
        return Y

    def _n_outputs(self, Y: np.ndarray) -> int:
        return Y.shape[1]

    def _loss(self, out: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(out, target) * 0.5

    def _loss_primitive(self) -> tuple[type[Function], float]:
        return MSE, 0.5

    def _score_outputs(self, out: np.ndarray, target: np.ndarray) -> float:
        return float(r2_score(target, out))

    @available_if(lambda self: self.solver != "lbfgs")
    def partial_fit(self, X: Any, y: Any) -> MLPRegressor:
        """One epoch over (X, y) from the current weights (stochastic solvers only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self : MLPRegressor
        """
        return self._partial_fit(X, y)

    def predict(self, X: Any) -> np.ndarray:
        """The network's output (the float32 weights evaluated in float64).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        out = self._outputs(X)
        return out[:, 0] if self._y_ndim == 1 else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
