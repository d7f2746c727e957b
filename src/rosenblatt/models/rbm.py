"""Bernoulli restricted Boltzmann machine trained by contrastive divergence (CD-k / PCD).

Binary visible units v (n_features) and hidden units h (n_components), connected only
across the two layers:

    E(v, h) = -b'v - c'h - h'Wv,        P(v, h) = exp(-E(v, h)) / Z
    P(h_j = 1 | v) = sigma(c_j + W_j . v),   P(v_i = 1 | h) = sigma(b_i + W_:i . h)
    free energy F(v) = -ln sum_h exp(-E(v, h)) = -b'v - sum_j softplus(c_j + W_j . v)

The names and the semantics follow scikit-learn's ``BernoulliRBM`` (W is ``components_``,
b is ``intercept_visible_``, c is ``intercept_hidden_``). The RBM is the Carrazza deck's
general Boltzmann machine without lateral couplings; :mod:`rosenblatt.models.boltzmann`
maps the parameters of the one onto the other.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..nn import functional as F
from ..random import make_rng
from ._base import COUNT, check_params, on_array, real, store_params
from ._docs import sections

__all__ = ["RBM"]

_fit_docs = sections(
    "X : array-like of shape (n_samples, n_features), values in [0, 1]",
    "y_ignored",
    returns="self : RBM",
)


class RBM(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Bernoulli RBM: E(v,h) = -b'v - c'h - h'Wv; P(h_j=1|v) = sigma(c_j + W_j.v).

    Trained by contrastive divergence: for a mini-batch of m samples v0,

        dW = eta/m (P(h=1|v0)' v0 - P(h=1|vk)' vk),  dc = eta/m sum(P(h|v0) - P(h|vk)),
        db = eta/m sum(v0 - vk),

    i.e. eta (<h v'>_data - <h v'>_model), the gradient of the log-likelihood, with the
    model's expectation taken at the end vk of k Gibbs steps v -> h -> v (CD-k). With
    ``persistent=True`` the chain is not restarted at the data but continues from the
    previous update (PCD, Tieleman 2008; scikit-learn's ``BernoulliRBM`` is PCD-1).

    Parameters
    ----------
    n_components : int
        Number of hidden units.
    learning_rate : float
        eta of the update (per sample: the batch sum is divided by the batch's size m).
    batch_size : int
        Samples per mini-batch.
    n_iter : int
        Epochs over the training set.
    random_state : None, int or numpy Generator
        Seeds the initial weights N(0, 0.01^2), the Gibbs samples and the shuffling;
        None draws from rosenblatt's global generator.
    k : int
        Gibbs steps per update (CD-k).
    persistent : bool
        Persistent contrastive divergence: the negative chain carries over.
    verbose : bool
        Print the mean pseudo-likelihood of each epoch.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        W.
    intercept_hidden_ : ndarray of shape (n_components,)
        c.
    intercept_visible_ : ndarray of shape (n_features,)
        b.
    h_samples_ : ndarray of shape (batch_size, n_components)
        State of the persistent chain (persistent=True).
    n_features_in_ : int
    n_iter_ : int
        Epochs done.
    pseudo_likelihood_curve_ : list of float
        Mean pseudo-log-likelihood of the training set after each epoch.

    Examples
    --------
    >>> import numpy as np
    >>> from rosenblatt.models import RBM
    >>> X = np.array([[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    >>> rbm = RBM(n_components=2, n_iter=5, random_state=0).fit(X)
    >>> rbm.transform(X).shape
    (4, 2)
    """

    def __init__(
        self,
        n_components: int = 256,
        *,
        learning_rate: float = 0.1,
        batch_size: int = 10,
        n_iter: int = 10,
        random_state: Any = None,
        k: int = 1,
        persistent: bool = False,
        verbose: bool = False,
    ) -> None:
        store_params(self, locals())

    def _check_params(self) -> None:
        rules = dict.fromkeys(("n_components", "batch_size", "n_iter", "k"), COUNT)
        rate = (lambda v: real(v) and np.isfinite(v) and v > 0, "a float > 0")
        check_params(self, {**rules, "learning_rate": rate})

    def _mean_hiddens(self, v: np.ndarray) -> np.ndarray:
        """P(h_j = 1 | v) = sigma(c_j + W_j . v), shape (n_samples, n_components)."""
        return on_array(F.sigmoid, v @ self.components_.T + self.intercept_hidden_)

    def _mean_visibles(self, h: np.ndarray) -> np.ndarray:
        """P(v_i = 1 | h) = sigma(b_i + W_:i . h), shape (n_samples, n_features)."""
        return on_array(F.sigmoid, h @ self.components_ + self.intercept_visible_)

    def _sample(self, p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Bernoulli draws with probabilities p."""
        return (rng.random(p.shape) < p).astype(p.dtype)

    def _free_energy(self, v: np.ndarray) -> np.ndarray:
        """F(v) = -b'v - sum_j softplus(c_j + W_j . v) = -ln sum_h exp(-E(v, h))."""
        z = v @ self.components_.T + self.intercept_hidden_
        softplus = on_array(F.softplus, z, threshold=np.inf)
        return -(v @ self.intercept_visible_) - softplus.sum(axis=1)

    @sections(
        "v : array-like of shape (n_samples, n_features)",
        returns="ndarray of shape (n_samples, n_features), values in {0, 1}",
    )
    def gibbs(self, v: Any) -> np.ndarray:
        """One Gibbs step v -> h ~ P(h|v) -> v' ~ P(v|h); returns the new visible sample."""
        check_is_fitted(self)
        v = validate_data(self, v, reset=False, dtype=np.float64)
        rng = self._rng
        h = self._sample(self._mean_hiddens(v), rng)
        return self._sample(self._mean_visibles(h), rng)

    @sections("X", returns="ndarray of shape (n_samples, n_components)")
    def transform(self, X: Any) -> np.ndarray:
        """Hidden activation probabilities P(h_j = 1 | v) = sigma(c_j + W_j . v)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self._mean_hiddens(X)

    @sections("X", returns="ndarray of shape (n_samples,)")
    def score_samples(self, X: Any) -> np.ndarray:
        """Pseudo-log-likelihood n_features * ln sigma(F(v~) - F(v)), v~ = v with one random
        bit flipped (scikit-learn's stochastic estimate of sum_i ln P(v_i | v_-i))."""
        check_is_fitted(self)
        v = validate_data(self, X, reset=False, dtype=np.float64)
        rng = self._rng
        i = rng.integers(0, v.shape[1], v.shape[0])
        v_flip = v.copy()
        rows = np.arange(v.shape[0])
        v_flip[rows, i] = 1 - v_flip[rows, i]
        delta = self._free_energy(v_flip) - self._free_energy(v)  # ln sigma(d) = -softplus(-d)
        return -v.shape[1] * on_array(F.softplus, -delta, threshold=np.inf)

    def _contrastive_divergence(
        self, v0: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CD-k estimate of the log-likelihood gradient summed over the batch:
        (<h v'>_data - <h v'>_model, sum(h_data - h_model), sum(v0 - vk))."""
        h0 = self._mean_hiddens(v0)
        m = len(v0)
        if self.persistent:
            if len(self.h_samples_) < m:  # partial_fit on a larger batch: more chains
                extra = np.zeros((m - len(self.h_samples_), self.n_components))
                self.h_samples_ = np.vstack([self.h_samples_, extra])
            h = self.h_samples_[:m]
        else:
            h = self._sample(h0, rng)
        for step in range(self.k):
            vk = self._sample(self._mean_visibles(h), rng)
            hk = self._mean_hiddens(vk)
            if step < self.k - 1:
                h = self._sample(hk, rng)
        if self.persistent:
            self.h_samples_[:m] = self._sample(hk, rng)
        dW = h0.T @ v0 - hk.T @ vk
        return dW, h0.sum(axis=0) - hk.sum(axis=0), v0.sum(axis=0) - vk.sum(axis=0)

    def _fit_batch(self, v0: np.ndarray, rng: np.random.Generator) -> None:
        dW, dc, db = self._contrastive_divergence(v0, rng)
        lr = float(self.learning_rate) / len(v0)
        self.components_ += lr * dW
        self.intercept_hidden_ += lr * dc
        self.intercept_visible_ += lr * db

    def _initialize(self, n_features: int) -> None:
        self._rng = make_rng(self.random_state)
        self.components_ = self._rng.normal(0, 0.01, (self.n_components, n_features))
        self.intercept_hidden_ = np.zeros(self.n_components)
        self.intercept_visible_ = np.zeros(n_features)
        self.h_samples_ = np.zeros((self.batch_size, self.n_components))
        self.n_iter_ = 0
        self.pseudo_likelihood_curve_: list[float] = []

    def _validate_X(self, X: Any, reset: bool) -> np.ndarray:
        """Float64 X; negative values are an error, values above 1 a warning (a Bernoulli
        unit's probability is at most 1; scikit-learn's BernoulliRBM accepts them)."""
        X = validate_data(self, X, reset=reset, dtype=np.float64)
        if X.min(initial=0) < 0:
            raise ValueError(
                f"Negative values in data passed to RBM: expected values in [0, 1] (binary "
                f"or probabilities), got a minimum of {X.min():.4g}"
            )
        if X.max(initial=0) > 1:
            warnings.warn(
                f"RBM: X has values above 1 (maximum {X.max():.4g}); a Bernoulli RBM expects "
                "values in [0, 1] -- scale the features (e.g. MinMaxScaler)",
                UserWarning,
                stacklevel=3,
            )
        return X

    @_fit_docs
    def partial_fit(self, X: Any, y: Any = None) -> RBM:
        """One CD update on the batch X (the model is created on the first call)."""
        self._check_params()
        first = not hasattr(self, "components_")
        X = self._validate_X(X, reset=first)
        if first:
            self._initialize(X.shape[1])
        self._fit_batch(X, self._rng)
        return self

    @_fit_docs
    def fit(self, X: Any, y: Any = None) -> RBM:
        """n_iter epochs of CD-k (or PCD-k) over shuffled mini-batches of X."""
        self._check_params()
        X = self._validate_X(X, reset=True)
        self._initialize(X.shape[1])
        rng, n, size = self._rng, len(X), self.batch_size
        for _ in range(self.n_iter):
            order = rng.permutation(n)
            for start in range(0, n, size):
                v0 = X[order[start : start + size]]
                self._fit_batch(v0, rng)
            self.n_iter_ += 1
            self.pseudo_likelihood_curve_.append(float(self.score_samples(X).mean()))
            if self.verbose:
                print(
                    f"[RBM] Iteration {self.n_iter_}, "
                    f"pseudo-likelihood = {self.pseudo_likelihood_curve_[-1]:.2f}"
                )
        return self

    @property
    def _n_features_out(self) -> int:
        return self.components_.shape[0]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags
