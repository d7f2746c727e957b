"""RBM: the formulas against brute-force enumeration of a tiny model, the CD gradient against
the exact log-likelihood gradient, transform against scikit-learn's BernoulliRBM, training."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.datasets import load_digits
from sklearn.neural_network import BernoulliRBM
from sklearn.utils.estimator_checks import parametrize_with_checks

from rosenblatt.models import RBM

N_V, N_H = 4, 3


def tiny_rbm(seed: int = 0, scale: float = 1.0, **kwargs) -> RBM:
    """An RBM of 4 visible and 3 hidden units with random weights set by hand."""
    rng = np.random.default_rng(seed)
    rbm = RBM(n_components=N_H, random_state=seed, **kwargs)
    rbm.fit(rng.integers(0, 2, (8, N_V)))  # creates the attributes; the weights are replaced
    rbm.components_ = scale * rng.normal(size=(N_H, N_V))
    rbm.intercept_hidden_ = scale * rng.normal(size=N_H)
    rbm.intercept_visible_ = scale * rng.normal(size=N_V)
    return rbm


def states(n: int) -> np.ndarray:
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=float)


def energy(rbm: RBM, v: np.ndarray, h: np.ndarray) -> np.ndarray:
    """E(v, h) = -b'v - c'h - h'Wv for all pairs: shape (len(v), len(h))."""
    W, b, c = rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_
    return -(v @ b)[:, None] - (h @ c)[None, :] - v @ W.T @ h.T


def test_free_energy_and_conditionals_match_enumeration():
    rbm = tiny_rbm()
    V, H = states(N_V), states(N_H)
    E = energy(rbm, V, H)  # (16, 8)
    # F(v) = -ln sum_h exp(-E(v, h))
    np.testing.assert_allclose(rbm._free_energy(V), -logsumexp(-E, axis=1), rtol=1e-12)
    # P(h_j = 1 | v) = sum_h h_j exp(-E) / sum_h exp(-E)
    p_h_given_v = np.exp(-E - logsumexp(-E, axis=1, keepdims=True))
    np.testing.assert_allclose(rbm.transform(V), p_h_given_v @ H, rtol=1e-12)
    # P(v_i = 1 | h) likewise, over the visible states
    p_v_given_h = np.exp(-E - logsumexp(-E, axis=0, keepdims=True))
    np.testing.assert_allclose(rbm._mean_visibles(H), p_v_given_h.T @ V, rtol=1e-12)


def test_pseudo_likelihood_is_unbiased_for_the_exact_one():
    rbm = tiny_rbm(1)
    V, H = states(N_V), states(N_H)
    log_p_v = -rbm._free_energy(V)  # ln P(v) up to ln Z
    index = {tuple(v): i for i, v in enumerate(V)}
    X = V[[3, 6, 9, 15]]
    exact = []
    for v in X:  # sum_i ln P(v_i | v_-i) = sum_i ln P(v) / (P(v) + P(v with bit i flipped))
        total = 0.0
        for i in range(N_V):
            w = v.copy()
            w[i] = 1 - w[i]
            a, b = log_p_v[index[tuple(v)]], log_p_v[index[tuple(w)]]
            total += a - np.logaddexp(a, b)
        exact.append(total)
    estimate = np.mean([rbm.score_samples(X) for _ in range(4000)], axis=0)
    np.testing.assert_allclose(estimate, exact, atol=0.08 * np.abs(exact).max())
    assert H.shape == (8, 3)


def exact_gradient(rbm: RBM, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """d mean ln P(x) / d(W, c, b) = <h v'>_data - <h v'>_model by enumerating 2^7 states."""
    V, H = states(N_V), states(N_H)
    E = energy(rbm, V, H)
    P = np.exp(-E - logsumexp(-E))  # joint P(v, h)
    model_hv = H.T @ P.T @ V  # sum P(v,h) h v'
    ph = rbm.transform(X)
    dW = ph.T @ X / len(X) - model_hv
    dc = ph.mean(0) - P.sum(0) @ H
    db = X.mean(0) - P.sum(1) @ V
    return dW, dc, db


def test_long_chain_cd_equals_exact_log_likelihood_gradient():
    rbm = tiny_rbm(2, scale=0.7, k=100)
    X = np.array([[1, 0, 1, 0], [1, 1, 0, 0], [0, 0, 1, 1]], dtype=float)
    batch = np.repeat(X, 10000, axis=0)
    dW, dc, db = rbm._contrastive_divergence(batch, np.random.default_rng(0))
    ex_W, ex_c, ex_b = exact_gradient(rbm, X)
    m = len(batch)
    np.testing.assert_allclose(dW / m, ex_W, atol=0.015)
    np.testing.assert_allclose(dc / m, ex_c, atol=0.015)
    np.testing.assert_allclose(db / m, ex_b, atol=0.015)
    # CD-1 from the data is biased but points uphill: positive inner product
    rbm.k = 1
    g1 = np.concatenate([a.ravel() for a in rbm._contrastive_divergence(batch, rbm._rng)])
    g = np.concatenate([a.ravel() for a in (ex_W, ex_c, ex_b)])
    assert g1 @ g > 0


def test_training_increases_exact_likelihood_of_tiny_model():
    X = np.array([[1, 0, 1, 0], [1, 1, 0, 0], [0, 0, 1, 1]] * 20, dtype=float)
    V = states(N_V)

    def mean_log_likelihood(rbm: RBM) -> float:
        log_z = logsumexp(-rbm._free_energy(V))
        return float(np.mean(-rbm._free_energy(X) - log_z))

    for persistent in (False, True):
        rbm = RBM(n_components=N_H, learning_rate=0.1, n_iter=1, random_state=0)
        rbm.set_params(persistent=persistent).fit(X)
        before = mean_log_likelihood(rbm)
        rbm.set_params(n_iter=200).fit(X)
        assert mean_log_likelihood(rbm) > before + 0.5


def test_transform_and_free_energy_equal_sklearn_bernoulli_rbm():
    rbm = tiny_rbm(3)
    sk = BernoulliRBM(n_components=N_H)
    sk.components_ = rbm.components_
    sk.intercept_hidden_ = rbm.intercept_hidden_
    sk.intercept_visible_ = rbm.intercept_visible_
    X = np.random.default_rng(0).random((20, N_V))
    np.testing.assert_allclose(rbm.transform(X), sk.transform(X), rtol=1e-12)
    np.testing.assert_allclose(rbm._free_energy(X), sk._free_energy(X), rtol=1e-12)


def expit_v(sk: BernoulliRBM, h: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(h @ sk.components_ + sk.intercept_visible_)))


