"""The fast path of ``rb.fit``: a chain of primitives without a graph, one flat parameter vector.

**Chain.** A model that is an ``nn.Sequential`` of ``nn.Linear`` layers and activations,
trained with a fused loss (MSE, BCE with logits, cross-entropy on class indices), computes

    x -> Linear -> f -> ... -> Linear -> loss,

so its backward pass is the backward of each primitive in reverse order. :meth:`Chain.step`
calls the same primitives (``forward`` and ``backward`` of ``ops``) on the same arrays as
``loss.backward()`` does on the recorded graph, and gets the same bits, without making
Tensors, recording nodes and walking the graph: on a 64-100-10 network with batches of 200
that bookkeeping costs about as much as the forward pass itself.

**FlatParams.** The optimizers SGD, Adam, AdamW, RMSprop, Adagrad and Adadelta update every
number on its own (elementwise), so one update of the vector of all parameters

    w = [vec(W_1), vec(W_2), ..., vec(b_1), ...]   (the weights first: the penalty's slice)

from the vector of all gradients g is the update of every parameter, in one call instead of
one per tensor. During a run each parameter is a view of w and each gradient a view of g;
the optimizer's per-parameter state is gathered into vectors the same way and handed back
(as views) at every epoch's end and when the run ends; the parameters get their own arrays
back at the end.

Both apply by themselves when they can: :func:`rosenblatt.fit` uses them for any model,
loss and optimizer that qualify, and the recorded graph (and ``optimizer.step()``) for the
rest. A test holds the two paths bit-identical.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from .. import nn, optim
from ..autograd import Function
from ..ops import activation as A
from ..ops import elementwise as E
from ..ops.linalg import Linear, LinearAct
from ..ops.loss import MSE, BCEWithLogits, SoftmaxCrossEntropy
from ..tensor import Tensor
from .objective import ScaledLoss, weighted_mean

__all__ = ["Chain", "FlatParams"]


def _activation(m: nn.Module) -> tuple[type[Function], dict[str, Any]] | None:
    """The primitive an activation module applies, with its keywords (as its forward calls it)."""
    kind, m_ = type(m), cast(Any, m)
    if kind in (nn.ReLU, nn.Tanh, nn.Sigmoid):
        return {nn.ReLU: E.ReLU, nn.Tanh: E.Tanh, nn.Sigmoid: E.Sigmoid}[kind], {}
    if kind is nn.LeakyReLU:
        return A.LeakyReLU, {"negative_slope": m_.negative_slope}
    if kind is nn.ELU:
        return A.ELU, {"alpha": m_.alpha}
    if kind is nn.SELU:
        return A.ELU, {"alpha": A.SELU_ALPHA, "scale": A.SELU_SCALE}
    if kind is nn.GELU:
        return A.GELU, {"approximate": m_.approximate}
    if kind is nn.Softplus:
        return A.Softplus, {"beta": m_.beta, "threshold": m_.threshold}
    return None


#: activations that LinearAct fuses with the preceding Linear (one pass for bias + f)
_FUSED = {E.ReLU: "relu", E.Tanh: "tanh", E.Sigmoid: "sigmoid"}


def _loss_primitive(loss: Any, y: np.ndarray) -> tuple[type[Function], float] | None:
    """(fused primitive, factor) of a loss module whose forward is that primitive alone."""
    factor = 1.0
    if type(loss) is ScaledLoss:
        loss, factor = loss.loss, loss.factor
    if getattr(loss, "reduction", None) != "mean":
        return None
    kind = type(loss)
    if kind is nn.MSELoss:
        return MSE, factor
    if kind is nn.BCEWithLogitsLoss and loss.weight is None and loss.pos_weight is None:
        return BCEWithLogits, factor
    if (
        kind is nn.CrossEntropyLoss
        and loss.weight is None
        and not loss.label_smoothing
        and y.ndim == 1
        and y.dtype == np.int64
    ):
        return SoftmaxCrossEntropy, factor
    return None


def _modules(model: nn.Module) -> list[nn.Module] | None:
    """The layers of a (nested) nn.Sequential in order, or None for any other model."""
    if type(model) is not nn.Sequential:
        return None
    out: list[nn.Module] = []
    for m in model:
        inner = _modules(m) if type(m) is nn.Sequential else [m]
        if inner is None:
            return None
        out += inner
    return out


class Chain:
    """Forward and backward of a chain of primitives, without a graph.

    Build it with :meth:`build`; :meth:`step` computes the loss of a batch and writes each
    parameter's gradient into the array given for it.

    Parameters
    ----------
    layers : list of (Function class, parameters, keywords)
    loss : Function class
        The fused loss primitive, called as ``loss.forward(outputs, targets)``.
    factor : float
        The loss is ``factor * loss`` (1/2 for scikit-learn's squared error).
    """

    def __init__(
        self,
        layers: list[tuple[type[Function], list[Tensor], dict[str, Any]]],
        loss: type[Function],
        factor: float,
    ) -> None:
        self.layers, self.loss, self.factor = layers, loss, factor
        self.params = [p for _, params, _ in layers for p in params]

    @classmethod
    def build(cls, model: nn.Module, loss: Any, y: np.ndarray) -> Chain | None:
        """The chain of ``model`` trained with ``loss`` on targets like ``y``, or None when
        the model is not such a chain (other layers, frozen parameters, gradient hooks) or
        the loss is not one fused primitive."""
        head = _loss_primitive(loss, y)
        modules = _modules(model)
        if head is None or modules is None:
            return None
        layers: list[tuple[type[Function], list[Any], dict[str, Any]]] = []
        for m in modules:
            if type(m) is nn.Linear:
                params = [m.weight] if m.bias is None else [m.weight, m.bias]
                if not all(p.requires_grad and p._hooks is None for p in params):
                    return None
                layers.append((Linear, params, {}))
            elif type(m) is nn.Identity:
                continue
            elif (act := _activation(m)) is None:
                return None
            elif layers and layers[-1][0] is Linear and act[0] in _FUSED:
                layers[-1] = (LinearAct, layers[-1][1], {"activation": _FUSED[act[0]]})
            else:
                layers.append((act[0], [], act[1]))
        if not any(params for _, params, _ in layers):
            return None
        return cls(layers, *head)

    def step(
        self,
        x: np.ndarray,
        target: np.ndarray,
        grads: list[np.ndarray],
        w: np.ndarray | None = None,
        denominator: float = 1.0,
    ) -> tuple[float, np.ndarray]:
        """Forward and backward on a batch: returns (loss, outputs); the gradients land in
        ``grads`` (one array per parameter, in the order of ``self.params``).

        Without ``w`` the loss is the primitive's mean; with sample weights it is
        sum_i w_i l_i / denominator, computed by the same ops as on the graph.
        """
        fns: list[tuple[Function, int]] = []  # (node, number of parameters)
        for cls, params, kw in self.layers:
            fn = cls()
            if params:  # Linear: dL/dx unless it is the first layer with parameters
                fn.needs_input_grad = (bool(fns), *(True,) * len(params))
                x = fn.forward(x, *[p._data for p in params], **kw)
                fns.append((fn, len(params)))
            else:
                x = fn.forward(x, **kw)
                if fns:  # an activation before the first Linear needs no backward
                    fn.needs_input_grad = (True,)
                    fns.append((fn, 0))
        loss = self.loss()
        loss.needs_input_grad = (True, False)
        scale = np.asarray(self.factor, dtype=x.dtype)
        if w is None:
            value = loss.forward(x, target) * scale
            g = loss.backward(scale)
        else:  # the weighting as on the graph: sum_i w_i factor l_i / denominator
            losses = Tensor._make(loss.forward(x, target, reduction="none"), None)
            losses.requires_grad = True
            J = weighted_mean(losses * self.factor, w, denominator)
            J.backward()
            assert losses._grad is not None
            value, g = J._data, loss.backward(losses._grad._data)
        if type(g) is tuple:  # (dL/d outputs, None for the targets)
            g = g[0]
        i = len(grads)
        for fn, n in reversed(fns):
            if n:  # Linear: dL/dx (None for the first layer), dL/dW[, dL/db]
                g, *pgrads = fn.backward(g)
                i -= n
                for view, pg in zip(grads[i : i + n], pgrads):
                    view[...] = pg
            else:
                g = fn.backward(g)
        return float(value), x


#: optimizers whose update rule is elementwise (``_update`` on one array at a time)
_ELEMENTWISE = (optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad, optim.Adadelta)


def _gather(states: list[dict[str, Any]], params: list[Tensor]) -> dict[str, Any] | None:
    """The per-parameter states as one state of the flat vector, or None when they differ in
    kind (a parameter not stepped yet while the others were, say)."""
    keys = set(states[0])
    if any(set(s) != keys for s in states):
        return None
    flat: dict[str, Any] = {}
    for k in keys:
        values = [s[k] for s in states]
        if all(
            isinstance(v, np.ndarray) and v.shape == p._data.shape for v, p in zip(values, params)
        ):
            flat[k] = np.concatenate([v.ravel() for v in values])
        elif all(not isinstance(v, np.ndarray) and v == values[0] for v in values):
            flat[k] = values[0]
        else:
            return None
    return flat


class FlatParams:
    """Every parameter a view of one vector w, every gradient a view of one vector g, and
    the optimizer's elementwise update run once on (w, g).

    Build it with :meth:`build`; :meth:`close` gives the parameters their own arrays back.

    Attributes
    ----------
    params : list of Tensor
        The parameters in the order of w, the weights (2+ dimensions) first.
    grads : list of ndarray
        Each parameter's gradient, a view of g shaped like it.
    n_weights : int
        How many of ``params`` are weights (the penalised ones).
    """

    def __init__(self, params: list[Tensor], optimizer: optim.Optimizer) -> None:
        self.params, self.optimizer = params, optimizer
        self.group = optimizer.param_groups[0]
        self.n_weights = sum(p._data.ndim >= 2 for p in params)
        self.own = [p._data for p in params]
        self.w = np.concatenate([a.ravel() for a in self.own])
        self.g = np.zeros_like(self.w)
        stops = np.cumsum([a.size for a in self.own]).tolist()
        self.slices = [slice(a, b) for a, b in zip([0, *stops[:-1]], stops)]
        self.views = [self.w[s].reshape(a.shape) for s, a in zip(self.slices, self.own)]
        self.grads = [self.g[s].reshape(a.shape) for s, a in zip(self.slices, self.own)]
        self.state = _gather([optimizer.state.get(p, {}) for p in params], params) or {}
        self.relink()

    @classmethod
    def build(cls, model: nn.Module, optimizer: Any) -> FlatParams | None:
        """The flat vector of ``model``'s parameters, or None unless ``optimizer`` is one of
        the elementwise ones with a single group holding exactly the model's parameters,
        all trainable, of one dtype, with states that line up."""
        if type(optimizer) not in _ELEMENTWISE or len(optimizer.param_groups) != 1:
            return None
        params = list(model.parameters())
        group = optimizer.param_groups[0]["params"]
        ids = {id(p) for p in params}
        if (
            not params
            or len(ids) != len(params)
            or {id(p) for p in group} != ids
            or len(group) != len(params)
            or len({p._data.dtype for p in params}) != 1
            or not all(p.requires_grad for p in params)
        ):
            return None
        ordered: list[Tensor] = [p for p in params if p._data.ndim >= 2]
        ordered += [p for p in params if p._data.ndim < 2]
        if _gather([optimizer.state.get(p, {}) for p in ordered], ordered) is None:
            return None
        return cls(ordered, optimizer)

    @property
    def weights(self) -> list[np.ndarray]:
        """The weight arrays (views of w), the ones the penalty applies to."""
        return self.views[: self.n_weights]

    def relink(self) -> None:
        """Make every parameter a view of w again (after a callback gave one a new array)."""
        for p, view in zip(self.params, self.views):
            if p._data is not view:
                if p._data.shape != view.shape:
                    raise RuntimeError(
                        f"a parameter of shape {view.shape} changed to {p._data.shape} "
                        "during training"
                    )
                view[...] = p._data
                p._data = view

    def collect(self) -> None:
        """g := the gradients that backward left in ``p.grad`` (0 for a parameter without)."""
        for p, view in zip(self.params, self.grads):
            if p._grad is None:
                view.fill(0)
            else:
                view[...] = p._grad._data

    def step(self) -> None:
        """One update of w from g by the optimizer's own rule, as ``optimizer.step()``."""
        for p in self.params:
            p._version[0] += 1  # type: ignore[attr-defined]
        self.optimizer._update(self.w, self.g, self.state, self.group)

    def sync_state(self) -> None:
        """Hand the state back to the optimizer, parameter by parameter (views of the flat
        state), so that ``optimizer.state_dict()`` is current."""
        if not self.state:
            return
        for p, s in zip(self.params, self.slices):
            self.optimizer.state[p] = {
                k: v[s].reshape(p._data.shape) if isinstance(v, np.ndarray) else v
                for k, v in self.state.items()
            }

    def close(self) -> None:
        """End of the run: the state handed back, each parameter's values copied into its own
        array again, and ``p.grad`` the last gradient."""
        self.sync_state()
        for p, own, view, grad in zip(self.params, self.own, self.views, self.grads):
            own[...] = p._data if p._data is not view else view
            p._data = own
            p._grad = Tensor._make(grad.copy(), None)
