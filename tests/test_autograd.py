"""The autograd engine: deep graphs, gradient accumulation, no_grad, grad(), gradcheck."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

import rosenblatt as rb
import rosenblatt.nn.functional as F
from rosenblatt import nn
from rosenblatt.autograd import Function, gradcheck


# ---------------------------------------------------------------------- deep graphs
def test_20000_node_chain_backpropagates_without_recursion():
    x = rb.tensor([0.5, -1.0], dtype="float64", requires_grad=True)
    y = x
    c = 1.00001
    for _ in range(20_000):
        y = y * c
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)  # a recursive walk of the graph would need 20 000 frames
    try:
        y.sum().backward()
    finally:
        sys.setrecursionlimit(limit)
    np.testing.assert_allclose(x.grad, [c**20_000] * 2, rtol=1e-9)
    del y  # freeing the chain must not overflow the C stack either


def test_deep_diamond_chain_visits_every_node_once():
    """y_{k+1} = 0.75 y_k + 0.25 y_k: each node has two paths to the next; dy_n/dy_0 = 1."""
    x = rb.tensor(2.0, dtype="float64", requires_grad=True)
    y = x
    for _ in range(5_000):
        y = y * 0.75 + y * 0.25
    y.backward()
    assert x.grad == pytest.approx(1.0, rel=1e-9)


def test_shared_subexpressions_match_torch():
    a = np.array([0.3, -1.2, 2.0])

    def f(x, exp):
        s = x * x
        return (s + exp(x) * s + s * s.sum()).sum()

    x = rb.tensor(a, dtype="float64", requires_grad=True)
    f(x, rb.exp).backward()
    t = torch.tensor(a, requires_grad=True)
    f(t, torch.exp).backward()
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12)


def test_deep_copied_model_and_original_in_one_graph():
    """copy.deepcopy (best-weights snapshots, target networks) copies tensors' creation
    order too; two tensors with equal order in one backward pass must still work."""
    import copy

    m = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    m2 = copy.deepcopy(m)
    x = rb.randn(5, 3)
    (m(x) + 2 * m2(x)).sum().backward()
    for p, p2 in zip(m.parameters(), m2.parameters()):
        assert p is not p2
        np.testing.assert_allclose(2 * p.grad, p2.grad, rtol=1e-6)


def test_unused_and_non_grad_inputs_get_no_grad():
    a = rb.tensor([1.0, 2.0], requires_grad=True)
    b = rb.tensor([3.0, 4.0], requires_grad=True)
    c = rb.tensor([5.0, 6.0])
    (a * c).sum().backward()
    assert b.grad is None and c.grad is None
    np.testing.assert_array_equal(a.grad, [5.0, 6.0])


# ---------------------------------------------------------------------- accumulation
def test_two_backward_calls_accumulate():
    x = rb.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (3 * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0 + 3.0, 4.0 + 3.0])


def test_backward_twice_on_the_same_graph_accumulates_like_torch():
    x = rb.tensor([1.0, -2.0], requires_grad=True)
    loss = (x.sigmoid() * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    t = torch.tensor([1.0, -2.0], requires_grad=True)
    tl = (t.sigmoid() * t).sum()
    tl.backward(retain_graph=True)
    tl.backward()
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-6)


def test_leaf_grads_are_independent_writable_arrays():
    """x.grad can be modified in place (clip_grad_norm_, grad.zero_()) without touching
    another tensor's gradient or the upstream gradient the caller passed in."""
    a = rb.tensor([1.0, 2.0], requires_grad=True)
    b = rb.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    assert a.grad is not b.grad
    a.grad *= 2.0
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    np.testing.assert_array_equal(a.grad, [2.0, 2.0])

    a.grad = b.grad = None
    (a + b).backward(np.ones(2, dtype=np.float32))  # Add hands one array to both
    assert a.grad is not b.grad
    a.grad[0] = 7.0
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])

    c = rb.tensor([[1.0, 2.0]], requires_grad=True)
    upstream = np.array([[5.0, 6.0]], dtype=np.float32)
    (c + 0.0).backward(upstream)
    c.grad[...] = 0.0
    np.testing.assert_array_equal(upstream, [[5.0, 6.0]])

    d = rb.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    d.T.sum().backward()  # the gradient arrives through a (transposed) view
    assert d.grad.numpy().flags.writeable and d.grad.numpy().flags.c_contiguous
    d.grad += 1.0
    np.testing.assert_array_equal(d.grad, np.full((2, 2), 2.0))


