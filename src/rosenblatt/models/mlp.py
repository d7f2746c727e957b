"""Multi-layer perceptrons as scikit-learn estimators: thin adapters over ``nn`` and ``rb.fit``.

The network is an ``nn.Sequential`` of ``nn.Linear`` layers with an activation after each
hidden layer (optionally ``nn.BatchNorm1d`` before it and ``nn.Dropout`` after it). It
trains in float32 through ``rb.fit``, the one training loop (a network of Linear layers
and activations takes its fast path: no graph, one flat parameter vector); predictions
evaluate the trained weights in float64, so that they do not depend on the batch a sample
comes in. Training follows scikit-learn's MLP semantics: mini-batches of ``batch_size``
from a shuffled epoch, the weighted mean loss of the batch plus the penalty

    alpha/(2m) sum |W|^2 + l1/m sum |W|      (m = the batch's total sample weight)

(rb.fit's "sklearn" convention with l2 = alpha/2, see ``rosenblatt.train.objective``), an
epoch loss that is the size-weighted mean of the batch losses (``loss_curve_``), and the
stopping rule "no improvement larger than tol for n_iter_no_change epochs" on the training
loss, or on the validation score with ``early_stopping`` (``rb.callbacks.NoImprovement``).
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import nn, optim
from ..autograd import no_grad
from ..random import make_rng, use_generator
from ..tensor import Tensor
from ..train.callbacks import NoImprovement
from ..train.estimators import lbfgs, run
from ..train.objective import Penalty, ScaledLoss, estimator_weights
from ._base import (
    ABOVE_0,
    AT_LEAST_0,
    COUNT,
    ConvergenceWarning,
    LossCurveMixin,
    ProbabilisticClassifierMixin,
    check_param,
    check_params,
    encode_classes,
    real,
    store_params,
)
from ._docs import parameters, sections

__all__ = ["MLPClassifier", "MLPRegressor"]

_F32 = np.float32

_CLASSES = """classes : array-like, optional
    All the classes; required on the first call (y may not show them all)."""
_Y = "y : array-like of shape (n_samples,) (or (n_samples, n_targets) for regression)"


def auto_batch_size(batch_size: int | str) -> int:
    """The mini-batch size: scikit-learn's "auto" is min(200, n_samples) (rb.fit takes at most
    n_samples)."""
    return 200 if batch_size == "auto" else int(batch_size)


#: the check of a ``batch_size`` hyperparameter
BATCH_SIZE = (lambda v: v == "auto" or COUNT[0](v), '"auto" or an int >= 1')


def _glorot(linear: nn.Linear, activation: str) -> None:
    """scikit-learn's initialisation of W and b: U(-a, a), a = gain sqrt(6 / (fan_in + fan_out)),
    Glorot's ``nn.init.xavier_uniform_`` with gain 1 (1/sqrt(3) before a logistic activation:
    a = sqrt(2 / (fan_in + fan_out)))."""
    fan_out, fan_in = linear.weight.shape
    gain = 1 / math.sqrt(3) if activation in ("logistic", "sigmoid") else 1.0
    nn.init.xavier_uniform_(linear.weight, gain)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    nn.init.uniform_(linear.bias, -bound, bound)


class _BaseMLP(LossCurveMixin, BaseEstimator):
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
        store_params(self, locals())

    # ------------------------------------------------------------------ subclass hooks
    def _targets(self, y: np.ndarray, first: bool, classes: Any = None) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover

    @property
    def _loss(self) -> nn.Module:
        """The loss module that rb.fit minimises (called as ``_loss(outputs, targets)``)."""
        raise NotImplementedError  # pragma: no cover

    def _score_outputs(self, out: np.ndarray, target: np.ndarray, w: Any = None) -> float:
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

    def _activations(self, n_hidden: int, mirror: int = 0) -> list[str]:
        """One name per hidden layer: ``activation`` for all, or a list of one per layer
        (with ``mirror`` encoder layers: one per encoder layer, mirrored onto the decoder,
        ("tanh", "relu") -> tanh, relu, tanh)."""
        act = self.activation
        names = [act] * n_hidden if isinstance(act, str) else list(act)
        if mirror and not isinstance(act, str) and len(names) == mirror:
            names += names[-2::-1]
        ok = len(names) == n_hidden and all(
            isinstance(a, str) and a in nn.ACTIVATIONS for a in names
        )
        per = f"encoder layer ({mirror})" if mirror else f"hidden layer ({n_hidden})"
        expected = f"one of {sorted(nn.ACTIVATIONS)} or a list of them, one per {per}"
        check_param(self, "activation", act, ok, expected)
        return names

    def _rules(self) -> dict[str, tuple[Any, str]]:
        """The check_params rules of the hyperparameters."""
        solvers = [*optim.FIRST_ORDER, "lbfgs"]
        return {
            "solver": (lambda v: v in solvers, f"one of {solvers}"),
            "alpha": AT_LEAST_0,
            "l1": AT_LEAST_0,
            "momentum": AT_LEAST_0,
            "learning_rate_init": ABOVE_0,
            "tol": AT_LEAST_0,
            "dropout": (lambda v: real(v) and 0 <= v < 1, "a float in [0, 1)"),
            "validation_fraction": (lambda v: real(v) and 0 < v < 1, "a float in (0, 1)"),
            "max_iter": COUNT,
            "n_iter_no_change": COUNT,
            "batch_size": BATCH_SIZE,
        }

    def _check_params(self) -> None:
        check_params(self, self._rules())
        for name in ("dropout", "noise"):  # noise: an autoencoder's corruption
            value = getattr(self, name, 0.0)
            if self.solver == "lbfgs" and value:
                raise ValueError(
                    f"{type(self).__name__}: {name}={value} needs a stochastic solver; "
                    f"L-BFGS needs a deterministic loss (use {name}=0.0 or solver='adam')"
                )

    # ------------------------------------------------------------------ the network
    def _build(self, n_in: int, n_out: int) -> nn.Sequential:
        """``nn.mlp``: Linear -> [BatchNorm1d] -> activation -> [Dropout] per hidden layer,
        then Linear; weights and biases drawn as scikit-learn's (:func:`_glorot`) from
        ``rb.random.get_rng()``."""
        hidden = self._hidden_sizes()
        names = self._activations(len(hidden))
        return nn.mlp([n_in, *hidden, n_out], names, batch_norm=self.batch_norm,
                      dropout=self.dropout, init_linear=_glorot)  # fmt: skip

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

    def _outputs(self, X: Any) -> np.ndarray:
        """The network's raw outputs (logits / values) in evaluation mode."""
        check_is_fitted(self)
        return self._run(list(self.model_), validate_data(self, X, reset=False, dtype=np.float64))

    def _run(self, modules: list[nn.Module], Z: np.ndarray) -> np.ndarray:
        """The modules in evaluation mode on Z, their float32 weights evaluated in float64
        (a copy): in float32 the rounding of a matrix product depends on how many rows it
        has, so a sample's prediction would change in the last digits with its batch."""
        net = copy.deepcopy(nn.Sequential(*modules)).double().eval()
        with no_grad():
            return net(Tensor._make(Z, None))._data

    # ------------------------------------------------------------------ fit
    @sections("X", _Y, "sample_weight", returns="self")
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> _BaseMLP:
        """Train the network (from scratch, or from the current weights with warm_start)."""
        return self._fit(X, y, incremental=False, sample_weight=sample_weight)

    def _fit(
        self, X: Any, y: Any, incremental: bool, classes: Any = None, sample_weight: Any = None
    ) -> _BaseMLP:
        self._check_params()
        fresh = not hasattr(self, "model_") or not (self.warm_start or incremental)
        num = self._target_kind == "values"  # numeric targets, one or more per sample
        X, y = validate_data(self, X, y, reset=fresh, dtype=_F32, multi_output=num, y_numeric=num)
        Y = self._targets(y, first=fresh, classes=classes)
        w = estimator_weights(self, sample_weight, X, y)
        if fresh:
            self._rng = make_rng(self.random_state)
            n_out = Y.shape[1] if Y.ndim == 2 else len(self.classes_)  # 1-D: class codes
            with use_generator(self._rng):  # the layers' own initialisation draws too
                self.model_ = self._build(X.shape[1], n_out)
            self.n_outputs_ = n_out
            self.n_layers_ = len(self._hidden_sizes()) + 2
            self.loss_curve_: list[float] = []
            self.validation_scores_: list[float] = []
            self.best_loss_, self.best_validation_score_ = np.inf, -np.inf
            self.n_iter_, self.t_ = 0, 0
        if self.solver == "lbfgs":
            self._fit_lbfgs(X, Y, w)
        else:
            if fresh or not incremental or not hasattr(self, "_optimizer"):
                self._optimizer = self._make_optimizer()
            self._fit_stochastic(X, Y, w, incremental)
        self.model_.eval().zero_grad()  # the fitted network, without the last step's gradients
        return self

    def _make_optimizer(self) -> optim.Optimizer:
        cls = optim.FIRST_ORDER[self.solver]
        kwargs: dict[str, Any] = {"lr": self.learning_rate_init}
        if cls is optim.SGD:
            kwargs["momentum"] = self.momentum
        return cls(self.model_.parameters(), **kwargs)

    def _fit_stochastic(
        self, X: np.ndarray, Y: np.ndarray, w: np.ndarray | None, incremental: bool
    ) -> None:
        """Epochs of mini-batch steps of rb.fit with the rb.optim optimizer and
        scikit-learn's stopping rule (on a stratified validation split with early_stopping)."""
        validation: tuple[Any, ...] | None = None
        if self.early_stopping and not incremental:
            arrays = [X, Y] if w is None else [X, Y, w]
            parts = train_test_split(
                *arrays,
                test_size=self.validation_fraction,
                stratify=Y if self._target_kind == "classes" else None,
                random_state=int(self._rng.integers(2**31 - 1)),
            )
            X, Y, validation = parts[0], parts[2], (parts[1], parts[3])
            if w is not None:
                w, validation = parts[4], (*validation, parts[5])
        history = run(
            self, self.model_, X, Y, loss=self._loss, optimizer=self._optimizer,
            epochs=1 if incremental else self.max_iter,
            batch_size=auto_batch_size(self.batch_size), shuffle=self.shuffle,
            l1=self.l1, l2=self.alpha / 2, convention="sklearn", sample_weight=w, metrics=[],
            callbacks=[NoImprovement(self, len(X), validation)], generator=self._rng,
        )  # fmt: skip
        stopped = getattr(self.model_, "stop_training", False)
        if not (incremental or stopped or history.diverged):
            warnings.warn(
                f"{type(self).__name__}: maximum iterations ({self.max_iter}) reached "
                "and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=4,
            )

    def _validation_score(self, X_val: np.ndarray, Y_val: np.ndarray, w: Any = None) -> float:
        """The score (accuracy, R^2, -MSE) of the held-out samples, in eval mode."""
        model = self.model_
        was_training = model.training
        model.eval()
        with no_grad():
            out = model(Tensor._make(X_val, None))._data
        model.train(was_training)
        return self._score_outputs(out, Y_val, w)

    def _fit_lbfgs(self, X: np.ndarray, Y: np.ndarray, w: np.ndarray | None) -> None:
        """Full-batch L-BFGS (scipy's L-BFGS-B) on all the parameters; stops when the largest
        gradient component is below tol."""
        penalty = Penalty(l1=self.l1, l2=self.alpha / 2)
        options = {"maxfun": 15000, "gtol": self.tol}
        res = lbfgs(self, self.model_, X, Y, self._loss, penalty, sample_weight=w,
                    max_iter=self.max_iter, options=options)  # fmt: skip
        self.n_iter_ += int(res.nit)
        self.t_ += int(res.nit) * len(X)
        self.best_loss_ = min([self.best_loss_, *self.loss_curve_])


