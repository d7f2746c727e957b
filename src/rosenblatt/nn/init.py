"""Weight initialisation (CERN deck: zero, random, Glorot, He), with PyTorch's formulas.

For a weight of shape (out, in, *kernel): fan_in = in * prod(kernel), fan_out = out * prod(kernel).

- Glorot / Xavier: Var(w) = gain^2 * 2 / (fan_in + fan_out)
  uniform on [-a, a] with a = gain * sqrt(6 / (fan_in + fan_out)), or normal with that variance.
- He / Kaiming: Var(w) = gain^2 / fan (fan = fan_in or fan_out, ``mode``),
  gain = sqrt(2 / (1 + a^2)) for (leaky) ReLU; uniform bound = gain * sqrt(3 / fan).
- LeCun: Var(w) = 1 / fan_in (the SELU initialisation).

All draw from rosenblatt's seeded generator and modify the tensor in place.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..random import get_rng
from ..tensor import Tensor

__all__ = [
    "INITIALISERS",
    "calculate_gain",
    "constant_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "lecun_normal_",
    "normal_",
    "ones_",
    "orthogonal_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table)."""
    linear = (
        "linear",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
        "sigmoid",
        "identity",
    )
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(
            f"fan in and fan out can not be computed for a tensor with fewer than 2 dimensions "
            f"(shape {shape})"
        )
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    tensor._data[...] = values.astype(tensor._data.dtype, copy=False)
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """w ~ U(a, b)"""
    return _fill(tensor, get_rng().uniform(a, b, tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """w ~ N(mean, std^2)"""
    return _fill(tensor, get_rng().normal(mean, std, tensor.shape))


def trunc_normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0
) -> Tensor:
    """w ~ N(mean, std^2) truncated to [a, b] (by rejection)."""
    rng = get_rng()
    out = rng.normal(mean, std, tensor.shape)
    bad = (out < a) | (out > b)
    while bad.any():
        out[bad] = rng.normal(mean, std, int(bad.sum()))
        bad = (out < a) | (out > b)
    return _fill(tensor, out)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """w = val"""
    tensor._data[...] = val
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    """w = 0 (the course's warning: zero init makes all hidden units learn the same thing)"""
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def eye_(tensor: Tensor) -> Tensor:
    if tensor.ndim != 2:
        raise ValueError("eye_ needs a 2-D tensor")
    return _fill(tensor, np.eye(*tensor.shape))


def orthogonal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian matrix."""
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = get_rng().standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot uniform: w ~ U(-a, a), a = gain sqrt(6 / (fan_in + fan_out))"""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -a, a)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot normal: w ~ N(0, std^2), std = gain sqrt(2 / (fan_in + fan_out))"""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Tensor:
    """He uniform: w ~ U(-b, b), b = gain sqrt(3 / fan), gain = sqrt(2 / (1 + a^2))"""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(
    tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Tensor:
    """He normal: w ~ N(0, std^2), std = gain / sqrt(fan)"""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity))


def lecun_normal_(tensor: Tensor) -> Tensor:
    """LeCun normal: w ~ N(0, 1 / fan_in) (for SELU networks)"""
    fan_in, _ = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, 1.0 / math.sqrt(fan_in))


def _small_normal_(tensor: Tensor) -> Tensor:
    """Small random weights, w ~ N(0, 0.01^2) (the decks' "random" initialisation)."""
    return normal_(tensor, 0.0, 0.01)


#: Initialisers of a weight by name, with Keras's and the decks' aliases: the one registry
#: that the estimators, recipes and the playground use.
INITIALISERS: dict[str, Any] = {
    "xavier_uniform": xavier_uniform_,  # Glorot: U(+-sqrt(6/(fan_in+fan_out)))
    "xavier_normal": xavier_normal_,  # Glorot: N(0, 2/(fan_in+fan_out))
    "glorot_uniform": xavier_uniform_,
    "glorot_normal": xavier_normal_,
    "kaiming_uniform": kaiming_uniform_,  # He: U(+-sqrt(6/fan_in))
    "kaiming_normal": kaiming_normal_,  # He: N(0, 2/fan_in)
    "he_uniform": kaiming_uniform_,
    "he_normal": kaiming_normal_,
    "lecun_normal": lecun_normal_,  # LeCun: N(0, 1/fan_in)
    "lecun": lecun_normal_,
    "normal": _small_normal_,
    "random": _small_normal_,
    "zeros": zeros_,  # the deck's warning: every unit learns the same
    "zero": zeros_,
}


def _by_name(name: str) -> Any:
    """Initialiser by a recipe name: 'xavier_uniform', 'glorot_normal', 'he_uniform', ..."""
    if name not in INITIALISERS:
        raise ValueError(f"unknown initialisation {name!r}; one of {sorted(INITIALISERS)}")
    return INITIALISERS[name]