def test_backward_needs_scalar_or_gradient():
    x = rb.tensor([1.0, 2.0], requires_grad=True)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    # torch's error types and wording
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        (tx * 2).backward()
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (tx * 2).backward(torch.ones(3))
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(np.ones(3))
    with pytest.raises(RuntimeError, match="does not require grad"):
        rb.tensor([1.0]).sum().backward()


def test_backward_inputs_restricts_the_leaves():
    a = rb.tensor([1.0], requires_grad=True)
    b = rb.tensor([2.0], requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    np.testing.assert_array_equal(a.grad, [2.0])
    assert b.grad is None


# ---------------------------------------------------------------------- requires_grad
def test_requires_grad_propagation():
    a = rb.tensor([1.0], requires_grad=True)
    b = rb.tensor([2.0])
    assert (a * b).requires_grad and (a * b).grad_fn is not None
    assert not (b * b).requires_grad and (b * b).grad_fn is None
    assert (b + a).requires_grad
    assert a.is_leaf and not (a * b).is_leaf
    with pytest.raises(RuntimeError, match="floating point"):
        rb.tensor([1, 2], requires_grad=True)


def test_detach_cuts_the_graph_and_shares_memory():
    a = rb.tensor([1.0, 2.0], requires_grad=True)
    d = (a * 2).detach()
    assert not d.requires_grad and d.grad_fn is None
    y = (a * d).sum()
    y.backward()
    np.testing.assert_array_equal(a.grad, [2.0, 4.0])  # d treated as a constant
    e = a.detach()
    e.numpy()[0] = 10.0
    assert a.numpy()[0] == 10.0


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = rb.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    k = x * 4
    (h * h + k).sum().backward()
    np.testing.assert_array_equal(h.grad, 2 * h.numpy())
    assert k.grad is None
    np.testing.assert_array_equal(x.grad, 3 * 2 * h.numpy() + 4)


def test_autograd_grad_returns_without_touching_dot_grad():
    x = rb.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    w = rb.tensor([3.0, -1.0], dtype="float64", requires_grad=True)
    x.grad = rb.tensor([100.0, 100.0], dtype="float64")
    h = x * w
    y = (h * h).sum()
    gx, gw, gh = rb.autograd.grad(y, [x, w, h])
    np.testing.assert_allclose(gx, 2 * x.numpy() * w.numpy() ** 2)
    np.testing.assert_allclose(gw, 2 * w.numpy() * x.numpy() ** 2)
    np.testing.assert_allclose(gh, 2 * h.numpy())
    np.testing.assert_array_equal(x.grad, [100.0, 100.0])
    assert w.grad is None and h.grad is None


def test_autograd_grad_with_grad_outputs_matches_torch():
    a = np.array([[0.5, -1.0], [2.0, 0.1]])
    g = np.array([[1.0, 2.0], [-3.0, 0.5]])
    x = rb.tensor(a, dtype="float64", requires_grad=True)
    (gx,) = rb.autograd.grad(x.tanh() * x, [x], g)
    t = torch.tensor(a, requires_grad=True)
    (tg,) = torch.autograd.grad(t.tanh() * t, [t], torch.tensor(g))
    np.testing.assert_allclose(gx, tg.numpy(), rtol=1e-12)


# ---------------------------------------------------------------------- grad mode
def test_no_grad_records_nothing():
    x = rb.tensor([1.0, 2.0], requires_grad=True)
    with rb.no_grad():
        assert not rb.is_grad_enabled()
        y = (x * 2).exp().sum()
        z = F.softmax(x, dim=0)
    assert rb.is_grad_enabled()
    for t in (y, z):
        assert t.grad_fn is None and not t.requires_grad
    with pytest.raises(RuntimeError):
        y.backward()


def test_no_grad_as_decorator_and_nested_enable_grad():
    x = rb.tensor([1.0], requires_grad=True)

    @rb.no_grad()
    def f(t):
        return t * 2

    assert f(x).grad_fn is None
    with rb.no_grad():
        with rb.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    with rb.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad


def test_grad_mode_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with rb.no_grad():
            1 / 0  # noqa: B018
    assert rb.is_grad_enabled()


def test_eval_of_a_model_under_no_grad_builds_no_graph():
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 2))
    model.eval()
    x = rb.randn(5, 3)
    with rb.no_grad():
        out = model(x)
        loss = F.cross_entropy(out, rb.tensor([0, 1, 0, 1, 1]))
    assert out.grad_fn is None and not out.requires_grad
    assert loss.grad_fn is None
    assert all(p.grad is None for p in model.parameters())
    np.testing.assert_array_equal(out.numpy(), model(x).numpy())  # eval: dropout is off