@parameters(
    class_weight="""class_weight : "balanced", dict or None
    Weight of each class's samples (multiplying ``sample_weight``): a dict
    label -> weight, or "balanced", n / (n_classes n_c) (scikit-learn's; its
    MLPClassifier has no class_weight).""",
    output_activation="""output_activation : {"auto", "tanh"}
    "auto": softmax, or one sigmoid unit for two classes, with cross-entropy.
    "tanh" (two classes only): the Matteucci deck's coding "two classes
    {Omega_0 = -1, Omega_1 = +1}: use a tanh output activation" -- targets t = -1 for
    classes_[0] and +1 for classes_[1], one tanh unit y = tanh(a), the squared error
    mean (y - t)^2; predict gives classes_[1] where y > 0 and predict_proba reads
    y as p = (1 + y)/2 = sigma(2a).""",
)
class MLPClassifier(ProbabilisticClassifierMixin, ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier: softmax (or sigmoid) output, cross-entropy loss.

    y = softmax(W_L h_{L-1} + b_L),  h_l = f_l(W_l h_{l-1} + b_l),  h_0 = x; for two
    classes one sigmoid output unit. Trained on rosenblatt's engine in float32 with any
    first-order optimizer of ``rb.optim`` or full-batch L-BFGS, by backpropagation.

    Parameters
    ----------
    {parameters}

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
        class_weight: str | dict[Any, float] | None = None,
        output_activation: str = "auto",
    ) -> None:
        store_params(self, locals())

    def _tanh_output(self) -> bool:
        """Whether the output is the deck's tanh unit for targets -1/+1."""
        check_param(
            self,
            "output_activation",
            self.output_activation,
            self.output_activation in ("auto", "tanh"),
            '"auto" or "tanh"',
        )
        return self.output_activation == "tanh"

    def _targets(self, y: np.ndarray, first: bool, classes: Any = None) -> np.ndarray:
        """Labels -> class indices (int64), or (n, 1) float32 0/1 for two classes."""
        check_classification_targets(y)
        if first:  # the sorted labels, at least two
            self.classes_ = encode_classes(self, y if classes is None else np.asarray(classes))[0]
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            raise ValueError(
                f"{type(self).__name__}: y holds labels {list(np.unique(y[unknown])[:5])} "
                f"that are not in classes_ {list(self.classes_)}"
            )
        codes = np.searchsorted(self.classes_, y)
        if self._tanh_output():
            if len(self.classes_) != 2:
                raise ValueError(
                    f"{type(self).__name__}: output_activation='tanh' codes two classes as "
                    f"-1/+1; got {len(self.classes_)} classes (use 'auto', softmax)"
                )
            return (2 * codes - 1).astype(_F32)[:, None]  # t = -1, +1
        if len(self.classes_) == 2:
            return codes.astype(_F32)[:, None]
        return codes.astype(np.int64)

    @property
    def _loss(self) -> nn.Module:
        """Cross-entropy of the softmax outputs, or of one sigmoid unit for two classes;
        mean (tanh(a) - t)^2 for the tanh output."""
        if self._tanh_output():
            return nn.TanhMSELoss()
        return nn.BCEWithLogitsLoss() if self.n_outputs_ == 1 else nn.CrossEntropyLoss()

    def _score_outputs(self, out: np.ndarray, target: np.ndarray, w: Any = None) -> float:
        pred = (out[:, 0] > 0) if out.shape[1] == 1 else out.argmax(axis=1)
        truth = target[:, 0] if target.ndim == 2 else target
        if self._tanh_output():
            truth = truth > 0  # t = -1, +1
        return float(np.average(pred == truth, weights=w))

    @available_if(lambda self: self.solver != "lbfgs")
    @sections("X", _Y, "sample_weight", _CLASSES, returns="self : MLPClassifier")
    def partial_fit(
        self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None
    ) -> MLPClassifier:
        """One epoch over (X, y) from the current weights (stochastic solvers only)."""
        if not hasattr(self, "classes_") and classes is None:
            raise ValueError("MLPClassifier.partial_fit: classes must be passed on the first call")
        first = classes if not hasattr(self, "model_") else None
        return self._fit(X, y, incremental=True, classes=first, sample_weight=sample_weight)

    def _scores(self, X: Any) -> np.ndarray:
        """The output logits z: (n_samples,) for two classes (one sigmoid unit), else
        (n_samples, n_classes); predict_proba is softmax(z) ([sigma(-z), sigma(z)] for two)."""
        z = self._outputs(X)
        if self._tanh_output():  # y = tanh(a) read as p = (1 + y)/2 = sigma(2a): z = 2a
            return 2 * z[:, 0]
        return z[:, 0] if z.shape[1] == 1 else z


