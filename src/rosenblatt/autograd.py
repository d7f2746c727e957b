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

from . import _memory

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = [
    "Function",
    "Variable",
    "backward",
    "enable_grad",
    "grad",
    "gradcheck",
    "hessian",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
    "unbroadcast",
]


class _GradMode(threading.local):
    enabled = True
    create_graph = False  # True while a backward(create_graph=True) runs op backwards


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

    PyTorch's protocol works too: a subclass whose ``forward`` and ``backward`` are
    ``@staticmethod``s taking ``ctx`` receives and returns Tensors, saves them with
    ``ctx.save_for_backward(...)`` and reads ``ctx.saved_tensors`` (see ``_TorchStyle``).

    Double backward: ``backward(create_graph=True)`` runs an op's backward on Tensors, with
    every array the op saved from its inputs or output replaced by that Tensor, so the
    gradient is itself recorded in the graph. Ops whose backward is written with operators
    and NumPy functions that Tensors support set ``differentiable_backward = True``.
    """

    parents: tuple[Tensor, ...] = ()
    needs_input_grad: tuple[bool, ...] = ()
    versions: tuple[int, ...] = ()
    #: backward reads the inputs it saved: changing one in place breaks it (default)
    saves_inputs = True
    #: backward reads the output it saved: changing the output in place breaks it
    saves_output = False
    #: the output is a view of the first input: it shares the input's version counter
    is_view = False
    #: backward may run on Tensors (create_graph=True), see the class docstring
    differentiable_backward = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if isinstance(cls.__dict__.get("forward"), staticmethod):
            _TorchStyle.adapt(cls)

    def forward(self, *args: Any, **kwargs: Any) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: Tensor, **kwargs: Any) -> Tensor:
        fn = cls()
        out = fn.forward(*[t._data for t in inputs], **kwargs)
        if _mode.enabled:
            needs = tuple([t.requires_grad for t in inputs])
            if True in needs:
                fn.parents = inputs
                fn.needs_input_grad = needs
                fn.versions = tuple([t._version[0] for t in inputs])
                t = _make(out, fn)
                if cls.is_view:
                    t._version = inputs[0]._version
                return t
        return _make(out, None)

    # ------------------------------------------------------------------ graph inspection
    def name(self) -> str:
        return f"{type(self).__name__}Backward0"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """The nodes feeding this one, as torch: ``(node, 0)`` per input; a leaf that requires
        grad appears as an ``AccumulateGrad`` node holding it, a constant as ``(None, 0)``."""
        return tuple(
            (p._ctx if p._ctx is not None else AccumulateGrad(p) if p.requires_grad else None, 0)
            for p in self.parents
        )

    def __repr__(self) -> str:
        return f"<{self.name()} object>"


class AccumulateGrad:
    """The graph's end for a leaf tensor that requires grad: backward adds into ``.grad``."""

    next_functions: tuple = ()

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"  # torch's name

    def __repr__(self) -> str:
        return "<AccumulateGrad object>"


class _Ctx:
    """Helpers of a torch-style Function's ``ctx`` (the node itself)."""

    def save_for_backward(self, *tensors: Any) -> None:
        self.to_save = tensors
        self.saved_versions = tuple(
            t._version[0] if hasattr(t, "_version") else None for t in tensors
        )

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        for i, (t, v) in enumerate(zip(self.to_save, self.saved_versions)):
            if v is not None and t._version[0] != v:
                raise _modified_error(t, i, self, v)
        return self.to_save

    def mark_dirty(self, *tensors: Any) -> None:
        """Accepted as torch; the in-place change is tracked by version counters."""

    def mark_non_differentiable(self, *tensors: Any) -> None:
        for t in tensors:
            t.requires_grad = False
            t._ctx = None

    def set_materialize_grads(self, value: bool) -> None:
        """Accepted as torch (gradients always arrive materialized)."""


class _TorchStyle:
    """Adapter for ``torch.autograd.Function`` subclasses with static forward/backward."""

    @staticmethod
    def adapt(cls: type) -> None:
        user_forward = cls.__dict__["forward"].__func__
        user_backward = cls.__dict__["backward"].__func__
        for name, value in vars(_Ctx).items():
            if not name.startswith("__") and name not in cls.__dict__:
                setattr(cls, name, value)
        cls.to_save = ()
        cls.saved_versions = ()
        cls.differentiable_backward = True

        def apply(klass: type, *args: Any, **kwargs: Any) -> Any:
            from .tensor import Tensor

            ctx = klass()
            ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
            with no_grad():
                out = user_forward(ctx, *args, **kwargs)
            tensors = tuple(a for a in args if isinstance(a, Tensor))
            ctx.arg_is_tensor = tuple(isinstance(a, Tensor) for a in args)
            if not (_mode.enabled and any(ctx.needs_input_grad)):
                return out
            if not isinstance(out, Tensor):
                raise NotImplementedError(
                    f"{klass.__name__}.forward returned {type(out).__name__}: rosenblatt's "
                    "custom Functions return one Tensor"
                )
            ctx.parents = tensors
            ctx.versions = tuple(t._version[0] for t in tensors)
            result = _make(out._data, ctx)
            return result

        def backward(self: Any, grad: Any) -> Any:
            from .tensor import Tensor

            g = grad if isinstance(grad, Tensor) else _make(grad, None)
            with set_grad_enabled(_mode.create_graph):
                grads = user_backward(self, g)
            if not isinstance(grads, tuple):
                grads = (grads,)
            per_tensor = [g for g, is_t in zip(grads, self.arg_is_tensor) if is_t]
            if _mode.create_graph:
                return tuple(per_tensor)
            return tuple(None if g is None else np.asarray(g._data) for g in per_tensor)

        cls.apply = classmethod(apply)
        cls.backward = backward
        cls.forward = Function.forward


class RemovableHandle:
    """Returned by ``register_hook``: ``handle.remove()`` takes the hook out again."""

    def __init__(self, hooks: list, hook: Any) -> None:
        self.hooks, self.hook = hooks, hook

    def remove(self) -> None:
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


def _modified_error(t: Any, index: int, fn: Any, expected: int, role: str = "input") -> Exception:
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{t._data.dtype} {list(t._data.shape)}], which is {role} {index} "
        f"of {fn.name()}, is at version {t._version[0]}; expected version {expected} "
        "instead. Hint: do the in-place change after backward, or on a clone()."
    )


def Variable(data: Any, requires_grad: bool = False, volatile: bool = False) -> Any:  # noqa: N802
    """``torch.autograd.Variable``: since torch 0.4 simply the tensor itself."""
    if requires_grad:
        data.requires_grad_(True)
    return data


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
    grad: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Sequence[Tensor] | None = None,
) -> None:
    """Accumulate d(root)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

    ``grad`` is dL/d(root); it defaults to 1 for a one-element ``root``. Leaves accumulate
    (``leaf.grad += ...``, in place as torch) so two backward calls add up. If ``inputs``
    is given, only those tensors receive gradients. ``retain_graph`` is accepted for
    PyTorch compatibility: the graph is always kept until ``root`` is garbage collected.
    With ``create_graph`` the gradients are computed by recorded ops, so they can be
    differentiated again (Hessian-vector products, gradient penalties).

    Nodes are processed newest first (a max-heap on the creation number), so a node's
    gradient is complete -- all its consumers are done -- when it is popped. A node whose
    inputs were changed in place after it saved them raises (version counters, as torch).
    """
    if not root.requires_grad:
        raise RuntimeError(
            "element 0 of tensors does not require grad and does not have a grad_fn "
            "(was it computed under no_grad, or from tensors without requires_grad=True?)"
        )
    _memory.keep_freed_memory_once()  # training has started: reuse freed arrays (see _memory)
    g0 = _root_grad(root, grad)
    if create_graph:
        g0 = grad if _is_tensor(grad) else _make(g0, None)
    only = None if inputs is None else {id(t) for t in inputs}
    grads: dict[int, Any] = {id(root): g0}
    handed = {id(g0)}  # arrays owned by the caller or already a leaf's .grad: copy them
    heap = [(-root._seq, id(root), root)]  # id breaks ties (deep-copied tensors share _seq)
    filled: list[Tensor] = []  # the leaves whose .grad this call fills
    prev_mode = _mode.create_graph
    _mode.create_graph = create_graph
    try:
        while heap:
            t = heappop(heap)[2]
            g = grads.pop(id(t))
            if t._hooks:
                g = _run_hooks(t, g, create_graph)
            fn = t._ctx
            if fn is None or t._retain or (only is not None and id(t) in only):
                if only is None or id(t) in only:
                    _accumulate(t, g, handed, create_graph)
                    filled.append(t)
                if fn is None:
                    continue
            _check_versions(fn, t)
            in_grads = _graph_backward(fn, g, t) if create_graph else fn.backward(g)
            if type(in_grads) is not tuple:
                in_grads = (in_grads,)
            for p, pg in zip(fn.parents, in_grads):
                if pg is None or not p.requires_grad:
                    continue
                if p._seq > t._seq:  # changed in place after fn used it: its value then
                    p = _as_of(p, t._seq)
                if pg.shape != p._data.shape:
                    pg = unbroadcast(pg, p._data.shape)
                key = id(p)
                prev = grads.get(key)
                if prev is None:
                    grads[key] = pg
                    heappush(heap, (-p._seq, key, p))
                else:
                    grads[key] = prev + pg
    finally:
        _mode.create_graph = prev_mode
    if inputs is None:
        for hook in tuple(_post_backward_hooks):
            hook(filled)


_post_backward_hooks: list[Callable[[list[Tensor]], None]] = []


def register_post_backward_hook(hook: Callable[[list[Tensor]], None]) -> RemovableHandle:
    """Call ``hook(leaves)`` at the end of every ``backward()`` over a whole graph (not
    ``grad()`` or ``backward(inputs=...)``), with the leaves whose ``.grad`` it filled.
    DistributedDataParallel averages the gradients over the ranks there."""
    _post_backward_hooks.append(hook)
    return RemovableHandle(_post_backward_hooks, hook)


def _as_of(t: Tensor, seq: int) -> Tensor:
    """The tensor that stood for ``t`` when the node numbered ``seq`` was recorded
    (``t`` was changed in place since; each in-place change keeps the old value in _prev)."""
    while t._seq > seq:
        t = t._prev
    return t


def _is_tensor(x: Any) -> bool:
    return hasattr(x, "_data") and hasattr(x, "_ctx")


def _root_grad(root: Tensor, grad: Any) -> np.ndarray:
    if grad is None:
        if root._data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs, got a tensor of "
                f"shape {tuple(root._data.shape)}; pass gradient=..."
            )
        return np.ones(root._data.shape, root._data.dtype)
    g = np.asarray(grad._data if _is_tensor(grad) else grad, dtype=root._data.dtype)
    if g.shape != root._data.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output has a shape of {g.shape} and output has a shape "
            f"of {root._data.shape}"
        )
    return g


def _check_versions(fn: Function, out: Tensor) -> None:
    """Refuse a node whose saved inputs (or saved output) were changed in place."""
    if fn.saves_inputs:
        for i, (p, v) in enumerate(zip(fn.parents, fn.versions)):
            if p._version[0] != v:
                raise _modified_error(p, i, fn, v)
    if fn.saves_output and out._version[0] != 0:
        raise _modified_error(out, 0, fn, 0, role="output")


def _run_hooks(t: Tensor, g: Any, create_graph: bool) -> Any:
    gt = g if create_graph else _make(g, None)
    for hook in list(t._hooks):
        r = hook(gt)
        if r is not None:
            gt = r
    return gt if create_graph else gt._data


def _graph_backward(fn: Function, g: Tensor, out: Tensor) -> Any:
    """Run ``fn.backward`` on Tensors: the arrays it saved from its inputs or its output are
    swapped for those Tensors, so every gradient it returns is recorded in the graph."""
    if not fn.differentiable_backward:
        raise NotImplementedError(  # a RuntimeError, as torch raises
            f"double backward (create_graph=True) through {fn.name()} is not supported yet; "
            "for second-order optimisation without it use rb.optim.LBFGS or rb.optim.BFGS, "
            "which need only gradients"
        )
    own = {id(p._data): p for p in fn.parents}
    own[id(out._data)] = out
    swapped = {}
    for k, v in vars(fn).items():
        if type(v) is np.ndarray and id(v) in own:
            swapped[k] = v
    try:
        for k, v in swapped.items():
            setattr(fn, k, own[id(v)])
        with enable_grad():
            return fn.backward(g)
    finally:
        for k, v in swapped.items():
            setattr(fn, k, v)


def _accumulate(t: Tensor, g: Any, handed: set[int], create_graph: bool = False) -> None:
    """t.grad += g (in place, as torch), keeping t's dtype; the first time a fresh writable
    array of its own. With create_graph the sum is a recorded op."""
    if create_graph:
        if g._data.dtype != t._data.dtype:
            g = g.astype(t._data.dtype)
        t._grad = g if t._grad is None else t._grad + g
        return
    if g.dtype != t._data.dtype:
        g = g.astype(t._data.dtype)
    if t._grad is None:
        own = g.flags.writeable and g.base is None and id(g) not in handed
        t._grad = _make(g if own else np.array(g), None)
        handed.add(id(t._grad._data))
    elif t._grad._ctx is None and t._grad._data.flags.writeable:
        t._grad._data += g
    else:
        t._grad = _make(t._grad._data + g, None)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple[Any, ...]:
    """Return d(outputs)/d(inputs) without touching any ``.grad`` (``torch.autograd.grad``).

    ``outputs`` a Tensor (or a one-element sequence), ``inputs`` a Tensor or a sequence;
    ``grad_outputs`` the vector of the vector-Jacobian product. With ``create_graph`` the
    result is recorded, so ``grad(grad(f, x, create_graph=True)[0] @ v, x)`` is the
    Hessian-vector product H v. An input the output does not depend on raises unless
    ``allow_unused`` (then its gradient is None, or zeros with ``materialize_grads``).
    """
    if isinstance(outputs, (list, tuple)):
        if len(outputs) != 1:
            raise NotImplementedError("grad(): rosenblatt takes one output tensor")
        outputs = outputs[0]
        if isinstance(grad_outputs, (list, tuple)):
            grad_outputs = grad_outputs[0]
    single = _is_tensor(inputs)
    inputs = [inputs] if single else list(inputs)
    saved = [(t._grad, t._retain) for t in inputs]
    for t in inputs:
        t._grad = None
        t._retain = True
    try:
        backward(outputs, grad_outputs, create_graph=create_graph, inputs=inputs)
        result = [t._grad for t in inputs]
    finally:
        for t, (g, r) in zip(inputs, saved):
            t._grad, t._retain = g, r
    for i, (t, r) in enumerate(zip(inputs, result)):
        if r is None:
            if materialize_grads:
                result[i] = _make(np.zeros_like(t._data), None)
            elif not allow_unused:
                raise RuntimeError(
                    f"One of the differentiated Tensors (input {i}) appears to not have been "
                    "used in the graph. Set allow_unused=True if this is the desired behavior."
                )
    return tuple(result)


def hessian(loss: Tensor, params: Sequence[Tensor]) -> tuple[np.ndarray, np.ndarray]:
    """(g, H): the gradient and the Hessian of ``loss`` over the flattened ``params``.

    g = dJ/dw (n,) and H = d^2 J / dw dw^T (n, n), both float64, w = [vec(p_1), ...].
    g is computed with ``create_graph=True``, so it is itself a graph over w, and row i of H
    is one more backward pass through it: H_i = d (e_i . g) / dw (double backward; n
    passes for n parameters, no finite differences). H is symmetrised, (H + H^T)/2.
    """
    from .ops import cat

    if not _is_tensor(loss) or not loss.requires_grad:
        raise TypeError(
            "exact Hessian: the closure must return the loss as a Tensor with its graph "
            f"(computed with grad enabled from the parameters), got {type(loss).__name__}"
            + ("" if not _is_tensor(loss) else " without a graph")
        )
    if loss._data.size != 1:
        raise ValueError(f"exact Hessian: the loss must have one element, got shape {loss.shape}")
    with enable_grad():
        grads = grad(loss, params, create_graph=True, allow_unused=True)
        flat = cat(
            [
                _make(np.zeros(p._data.size, p._data.dtype), None) if g is None else g.reshape(-1)
                for p, g in zip(params, grads)
            ]
        )
    n = flat.shape[0]
    H = np.zeros((n, n))
    if flat.requires_grad:  # otherwise J is linear in w and H = 0
        for i in range(n):
            e = np.zeros(n, dtype=flat.dtype)
            e[i] = 1
            rows = grad(flat, params, grad_outputs=e, allow_unused=True)
            H[i] = np.concatenate(
                [
                    np.zeros(p._data.size) if r is None else r._data.ravel()
                    for p, r in zip(params, rows)
                ]
            )
    return flat._data.astype(np.float64), (H + H.T) / 2


def _numerical_grads(fn: Callable[..., Tensor], xs: list[np.ndarray], eps: float) -> list:
    from .tensor import Tensor

    def f(arrays: list[np.ndarray]) -> float:
        with no_grad():
            return float(np.sum(fn(*[Tensor._make(a, None) for a in arrays])._data))

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

    xs = [np.array(x._data if isinstance(x, Tensor) else x, dtype=np.float64) for x in inputs]
    leaves = [Tensor(x.copy(), requires_grad=True, dtype=np.float64) for x in xs]
    with enable_grad():
        out = fn(*leaves)
        out.sum().backward()
    numeric = _numerical_grads(fn, xs, eps)
    for i, (leaf, num) in enumerate(zip(leaves, numeric)):
        ana = np.zeros_like(num) if leaf.grad is None else leaf.grad._data
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
