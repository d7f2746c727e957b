"""Autoencoders as scikit-learn estimators: compression, denoising and anomaly detection.

An autoencoder x -> h = f(x) -> x_hat = g(h) (f the encoder, g the decoder; the EDSF deck,
"Autoencoders") is trained to reproduce its input through a narrow layer: an MLP whose
targets are its inputs, on the MLPs' adapter over ``rb.fit``. :class:`Autoencoder`
compresses (and denoises), :class:`AutoencoderAnomalyDetector` flags the samples it fails
to reconstruct (credit-card fraud detection in the deck).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, OutlierMixin, TransformerMixin
from sklearn.metrics import auc, roc_curve
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .. import nn
from ..nn.noise import NOISE_TYPES, Corruption
from ._base import real, store_params
from ._docs import PARAMETERS, parameters, sections
from ._input_scaling import SCALINGS, InputScaler
from .mlp import _BaseMLP

__all__ = ["Autoencoder", "AutoencoderAnomalyDetector", "Corruption"]

OUTPUT_ACTIVATIONS = {"identity": nn.Identity, "sigmoid": nn.Sigmoid}
METRICS = ("mse", "sse", "euclidean")

#: the autoencoders' own hyperparameters (the others are the MLPs', models._docs)
AUTOENCODER_PARAMETERS = {
    "hidden_layer_sizes": """hidden_layer_sizes : sequence of int
    Encoder sizes, the last the code size (the deck: (100, 100, 15)).""",
    "activation": """activation : str or sequence of str
    Hidden activation ("relu", "tanh", "sigmoid", "identity", ... as MLPRegressor), or
    one per encoder layer (mirrored onto the decoder).""",
    "output_activation": """output_activation : {"identity", "sigmoid"}
    "sigmoid" keeps x_hat in (0, 1), for min-max scaled inputs.""",
    "noise": """noise : float
    Corruption of the training inputs: the standard deviation of Gaussian noise, or the
    masking probability. 0 (default) is a plain autoencoder.""",
    "noise_type": 'noise_type : {"gaussian", "masking"}',
}
_NORMAL = '\n    For anomaly detection, "normal" samples only.'
_LABELS = """y : array-like of shape (n_samples,)
    1 = anomaly, 0 = normal (or -1 = outlier, +1 = inlier)."""
_ROC = "fpr, tpr, thresholds : ndarray\nauc : float"
_D = "ndarray of shape (n_samples,)"
_X_HAT = "ndarray of shape (n_samples, n_features), float64"


class _BaseAutoencoder(_BaseMLP):
    """An MLP whose targets are its inputs, with a decoder that mirrors the encoder.

    Reuses _BaseMLP's network building, training through rb.fit, L-BFGS, stopping rule and
    float64 evaluation; adds the mirrored sizes, the output activation, the input corruption
    and the encoder/decoder split.
    """

    _target_kind = "values"
    # _BaseMLP options an autoencoder does not expose (fixed, not hyperparameters)
    l1 = 0.0
    dropout = 0.0
    batch_norm = False

    def __init__(
        self,
        hidden_layer_sizes: Sequence[int] = (100, 100, 15),
        activation: str | Sequence[str] = "relu",
        output_activation: str = "identity",
        *,
        noise: float = 0.0,
        noise_type: str = "gaussian",
        solver: str = "adam",
        alpha: float = 0.0,
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

    # ------------------------------------------------------------------ architecture
    def _encoder_sizes(self) -> list[int]:
        return super()._hidden_sizes()

    def _hidden_sizes(self) -> list[int]:
        """Encoder sizes, then the decoder's: (100, 100, 15) -> [100, 100, 15, 100, 100]."""
        enc = self._encoder_sizes()
        return enc + enc[-2::-1]

    def _activations(self, n_hidden: int, mirror: int = 0) -> list[str]:
        return super()._activations(n_hidden, mirror=len(self._encoder_sizes()))

    def _rules(self) -> dict[str, tuple[Any, str]]:
        masking = self.noise_type == "masking"
        limit = 1.0 if masking else np.inf
        return {
            **super()._rules(),
            "output_activation": (
                lambda v: isinstance(v, str) and v in OUTPUT_ACTIVATIONS,
                f"one of {sorted(OUTPUT_ACTIVATIONS)}",
            ),
            "noise_type": (lambda v: v in NOISE_TYPES, f"one of {list(NOISE_TYPES)}"),
            "noise": (
                lambda v: real(v) and 0 <= v < limit,
                "a masking probability in [0, 1)" if masking else ">= 0",
            ),
        }

    def _build(self, n_in: int, n_out: int) -> nn.Sequential:
        """[Corruption] -> the MLP n_in-enc-...-code-...-enc-n_in -> [Sigmoid]."""
        layers = list(super()._build(n_in, n_out))
        if self.noise:
            layers.insert(0, Corruption(self.noise, self.noise_type))
        if self.output_activation != "identity":
            layers.append(OUTPUT_ACTIVATIONS[self.output_activation]())
        return nn.Sequential(*layers)

    def _split(self) -> tuple[list[nn.Module], list[nn.Module]]:
        """The layers of the encoder (up to the code layer's activation) and of the decoder."""
        layers = [m for m in self.model_ if not isinstance(m, Corruption)]
        linears = [i for i, m in enumerate(layers) if isinstance(m, nn.Linear)]
        end = linears[len(self._encoder_sizes()) - 1] + 2  # the code layer, then its activation
        return layers[:end], layers[end:]

    @property
    def encoder_(self) -> nn.Sequential:
        """f: the encoder, x -> h (shares its parameters with ``model_``)."""
        return nn.Sequential(*self._split()[0])

    @property
    def decoder_(self) -> nn.Sequential:
        """g: the decoder, h -> x_hat (shares its parameters with ``model_``)."""
        return nn.Sequential(*self._split()[1])

    # ------------------------------------------------------------------ the loss
    def _targets(self, y: np.ndarray, first: bool, classes: Any = None) -> np.ndarray:
        return np.asarray(y, dtype=np.float32)

    @property
    def _loss(self) -> nn.Module:
        """mean over the batch and the features of (x_hat - x)^2 = the batch's mean d(x)."""
        return nn.MSELoss()

    def _score_outputs(self, out: np.ndarray, target: np.ndarray, w: Any = None) -> float:
        return -float(np.mean((out - target) ** 2))

    # ------------------------------------------------------------------ fit
    @sections(PARAMETERS["X"] + _NORMAL, "y_ignored", returns="self")
    def fit(self, X: Any, y: Any = None) -> _BaseAutoencoder:
        """Train the network to reproduce X (the targets are the clean inputs; y is ignored)."""
        return self._fit(X, X, incremental=False)

    @available_if(lambda self: self.solver != "lbfgs")
    @sections("X", "y_ignored", returns="self")
    def partial_fit(self, X: Any, y: Any = None) -> _BaseAutoencoder:
        """One epoch over X from the current weights (stochastic solvers only)."""
        return self._fit(X, X, incremental=True)

    # ------------------------------------------------------------------ evaluation
    @sections("X", returns=_X_HAT)
    def reconstruct(self, X: Any) -> np.ndarray:
        """x_hat = g(f(x)), the float32 weights evaluated in float64 (no corruption)."""
        return self._outputs(X)

    @sections("X", returns=_D)
    def reconstruction_error(self, X: Any) -> np.ndarray:
        """d(x) = ||x - g(f(x))||^2 / n_features per sample (the mean squared error)."""
        return self._distance(X, "mse")

    def _distance(self, X: Any, metric: str) -> np.ndarray:
        X = self._network_input(X)
        sq = np.sum((X - self._run(list(self.model_), X)) ** 2, axis=1)
        if metric == "mse":
            return sq / X.shape[1]
        return sq if metric == "sse" else np.sqrt(sq)

    def _network_input(self, X: Any) -> np.ndarray:
        """The rows as the network sees them: X itself (the detector scales them), float64."""
        check_is_fitted(self)
        return validate_data(self, X, reset=False, dtype=np.float64)