@parameters()
class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor: identity output, squared-error loss.

    y = W_L h_{L-1} + b_L,  h_l = f_l(W_l h_{l-1} + b_l); loss (1/2) mean (y - t)^2 (the
    maximum-likelihood loss of Gaussian noise) plus the penalty; early_stopping scores
    the validation set by R^2.

    Parameters
    ----------
    {parameters}

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

    @property
    def _loss(self) -> nn.Module:
        """(1/2) mean (y - t)^2, scikit-learn's squared error."""
        return ScaledLoss(nn.MSELoss(), 0.5)

    def _score_outputs(self, out: np.ndarray, target: np.ndarray, w: Any = None) -> float:
        return float(r2_score(target, out, sample_weight=w))

    @available_if(lambda self: self.solver != "lbfgs")
    @sections("X", _Y, "sample_weight", returns="self : MLPRegressor")
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """One epoch over (X, y) from the current weights (stochastic solvers only)."""
        return self._fit(X, y, incremental=True, sample_weight=sample_weight)

    @sections("X", returns="ndarray of shape (n_samples,) or (n_samples, n_targets)")
    def predict(self, X: Any) -> np.ndarray:
        """The network's output (the float32 weights evaluated in float64)."""
        out = self._outputs(X)
        return out[:, 0] if self._y_ndim == 1 else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
