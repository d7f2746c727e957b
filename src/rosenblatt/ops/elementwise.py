"""Elementwise primitives: forward formula and its derivative side by side.

Binary ops follow NumPy broadcasting; the autograd engine sums gradients back over the
broadcast dimensions, so no op here has to.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from ..kernels import activation as _act
from ..tensor import Tensor


def as_tensor(x: Any, like: Tensor | None = None) -> Tensor:
    """Wrap a constant as a tensor outside the graph; Python numbers take ``like``'s dtype."""
    if isinstance(x, Tensor):
        return x
    if like is not None and isinstance(x, (int, float, bool, np.number)):
        dt = like._data.dtype
        if dt.kind in "iub" and isinstance(x, (float, np.floating)):
            dt = np.dtype(np.float32)  # int tensor * 2.5 is a float (not truncated to 2)
        return Tensor._make(np.asarray(x, dtype=dt), None)
    return Tensor._make(np.asarray(x), None)


def _pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Both operands as tensors; an integer tensor meeting a Python float becomes float32
    (PyTorch's default dtype: ``arange(3) * 2.5`` is float32, not float64)."""
    if isinstance(a, Tensor):
        return _float_if(a, b), as_tensor(b, a)
    b = as_tensor(b)
    return as_tensor(a, b), _float_if(b, a)


def _float_if(t: Tensor, other: Any) -> Tensor:
    if t._data.dtype.kind in "iub" and isinstance(other, (float, np.floating)):
        return Tensor._make(t._data.astype(np.float32), None)
    return t


class Add(Function):
    """add: y = a + b; dy/da = 1, dy/db = 1"""

    saves_inputs = False

    differentiable_backward = True

    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return g, g


class Sub(Function):
    """sub: y = a - b; dy/da = 1, dy/db = -1"""

    saves_inputs = False

    differentiable_backward = True

    def forward(self, a, b):
        return a - b

    def backward(self, g):
        return g, (-g if self.needs_input_grad[1] else None)


class Mul(Function):
    """mul: y = a * b; dy/da = b, dy/db = a"""

    differentiable_backward = True

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        na, nb = self.needs_input_grad
        return (g * self.b if na else None), (g * self.a if nb else None)


class Div(Function):
    """div: y = a / b; dy/da = 1/b, dy/db = -a/b^2 = -y/b"""

    differentiable_backward = True
    saves_output = True

    def forward(self, a, b):
        self.b = b
        self.y = a / b
        return self.y

    def backward(self, g):
        na, nb = self.needs_input_grad
        ga = g / self.b if na else None
        gb = -g * self.y / self.b if nb else None
        return ga, gb


class Neg(Function):
    """neg: y = -x; dy/dx = -1"""

    saves_inputs = False

    differentiable_backward = True

    def forward(self, x):
        return -x

    def backward(self, g):
        return -g


class Pow(Function):
    """pow: y = a^b; dy/da = b a^(b-1), dy/db = y ln a"""

    differentiable_backward = True
    saves_output = True

    def forward(self, a, b):
        self.a, self.b = a, b
        self.y = a**b
        return self.y

    def backward(self, g):
        na, nb = self.needs_input_grad
        ga = g * self.b * self.a ** (self.b - 1) if na else None
        gb = None
        if nb:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = g * self.y * np.where(self.a > 0, np.log(np.where(self.a > 0, self.a, 1)), 0)
        return ga, gb


class Exp(Function):
    """exp: y = e^x; dy/dx = y"""

    differentiable_backward = True
    saves_output = True

    def forward(self, x):
        self.y = np.exp(x)
        return self.y

    def backward(self, g):
        return g * self.y


class Log(Function):
    """log: y = ln x; dy/dx = 1/x"""

    differentiable_backward = True

    def forward(self, x):
        self.x = x
        return np.log(x)

    def backward(self, g):
        return g / self.x


class Sqrt(Function):
    """sqrt: y = x^(1/2); dy/dx = 1/(2y)"""

    differentiable_backward = True
    saves_output = True

    def forward(self, x):
        self.y = np.sqrt(x)
        return self.y

    def backward(self, g):
        return g / (2 * self.y)


class Abs(Function):
    """abs: y = |x|; dy/dx = sign(x) (0 at x = 0, as PyTorch)"""

    differentiable_backward = True

    def forward(self, x):
        self.x = x
        return np.abs(x)

    def backward(self, g):
        return g * np.sign(self.x)


class Tanh(Function):
    """tanh: y = (e^x - e^-x)/(e^x + e^-x); dy/dx = 1 - y^2"""

    differentiable_backward = True
    saves_output = True

    def forward(self, x):
        self.y = _act.act_forward(x, _act.TANH)
        return self.y

    def backward(self, g):  # g * (1 - y * y), one pass (kernels.activation)
        return _act.act_backward(g, self.y, _act.TANH)


class Sigmoid(Function):
    """sigmoid: y = 1/(1+e^-x); dy/dx = y(1-y)

    Computed as exp(-log(1 + e^-x)) through ``logaddexp``-free form that never overflows:
    for x >= 0, 1/(1+e^-x); for x < 0, e^x/(1+e^x).
    """

    differentiable_backward = True
    saves_output = True

    def forward(self, x):
        self.y = _act.act_forward(x, _act.SIGMOID) if x.dtype.kind == "f" else sigmoid_array(x)
        return self.y

    def backward(self, g):  # g * y * (1 - y), one pass (kernels.activation)
        return _act.act_backward(g, self.y, _act.SIGMOID)


class Sin(Function):
    """sin: y = sin x; dy/dx = cos x"""

    differentiable_backward = True

    def forward(self, x):
        self.x = x
        return np.sin(x)

    def backward(self, g):
        return g * np.cos(self.x)


class Cos(Function):
    """cos: y = cos x; dy/dx = -sin x"""

    differentiable_backward = True

    def forward(self, x):
        self.x = x
        return np.cos(x)

    def backward(self, g):
        return -g * np.sin(self.x)


#: the overflow-free logistic function on an array, e^min(x, 0) / (1 + e^-|x|) (the
#: kernels' NumPy reference)
sigmoid_array = _act.sigmoid_reference


class ReLU(Function):
    """relu: y = max(0, x); dy/dx = 1 if x > 0 else 0"""

    differentiable_backward = True
    saves_output = True

    def forward(self, x):
        self.y = _act.act_forward(x, _act.RELU)
        return self.y

    def backward(self, g):  # g * (y > 0), one pass (kernels.activation)
        return _act.act_backward(g, self.y, _act.RELU)


class Maximum(Function):
    """maximum: y = max(a, b); the gradient goes to the larger input, split evenly on ties"""

    differentiable_backward = True

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.maximum(a, b)

    def backward(self, g):
        a, b = self.a, self.b
        w = (a > b) + 0.5 * (a == b)
        return g * w.astype(g.dtype), g * (1 - w).astype(g.dtype)


class Minimum(Function):
    """minimum: y = min(a, b); the gradient goes to the smaller input, split evenly on ties"""

    differentiable_backward = True

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.minimum(a, b)

    def backward(self, g):
        a, b = self.a, self.b
        w = (a < b) + 0.5 * (a == b)
        return g * w.astype(g.dtype), g * (1 - w).astype(g.dtype)


class Clip(Function):
    """clip: y = min(max(x, lo), hi); dy/dx = 1 where lo <= x <= hi, else 0 (as torch.clamp)"""

    differentiable_backward = True

    def forward(self, x, lo=None, hi=None):
        self.mask = np.ones(x.shape, dtype=bool)
        if lo is not None:
            self.mask &= x >= lo
        if hi is not None:
            self.mask &= x <= hi
        return np.clip(x, lo, hi)

    def backward(self, g):
        return g * self.mask


class Where(Function):
    """where: y = a if cond else b; dy/da = cond, dy/db = not cond"""

    differentiable_backward = True

    def forward(self, a, b, cond=None):
        self.cond = cond
        return np.where(cond, a, b)

    def backward(self, g):
        na, nb = self.needs_input_grad
        zero = np.zeros((), dtype=g.dtype)
        return (np.where(self.cond, g, zero) if na else None), (
            np.where(self.cond, zero, g) if nb else None
        )


class Cast(Function):
    """cast: y = x in another dtype; dy/dx = 1 (cast back)"""

    saves_inputs = False

    differentiable_backward = True

    def forward(self, x, dtype=None, copy=False):
        self.dtype = x.dtype
        return x.astype(dtype, copy=copy)

    def backward(self, g):
        return g.astype(self.dtype)


def add(a: Any, b: Any) -> Tensor:
    return Add.apply(*_pair(a, b))


def sub(a: Any, b: Any) -> Tensor:
    return Sub.apply(*_pair(a, b))


def mul(a: Any, b: Any) -> Tensor:
    return Mul.apply(*_pair(a, b))


def div(a: Any, b: Any) -> Tensor:
    """True division; integer operands give float32, as ``torch.div``."""
    a, b = _pair(a, b)
    if a._data.dtype.kind in "iub" and b._data.dtype.kind in "iub":
        a = Tensor._make(a._data.astype(np.float32), None)
        b = Tensor._make(b._data.astype(np.float32), None)
    return Div.apply(a, b)


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001
    return Pow.apply(*_pair(a, b))


def neg(x: Tensor) -> Tensor:
    return Neg.apply(x)


def exp(x: Tensor) -> Tensor:
    return Exp.apply(as_tensor(x))


def log(x: Tensor) -> Tensor:
    return Log.apply(as_tensor(x))


def sqrt(x: Tensor) -> Tensor:
    return Sqrt.apply(as_tensor(x))


def abs(x: Tensor) -> Tensor:  # noqa: A001
    return Abs.apply(as_tensor(x))


def tanh(x: Tensor) -> Tensor:
    return Tanh.apply(as_tensor(x))


def sigmoid(x: Tensor) -> Tensor:
    return Sigmoid.apply(as_tensor(x))


def sin(x: Tensor) -> Tensor:
    return Sin.apply(as_tensor(x))


def cos(x: Tensor) -> Tensor:
    return Cos.apply(as_tensor(x))


def relu(x: Tensor) -> Tensor:
    return ReLU.apply(as_tensor(x))


def maximum(a: Any, b: Any) -> Tensor:
    return Maximum.apply(*_pair(a, b))


def minimum(a: Any, b: Any) -> Tensor:
    return Minimum.apply(*_pair(a, b))


def clip(x: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Clamp to [min, max]; the gradient is 1 inside (bounds included) and 0 outside."""
    lo = min._data if isinstance(min, Tensor) else min
    hi = max._data if isinstance(max, Tensor) else max
    return Clip.apply(as_tensor(x), lo=lo, hi=hi)


clamp = clip


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``condition`` holds, else ``b`` (broadcasting all three)."""
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    ta, tb = _pair(a, b)
    return Where.apply(ta, tb, cond=cond.astype(bool, copy=False))


def cast(x: Tensor, dtype: Any, copy: bool = False) -> Tensor:
    return Cast.apply(x, dtype=dtype, copy=copy)
