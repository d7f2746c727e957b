"""The general Boltzmann machine (Carrazza deck) against brute-force enumeration of a tiny
model: the deck's energy, the conditionals, the Gibbs sampler's stationary distribution,
the sampled log-likelihood gradient, learning, and the mapping to the RBM."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.special import logsumexp

from rosenblatt.models import RBM, BoltzmannMachine

D, K = 3, 2


def states(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n))).reshape(-1, n)


def sym(rng, n, scale):
    A = rng.normal(0, scale, (n, n))
    A = (A + A.T) / 2
    np.fill_diagonal(A, 0.0)
    return A


def tiny(seed=0, scale=1.0, **kwargs):
    """A fitted machine with D = 3 visible, K = 2 hidden units and random couplings."""
    rng = np.random.default_rng(seed)
    bm = BoltzmannMachine(n_hidden=K, n_iter=1, random_state=seed, **kwargs)
    bm.fit(rng.integers(0, 2, (6, D)))
    bm.T_, bm.Q_ = sym(rng, D, scale), sym(rng, K, scale)
    bm.W_ = rng.normal(0, scale, (D, K))
    bm.B_v_, bm.B_h_ = rng.normal(0, scale, D), rng.normal(0, scale, K)
    return bm


def deck_energy(bm, v, h):
    """E = 1/2 v'Tv + 1/2 h'Qh + v'Wh + B_h h + B_v v, written term by term from the slide."""
    return 0.5 * v @ bm.T_ @ v + 0.5 * h @ bm.Q_ @ h + v @ bm.W_ @ h + bm.B_h_ @ h + bm.B_v_ @ v


def joint(bm):
    """P(v, h) for all 2^(D+K) states by enumeration: (states, probabilities)."""
    S = [(v, h) for v in states(D) for h in states(K)]
    neg_E = np.array([-deck_energy(bm, v, h) for v, h in S])
    return S, np.exp(neg_E - logsumexp(neg_E))


def test_energy_is_the_decks_formula():
    bm = tiny()
    V = np.array([v for v in states(D) for _ in states(K)])
    H = np.array([h for _ in states(D) for h in states(K)])
    expected = [deck_energy(bm, v, h) for v, h in zip(V, H)]
    np.testing.assert_allclose(bm.energy(V, H), expected, rtol=1e-12)


def test_conditionals_equal_enumerated_ratios():
    """P(u = 1 | rest) = e^-E(u=1) / (e^-E(u=0) + e^-E(u=1)) for every unit and state."""
    bm = tiny(1)
    for v in states(D):
        for h in states(K):
            p_v, p_h = bm.conditionals(v[None], h[None])
            for i in range(D):
                on, off = v.copy(), v.copy()
                on[i], off[i] = 1, 0
                e1, e0 = deck_energy(bm, on, h), deck_energy(bm, off, h)
                assert p_v[0, i] == pytest.approx(1 / (1 + np.exp(e1 - e0)), rel=1e-12)
            for j in range(K):
                on, off = h.copy(), h.copy()
                on[j], off[j] = 1, 0
                e1, e0 = deck_energy(bm, v, on), deck_energy(bm, v, off)
                assert p_h[0, j] == pytest.approx(1 / (1 + np.exp(e1 - e0)), rel=1e-12)


def test_lateral_couplings_make_the_hidden_layer_dependent():
    """With Q != 0, P(h | v) is not the product of its marginals (it is for the RBM)."""
    bm = tiny(2, scale=0.3)
    bm.Q_ = np.array([[0.0, -3.0], [-3.0, 0.0]])  # the two hidden units like to fire together
    bm.B_h_ = np.array([1.5, 1.5])
    S, p = joint(bm)
    v0 = states(D)[5]
    rows = [(h, q) for (v, h), q in zip(S, p) if np.array_equal(v, v0)]
    ph = np.array([q for _, q in rows]) / sum(q for _, q in rows)
    H = np.array([h for h, _ in rows])
    marg = H.T @ ph
    product = np.prod(np.where(H == 1, marg, 1 - marg), axis=1)
    assert np.abs(ph - product).max() > 0.1
    bm.Q_[...] = 0.0  # without the lateral coupling it factorises
    S, p = joint(bm)
    rows = [q for (v, _), q in zip(S, p) if np.array_equal(v, v0)]
    ph = np.array(rows) / sum(rows)
    marg = H.T @ ph
    np.testing.assert_allclose(ph, np.prod(np.where(H == 1, marg, 1 - marg), axis=1), rtol=1e-10)


def test_log_likelihood_equals_enumeration():
    bm = tiny(3)
    S, p = joint(bm)
    V = states(D)
    expected = [np.log(sum(q for (v, _), q in zip(S, p) if np.array_equal(v, x))) for x in V]
    np.testing.assert_allclose(bm.log_likelihood(V), expected, rtol=1e-10)
    assert np.exp(bm.log_likelihood(V)).sum() == pytest.approx(1.0, rel=1e-12)


def test_gibbs_sampler_reaches_the_boltzmann_distribution():
    bm = tiny(4)
    _, p = joint(bm)
    v0 = np.zeros((20000, D))
    v, h = bm.gibbs(v0, n_sweeps=30)
    codes = (np.hstack([v, h]) @ (1 << np.arange(D + K - 1, -1, -1))).astype(int)
    empirical = np.bincount(codes, minlength=2 ** (D + K)) / len(codes)
    assert 0.5 * np.abs(empirical - p).sum() < 0.02  # total variation


