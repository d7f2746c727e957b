"""Layers: Linear, Identity, Flatten, Dropout, the activation modules and :func:`mlp`, the
multi-layer perceptron built from them."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor, _as_dtype
from . import functional as F
from . import init
from .container import Sequential
from .module import Module, Parameter
from .normalization import BatchNorm1d

__all__ = [
    "ACTIVATIONS",
    "ELU",
    "GELU",
    "Dropout",
    "Flatten",
    "Identity",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "ReLU",
    "SELU",
    "Sigmoid",
    "Sign",
    "Softmax",
    "Softplus",
    "Step",
    "Tanh",
    "mlp",
]


def _inplace(module: Module, sep: str = "") -> str:
    """torch's repr of ``inplace=True`` (nothing when False). The computation is out of place
    either way (see ``nn.functional``)."""
    return f"{sep}inplace=True" if module.inplace else ""


class Linear(Module):
    """Fully connected layer: y = x W^T + b, W of shape (out_features, in_features).

    Initialisation (PyTorch's): W ~ U(-1/sqrt(in), 1/sqrt(in)) -- kaiming_uniform_ with
    a = sqrt(5) -- and b ~ U(-1/sqrt(in), 1/sqrt(in)).

    Shapes: input (*, in_features) -> output (*, out_features).
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, dtype: Any = None
    ) -> None:
        super().__init__()
        self.in_features, self.out_features = int(in_features), int(out_features)
        dt = _as_dtype(dtype) or np.dtype(np.float32)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty(self.out_features, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        if not isinstance(input, Tensor):
            input = Tensor._make(np.asarray(input), None)
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            raise ValueError(
                f"{self!r}: expected input with {self.in_features} features in the last "
                f"dimension, got shape {input.shape}"
            )
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        has_bias = self.bias is not None
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={has_bias}"


class Identity(Module):
    """y = x"""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Flatten(Module):
    """Flatten dimensions start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        if not isinstance(input, Tensor):  # NumPy data, as Linear accepts
            input = Tensor._make(np.asarray(input), None)
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout: during training y = x m / (1 - p), m ~ Bernoulli(1 - p); y = x in eval."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class ReLU(Module):
    """y = max(0, x)"""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input)

    def extra_repr(self) -> str:
        return _inplace(self)


class LeakyReLU(Module):
    """y = x if x > 0 else negative_slope * x"""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + _inplace(self, ", ")


class Sigmoid(Module):
    """y = 1 / (1 + e^-x)"""

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)

    def __init__(self) -> None:
        super().__init__()


class Tanh(Module):
    """y = tanh(x)"""

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)

    def __init__(self) -> None:
        super().__init__()


class GELU(Module):
    """y = x Phi(x) (exact erf form; approximate='tanh' for the tanh formula)"""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """y = ln(1 + e^(beta x)) / beta"""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class ELU(Module):
    """y = x if x > 0 else alpha (e^x - 1)"""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + _inplace(self, ", ")


class SELU(Module):
    """y = scale * elu(x, alpha) with the self-normalising constants"""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.selu(input)

    def extra_repr(self) -> str:
        return _inplace(self)


class Step(Module):
    """Heaviside step: y = 1 if x > 0 else 0, ``value`` at 0 (1: fire at x >= 0; see F.step)"""

    def __init__(self, value: float = 0.0) -> None:
        super().__init__()
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.step(input, self.value)


class Sign(Module):
    """y = sign(x) in {-1, 0, +1} (no gradient flows)"""

    def __init__(self) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return F.sign(input)


class Softmax(Module):
    """y_i = e^(x_i) / sum_j e^(x_j) along ``dim`` (None: torch's implicit choice, with
    its deprecation warning)"""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """y_i = x_i - log sum_j e^(x_j) along ``dim`` (None: torch's implicit choice)"""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


#: Activation modules by name, scikit-learn's ("logistic") and the course's: the one registry
#: that the estimators, recipes and the playground use.
ACTIVATIONS: dict[str, type[Module]] = {
    "identity": Identity,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "sigmoid": Sigmoid,
    "logistic": Sigmoid,
    "tanh": Tanh,
    "gelu": GELU,
    "softplus": Softplus,
    "elu": ELU,
    "selu": SELU,
}


def mlp(
    sizes: Sequence[int],
    activation: str | Sequence[str] = "relu",
    *,
    batch_norm: bool = False,
    dropout: float = 0.0,
    init_linear: Callable[[Linear, str], Any] | None = None,
    dtype: Any = None,
) -> Sequential:
    """The multi-layer perceptron sizes[0] -> sizes[1] -> ... -> sizes[-1] as a Sequential.

    Per hidden layer Linear -> [BatchNorm1d] -> activation -> [Dropout], then a Linear output
    layer without activation (the loss or the caller adds the output's):

        h_0 = x,  h_l = f_l(W_l h_{l-1} + b_l),  y = W_L h_{L-1} + b_L

    Parameters
    ----------
    sizes : sequence of int
        Input width, the hidden layers' widths, output width.
    activation : str or sequence of str
        A name of :data:`ACTIVATIONS` for every hidden layer, or one per hidden layer.
    batch_norm : bool
        nn.BatchNorm1d before each hidden activation.
    dropout : float
        nn.Dropout(dropout) after each hidden activation when > 0.
    init_linear : callable (linear, activation name) -> None, optional
        Re-initialises each Linear right after it is made (its random draws come in layer
        order); the name is the activation that follows it, "identity" for the output layer.
    dtype : optional
        The parameters' dtype (the layers' default when None).

    >>> mlp([2, 4, 1], "tanh")
    Sequential(
      (0): Linear(in_features=2, out_features=4, bias=True)
      (1): Tanh()
      (2): Linear(in_features=4, out_features=1, bias=True)
    )
    """
    n_hidden = len(sizes) - 2
    names = [activation] * n_hidden if isinstance(activation, str) else list(activation)
    kw = {} if dtype is None else {"dtype": dtype}
    layers: list[Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        name = names[i] if i < n_hidden else "identity"
        linear = Linear(fan_in, fan_out, **kw)
        if init_linear is not None:
            init_linear(linear, name)
        layers.append(linear)
        if i < n_hidden:
            layers += [BatchNorm1d(fan_out, **kw)] if batch_norm else []
            layers.append(ACTIVATIONS[name]())
            layers += [Dropout(dropout)] if dropout > 0 else []
    return Sequential(*layers)