# ---------------------------------------------------------------------- gradcheck
class WrongAtOneElement(Function):
    """y = x^2 with the derivative wrong only at flat index 5."""

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, g):
        d = 2 * self.x
        d.flat[5] += 0.5
        return g * d


def test_gradcheck_accepts_correct_ops():
    assert gradcheck(lambda a, b: (a * b).tanh() / (1 + b * b), [rb.randn(3, 2), rb.randn(2)])


def test_gradcheck_names_the_worst_element():
    x = np.linspace(-1, 1, 12).reshape(3, 4)
    with pytest.raises(AssertionError, match=r"input 0 at index \(1, 1\)") as e:
        gradcheck(WrongAtOneElement.apply, [x])
    assert "analytic" in str(e.value) and "numerical" in str(e.value)


def test_gradcheck_names_the_input():
    with pytest.raises(AssertionError, match="input 1"):
        gradcheck(lambda a, b: a + WrongAtOneElement.apply(b), [np.ones(3), np.ones((2, 3))])


def test_gradcheck_runs_in_float64_on_float32_inputs():
    """float32 inputs are copied to float64, so the check is not drowned in rounding."""
    assert gradcheck(lambda a: (a * 1e-3).exp() * 1e3, [rb.randn(4)])


# ---------------------------------------------------------------------- dtypes
def test_float32_preserved_end_to_end():
    """A float32 MLP fed float64 NumPy data computes, and differentiates, in float32."""
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 3))
    x = np.random.default_rng(0).standard_normal((6, 3))  # float64
    out = model(x)
    assert out.dtype == np.float32
    loss = F.cross_entropy(out, rb.tensor([0, 1, 2, 0, 1, 2]))
    assert loss.dtype == np.float32
    loss.backward()
    for name, p in model.named_parameters():
        assert p.dtype == np.float32 and p.grad.dtype == np.float32, name
    mse = F.mse_loss(out, np.zeros((6, 3)))  # float64 target does not promote
    assert mse.dtype == np.float32


def test_float64_model_stays_float64():
    model = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 1)).double()
    out = model(rb.randn(2, 3))
    assert out.dtype == np.float64
    out.sum().backward()
    assert all(p.grad.dtype == np.float64 for p in model.parameters())


def test_dtype_rules():
    assert rb.tensor([1.0]).dtype == np.float32
    assert rb.tensor(1.5).dtype == np.float32
    assert rb.tensor([1, 2]).dtype == np.int64
    assert rb.tensor([True]).dtype == np.bool_
    assert rb.tensor([1.0], dtype="float64").dtype == np.float64
    assert rb.tensor([1.0], dtype=np.float64).dtype == np.float64
    assert rb.tensor([1, 2], dtype=rb.float32).dtype == np.float32
    assert rb.tensor(np.zeros(2)).dtype == np.float64  # as torch.tensor(float64 array)
    x = rb.tensor([1.0, 2.0])
    for y in (x * 2.5, 2.5 - x, x / 3, x**2, x + np.float64(1.0), x.exp(), x.mean()):
        assert y.dtype == np.float32
    assert (x + rb.tensor([1.0], dtype="float64")).dtype == np.float64  # as torch


def test_grad_dtype_follows_the_leaf():
    x = rb.tensor([1.0, 2.0], requires_grad=True)
    y = x.double() * rb.tensor([3.0, 4.0], dtype="float64")
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])


def test_backward_inputs_fills_a_non_leaf_grad_as_torch():
    import torch

    x = rb.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    (y * y).sum().backward(inputs=[y])
    xt = torch.tensor([1.0, 2.0], requires_grad=True)
    yt = xt * 3
    (yt * yt).sum().backward(inputs=[yt])
    np.testing.assert_array_equal(y.grad, yt.grad.numpy())
    assert x.grad is None and xt.grad is None