def test_persistent_cd1_equals_sklearn_update_given_the_same_draws():
    """persistent=True, k=1 is scikit-learn's PCD-1: with the same uniform numbers deciding
    the visible sample of the negative phase, one update gives the same weights."""
    X = (np.random.default_rng(0).random((10, 6)) > 0.5).astype(float)
    rbm = RBM(n_components=5, batch_size=10, n_iter=1, persistent=True, random_state=0).fit(X)
    W, c, b = rbm.components_.copy(), rbm.intercept_hidden_.copy(), rbm.intercept_visible_.copy()
    h = rbm.h_samples_.copy()
    U = np.random.default_rng(1).random((10, 6))
    rbm._sample = lambda p, rng: (U[: p.shape[0], : p.shape[1]] < p).astype(float)
    rbm._fit_batch(X, rbm._rng)
    sk = BernoulliRBM(n_components=5, batch_size=10, learning_rate=0.1)
    sk.components_, sk.intercept_hidden_, sk.intercept_visible_ = W.copy(), c.copy(), b.copy()
    sk.h_samples_ = h
    sk._sample_visibles = lambda hs, rng: (U < expit_v(sk, hs)).astype(float)
    sk._fit(X, np.random.RandomState(0))
    np.testing.assert_allclose(rbm.components_, sk.components_, rtol=1e-12)
    np.testing.assert_allclose(rbm.intercept_hidden_, sk.intercept_hidden_, rtol=1e-12)
    np.testing.assert_allclose(rbm.intercept_visible_, sk.intercept_visible_, rtol=1e-12)
    assert np.abs(rbm.components_ - W).max() > 1e-3  # the step did move the weights


def test_training_on_digits_increases_pseudo_likelihood():
    X = (load_digits().data[:600] / 16 > 0.5).astype(float)
    rbm = RBM(n_components=32, learning_rate=0.05, n_iter=15, random_state=0).fit(X)
    curve = rbm.pseudo_likelihood_curve_
    assert len(curve) == 15 and rbm.n_iter_ == 15
    assert curve[-1] > curve[0]
    # the exact pseudo-likelihood sum_i ln sigma(F(v with bit i flipped) - F(v)), against the
    # untrained model's 64 ln(1/2) (weights ~ 0: every bit a fair coin)
    exact = 0.0
    for i in range(64):
        flipped = X.copy()
        flipped[:, i] = 1 - flipped[:, i]
        exact += np.mean(-np.logaddexp(0, rbm._free_energy(X) - rbm._free_energy(flipped)))
    assert exact > 64 * np.log(0.5) + 20
    assert abs(np.mean(curve[-1]) - exact) < 3
    assert rbm.transform(X).shape == (600, 32)


def test_same_seed_same_result_and_gibbs():
    X = (load_digits().data[:100] / 16 > 0.5).astype(float)
    a = RBM(n_components=8, n_iter=2, random_state=7).fit(X)
    b = RBM(n_components=8, n_iter=2, random_state=7).fit(X)
    np.testing.assert_array_equal(a.components_, b.components_)
    v = a.gibbs(X[:5])
    assert v.shape == (5, 64) and set(np.unique(v)) <= {0.0, 1.0}


def test_partial_fit_and_bad_input():
    X = (np.random.default_rng(0).random((30, 5)) > 0.5).astype(float)
    rbm = RBM(n_components=3, random_state=0, persistent=True)
    rbm.partial_fit(X[:10]).partial_fit(X)
    assert rbm.components_.shape == (3, 5) and rbm.h_samples_.shape == (30, 3)
    with pytest.raises(ValueError, match="Negative values in data passed to RBM"):
        RBM().fit(X - 0.5)
    with pytest.warns(UserWarning, match="RBM: X has values above 1"):
        RBM(n_components=2, n_iter=1).fit(X * 3)
    with pytest.raises(ValueError, match="RBM: invalid k=0"):
        RBM(k=0).fit(X)
    with pytest.raises(ValueError, match="5 features"):
        rbm.transform(X[:, :4])


RBM_XFAIL = {
    "check_methods_sample_order_invariance": "score_samples flips one random bit per sample "
    "(stochastic pseudo-likelihood, as scikit-learn's BernoulliRBM)",
    "check_methods_subset_invariance": "score_samples flips one random bit per sample",
}


@parametrize_with_checks(
    [RBM(n_components=4, n_iter=2)], expected_failed_checks=lambda est: RBM_XFAIL
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