def exact_gradient(bm, X):
    """<dE/dtheta>_model - <dE/dtheta>_data by enumeration, theta = W, T, Q, B_v, B_h."""
    S, p = joint(bm)
    model = {k: 0.0 for k in ("W_", "T_", "Q_", "B_v_", "B_h_")}
    for (v, h), q in zip(S, p):
        for k, val in zip(model, (np.outer(v, h), np.outer(v, v), np.outer(h, h), v, h)):
            model[k] = model[k] + q * val
    data = {k: 0.0 for k in model}
    for x in X:
        rows = [(h, q) for (v, h), q in zip(S, p) if np.array_equal(v, x)]
        z = sum(q for _, q in rows)
        for h, q in rows:
            for k, val in zip(data, (np.outer(x, h), np.outer(x, x), np.outer(h, h), x, h)):
                data[k] = data[k] + q / z * val / len(X)
    return {k: model[k] - data[k] for k in model}


def test_sampled_gradient_matches_the_enumerated_gradient():
    bm = tiny(5, scale=0.7)
    X = np.array([[1, 0, 1], [1, 1, 0], [0, 0, 1], [1, 1, 1]], dtype=float)
    exact = exact_gradient(bm, X)
    reps = 5000
    _, h_data = bm.gibbs(np.repeat(X, reps, axis=0), n_sweeps=20, clamp_visible=True)
    data = bm._statistics(np.repeat(X, reps, axis=0), h_data)
    v_model, h_model = bm.gibbs(np.zeros((20000, D)), n_sweeps=30)
    model = bm._statistics(v_model, h_model)
    for k in exact:
        estimate = model[k] - data[k]
        if k == "T_":
            np.fill_diagonal(estimate, 0.0)
            np.fill_diagonal(exact[k], 0.0)
        np.testing.assert_allclose(estimate, exact[k], atol=0.02, err_msg=k)


DATA_PATTERNS = np.array([[1, 1, 0, 0], [0, 0, 1, 1], [1, 1, 1, 1], [0, 0, 0, 0]], dtype=float)
DATA_PROBS = np.array([0.4, 0.3, 0.2, 0.1])


def _kl_to_data(bm):
    log_p = bm.log_likelihood(DATA_PATTERNS)
    return float((DATA_PROBS * (np.log(DATA_PROBS) - log_p)).sum())


def test_training_by_gibbs_sampling_learns_the_data_distribution():
    X = DATA_PATTERNS[np.random.default_rng(0).choice(4, 400, p=DATA_PROBS)]
    untrained = BoltzmannMachine(n_hidden=2, n_iter=1, learning_rate=1e-9, random_state=0).fit(X)
    lateral = BoltzmannMachine(n_hidden=2, n_iter=60, learning_rate=0.1, random_state=0).fit(X)
    restricted = BoltzmannMachine(
        n_hidden=2, n_iter=60, learning_rate=0.1, lateral=False, random_state=0
    ).fit(X)
    assert _kl_to_data(untrained) > 1.0
    assert _kl_to_data(lateral) < 0.1  # exact KL(data || model) by enumeration
    assert _kl_to_data(restricted) > _kl_to_data(lateral)
    assert not lateral.T_.any() == 0 and np.allclose(lateral.T_, lateral.T_.T)
    assert np.all(np.diag(lateral.T_) == 0) and np.all(np.diag(lateral.Q_) == 0)
    assert not restricted.T_.any() and not restricted.Q_.any()


def test_rbm_is_the_special_case_with_the_written_mapping():
    """T = 0, Q = 0, W = -W_rbm^T, B_v = -b, B_h = -c gives the RBM's energy and P(h|v)."""
    rng = np.random.default_rng(6)
    rbm = RBM(n_components=K, n_iter=1, random_state=0).fit(rng.integers(0, 2, (5, D)))
    rbm.components_ = rng.normal(size=(K, D))
    rbm.intercept_hidden_, rbm.intercept_visible_ = rng.normal(size=K), rng.normal(size=D)
    bm = tiny(7)
    bm.T_, bm.Q_ = np.zeros((D, D)), np.zeros((K, K))
    bm.W_ = -rbm.components_.T
    bm.B_v_, bm.B_h_ = -rbm.intercept_visible_, -rbm.intercept_hidden_
    V = np.array([v for v in states(D) for _ in states(K)])
    H = np.array([h for _ in states(D) for h in states(K)])
    rbm_energy = (
        -(V @ rbm.intercept_visible_)
        - H @ rbm.intercept_hidden_
        - np.einsum("nj,ji,ni->n", H, rbm.components_, V)
    )
    np.testing.assert_allclose(bm.energy(V, H), rbm_energy, rtol=1e-12)
    _, p_h = bm.conditionals(states(D), np.zeros((2**D, K)))
    np.testing.assert_allclose(p_h, rbm.transform(states(D)), rtol=1e-12)
    # ln P(v) = -F_rbm(v) - ln Z
    log_p = bm.log_likelihood(states(D))
    free = rbm._free_energy(states(D))
    np.testing.assert_allclose(log_p + free, (log_p + free)[0], rtol=1e-12)


def test_rejects_non_binary_data_and_bad_parameters():
    with pytest.raises(ValueError, match="binary"):
        BoltzmannMachine().fit([[0.5, 1.0]])
    with pytest.raises(ValueError, match="n_hidden"):
        BoltzmannMachine(n_hidden=-1).fit([[0, 1]])
    with pytest.raises(ValueError, match="at most 20 units"):
        BoltzmannMachine(n_hidden=20, n_iter=1, n_chains=2).fit([[0, 1]]).log_likelihood([[0, 1]])


def test_fully_visible_machine_without_hidden_units():
    X = DATA_PATTERNS[np.random.default_rng(1).choice(4, 400, p=DATA_PROBS)]
    bm = BoltzmannMachine(n_hidden=0, n_iter=60, learning_rate=0.1, random_state=0).fit(X)
    assert bm.W_.shape == (4, 0)
    assert _kl_to_data(bm) < 0.3
