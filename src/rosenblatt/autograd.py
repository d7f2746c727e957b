"""Reverse-mode automatic differentiation.

A :class:`Function` is one node of the computation graph: ``forward`` maps NumPy arrays to a
NumPy array and ``backward`` maps the gradient of the output to one gradient per input, in
input order. :func:`backward` walks the graph in reverse topological order -- iteratively,
so a 20 000-node chain (an unrolled RNN) needs no recursion -- and applies the chain rule

    dL/dx = sum over the uses y of x of  dL/dy * dy/dx.

Gradients are summed over broadcast dimensions in one place (:func:`unbroadcast`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from heapq import heappop, heappush
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = [
    "Function",
    "backward",
    "enable_grad",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
    "unbroadcast",
]


class _GradMode(threading.local):
    enabled = True


_mode = _GradMode()
_make: Callable[[np.ndarray, Any], Tensor] = None  # type: ignore[assignment]  # set by tensor.py


def is_grad_enabled() -> bool:
    """Whether operations are currently recorded in the graph."""
    return _mode.enabled


class set_grad_enabled(contextlib.ContextDecorator):
    """Context manager / decorator that switches graph recording on or off."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self.prev = True

    def __enter__(self) -> None:
        self.prev = _mode.enabled
        _mode.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self.prev


class no_grad(set_grad_enabled):
    """Nothing computed inside ``with rb.no_grad():`` is recorded; use it for evaluation."""

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Re-enable recording inside a ``no_grad`` block."""

    def __init__(self) -> None:
        super().__init__(True)


class Function:
    """One differentiable operation.

    Subclasses implement ``forward(self, *arrays, **options) -> array`` and
    ``backward(self, grad) -> gradient or tuple of gradients`` (one per tensor input, ``None``
    where no gradient flows). ``self`` is the context: save on it what backward needs.
    ``self.needs_input_grad[i]`` tells whether input ``i`` wants a gradient, so backward can
    skip work (the input of the first layer rarely needs one).

    Call an op with ``MyFunction.apply(*tensors, **options)``.
    """

    parents: tuple[Tensor, ...] = ()
    needs_input_grad: tuple[bool, ...] = ()

    def forward(self, *args: Any, **kwargs: Any) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: Tensor, **kwargs: Any) -> Tensor:
        fn = cls()
        out = fn.forward(*[t.data for t in inputs], **kwargs)
        if _mode.enabled:
            needs = tuple([t.requires_grad for t in inputs])
            if True in needs:
                fn.parents = inputs
                fn.needs_input_grad = needs
                return _make(out, fn)
        return _make(out, None)


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the dimensions that broadcasting added or stretched to reach ``shape``."""
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def _topological_order(root: Tensor) -> list[Tensor]:
    """Tensors reachable from ``root`` through tensors that require grad, newest first.

    Every tensor carries a creation number ``_seq``; a result is always newer than its
    inputs, so decreasing ``_seq`` is a topological order (no recursion needed).
    """
    seen = {id(root)}
    stack = [root]
    nodes = []
    while stack:
        t = stack.pop()
        nodes.append(t)
        fn = t._ctx
        if fn is not None:
            for p in fn.parents:
                if p.requires_grad and id(p) not in seen:
                    seen.add(id(p))
                    stack.append(p)
    nodes.sort(key=_seq_key, reverse=True)
    return nodes


def _seq_key(t: Tensor) -> int:
    return t._seq


def backward(
    root: Tensor,
    grad: np.ndarray | None = None,
    retain_graph: bool = False,
    inputs: Sequence[Tensor] | None = None,
) -> None:
    """Accumulate d(root)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

    ``grad`` is dL/d(root); it defaults to 1 for a one-element ``root``. Leaves accumulate
    (``leaf.grad += ...``) as in PyTorch, so two backward calls add up. If ``inputs`` is
    given, only those tensors receive gradients. ``retain_graph`` is accepted for PyTorch
    compatibility: the graph is always kept until ``root`` is garbage collected.

    Nodes are processed newest first (a max-heap on the creation number), so a node's
    gradient is complete -- all its consumers are done -- when it is popped.
    """
    if not root.requires_grad:
        raise RuntimeError(
            "backward(): the tensor does not require grad and has no graph "
            "(was it computed under no_grad, or from tensors without requires_grad=True?)"
        )
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward(): grad can be implicitly created only for a one-element tensor, "
                f"got shape {root.data.shape}; pass gradient=..."
            )
        grad = np.ones_like(root.data)
    else:
        grad = np.asarray(grad, dtype=root.data.dtype)
        if grad.shape != root.data.shape:
            raise ValueError(
                f"backward(): gradient shape {grad.shape} != tensor shape {root.data.shape}"
            )
    only = None if inputs is None else {id(t) for t in inputs}
    grads: dict[int, np.ndarray] = {id(root): grad}
    handed = {id(grad)}  # arrays owned by the caller or already a leaf's .grad: copy them
    heap = [(-root._seq, id(root), root)]  # id breaks ties (deep-copied tensors share _seq)
    while heap:
        t = heappop(heap)[2]
        g = grads.pop(id(t))
        fn = t._ctx
        if fn is None or t._retain or (only is not None and id(t) in only):
            if only is None or id(t) in only:
                _accumulate(t, g, handed)
            if fn is None:
                continue
        in_grads = fn.backward(g)
        if type(in_grads) is not tuple:
            in_grads = (in_grads,)
        for p, pg in zip(fn.parents, in_grads):
            if pg is None or not p.requires_grad:
                continue
            if pg.shape != p.data.shape:
                pg = unbroadcast(pg, p.data.shape)
            key = id(p)
            prev = grads.get(key)
            if prev is None:
                grads[key] = pg
                heappush(heap, (-p._seq, key, p))
            else:
                grads[key] = prev + pg


