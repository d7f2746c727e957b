"""Activation primitives of the course's activation table (KIT deck), with derivatives.

Where the course writes the derivative through the output (sigmoid' = y(1-y),
tanh' = 1-y^2) we do the same; see ``elementwise`` for sigmoid, tanh and relu.

The derivative at exactly x = 0. Where the KIT table leaves it undefined (a kink or a
jump), rosenblatt uses PyTorch's value, so that every gradient equals torch's (the oracle
of the tests, and what a PyTorch program ported with ``import rosenblatt as torch``
expects); any value between the one-sided derivatives is a valid subgradient::

    activation   KIT table at 0          rosenblatt = torch at 0   why
    identity     1                       1
    binary step  undefined               0                         the rest of the line
    sigmoid      g(0)(1 - g(0)) = 1/4    1/4
    tanh         1 - g(0)^2 = 1          1
    ReLU         undefined               0                         the x <= 0 branch
    leaky ReLU   undefined               0.01 (negative_slope)     the x <= 0 branch
    ELU          1 if alpha = 1          alpha (= 1 for alpha = 1) the x <= 0 branch, alpha e^0
    SELU         lambda = 1.0507         lambda alpha = 1.7581     the x <= 0 branch
    GELU         Phi(0) = 1/2            1/2
    softplus     1/(1 + e^0) = 1/2       1/2
    |x| (fold)   (EDSF deck, no value)   0                         sign(0)
    sign         (not in the table)      0

The one real disagreement is SELU: the table puts x = 0 in the x >= 0 branch (lambda),
PyTorch's kernel in the x <= 0 branch (lambda alpha e^0). The two sides of the jump in
SELU's derivative are lambda and lambda alpha; gradient descent almost never lands on
x = 0 exactly, so the choice matters only for tests that put inputs there.
"""

from __future__ import annotations

import numpy as np
from scipy.special import erf

from ..autograd import Function
from ..kernels import activation as _act

_SQRT_2 = np.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class LeakyReLU(Function):
    """leaky_relu: y = x if x > 0 else a x; dy/dx = 1 if x > 0 else a"""

    differentiable_backward = True

    def forward(self, x, negative_slope=0.01):
        self.slope = np.asarray(negative_slope, dtype=x.dtype)
        self.x = x
        return _act.act_forward(x, _act.LEAKY_RELU, self.slope)

    def backward(self, g):  # np.where(x > 0, g, a g), one pass (kernels.activation)
        return _act.act_backward(g, self.x, _act.LEAKY_RELU, self.slope)


class GELU(Function):
    """gelu: y = x Phi(x), Phi(x) = (1 + erf(x/sqrt 2))/2; dy/dx = Phi(x) + x phi(x)

    phi is the standard normal density e^(-x^2/2)/sqrt(2 pi). With ``approximate="tanh"``:
    y = x/2 (1 + tanh(u)), u = sqrt(2/pi)(x + 0.044715 x^3).
    """

    def forward(self, x, approximate="none"):
        self.x, self.approximate = x, approximate
        if approximate == "tanh":
            k = np.asarray(np.sqrt(2 / np.pi), dtype=x.dtype)
            self.t = np.tanh(k * (x + 0.044715 * x**3))
            return 0.5 * x * (1 + self.t)
        self.cdf = (0.5 * (1 + erf(x / _SQRT_2))).astype(x.dtype)
        return x * self.cdf

    def backward(self, g):
        x = self.x
        if self.approximate == "tanh":
            k = np.sqrt(2 / np.pi)
            du = k * (1 + 3 * 0.044715 * x**2)
            return g * (0.5 * (1 + self.t) + 0.5 * x * (1 - self.t**2) * du).astype(x.dtype)
        pdf = (_INV_SQRT_2PI * np.exp(-0.5 * x * x)).astype(x.dtype)
        return g * (self.cdf + x * pdf)


class Softplus(Function):
    """softplus: y = ln(1 + e^(beta x))/beta; dy/dx = sigmoid(beta x)

    Linear (y = x) where beta x > threshold, as PyTorch. Computed as
    max(z, 0) + ln(1 + e^-|z|), z = beta x, so it never overflows.
    """

    def forward(self, x, beta=1.0, threshold=20.0):
        z = x * np.asarray(beta, dtype=x.dtype)
        self.linear = z > threshold
        self.e = np.exp(-np.abs(z))
        sp = (np.maximum(z, 0) + np.log1p(self.e)) / np.asarray(beta, dtype=x.dtype)
        self.z = z
        return np.where(self.linear, x, sp)

    def backward(self, g):
        sig = np.where(self.z >= 0, 1, self.e) / (1 + self.e)
        return g * np.where(self.linear, 1, sig).astype(g.dtype)


class ELU(Function):
    """elu: y = x if x > 0 else a(e^x - 1); dy/dx = 1 if x > 0 else a e^x (= y + a)

    The derivative is taken as a e^x, not y + a: for x << 0, y + a cancels to 0 in floating
    point while a e^x keeps its digits (as PyTorch).
    """

    differentiable_backward = True

    def forward(self, x, alpha=1.0, scale=1.0):
        self.x, self.pos = x, x > 0
        self.alpha = np.asarray(alpha, dtype=x.dtype)
        self.scale = np.asarray(scale, dtype=x.dtype)
        return self.scale * np.where(self.pos, x, self.alpha * np.expm1(np.minimum(x, 0)))

    def backward(self, g):
        d = np.where(self.pos, 1, self.alpha * np.exp(np.minimum(self.x, 0))).astype(g.dtype)
        return g * self.scale * d


class Step(Function):
    """step (Heaviside): y = 1 if x > 0 else 0 (``value`` at x = 0); dy/dx = 0 almost everywhere

    The derivative is zero wherever it exists, so no gradient flows through a step unit:
    train threshold networks with the perceptron rule or a genetic algorithm instead.
    """

    differentiable_backward = True  # zero: the second derivative is zero too

    def forward(self, x, value=0.0):
        return np.heaviside(x, value).astype(x.dtype)

    def backward(self, g):
        return np.zeros_like(g)


class Sign(Function):
    """sign: y = -1, 0, +1 for x <0, =0, >0; dy/dx = 0 almost everywhere (no gradient flows)"""

    differentiable_backward = True  # zero: the second derivative is zero too

    def forward(self, x):
        return np.sign(x)

    def backward(self, g):
        return np.zeros_like(g)


class Softmax(Function):
    """softmax: y_i = e^(x_i - m) / sum_j e^(x_j - m), m = max_j x_j;
    dL/dx = y * (dL/dy - sum_j dL/dy_j y_j)"""

    differentiable_backward = saves_output = True

    def forward(self, x, axis=-1):
        self.axis = axis
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        e /= e.sum(axis=axis, keepdims=True)
        self.y = e
        return e

    def backward(self, g):
        y = self.y
        return y * (g - (g * y).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    """log_softmax: y_i = x_i - m - ln sum_j e^(x_j - m) (log-sum-exp);
    dL/dx = dL/dy - softmax(x) sum_j dL/dy_j"""

    differentiable_backward = saves_output = True

    def forward(self, x, axis=-1):
        self.axis = axis
        z = x - x.max(axis=axis, keepdims=True)
        y = z - np.log(np.exp(z).sum(axis=axis, keepdims=True))
        self.y = y
        return y

    def backward(self, g):
        return g - np.exp(self.y) * g.sum(axis=self.axis, keepdims=True)
