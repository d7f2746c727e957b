"""The decks' extra units: radial basis functions (KIT deck) and the |x| fold (EDSF deck).

- :class:`RBF`: a layer of radial basis units, y_j = phi(eps_j ||x - c_j||), and the
  activation modules :class:`GaussianRBF`, :class:`Multiquadric` and
  :class:`InverseMultiquadric` (phi applied elementwise, r = x). The KIT deck's activation
  table notes: "there are also radial basis functions (RBF) which are efficient as
  universal function approximators (Gaussian, multiquadratics)".
- :class:`Abs`: y = |x|, the folding activation of the EDSF deck's "Deep learning" slide:
  g(x1, x2) = (|x1|, |x2|) folds a 2-D space twice, and each hidden layer of such units is
  a folding operator.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = ["RBF", "Abs", "GaussianRBF", "InverseMultiquadric", "Multiquadric"]

_KERNELS = {
    "gaussian": F.gaussian_rbf,
    "multiquadric": F.multiquadric,
    "inverse_multiquadric": F.inverse_multiquadric,
}


class Abs(Module):
    """Fold: y = |x|; dy/dx = sign(x) (0 at x = 0, as torch.abs).

    Folds the input space along every coordinate hyperplane: x and -x give the same
    output, so a layer of |.| units maps the 2^D orthants of R^D onto one, and what the
    next layer draws there is mirrored into all of them (Montufar et al., 2014).

    Examples
    --------
    >>> import rosenblatt as rb
    >>> rb.nn.Abs()(rb.tensor([[-1.5, 2.0], [1.5, -2.0]]))
    tensor([[1.5000, 2.0000],
            [1.5000, 2.0000]])
    """

    def __init__(self) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return ops.abs(input)


class _RadialActivation(Module):
    _fn = staticmethod(F.gaussian_rbf)

    def __init__(self, eps: float = 1.0) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, input: Tensor) -> Tensor:
        return self._fn(input, self.eps)

    def extra_repr(self) -> str:
        return f"eps={self.eps}"


class GaussianRBF(_RadialActivation):
    """y = e^-(eps x)^2, elementwise (see F.gaussian_rbf)"""

    _fn = staticmethod(F.gaussian_rbf)


class Multiquadric(_RadialActivation):
    """y = sqrt(1 + (eps x)^2), elementwise (see F.multiquadric)"""

    _fn = staticmethod(F.multiquadric)


class InverseMultiquadric(_RadialActivation):
    """y = 1 / sqrt(1 + (eps x)^2), elementwise (see F.inverse_multiquadric)"""

    _fn = staticmethod(F.inverse_multiquadric)


class RBF(Module):
    """Radial basis layer: y_j = phi(eps_j ||x - c_j||), j = 1..out_features.

    Parameters
    ----------
    in_features : int
        Size D of each input x.
    out_features : int
        Number of units (centres c_j).
    kernel : {"gaussian", "multiquadric", "inverse_multiquadric"}
        phi(r) = e^-r^2, sqrt(1 + r^2) or 1 / sqrt(1 + r^2).
    dtype : NumPy dtype, optional

    Attributes
    ----------
    centers : Parameter of shape (out_features, in_features)
        The centres c_j, initialised U(-1, 1).
    eps : Parameter of shape (out_features,)
        The shape parameters eps_j (inverse widths), initialised to 1.

    Notes
    -----
    Forward, for a batch X (N, D)::

        r2[n, j] = ||x_n||^2 - 2 x_n.c_j + ||c_j||^2      squared distances (N, out)
        y[n, j]  = phi(eps_j sqrt(r2[n, j]))

    computed as phi(sqrt(eps_j^2 r2)), so every kernel, written in r^2, has a gradient at
    the centre (the Gaussian is e^-(eps^2 r2)). A linear layer on top gives the RBF network
    f(x) = sum_j a_j phi(eps_j ||x - c_j||) + b, a universal approximator (Park &
    Sandberg, 1991); with the centres fixed, its output weights are a least-squares
    problem.

    Examples
    --------
    >>> import rosenblatt as rb
    >>> layer = rb.nn.RBF(2, 3)
    >>> layer(rb.randn(5, 2)).shape
    (5, 3)
    """

    def __init__(
        self, in_features: int, out_features: int, kernel: str = "gaussian", dtype: Any = None
    ) -> None:
        super().__init__()
        if kernel not in _KERNELS:
            raise ValueError(f"RBF: kernel must be one of {sorted(_KERNELS)}, got {kernel!r}")
        self.in_features, self.out_features, self.kernel = in_features, out_features, kernel
        dt = np.dtype(np.float32 if dtype is None else dtype)
        self.centers = Parameter(np.empty((out_features, in_features), dtype=dt))
        self.eps = Parameter(np.empty(out_features, dtype=dt))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """c_j ~ U(-1, 1), eps_j = 1."""
        init.uniform_(self.centers, -1.0, 1.0)
        init.constant_(self.eps, 1.0)

    def forward(self, input: Tensor) -> Tensor:
        x, c = input, self.centers
        r2 = (x * x).sum(dim=-1, keepdim=True) - 2 * (x @ c.T) + (c * c).sum(dim=-1)
        s2 = ops.clip(r2, 0.0, None) * (self.eps * self.eps)  # (eps r)^2 >= 0
        if self.kernel == "gaussian":
            return ops.exp(-s2)
        if self.kernel == "multiquadric":
            return ops.sqrt(1 + s2)
        return 1 / ops.sqrt(1 + s2)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"kernel={self.kernel!r}"
        )