def _accumulate(t: Tensor, g: np.ndarray, handed: set[int]) -> None:
    """t.grad += g, keeping t's dtype; a fresh writable array of its own the first time."""
    if g.dtype != t.data.dtype:
        g = g.astype(t.data.dtype)
    if t.grad is None:
        own = g.flags.writeable and g.base is None and id(g) not in handed
        t.grad = g if own else np.array(g)
        handed.add(id(t.grad))
    else:
        t.grad = t.grad + g


def grad(
    outputs: Tensor,
    inputs: Sequence[Tensor],
    grad_outputs: np.ndarray | None = None,
) -> tuple[np.ndarray | None, ...]:
    """Return d(outputs)/d(inputs) without touching any ``.grad`` (like ``torch.autograd.grad``)."""
    saved = [(t.grad, t._retain) for t in inputs]
    for t in inputs:
        t.grad = None
        t._retain = True
    try:
        backward(outputs, grad_outputs, inputs=inputs)
        result = tuple(t.grad for t in inputs)
    finally:
        for t, (g, r) in zip(inputs, saved):
            t.grad, t._retain = g, r
    return result


def _numerical_grads(fn: Callable[..., Tensor], xs: list[np.ndarray], eps: float) -> list:
    from .tensor import Tensor

    def f(arrays: list[np.ndarray]) -> float:
        with no_grad():
            return float(np.sum(fn(*[Tensor(a) for a in arrays]).data))

    out = []
    for i, x in enumerate(xs):
        g = np.zeros_like(x)
        for j in range(x.size):
            orig = x.flat[j]
            x.flat[j] = orig + eps
            hi = f(xs)
            x.flat[j] = orig - eps
            lo = f(xs)
            x.flat[j] = orig
            g.flat[j] = (hi - lo) / (2 * eps)
        out.append(g)
        xs[i] = x
    return out


def gradcheck(
    fn: Callable[..., Tensor],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check the analytic gradient of ``sum(fn(*inputs))`` against central differences.

    Every input is copied to float64; the numerical gradient is
    ``(f(x + eps e_j) - f(x - eps e_j)) / (2 eps)`` for each element j. Returns True when
    ``|analytic - numerical| <= atol + rtol * |numerical|`` everywhere, otherwise raises
    ``AssertionError`` naming the input, the worst element and both values.

    >>> import rosenblatt as rb
    >>> rb.autograd.gradcheck(lambda x: (x * x).sum(), [rb.randn(3)])
    True
    """
    from .tensor import Tensor

    xs = [np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64) for x in inputs]
    leaves = [Tensor(x.copy(), requires_grad=True) for x in xs]
    with enable_grad():
        out = fn(*leaves)
        out.sum().backward()
    numeric = _numerical_grads(fn, xs, eps)
    for i, (leaf, num) in enumerate(zip(leaves, numeric)):
        ana = np.zeros_like(num) if leaf.grad is None else leaf.grad
        err = np.abs(ana - num) - (atol + rtol * np.abs(num))
        if err.size and err.max() > 0:
            j = np.unravel_index(int(np.argmax(err)), err.shape)
            raise AssertionError(
                f"gradcheck failed for input {i} at index {tuple(int(k) for k in j)}: "
                f"analytic {ana[j]:.10g} vs numerical {num[j]:.10g} "
                f"(atol={atol}, rtol={rtol})"
            )
    return True


def _iter_graph(root: Tensor) -> Iterator[Tensor]:  # used by viz to draw the graph
    yield from _topological_order(root)
