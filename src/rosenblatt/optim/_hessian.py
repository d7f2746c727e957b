"""Exact Hessians by differentiating the gradient once more (reverse over reverse).

The engine's backward pass computes g = dJ/dw as plain arrays, which cannot be
differentiated again. :func:`gradient_graph` re-runs the backward pass of a recorded graph
with every gradient kept as a Tensor made of rosenblatt ops: ``RULES`` holds, for each op,
its ``backward`` written with ops instead of NumPy (the derivative of ``y = tanh(x)`` is
``g * (1 - tanh(x)^2)`` as a graph over x, not as an array). The gradient g(w) is then itself
a graph over the parameters, and each Hessian row

    H_i = d g_i / dw = d (e_i . g) / dw

is one ordinary backward pass through it (:func:`hessian`): n passes for n parameters,
no finite differences. The rules cover the ops that the models Newton's method is for are
made of (linear layers, the usual activations, reductions, shapes, the fused losses); an op
without a rule raises ``NotImplementedError`` naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from heapq import heappop, heappush
from typing import Any

import numpy as np

from .. import autograd
from ..autograd import Function, enable_grad
from ..ops import activation as A
from ..ops import elementwise as E
from ..ops import linalg as LA
from ..ops import loss as LS
from ..ops import reduce as R
from ..ops import shape as S
from ..tensor import Tensor

__all__ = ["RULES", "gradient_graph", "hessian"]

Grads = tuple[Tensor | None, ...]
Rule = Callable[[Any, Tensor], Grads]
RULES: dict[type[Function], Rule] = {}


def _rule(*ops: type[Function]) -> Callable[[Rule], Rule]:
    def register(f: Rule) -> Rule:
        for op in ops:
            RULES[op] = f
        return f

    return register


def _const(a: Any, dtype: Any = None) -> Tensor:
    """A constant (no graph) tensor."""
    return Tensor._make(np.asarray(a, dtype=dtype), None)


def _unbroadcast(g: Tensor, shape: tuple[int, ...]) -> Tensor:
    """``autograd.unbroadcast`` with ops: sum g over the dimensions broadcasting added."""
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g if g.shape == shape else g.reshape(shape)


def _expand(g: Tensor, axes: tuple[int, ...], keepdims: bool) -> Tensor:
    """Put back reduced dimensions as size 1, so that g broadcasts against the input."""
    if keepdims:
        return g
    shape = list(g.shape)
    for a in sorted(axes):
        shape.insert(a, 1)
    return g.reshape(tuple(shape))


class _Scatter(Function):
    """scatter: y = zeros(shape) with y[index] += g; dL/dg = dL/dy[index]
    (the backward of getitem, as an op so that it can be differentiated)"""

    def forward(self, g, index=None, shape=()):
        self.index = index
        y = np.zeros(shape, dtype=g.dtype)
        if S._is_basic(index):
            y[index] = g
        else:
            np.add.at(y, index, g)
        return y

    def backward(self, gy):
        return gy[self.index]


# ---------------------------------------------------------------------- elementwise
@_rule(E.Add)
def _add(fn: Any, g: Tensor) -> Grads:
    return g, g


@_rule(E.Sub)
def _sub(fn: Any, g: Tensor) -> Grads:
    return g, -g


@_rule(E.Mul)
def _mul(fn: Any, g: Tensor) -> Grads:
    a, b = fn.parents
    return g * b, g * a


@_rule(E.Div)
def _div(fn: Any, g: Tensor) -> Grads:
    a, b = fn.parents
    return g / b, -g * a / (b * b)


@_rule(E.Neg)
def _neg(fn: Any, g: Tensor) -> Grads:
    return (-g,)


@_rule(E.Pow)
def _pow(fn: Any, g: Tensor) -> Grads:
    a, b = fn.parents
    ga = g * b * a ** (b - 1)
    gb = None
    if fn.needs_input_grad[1]:
        pos = a._data > 0
        log_a = E.log(E.where(pos, a, 1.0))
        gb = E.where(pos, g * a**b * log_a, 0.0)
    return ga, gb


@_rule(E.Exp)
def _exp(fn: Any, g: Tensor) -> Grads:
    return (g * E.exp(fn.parents[0]),)


@_rule(E.Log)
def _log(fn: Any, g: Tensor) -> Grads:
    return (g / fn.parents[0],)


@_rule(E.Sqrt)
def _sqrt(fn: Any, g: Tensor) -> Grads:
    return (g / (2 * E.sqrt(fn.parents[0])),)


@_rule(E.Tanh)
def _tanh(fn: Any, g: Tensor) -> Grads:
    y = E.tanh(fn.parents[0])
    return (g * (1 - y * y),)


@_rule(E.Sigmoid)
def _sigmoid(fn: Any, g: Tensor) -> Grads:
    y = E.sigmoid(fn.parents[0])
    return (g * y * (1 - y),)


def _masked(fn: Any, g: Tensor, factor: np.ndarray) -> Grads:
    """dy/dx is piecewise constant (relu, abs, clip ...): its derivative is 0 a.e."""
    return (g * _const(factor, g.dtype),)


@_rule(E.ReLU)
def _relu(fn: Any, g: Tensor) -> Grads:
    return _masked(fn, g, fn.y > 0)


@_rule(E.Abs)
def _abs(fn: Any, g: Tensor) -> Grads:
    return _masked(fn, g, np.sign(fn.x))


@_rule(E.Clip)
def _clip(fn: Any, g: Tensor) -> Grads:
    return _masked(fn, g, fn.mask)


@_rule(A.LeakyReLU)
def _leaky_relu(fn: Any, g: Tensor) -> Grads:
    return _masked(fn, g, np.where(fn.pos, 1, fn.slope))


@_rule(A.Step, A.Sign)
def _no_gradient(fn: Any, g: Tensor) -> Grads:
    return (None,)


@_rule(A.ELU)
def _elu(fn: Any, g: Tensor) -> Grads:
    x = fn.parents[0]
    neg = E.exp(E.minimum(x, 0.0)) * _const(fn.alpha)  # a e^x on the negative side
    return (g * _const(fn.scale) * E.where(fn.pos, 1.0, neg),)


@_rule(E.Maximum, E.Minimum)
def _extremum(fn: Any, g: Tensor) -> Grads:
    a, b = fn.a, fn.b
    w = (a > b) + 0.5 * (a == b) if isinstance(fn, E.Maximum) else (a < b) + 0.5 * (a == b)
    return g * _const(w, g.dtype), g * _const(1 - w, g.dtype)


@_rule(E.Where)
def _where(fn: Any, g: Tensor) -> Grads:
    return E.where(fn.cond, g, 0.0), E.where(fn.cond, 0.0, g)


@_rule(E.Cast)
def _cast(fn: Any, g: Tensor) -> Grads:
    return (g.astype(fn.dtype),)


# ---------------------------------------------------------------------- reductions
@_rule(R.Sum)
def _sum(fn: Any, g: Tensor) -> Grads:
    return (S.broadcast_to(_expand(g, fn.axes, fn.keepdims), fn.shape),)


@_rule(R.Mean)
def _mean(fn: Any, g: Tensor) -> Grads:
    return (S.broadcast_to(_expand(g, fn.axes, fn.keepdims) / fn.n, fn.shape),)


@_rule(R.Var)
def _var(fn: Any, g: Tensor) -> Grads:
    x = fn.parents[0]
    d = x - x.mean(axis=fn.axes, keepdims=True)
    return (_expand(g, fn.axes, fn.keepdims) * (2 * d) / _const(fn.denom),)


@_rule(R.Max, R.Min)
def _max(fn: Any, g: Tensor) -> Grads:
    return (_expand(g, fn.axes, fn.keepdims) * _const(fn.weights, g.dtype),)


# ---------------------------------------------------------------------- shapes
@_rule(S.Reshape)
def _reshape(fn: Any, g: Tensor) -> Grads:
    return (g.reshape(fn.shape),)


@_rule(S.Permute)
def _permute(fn: Any, g: Tensor) -> Grads:
    return (g.permute(fn.inverse),)


@_rule(S.BroadcastTo)
def _broadcast_to(fn: Any, g: Tensor) -> Grads:
    return (g,)  # summed over the broadcast dimensions by _unbroadcast


@_rule(S.GetItem)
def _getitem(fn: Any, g: Tensor) -> Grads:
    return (_Scatter.apply(g, index=fn.index, shape=fn.shape),)


@_rule(S.Concatenate)
def _concatenate(fn: Any, g: Tensor) -> Grads:
    bounds = [0, *fn.splits.tolist(), g.shape[fn.axis]]
    lead = (slice(None),) * (fn.axis % g.ndim)
    return tuple(g[(*lead, slice(lo, hi))] for lo, hi in zip(bounds[:-1], bounds[1:]))


@_rule(S.Stack)
def _stack(fn: Any, g: Tensor) -> Grads:
    lead = (slice(None),) * (fn.axis % g.ndim)
    return tuple(g[(*lead, i)] for i in range(g.shape[fn.axis]))


# ---------------------------------------------------------------------- products
@_rule(LA.MatMul)
def _matmul(fn: Any, g: Tensor) -> Grads:
    a, b = fn.parents
    am = a.reshape(1, -1) if fn.a_vec else a  # 1-D operands promoted as in forward
    bm = b.reshape(-1, 1) if fn.b_vec else b
    gm = g
    if fn.b_vec:
        gm = gm.unsqueeze(-1)
    if fn.a_vec:
        gm = gm.unsqueeze(-2)
    ga = _unbroadcast(gm @ bm.transpose(-1, -2), am.shape).reshape(a.shape)
    gb = _unbroadcast(am.transpose(-1, -2) @ gm, bm.shape).reshape(b.shape)
    return ga, gb


@_rule(LA.Linear)
def _linear(fn: Any, g: Tensor) -> Grads:
    x, w = fn.parents[:2]
    gx = g @ w
    g2, x2 = g.reshape(-1, g.shape[-1]), x.reshape(-1, x.shape[-1])
    gw = g2.transpose(0, 1) @ x2
    if len(fn.parents) == 3:
        return gx, gw, g2.sum(axis=0)
    return gx, gw


# ---------------------------------------------------------------------- softmax, losses
@_rule(A.Softmax)
def _softmax(fn: Any, g: Tensor) -> Grads:
    y = A.Softmax.apply(fn.parents[0], axis=fn.axis)
    return (y * (g - (g * y).sum(axis=fn.axis, keepdims=True)),)


@_rule(A.LogSoftmax)
def _log_softmax(fn: Any, g: Tensor) -> Grads:
    y = A.LogSoftmax.apply(fn.parents[0], axis=fn.axis)
    return (g - E.exp(y) * g.sum(axis=fn.axis, keepdims=True),)


@_rule(LS.SoftmaxCrossEntropy)
def _softmax_cross_entropy(fn: Any, g: Tensor) -> Grads:
    x = fn.parents[0]
    p = A.Softmax.apply(x, axis=1)
    onehot = np.zeros(x.shape, dtype=x.dtype)
    onehot[fn.rows, fn.t] = 1
    w = _const(fn.w)
    if fn.reduction == "none":
        scale = w * g
    else:
        scale = w * (g / _const(fn.denom) if fn.reduction == "mean" else g)
    return ((p - _const(onehot)) * scale.reshape(-1, 1),)


@_rule(LS.MSE)
def _mse(fn: Any, g: Tensor) -> Grads:
    x, t = fn.parents
    if fn.reduction == "mean":
        g = g / max(fn.d.size, 1)
    gx = (x - t) * (2 * g)
    return gx, -gx


def _spread(fn: Any, g: Tensor) -> Tensor:
    """dL/d(loss_i) for a reduced loss: g/n for mean, g for sum, g_i for none; times w_i."""
    if fn.reduction == "mean":
        g = g / max(int(np.prod(fn.shape)), 1)
    return g if fn.weight is None else g * _const(fn.weight)


def _log1pexp_neg(x: Tensor) -> Tensor:
    """ln(1 + e^-x) = max(-x, 0) + ln(1 + e^-|x|), as ops."""
    return E.relu(-x) + E.log(1 + E.exp(-E.abs(x)))


@_rule(LS.BCEWithLogits)
def _bce_with_logits(fn: Any, g: Tensor) -> Grads:
    x, t = fn.parents
    g = _spread(fn, g)
    pw = None if fn.pos_weight is None else _const(fn.pos_weight)
    sig = E.sigmoid(x)
    gx = g * (sig - t) if pw is None else g * ((1 - t) - (1 + (pw - 1) * t) * (1 - sig))
    gt = None
    if fn.needs_input_grad[1]:
        gt = g * (-x if pw is None else -x + (pw - 1) * _log1pexp_neg(x))
    return gx, gt


@_rule(LS.BCE)
def _bce(fn: Any, g: Tensor) -> Grads:
    p, t = fn.parents
    g = _spread(fn, g)
    gp = g * (p - t) / E.maximum(p * (1 - p), 1e-12)
    gt = None
    if fn.needs_input_grad[1]:
        log_p, log_1mp = E.maximum(E.log(p), -100.0), E.maximum(E.log(1 - p), -100.0)
        gt = g * (log_1mp - log_p)
    return gp, gt


# ---------------------------------------------------------------------- the passes
def _rule_for(fn: Function) -> Rule:
    rule = RULES.get(type(fn))
    if rule is None:
        known = ", ".join(sorted({op.__name__ for op in RULES}))
        raise NotImplementedError(
            f"exact Hessian: no second-order rule for the op {type(fn).__name__}; "
            f"Newton's method supports graphs made of {known}. Use rb.optim.LBFGS or "
            "rb.optim.BFGS, which need only gradients."
        )
    return rule


def gradient_graph(loss: Tensor, inputs: Sequence[Tensor]) -> list[Tensor | None]:
    """dJ/dx for each x in ``inputs``, as tensors that are graphs over the inputs.

    The backward pass of the graph that produced ``loss`` (a one-element tensor), in the
    same order as the engine's, with each op's derivative applied by its rule in ``RULES``.
    ``None`` for an input the loss does not depend on.
    """
    if not isinstance(loss, Tensor) or not loss.requires_grad:
        raise TypeError(
            "exact Hessian: the closure must return the loss as a Tensor with its graph "
            f"(computed with grad enabled from the parameters), got {type(loss).__name__}"
            + ("" if not isinstance(loss, Tensor) else " without a graph")
        )
    if loss._data.size != 1:
        raise ValueError(f"exact Hessian: the loss must have one element, got shape {loss.shape}")
    leaves: dict[int, Tensor] = {}
    with enable_grad():
        grads: dict[int, Tensor] = {id(loss): _const(np.ones_like(loss._data))}
        heap = [(-loss._seq, loss)]
        while heap:
            t = heappop(heap)[1]
            g = grads.pop(id(t))
            fn = t._ctx
            if fn is None:
                leaves[id(t)] = g
                continue
            in_grads = _rule_for(fn)(fn, g)
            for p, pg in zip(fn.parents, in_grads):
                if pg is None or not p.requires_grad:
                    continue
                if pg.shape != p.shape:
                    pg = _unbroadcast(pg, p.shape)
                prev = grads.get(id(p))
                if prev is None:
                    grads[id(p)] = pg
                    heappush(heap, (-p._seq, p))
                else:
                    grads[id(p)] = prev + pg
    return [leaves.get(id(x)) for x in inputs]


def hessian(loss: Tensor, params: Sequence[Tensor]) -> tuple[np.ndarray, np.ndarray]:
    """(g, H): the gradient and the Hessian of ``loss`` over the flattened ``params``.

    g = dJ/dw (n,), H = d^2 J / dw dw^T (n, n), both float64, w = [vec(p_1), vec(p_2), ...].
    Row i of H is d g_i / dw, one backward pass through :func:`gradient_graph`'s graph; H is
    symmetrised, (H + H^T)/2, to remove rounding asymmetry.
    """
    grads = gradient_graph(loss, params)
    parts = [
        _const(np.zeros(p._data.size, p._data.dtype)) if g is None else g.reshape(-1)
        for p, g in zip(params, grads)
    ]
    with enable_grad():
        flat = S.cat(parts)
    n = flat.shape[0]
    H = np.zeros((n, n))
    if flat.requires_grad:  # otherwise J is linear in w and H = 0
        for i in range(n):
            e = np.zeros(n, dtype=flat.dtype)
            e[i] = 1
            rows = autograd.grad(flat, params, grad_outputs=e)
            H[i] = np.concatenate(
                [np.zeros(p._data.size) if r is None else r.ravel() for p, r in zip(params, rows)]
            )
    return flat._data.astype(np.float64), (H + H.T) / 2
