"""Newton's method and the exact Hessian behind it.

Oracles: torch.autograd.functional.hessian (float64), central finite differences of the
analytic gradient (float64), scikit-learn's unpenalised logistic regression.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification, make_moons
from sklearn.linear_model import LogisticRegression

import rosenblatt as rb
import rosenblatt.nn.functional as F
from rosenblatt.autograd import hessian

# ---------------------------------------------------------------- helpers


def _fd_hessian(loss_fn, arrays, eps=1e-5):
    """Central differences of the engine's analytic gradient: H_i = (g(w + eps e_i) -
    g(w - eps e_i)) / (2 eps), over the flattened arrays."""
    sizes = [a.size for a in arrays]
    w0 = np.concatenate([a.ravel() for a in arrays])

    def grad(w):
        parts = np.split(w, np.cumsum(sizes)[:-1])
        ps = [
            rb.tensor(p.reshape(a.shape), dtype="float64", requires_grad=True)
            for p, a in zip(parts, arrays)
        ]
        loss_fn(ps).backward()
        return np.concatenate(
            [np.zeros(p.numpy().size) if p.grad is None else p.grad.ravel() for p in ps]
        )

    H = np.empty((w0.size, w0.size))
    for i in range(w0.size):
        e = np.zeros_like(w0)
        e[i] = eps
        H[i] = (grad(w0 + e) - grad(w0 - e)) / (2 * eps)
    return (H + H.T) / 2


def _rb_hessian(loss_fn, arrays):
    ps = [rb.tensor(a, dtype="float64", requires_grad=True) for a in arrays]
    return hessian(loss_fn(ps), ps)


_R = np.random.default_rng(7)
X = _R.standard_normal((10, 3))
Y = _R.standard_normal((10, 2))
LABELS = _R.integers(0, 2, 10)
BINARY = _R.integers(0, 2, (10, 2)).astype(float)
MLP = [
    0.6 * _R.standard_normal((4, 3)),
    0.1 * _R.standard_normal(4),
    0.6 * _R.standard_normal((2, 4)),
    0.1 * _R.standard_normal(2),
]


def _mlp(P, X, act):
    return act(X @ P[0].T + P[1]) @ P[2].T + P[3]


# one loss per case, written once for rosenblatt (lib = rb) and torch (lib = torch)
TORCH_CASES = {
    "tanh-mse": lambda P, L: L.nn.functional.mse_loss(_mlp(P, _x(L), lambda h: h.tanh()), _t(L, Y)),
    "sigmoid-ce": lambda P, L: L.nn.functional.cross_entropy(
        _mlp(P, _x(L), lambda h: h.sigmoid()), _t(L, LABELS)
    ),
    "relu-bce-logits": lambda P, L: L.nn.functional.binary_cross_entropy_with_logits(
        _mlp(P, _x(L), lambda h: h.relu()), _t(L, BINARY)
    ),
    "tanh-sum-ce": lambda P, L: L.nn.functional.cross_entropy(
        _mlp(P, _x(L), lambda h: h.tanh()), _t(L, LABELS), reduction="sum"
    ),
    "log-softmax": lambda P, L: (
        -(L.nn.functional.log_softmax(_mlp(P, _x(L), lambda h: h.tanh()), 1) * _t(L, BINARY)).mean()
    ),
    "softmax-sq": lambda P, L: (
        L.nn.functional.softmax(_mlp(P, _x(L), lambda h: h.sigmoid()), 1) ** 2
    ).sum(),
}


def _x(L):
    return rb.tensor(X, dtype="float64") if L is rb else torch.tensor(X)


def _t(L, a):
    if L is rb:
        return rb.tensor(a) if a.dtype.kind == "i" else rb.tensor(a, dtype="float64")
    return torch.tensor(a)


def _torch_hessian(loss_fn, arrays):
    Ht = torch.autograd.functional.hessian(
        lambda *ps: loss_fn(list(ps), torch), tuple(torch.tensor(a) for a in arrays)
    )
    n = [a.size for a in arrays]
    return np.block(
        [[Ht[i][j].reshape(n[i], n[j]).numpy() for j in range(len(n))] for i in range(len(n))]
    )


# ---------------------------------------------------------------- the Hessian


@pytest.mark.parametrize("case", list(TORCH_CASES))
def test_hessian_equals_torch(case):
    fn = TORCH_CASES[case]
    g, H = _rb_hessian(lambda P: fn(P, rb), MLP)
    H_torch = _torch_hessian(fn, MLP)
    np.testing.assert_allclose(H, H_torch, rtol=1e-9, atol=1e-11)
    Pt = [torch.tensor(a, requires_grad=True) for a in MLP]
    g_torch = torch.cat([gi.reshape(-1) for gi in torch.autograd.grad(fn(Pt, torch), Pt)]).numpy()
    np.testing.assert_allclose(g, g_torch, rtol=1e-10, atol=1e-13)


A = _R.uniform(0.5, 2.0, (3, 4))
B = _R.standard_normal((4, 3))
V = _R.standard_normal(4)

# every op with a second-order rule, against finite differences of its analytic gradient
OP_CASES = {
    "add-sub-neg": ([A, B.T], lambda P: ((P[0] + P[1]) * (P[0] - P[1]) - (-P[0]) ** 3).sum()),
    "mul-div": ([A, B.T], lambda P: (P[0] * P[1] / (P[0] + 3.0)).sum()),
    "pow-both": ([A, 0.5 * B.T], lambda P: (P[0] ** P[1]).sum()),
    "exp-log-sqrt": ([A], lambda P: (P[0].exp() * P[0].log() + P[0].sqrt() ** 3).sum()),
    "abs-clip-relu": (
        [B],
        lambda P: (P[0].abs() * P[0] + P[0].clip(-0.5, 0.5) ** 3 + P[0].relu() ** 2).sum(),
    ),
    "max-min-where": (
        [A, B.T],
        lambda P: (
            rb.maximum(P[0], P[1]) ** 2 * rb.minimum(P[0], P[1])
            + rb.where(P[0].numpy() > 1, P[0] ** 3, P[1] ** 3)
        ).sum(),
    ),
    "leaky-elu-selu": (
        [B],
        lambda P: (
            F.leaky_relu(P[0], 0.2) ** 2 + F.elu(P[0] * P[0] - 0.5) ** 2 + F.selu(P[0]) ** 2
        ).sum(),
    ),
    "reductions": (
        [A],
        lambda P: (
            P[0].sum(axis=1).pow(2).sum()
            + P[0].mean(axis=0, keepdims=True).pow(3).sum()
            + P[0].var(axis=1).sum() * P[0].var()
            + P[0].amax(1).pow(2).sum()
            + P[0].min() ** 3
        ),
    ),
    "shapes": (
        [A, B],
        lambda P: (
            (P[0].reshape(4, 3) * P[1]).permute(1, 0).sum(axis=0).pow(2).sum()
            + (P[0][1:, ::2] ** 3).sum()
            + (P[0][[0, 0, 2]] ** 2 * P[1].T[:3]).sum()
            + rb.cat([P[0], P[1].T], 1).pow(3).sum()
            + (rb.stack([P[0], P[1].T], -1) ** 3).sum()
            + (P[0][:, :1].expand(3, 4) * P[1].T).pow(2).sum()
        ),
    ),
    "matmul-1d": (
        [A, V, B],
        lambda P: (
            ((P[0] @ P[1]) ** 2).sum()
            + ((P[1] @ P[2]) ** 3).sum()
            + (P[1] @ P[1]) ** 2
            + ((P[0] @ P[2]) ** 2).sum()
        ),
    ),
    "matmul-batched": (
        [np.stack([A, 2 * A]), B],
        lambda P: ((P[0] @ P[1]).tanh() ** 2).sum(),
    ),
    "linear": (
        [B, V, A.T],
        lambda P: (
            (F.linear(P[2], P[0], None).tanh() ** 2).sum()
            + (F.linear(P[1], P[0].T, P[0][0]) ** 3).sum()
            + (F.linear(P[2], P[0], P[1]).sigmoid()).sum()
        ),
    ),
    "ce-weights": (
        [B],
        lambda P: (
            F.cross_entropy(
                P[0] * P[0],
                rb.tensor([0, 2, 1, 0]),
                weight=rb.tensor([1.0, 2.0, 0.5], dtype="float64"),
            )
            + F.cross_entropy(P[0].tanh(), rb.tensor([1, -100, 2, 0]), reduction="none")
            .pow(2)
            .sum()
        ),
    ),
    "bce-logits-pos-weight": (
        [B, A.T[:, :3]],
        lambda P: (
            F.binary_cross_entropy_with_logits(
                P[0] * P[0],
                P[1].sigmoid(),
                pos_weight=rb.tensor([2.0, 1.0, 0.5], dtype="float64"),
                weight=rb.tensor([1.0, 3.0, 1.0], dtype="float64"),
            )
            + F.binary_cross_entropy_with_logits(P[0], P[1].sigmoid(), reduction="sum")
        ),
    ),
    "bce-probabilities": (
        [B, A.T[:, :3]],
        lambda P: (
            F.binary_cross_entropy(P[0].sigmoid(), P[1].sigmoid())
            + F.binary_cross_entropy(
                P[0].tanh() * 0.4 + 0.5,
                rb.tensor(BINARY[:4, :1].repeat(3, 1), dtype="float64"),
                reduction="sum",
            )
        ),
    ),
    "mse-reductions": (
        [B, A.T[:, :3]],
        lambda P: (
            F.mse_loss(P[0].tanh(), P[1])
            + F.mse_loss(P[0] ** 2, P[1], reduction="sum")
            + (F.mse_loss(P[0], P[1] * P[1], reduction="none") ** 2).sum()
        ),
    ),
    "step-sign": ([B], lambda P: (F.step(P[0]) * P[0] ** 2 + F.sign(P[0]) * P[0] ** 3).sum()),
}


@pytest.mark.parametrize("case", list(OP_CASES))
def test_hessian_equals_finite_differences_of_the_gradient(case):
    arrays, fn = OP_CASES[case]
    _, H = _rb_hessian(fn, arrays)
    H_fd = _fd_hessian(fn, arrays)
    np.testing.assert_allclose(H, H_fd, rtol=1e-6, atol=1e-6)
    assert np.abs(H).max() > 1e-3  # the case has curvature to check


def test_hessian_through_a_cast_is_exact():
    """J = sum(cast64(cast32(w))^2): the casts have derivative 1, so H = 2 I."""
    _, H = _rb_hessian(lambda P: (P[0].astype("float32").astype("float64") ** 2).sum(), [A])
    np.testing.assert_allclose(H, 2 * np.eye(A.size), atol=1e-6)


def test_hessian_of_a_linear_loss_is_zero_and_unused_parameters_get_zeros():
    w = rb.tensor(np.ones(3), dtype="float64", requires_grad=True)
    unused = rb.tensor(np.ones(2), dtype="float64", requires_grad=True)
    g, H = hessian((w * rb.tensor([1.0, 2.0, 3.0], dtype="float64")).sum(), [w, unused])
    np.testing.assert_array_equal(g, [1, 2, 3, 0, 0])
    np.testing.assert_array_equal(H, np.zeros((5, 5)))


def test_op_without_second_order_rule_names_it_and_points_to_lbfgs():
    w = rb.tensor(np.ones(3), dtype="float64", requires_grad=True)
    with pytest.raises(NotImplementedError, match=r"Softplus.*LBFGS"):
        hessian(F.softplus(w).sum(), [w])


# ---------------------------------------------------------------- Newton on logistic regression


def _logistic_problem():
    X, y = make_classification(
        n_samples=200,
        n_features=5,
        n_informative=3,
        n_redundant=0,
        flip_y=0.1,
        class_sep=0.8,
        random_state=0,
    )
    X = (X - X.mean(0)) / X.std(0)
    return X, y


def _newton_run(X, y, steps, **kwargs):
    rb.manual_seed(0)
    model = rb.nn.Linear(X.shape[1], 1).double()
    Xr, yr = rb.tensor(X, dtype="float64"), rb.tensor(y[:, None], dtype="float64")
    opt = rb.optim.Newton(model.parameters(), **kwargs)

    def closure():
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(Xr), yr)
        loss.backward()
        return loss

    coefs, grad_norms = [], []
    for _ in range(steps):
        opt.step(closure)
        closure()
        coefs.append(np.concatenate([model.weight.numpy().ravel(), model.bias.numpy()]))
        grad_norms.append(np.sqrt(sum(float((p.grad**2).sum()) for p in model.parameters())))
    return coefs, grad_norms, opt


def test_newton_reaches_sklearn_unpenalised_optimum_in_at_most_10_iterations():
    X, y = _logistic_problem()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        sk = LogisticRegression(C=np.inf, tol=1e-12, max_iter=100_000).fit(X, y)
    expected = np.concatenate([sk.coef_.ravel(), sk.intercept_])
    coefs, _, opt = _newton_run(X, y, steps=10)  # one Newton iteration per step
    first = next(k for k, c in enumerate(coefs) if np.abs(c - expected).max() < 1e-6)
    assert first + 1 <= 10
    np.testing.assert_allclose(coefs[-1], expected, atol=1e-6)
    assert opt.state[opt.param_groups[0]["params"][0]]["n_iter"] <= 10


def test_newton_converges_quadratically():
    """|g_{k+1}| <= C |g_k|^2 near the optimum: the number of correct digits doubles."""
    X, y = _logistic_problem()
    _, grad_norms, opt = _newton_run(X, y, steps=6, tolerance_grad=0.0)
    near = [(a, b) for a, b in zip(grad_norms, grad_norms[1:]) if a < 0.1 and b > 1e-14]
    assert len(near) >= 3, grad_norms
    for a, b in near:
        assert b <= 3.0 * a * a, (a, b, grad_norms)
    # linear convergence would keep b / a roughly constant; here it collapses
    ratios = [b / a for a, b in near]
    assert all(r1 < 0.2 * r0 for r0, r1 in zip(ratios, ratios[1:])), ratios
    assert opt.state[opt.param_groups[0]["params"][0]]["t"] == 1.0  # full Newton steps


# ---------------------------------------------------------------- non-convex: damping and line search


def test_newton_escapes_a_region_of_negative_curvature():
    """f(x, y) = x^4/4 - x^2/2 + y^2 from x = 0.1: f_xx = 3x^2 - 1 < 0, so the pure Newton step
    points to the maximum at x = 0; the damped step goes downhill to the minimum at x = 1."""
    w = rb.tensor([0.1, 0.5], dtype="float64", requires_grad=True)
    opt = rb.optim.Newton([w])

    def closure():
        opt.zero_grad()
        loss = w[0] ** 4 / 4 - w[0] ** 2 / 2 + w[1] ** 2
        loss.backward()
        return loss

    losses = [float(closure())]
    opt.step(closure)
    assert opt.state[w]["damping"] > 0  # H was indefinite: lam made it positive definite
    for _ in range(15):
        opt.step(closure)
        losses.append(float(closure()))
    assert all(b <= a for a, b in zip(losses, losses[1:]))
    np.testing.assert_allclose(w.numpy(), [1.0, 0.0], atol=1e-8)


def test_newton_trains_a_small_tanh_network():
    rb.manual_seed(3)
    Xm, ym = make_moons(100, noise=0.1, random_state=0)
    Xr, yr = rb.tensor(Xm, dtype="float64"), rb.tensor(ym[:, None], dtype="float64")
    model = rb.nn.Sequential(rb.nn.Linear(2, 6), rb.nn.Tanh(), rb.nn.Linear(6, 1)).double()
    opt = rb.optim.Newton(model.parameters(), damping=1e-4)

    def closure():
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(Xr), yr)
        loss.backward()
        return loss

    losses = [float(opt.step(closure)) for _ in range(25)]
    assert all(b <= a + 1e-12 for a, b in zip(losses, losses[1:]))
    assert float(closure()) < 0.1
    acc = ((model(Xr).numpy() > 0) == (yr.numpy() > 0.5)).mean()
    assert acc == 1.0


# ---------------------------------------------------------------- errors


def test_too_many_parameters_points_to_lbfgs():
    model = rb.nn.Linear(100, 60)  # 6060 parameters
    with pytest.raises(ValueError, match=r"6060 parameters.*max_params=5000.*LBFGS"):
        rb.optim.Newton(model.parameters())
    rb.optim.Newton(model.parameters(), max_params=7000)


def test_closure_must_return_a_tensor_with_a_graph():
    w = rb.tensor(np.ones(2), dtype="float64", requires_grad=True)
    opt = rb.optim.Newton([w])
    with pytest.raises(TypeError, match="Tensor with its graph"):
        opt.step(lambda: float((w * w).sum()))
    with pytest.raises(TypeError, match="closure"):
        opt.step()


@pytest.mark.parametrize(
    "kwargs,arg",
    [(dict(lr=0.0), "lr"), (dict(damping=-1.0), "damping"), (dict(max_iter=0), "max_iter")],
)
def test_bad_hyperparameters(kwargs, arg):
    with pytest.raises(ValueError, match=arg):
        rb.optim.Newton([rb.tensor(np.ones(2), requires_grad=True)], **kwargs)


def test_parameter_groups_are_refused():
    a, b = (rb.tensor(np.ones(2), requires_grad=True) for _ in range(2))
    with pytest.raises(ValueError, match="parameter groups"):
        rb.optim.Newton([{"params": [a]}, {"params": [b], "lr": 0.5}])
