"""The general Boltzmann machine of the Carrazza deck: binary visible and hidden units with
couplings inside each layer as well as across, trained by Gibbs sampling.

The deck's energy, for visible units v in {0,1}^D and hidden units h in {0,1}^K::

    E(v, h) = 1/2 v^T T v + 1/2 h^T Q h + v^T W h + B_h . h + B_v . v
    P(v, h) = exp(-E(v, h)) / Z,        Z = sum over all (v, h) of exp(-E(v, h))

T (D x D) and Q (K x K) are symmetric with zero diagonals (the lateral couplings), W is
D x K. A unit's conditional given all the others is a sigmoid of its energy gap::

    P(v_i = 1 | rest) = sigma(-a_i),   a_i = (T v)_i + (W h)_i + B_v,i
    P(h_j = 1 | rest) = sigma(-b_j),   b_j = (Q h)_j + (W^T v)_j + B_h,j

(a_i = E(v_i = 1) - E(v_i = 0)), so Gibbs sampling updates one unit at a time. With lateral
couplings the units of one layer depend on each other: neither P(h | v) nor P(v | h)
factorises, unlike in the restricted machine.

Learning (Ackley, Hinton & Sejnowski, 1985): the gradient of the mean log-likelihood of the
data is the difference of two expectations of dE/dtheta::

    d<ln P(v)>/dtheta = <dE/dtheta>_model - <dE/dtheta>_data
    dE/dW = v h^T,  dE/dT = v v^T (off the diagonal),  dE/dQ = h h^T,  dE/dB_v = v,  dE/dB_h = h

"data" clamps v to a training sample and samples h ~ P(h | v) (the positive phase); "model"
runs free chains (the negative phase, persistent across updates as in PCD).

The RBM in :mod:`rosenblatt.models.rbm` is the special case T = 0, Q = 0. Its energy
E = -b^T v - c^T h - h^T W_rbm v is this one with::

    T = 0,   Q = 0,   W = -W_rbm^T,   B_v = -b,   B_h = -c

(the deck writes every term with a plus sign, so a coupling that makes two units fire
together is negative here and positive in the RBM).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from scipy.special import expit, logsumexp
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from ..random import make_rng
from ._base import check_param

__all__ = ["BoltzmannMachine"]

_MAX_ENUMERATED_UNITS = 20


class BoltzmannMachine(BaseEstimator):
    """General Boltzmann machine: E(v,h) = 1/2 v'Tv + 1/2 h'Qh + v'Wh + B_h.h + B_v.v,
    trained by Gibbs sampling (positive phase clamped on the data, negative phase on
    persistent free chains).

    Parameters
    ----------
    n_hidden : int
        Number of hidden units K (0: a fully visible Boltzmann machine).
    learning_rate : float
        eta in theta := theta + eta (<dE/dtheta>_model - <dE/dtheta>_data).
    batch_size : int
        Training samples per update.
    n_iter : int
        Epochs over the training set.
    n_gibbs : int
        Gibbs sweeps (every unit once) per phase and update.
    n_chains : int
        Persistent free-running chains of the negative phase.
    lateral : bool
        Learn the visible-visible (T) and hidden-hidden (Q) couplings; False keeps them at
        zero (a restricted machine trained by the same sampler).
    random_state : None, int or numpy Generator
        Seeds the initial weights N(0, 0.01^2) and the Gibbs samples.

    Attributes
    ----------
    T_ : ndarray of shape (n_features, n_features)
        Visible-visible couplings (symmetric, zero diagonal).
    Q_ : ndarray of shape (n_hidden, n_hidden)
        Hidden-hidden couplings (symmetric, zero diagonal).
    W_ : ndarray of shape (n_features, n_hidden)
        Visible-hidden couplings.
    B_v_ : ndarray of shape (n_features,)
    B_h_ : ndarray of shape (n_hidden,)
    n_features_in_ : int
    n_iter_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from rosenblatt.models import BoltzmannMachine
    >>> X = np.array([[1, 1, 0], [0, 0, 1], [1, 1, 0], [0, 0, 1]])
    >>> bm = BoltzmannMachine(n_hidden=1, n_iter=50, random_state=0).fit(X)
    >>> bool(bm.log_likelihood(X).mean() > np.log(1 / 8))  # better than uniform
    True
    """

    def __init__(
        self,
        n_hidden: int = 2,
        *,
        learning_rate: float = 0.05,
        batch_size: int = 10,
        n_iter: int = 100,
        n_gibbs: int = 1,
        n_chains: int = 100,
        lateral: bool = True,
        random_state: Any = None,
    ) -> None:
        self.n_hidden = n_hidden
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.n_gibbs = n_gibbs
        self.n_chains = n_chains
        self.lateral = lateral
        self.random_state = random_state

    # ------------------------------------------------------------------ the model
    def energy(self, v: Any, h: Any) -> np.ndarray:
        """E(v, h) = 1/2 v'Tv + 1/2 h'Qh + v'Wh + B_h.h + B_v.v for rows of v and h.

        Parameters
        ----------
        v : array-like of shape (n, n_features)
        h : array-like of shape (n, n_hidden)

        Returns
        -------
        ndarray of shape (n,)
        """
        check_is_fitted(self)
        v = np.atleast_2d(np.asarray(v, dtype=np.float64))
        h = np.asarray(h, dtype=np.float64).reshape(len(v), -1)
        return (
            0.5 * np.einsum("ni,ij,nj->n", v, self.T_, v)
            + 0.5 * np.einsum("ni,ij,nj->n", h, self.Q_, h)
            + np.einsum("ni,ij,nj->n", v, self.W_, h)
            + h @ self.B_h_
            + v @ self.B_v_
        )

    def conditionals(self, v: Any, h: Any) -> tuple[np.ndarray, np.ndarray]:
        """P(v_i = 1 | all other units) and P(h_j = 1 | all other units) at the state (v, h).

        sigma(-a_i) with a_i = (T v)_i + (W h)_i + B_v,i = E(v_i = 1) - E(v_i = 0), and
        sigma(-b_j) with b_j = (Q h)_j + (W^T v)_j + B_h,j (T, Q have zero diagonals, so a
        unit's own value does not enter its gap).

        Parameters
        ----------
        v : array-like of shape (n, n_features)
        h : array-like of shape (n, n_hidden)

        Returns
        -------
        p_v : ndarray of shape (n, n_features)
        p_h : ndarray of shape (n, n_hidden)
        """
        check_is_fitted(self)
        v = np.atleast_2d(np.asarray(v, dtype=np.float64))
        h = np.asarray(h, dtype=np.float64).reshape(len(v), -1)
        a = v @ self.T_ + h @ self.W_.T + self.B_v_
        b = h @ self.Q_ + v @ self.W_ + self.B_h_
        return expit(-a), expit(-b)

    def _sweep(
        self, v: np.ndarray, h: np.ndarray, rng: np.random.Generator, clamp_visible: bool
    ) -> None:
        """One Gibbs sweep in place: each unit in turn drawn from P(unit = 1 | rest)."""
        if not clamp_visible:
            for i in range(v.shape[1]):
                a = v @ self.T_[:, i] + h @ self.W_[i] + self.B_v_[i]  # E(v_i=1) - E(v_i=0)
                v[:, i] = rng.random(len(v)) < expit(-a)
        for j in range(h.shape[1]):
            b = h @ self.Q_[:, j] + v @ self.W_[:, j] + self.B_h_[j]
            h[:, j] = rng.random(len(h)) < expit(-b)

    def gibbs(
        self, v: Any, h: Any = None, n_sweeps: int = 1, clamp_visible: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Run ``n_sweeps`` Gibbs sweeps from (v, h); return the new (v, h).

        Parameters
        ----------
        v : array-like of shape (n_chains, n_features)
        h : array-like of shape (n_chains, n_hidden), optional
            Random bits when None.
        n_sweeps : int
        clamp_visible : bool
            Keep v fixed and sample only h ~ P(h | v) (the positive phase).

        Returns
        -------
        v, h : ndarrays of 0.0 and 1.0
        """
        check_is_fitted(self)
        v = np.array(v, dtype=np.float64, ndmin=2)
        rng = self._rng
        if h is None:
            h = (rng.random((len(v), self.n_hidden)) < 0.5).astype(np.float64)
        else:
            h = np.array(h, dtype=np.float64, ndmin=2)
        for _ in range(n_sweeps):
            self._sweep(v, h, rng, clamp_visible)
        return v, h

    def sample(self, n_samples: int = 1, n_sweeps: int = 100) -> np.ndarray:
        """Visible samples from P(v): ``n_samples`` chains from random bits, ``n_sweeps`` each."""
        check_is_fitted(self)
        v0 = (self._rng.random((n_samples, self.n_features_in_)) < 0.5).astype(np.float64)
        return self.gibbs(v0, n_sweeps=n_sweeps)[0]

    def _all_states(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every (v, h) with -E(v, h): shapes (2^D, D), (2^K, K), (2^D, 2^K)."""
        d, k = self.n_features_in_, self.n_hidden
        if d + k > _MAX_ENUMERATED_UNITS:
            raise ValueError(
                f"BoltzmannMachine: exact likelihoods enumerate 2^{d + k} states; only "
                f"models with at most {_MAX_ENUMERATED_UNITS} units are enumerated"
            )
        V = np.array(list(itertools.product([0.0, 1.0], repeat=d))).reshape(2**d, d)
        H = np.array(list(itertools.product([0.0, 1.0], repeat=k))).reshape(2**k, k)
        neg_E = -(
            0.5 * np.einsum("ai,ij,aj->a", V, self.T_, V)[:, None]
            + 0.5 * np.einsum("bi,ij,bj->b", H, self.Q_, H)[None, :]
            + V @ self.W_ @ H.T
            + (H @ self.B_h_)[None, :]
            + (V @ self.B_v_)[:, None]
        )
        return V, H, neg_E

    def log_likelihood(self, X: Any) -> np.ndarray:
        """ln P(v) = ln sum_h exp(-E(v, h)) - ln Z, exactly, by enumerating all states
        (models with at most 20 units).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), values in {0, 1}

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        V, _, neg_E = self._all_states()
        log_p_v = logsumexp(neg_E, axis=1) - logsumexp(neg_E)
        index = (X.astype(int) * (1 << np.arange(X.shape[1] - 1, -1, -1))).sum(axis=1)
        return log_p_v[index]

    def score(self, X: Any, y: Any = None) -> float:
        """Mean exact log-likelihood of X (see :meth:`log_likelihood`)."""
        return float(self.log_likelihood(X).mean())

    # ------------------------------------------------------------------ training
    def _statistics(self, v: np.ndarray, h: np.ndarray) -> dict[str, np.ndarray]:
        """The sample means of dE/dtheta: v v', h h', v h', v, h."""
        m = len(v)
        return {
            "T_": v.T @ v / m,
            "Q_": h.T @ h / m,
            "W_": v.T @ h / m,
            "B_v_": v.mean(axis=0),
            "B_h_": h.mean(axis=0),
        }

    def _update(self, v0: np.ndarray) -> None:
        rng = self._rng
        _, h_data = self.gibbs(v0, n_sweeps=self.n_gibbs, clamp_visible=True)
        data = self._statistics(v0, h_data)
        for _ in range(self.n_gibbs):
            self._sweep(self.v_chains_, self.h_chains_, rng, clamp_visible=False)
        model = self._statistics(self.v_chains_, self.h_chains_)
        eta = float(self.learning_rate)
        for name in ("W_", "B_v_", "B_h_") + (("T_", "Q_") if self.lateral else ()):
            getattr(self, name)[...] += eta * (model[name] - data[name])
        np.fill_diagonal(self.T_, 0.0)  # no self-couplings
        np.fill_diagonal(self.Q_, 0.0)

    def _initialize(self, n_features: int) -> None:
        rng = self._rng = make_rng(self.random_state)
        d, k = n_features, self.n_hidden
        self.W_ = rng.normal(0, 0.01, (d, k))
        self.T_ = np.zeros((d, d))
        self.Q_ = np.zeros((k, k))
        self.B_v_ = np.zeros(d)
        self.B_h_ = np.zeros(k)
        self.v_chains_ = (rng.random((self.n_chains, d)) < 0.5).astype(np.float64)
        self.h_chains_ = (rng.random((self.n_chains, k)) < 0.5).astype(np.float64)
        self.n_iter_ = 0

    def _check_params(self) -> None:
        for name, low in (("n_hidden", 0), ("batch_size", 1), ("n_iter", 1), ("n_gibbs", 1)):
            value = getattr(self, name)
            ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
            check_param(self, name, value, ok and value >= low, f"an int >= {low}")
        ok = isinstance(self.n_chains, (int, np.integer)) and self.n_chains >= 1
        check_param(self, "n_chains", self.n_chains, ok, "an int >= 1")
        lr = self.learning_rate
        ok = isinstance(lr, (int, float, np.number)) and not isinstance(lr, bool)
        check_param(self, "learning_rate", lr, ok and np.isfinite(lr) and lr > 0, "a float > 0")

    def fit(self, X: Any, y: Any = None) -> BoltzmannMachine:
        """``n_iter`` epochs of Gibbs-sampled gradient ascent on the log-likelihood of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), values in {0, 1}
        y : ignored

        Returns
        -------
        self : BoltzmannMachine
        """
        self._check_params()
        X = validate_data(self, X, reset=True, dtype=np.float64)
        if not np.all((X == 0) | (X == 1)):
            raise ValueError("BoltzmannMachine: X must hold binary values 0 and 1")
        self._initialize(X.shape[1])
        rng, n, size = self._rng, len(X), self.batch_size
        for _ in range(self.n_iter):
            order = rng.permutation(n)
            for start in range(0, n, size):
                self._update(X[order[start : start + size]])
            self.n_iter_ += 1
        return self