@parameters(**AUTOENCODER_PARAMETERS)
class Autoencoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, _BaseAutoencoder):
    """Autoencoder x -> h = f(x) -> x_hat = g(h); loss = mean ||x - x_hat||^2 / n_features.

    f is the encoder (Linear + activation per size of ``hidden_layer_sizes``, the last one
    the code h), g the decoder that mirrors it (Linear + activation back through the same
    sizes, then a Linear to n_features and ``output_activation``): encoder sizes
    (100, 100, 15) on 30 features make the network 30-100-100-15-100-100-30 of the deck.
    The loss of a batch is the mean over its samples and features of (x_hat - x)^2 (the
    deck's sum of ||x_i - x_hat_i||^2 divided by batch size and n_features; the factor only
    rescales the step of plain SGD) plus alpha/(2m) sum |W|^2. The distance of a sample is
    d(x) = ||x - g(f(x))||^2 / n_features (:meth:`reconstruction_error`): the deck's
    d = ||x - x_hat||^2, divided by the number of features so that it does not grow with
    the width of the table.

    With ``noise > 0`` it is a denoising autoencoder: each training batch is corrupted
    afresh (``nn.Corruption``: x~ = x + N(0, noise^2), or features zeroed with probability
    ``noise`` for ``noise_type="masking"``) and the target stays the clean x, so it learns
    the vector field g(f(x~)) - x~ that points back to the data; predictions never corrupt.

    With identity activations and no penalty the optimum is PCA's: the code spans the
    leading principal subspace and the reconstruction error equals PCA's with
    n_components = code size.

    The deck's fraud example used batch_size=2048 and 500 epochs (max_iter).

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    model_ : nn.Sequential
        The whole network, [Corruption] -> encoder -> decoder (float32).
    encoder_, decoder_ : nn.Sequential
        f and g (views sharing the parameters of ``model_``).
    loss_curve_ : list of float
        Mean training loss of each epoch (= mean d(x) on the training batches + penalty).
    n_iter_, t_, n_layers_, n_features_in_ : int
    coefs_, intercepts_ : list of ndarray
    best_loss_ : float

    Examples
    --------
    >>> import numpy as np
    >>> from rosenblatt.models import Autoencoder
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2)) @ rng.normal(size=(2, 6))     # rank 2 in R^6
    >>> ae = Autoencoder((2,), "identity", solver="lbfgs", random_state=0).fit(X)
    >>> ae.transform(X).shape
    (300, 2)
    >>> bool(ae.reconstruction_error(X).mean() < 1e-4)
    True
    """

    @sections("X", returns="ndarray of shape (n_samples, code_size), float64")
    def transform(self, X: Any) -> np.ndarray:
        """The code h = f(x)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self._run(self._split()[0], X)

    @sections(
        "X : array-like of shape (n_samples, code_size)\n    Codes, e.g. from :meth:`transform`.",
        returns="ndarray of shape (n_samples, n_features_in_), float64",
    )
    def inverse_transform(self, X: Any) -> np.ndarray:
        """The decoding x_hat = g(h) of codes h."""
        check_is_fitted(self)
        Z = check_array(X, dtype=np.float64, input_name="X")
        if Z.shape[1] != self._n_features_out:
            raise ValueError(
                f"Autoencoder.inverse_transform: X has {Z.shape[1]} features, the code has "
                f"{self._n_features_out}"
            )
        return self._run(self._split()[1], Z)

    @sections("X", returns=_X_HAT)
    def predict(self, X: Any) -> np.ndarray:
        """The reconstruction x_hat = g(f(x)) (see :meth:`reconstruct`)."""
        return self.reconstruct(X)

    @sections("X", "y_ignored", returns="float")
    def score(self, X: Any, y: Any = None) -> float:
        """-mean d(x): the negative mean reconstruction error (higher is better)."""
        return -float(np.mean(self.reconstruction_error(X)))

    @property
    def _n_features_out(self) -> int:
        return self._encoder_sizes()[-1]


@parameters(
    **AUTOENCODER_PARAMETERS,
    threshold="""threshold : float or None
    The distance above which a sample is an anomaly (e.g. the deck's 0.20 or 0.55).""",
    contamination="""contamination : float in (0, 0.5] or None
    Fraction of training samples to flag (used when threshold is None; default 0.01).""",
    metric='metric : {"mse", "sse", "euclidean"}',
    scaling="""scaling : {"minmax", "standard", "none"}
    The scaling of the rows, fitted on the training rows: x' = (x - min)/(max - min)
    (default, the deck's), (x - mean)/std, or none.""",
)
class AutoencoderAnomalyDetector(OutlierMixin, _BaseAutoencoder):
    """Anomaly detection by reconstruction: x is an anomaly when d(x) > threshold_.

    An :class:`Autoencoder` is trained on normal data only; a sample's anomaly score is its
    reconstruction distance, with ``metric``

        "mse"       d(x) = ||x - g(f(x))||^2 / n_features   (default)
        "sse"       d(x) = ||x - g(f(x))||^2                (the deck's d)
        "euclidean" d(x) = ||x - g(f(x))||

    Sign conventions (scikit-learn's, as IsolationForest and OneClassSVM):

    - :meth:`anomaly_score` = d(x): higher = more anomalous (the deck's distance);
    - :meth:`score_samples` = -d(x): higher = more normal;
    - :meth:`decision_function` = score_samples - offset_ = threshold_ - d(x): negative for
      outliers;
    - :meth:`predict`: +1 (inlier) where d(x) <= threshold_, -1 (outlier) where
      d(x) > threshold_.

    The rows are scaled inside the detector (``scaling``, the EDSF deck's min-max by
    default, fitted on the training rows and kept as ``scaler_``), and every distance is
    taken on the scaled features: the raw table (Time in seconds, Amount in currency) gives
    the detector that the pre-scaled one gives. Unscaled, the widest feature would dominate
    d(x) and the detector would measure little else.

    threshold_ is ``threshold`` when given (it takes precedence over contamination); else
    the (1 - contamination) quantile of the training distances (so a fraction
    ``contamination`` of the training samples is flagged, 1 % by default); else (both None)
    the largest training distance (every training sample counts as normal).

    Labels for :meth:`roc` and :meth:`rates_at`: 1 (or True) = anomaly, 0 = normal (the
    credit-card Class column); or scikit-learn's -1 = outlier, +1 = inlier when y holds a -1.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    scaler_ : InputScaler
        The fitted scaling (``shift_``, ``scale_``; ``to_dict()`` for storing it as JSON).
    threshold_ : float
    offset_ : float
        -threshold_ (decision_function = score_samples - offset_).
    model_, encoder_, decoder_, loss_curve_, n_iter_, n_features_in_
        As :class:`Autoencoder`.

    Examples
    --------
    >>> import numpy as np
    >>> from rosenblatt.models import AutoencoderAnomalyDetector
    >>> rng = np.random.default_rng(0)
    >>> A = rng.normal(size=(2, 6))
    >>> normal = rng.normal(size=(400, 2)) @ A + 0.01 * rng.normal(size=(400, 6))
    >>> det = AutoencoderAnomalyDetector((2,), "identity", solver="lbfgs", contamination=0.05,
    ...                                  random_state=0).fit(normal)
    >>> det.predict(rng.normal(size=(3, 6)) * 3)                    # off the plane
    array([-1, -1, -1])
    """

    def __init__(
        self,
        hidden_layer_sizes: Sequence[int] = (100, 100, 15),
        activation: str | Sequence[str] = "relu",
        output_activation: str = "identity",
        *,
        threshold: float | None = None,
        contamination: float | None = 0.01,
        metric: str = "mse",
        noise: float = 0.0,
        noise_type: str = "gaussian",
        solver: str = "adam",
        alpha: float = 0.0,
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
        scaling: str = "minmax",
    ) -> None:
        store_params(self, locals())

    def _rules(self) -> dict[str, tuple[Any, str]]:
        return {
            **super()._rules(),
            "metric": (lambda v: v in METRICS, f"one of {list(METRICS)}"),
            "scaling": (lambda v: v in SCALINGS, f"one of {SCALINGS}"),
            "threshold": (
                lambda v: v is None or (real(v) and np.isfinite(v)),
                "None or a finite float",
            ),
            "contamination": (
                lambda v: v is None or (real(v) and 0 < v <= 0.5),
                "None or a float in (0, 0.5]",
            ),
        }

    @sections("X", "y_ignored", returns="self")
    def fit(self, X: Any, y: Any = None) -> AutoencoderAnomalyDetector:
        """Train the autoencoder on X (normal samples; y ignored) and set threshold_."""
        super().fit(self._fit_scaling(X, first=True))
        self._set_threshold(X)
        return self

    @available_if(lambda self: self.solver != "lbfgs")
    @sections("X", "y_ignored", returns="self")
    def partial_fit(self, X: Any, y: Any = None) -> AutoencoderAnomalyDetector:
        """One epoch over X from the current weights, then threshold_ from X again."""
        super().partial_fit(self._fit_scaling(X, first=not hasattr(self, "scaler_")))
        self._set_threshold(X)
        return self

    # ------------------------------------------------------------------ the scaling
    def _fit_scaling(self, X: Any, first: bool) -> np.ndarray:
        """The scaled training rows; fits ``scaler_`` on them first when ``first``."""
        self._check_params()
        names = getattr(X, "columns", None)
        if first:
            X = check_array(X, dtype=np.float64)
            self.scaler_ = InputScaler(self.scaling).fit(X)
        else:  # the features of the first fit, checked with scikit-learn's messages
            X = validate_data(self, X, reset=False, dtype=np.float64)
        if names is not None:  # the network sees an array; the names are the table's
            import pandas as pd

            return pd.DataFrame(self.scaler_.transform(X), columns=names)
        return self.scaler_.transform(X)

    def _network_input(self, X: Any) -> np.ndarray:
        """x' = (x - shift_) / scale_ of ``scaler_`` (the deck's min-max by default)."""
        X = super()._network_input(X)  # checks first that the detector is fitted
        return self.scaler_.transform(X)

    @sections("X", returns=_X_HAT)
    def reconstruct(self, X: Any) -> np.ndarray:
        """x_hat in the units of X: the reconstruction of the scaled rows, scaled back."""
        return self.scaler_.inverse_transform(self._run(list(self.model_), self._network_input(X)))

    def _set_threshold(self, X: Any) -> None:
        d = self.anomaly_score(X)
        if self.threshold is not None:
            self.threshold_ = float(self.threshold)
        elif self.contamination is not None:
            self.threshold_ = float(np.percentile(d, 100.0 * (1.0 - self.contamination)))
        else:
            self.threshold_ = float(d.max())
        self.offset_ = -self.threshold_

    # ------------------------------------------------------------------ scores
    @sections("X", returns=_D)
    def anomaly_score(self, X: Any) -> np.ndarray:
        """d(x), the reconstruction distance of ``metric``: higher = more anomalous."""
        return self._distance(X, self.metric)

    @sections("X", returns=_D)
    def score_samples(self, X: Any) -> np.ndarray:
        """-d(x): higher = more normal (scikit-learn's convention)."""
        return -self.anomaly_score(X)

    @sections("X", returns=_D)
    def decision_function(self, X: Any) -> np.ndarray:
        """threshold_ - d(x) = score_samples(x) - offset_: negative for outliers."""
        return self.score_samples(X) - self.offset_

    @sections("X", returns="ndarray of shape (n_samples,), int")
    def predict(self, X: Any) -> np.ndarray:
        """+1 for inliers (d(x) <= threshold_), -1 for outliers (d(x) > threshold_)."""
        return np.where(self.decision_function(X) < 0, -1, 1)

    # ------------------------------------------------------------------ evaluation
    @sections("threshold : float", "X", _LABELS, returns="(fpr, tpr) : tuple of float")
    def rates_at(self, threshold: float, X: Any, y: Any) -> tuple[float, float]:
        """(FPR, TPR) when the samples with d(x) > threshold are flagged as anomalies.

        FPR = flagged normal / normal (normal -> fraud); TPR = flagged anomalies / anomalies
        (fraud -> fraud), as the deck prints them for thresholds 0.20 and 0.55 (NaN for a
        class that y lacks).
        """
        positive = self._anomaly_labels(y, X)
        flagged = self.anomaly_score(X) > threshold
        fpr = float(flagged[~positive].mean()) if (~positive).any() else float("nan")
        tpr = float(flagged[positive].mean()) if positive.any() else float("nan")
        return fpr, tpr

    @sections("X", _LABELS + " Both must occur.", returns=_ROC)
    def roc(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """The ROC curve of the anomaly score: (fpr, tpr, thresholds, auc).

        sklearn.metrics.roc_curve on (y, d(x)): tpr[i] and fpr[i] are the rates of flagging
        d(x) >= thresholds[i]; auc is the area under the curve.
        """
        positive = self._anomaly_labels(y, X)
        if positive.all() or not positive.any():
            raise ValueError(
                f"{type(self).__name__}.roc: y must hold both normal samples and anomalies"
            )
        fpr, tpr, thresholds = roc_curve(positive, self.anomaly_score(X))
        return fpr, tpr, thresholds, float(auc(fpr, tpr))

    def _anomaly_labels(self, y: Any, X: Any) -> np.ndarray:
        """y -> boolean 'is an anomaly'."""
        y = np.asarray(y).ravel()
        if len(y) != len(X):
            raise ValueError(
                f"{type(self).__name__}: y has {len(y)} labels, X has {len(X)} samples"
            )
        values = set(np.unique(y).tolist())
        if values <= {0, 1}:
            return y.astype(bool)
        if values <= {-1, 1}:
            return y == -1
        raise ValueError(
            f"{type(self).__name__}: y must be 1 = anomaly / 0 = normal, or -1 = outlier / "
            f"+1 = inlier; got values {sorted(values)[:5]}"
        )
