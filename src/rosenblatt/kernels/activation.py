"""Activations: bias + activation forward, and the derivative times the incoming gradient.

Forward, y = act(z + b) (b optional), and backward, dL/dz = dL/dy * act'(.), each in ONE
pass over memory, for

    relu:        y = max(z, 0)                  act' = 1 if y > 0 else 0
    leaky_relu:  y = z if z > 0 else a z        act' = 1 if z > 0 else a
    tanh:        y = tanh(z)                    act' = 1 - y^2
    sigmoid:     y = 1 / (1 + e^-z)             act' = y (1 - y)

The derivative is taken through the output y where the course does (sigmoid, tanh, relu),
through the input z for leaky_relu (a may be negative, then y > 0 does not mean z > 0).

The NumPy references do the same arithmetic in the same order as the kernels, so relu,
leaky_relu and every backward are bit-identical; tanh and sigmoid forward use the
vectorised float32 exp of ``_math`` (within 1e-7 of NumPy's) and run on float32 only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._jit import SMALL, flat, kernel, launch, prange, usable
from ._math import sigmoid32, tanh32

__all__ = [
    "ACTIVATIONS",
    "act_backward",
    "act_backward_reference",
    "act_forward",
    "act_forward_reference",
    "bias_act",
    "bias_act_reference",
    "sigmoid_reference",
]

IDENTITY, RELU, LEAKY_RELU, TANH, SIGMOID = range(5)
#: activation name -> code passed to the kernels
ACTIVATIONS = {
    None: IDENTITY,
    "identity": IDENTITY,
    "relu": RELU,
    "leaky_relu": LEAKY_RELU,
    "tanh": TANH,
    "sigmoid": SIGMOID,
}
_FLOAT32_ONLY = (TANH, SIGMOID)  # kernels that compute exp/tanh in float32


# ---------------------------------------------------------------------- references
def _act_reference(z: np.ndarray, act: int, slope: Any, out: np.ndarray | None) -> np.ndarray:
    """y = act(z), into ``out`` when given (``out`` may be ``z``)."""
    if act == IDENTITY:
        if out is None:
            return z.copy()
        if out is not z:
            out[...] = z
        return out
    if act == RELU:
        return np.maximum(z, 0, out=out)
    if act == LEAKY_RELU:
        return np.where(z > 0, z, slope * z) if out is None else _into(out, z, slope)
    if act == TANH:
        return np.tanh(z, out=out)
    return sigmoid_reference(z, out).astype(z.dtype, copy=False)


def sigmoid_reference(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """1 / (1 + e^-z) without overflow: e^min(z, 0) / (1 + e^-|z|) (float for integer z)."""
    e = np.exp(-np.abs(z))
    return np.divide(np.where(z >= 0, 1, e), 1 + e, out=out)


def _into(out: np.ndarray, z: np.ndarray, slope: Any) -> np.ndarray:
    out[...] = np.where(z > 0, z, slope * z)
    return out


def bias_act_reference(z: np.ndarray, b: np.ndarray | None, act: int, slope: Any = 0.0):  # noqa: ANN201
    """y = act(z + b), written over z (the fresh output of a matrix product)."""
    if b is not None:
        z += b
    return _act_reference(z, act, slope, z)


def act_forward_reference(z: np.ndarray, act: int, slope: Any = 0.0) -> np.ndarray:
    """y = act(z), a new array."""
    return _act_reference(z, act, slope, None)


def act_backward_reference(g: Any, s: Any, act: int, slope: Any = 0.0) -> Any:
    """dL/dz = g * act', ``s`` the saved output y (the input z for leaky_relu).

    Written with operators only, so it also runs on Tensors (double backward)."""
    if act == IDENTITY:
        return g
    if act == RELU:
        return g * (s > 0)
    if act == LEAKY_RELU:
        if isinstance(s, np.ndarray):
            return np.where(s > 0, g, slope * g)
        return g * (s > 0) + (g * slope) * (s <= 0)  # Tensors (double backward)
    if act == TANH:
        return g * (1 - s * s)
    return g * s * (1 - s)  # sigmoid


# ---------------------------------------------------------------------- kernels
@kernel
def _bias_act_rows(z, b, act, slope):  # noqa: ANN001, ANN202
    """z[i, j] = act(z[i, j] + b[j]) in place, rows shared by the threads."""
    rows, cols = z.shape
    for i in prange(rows):
        for j in range(cols):
            v = z[i, j] + b[j]
            if act == RELU:  # as np.maximum(v, 0): +0 for -0, NaN stays NaN
                z[i, j] = 0 if v <= 0 else v
            elif act == LEAKY_RELU:
                z[i, j] = v if v > 0 else slope * v
            elif act == TANH:
                z[i, j] = tanh32(v)
            elif act == SIGMOID:
                z[i, j] = sigmoid32(v)
            else:
                z[i, j] = v


# One small kernel per activation and direction (numba compiles only those a model uses).
@kernel
def _relu(z, y):  # noqa: ANN001, ANN202
    """y = max(z, 0) (as np.maximum: +0 for -0, NaN stays NaN)."""
    for i in prange(z.size):
        y[i] = 0 if z[i] <= 0 else z[i]


@kernel
def _leaky_relu(z, y, slope):  # noqa: ANN001, ANN202
    """y = z if z > 0 else a z."""
    for i in prange(z.size):
        y[i] = z[i] if z[i] > 0 else slope * z[i]


@kernel
def _tanh(z, y):  # noqa: ANN001, ANN202
    """y = tanh(z) (float32, ``_math.tanh32``)."""
    for i in prange(z.size):
        y[i] = tanh32(z[i])


@kernel
def _sigmoid(z, y):  # noqa: ANN001, ANN202
    """y = 1 / (1 + e^-z) (float32, ``_math.sigmoid32``)."""
    for i in prange(z.size):
        y[i] = sigmoid32(z[i])


@kernel
def _relu_grad(g, y, out):  # noqa: ANN001, ANN202
    """out = g * (y > 0) (g * 0 where y <= 0, as the reference: NaN stays NaN)."""
    for i in prange(g.size):
        out[i] = g[i] if y[i] > 0 else g[i] * 0


@kernel
def _leaky_relu_grad(g, z, out, slope):  # noqa: ANN001, ANN202
    """out = g if z > 0 else a g."""
    for i in prange(g.size):
        out[i] = g[i] if z[i] > 0 else slope * g[i]


@kernel
def _tanh_grad(g, y, out):  # noqa: ANN001, ANN202
    """out = g * (1 - y^2)."""
    one = g.dtype.type(1)  # a literal 1 would make the arithmetic float64
    for i in prange(g.size):
        out[i] = g[i] * (one - y[i] * y[i])


@kernel
def _sigmoid_grad(g, y, out):  # noqa: ANN001, ANN202
    """out = g * y * (1 - y)."""
    one = g.dtype.type(1)
    for i in prange(g.size):
        out[i] = g[i] * y[i] * (one - y[i])


_FORWARD = {RELU: _relu, LEAKY_RELU: _leaky_relu, TANH: _tanh, SIGMOID: _sigmoid}
_BACKWARD = {RELU: _relu_grad, LEAKY_RELU: _leaky_relu_grad, TANH: _tanh_grad,
             SIGMOID: _sigmoid_grad}  # fmt: skip


# ---------------------------------------------------------------------- what ops call
def _kernel_ok(act: int, *arrays: Any) -> bool:
    """Kernels on, float arrays of one dtype, large enough (below ``SMALL`` elements one or
    two NumPy calls cost less than preparing the kernel call), float32 for tanh/sigmoid."""
    if arrays[0].size < SMALL or not usable(*arrays):
        return False
    char = arrays[0].dtype.char
    if any(a.dtype.char != char for a in arrays):
        return False
    return char == "f" or act not in _FLOAT32_ONLY


def bias_act(z: np.ndarray, b: np.ndarray | None, act: int, slope: Any = 0.0) -> np.ndarray:
    """y = act(z + b), written over z (C-contiguous (N, F)), b (F,) or None; one pass."""
    if z.size < SMALL:  # the common case of tiny networks first: no further checks
        return bias_act_reference(z, b, act, slope)
    if b is None or z.ndim != 2 or b.ndim != 1 or not z.flags.c_contiguous:
        if b is not None:
            z += b
        return act_forward(z, act, slope, out=z)
    if not _kernel_ok(act, z, b) or not b.flags.c_contiguous:
        return bias_act_reference(z, b, act, slope)
    launch(_bias_act_rows, z.size, z, b, act, z.dtype.type(slope))
    return z


def act_forward(
    z: np.ndarray, act: int, slope: Any = 0.0, out: np.ndarray | None = None
) -> np.ndarray:
    """y = act(z) in one pass (a new array, or ``out``)."""
    if z.size >= SMALL and act != IDENTITY and _kernel_ok(act, z):
        y = np.empty_like(z) if out is None else out
        fz: np.ndarray | None
        fy: np.ndarray | None
        if z.flags.c_contiguous and y.flags.c_contiguous:
            fz, fy = z.reshape(-1), y.reshape(-1)
        else:
            fz, fy = flat(z), flat(y)
        if fz is not None and fy is not None and y.strides == z.strides:
            extra = (z.dtype.type(slope),) if act == LEAKY_RELU else ()
            launch(_FORWARD[act], z.size, fz, fy, *extra)
            return y
    return _act_reference(z, act, slope, out)


def act_backward(g: Any, s: Any, act: int, slope: Any = 0.0) -> Any:
    """dL/dz = g * act' in one pass; Tensors (double backward) take the reference."""
    if (
        type(g) is np.ndarray
        and g.size >= SMALL
        and act != IDENTITY
        and g.shape == s.shape
        and _kernel_ok(act, g, s)
    ):
        out = np.empty_like(s)
        flats: tuple[np.ndarray | None, ...]
        if g.flags.c_contiguous and s.flags.c_contiguous and out.flags.c_contiguous:
            flats = (g.reshape(-1), s.reshape(-1), out.reshape(-1))
        else:
            flats = (flat(g), flat(s), flat(out))
        if all(f is not None for f in flats) and g.strides == s.strides == out.strides:
            extra = (g.dtype.type(slope),) if act == LEAKY_RELU else ()
            launch(_BACKWARD[act], g.size, *flats, *extra)
            return out
    return act_backward_reference(g, s, act, slope)
