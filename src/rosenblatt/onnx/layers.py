"""One converter per layer: the layer's formula as ONNX operators, in evaluation mode.

A converter takes the graph, the layer, the name of its input and the input itself (the
example run through the layers before it, so shapes are known) and returns the name of
its output. Where ONNX has the layer as one operator it is used with the layer's
attributes (Gemm, Conv, MaxPool, BatchNormalization, Elu, LSTM ...); the others are
written from primitives with the same formula as rosenblatt's (GELU's erf form, softplus
with beta and threshold, the Heaviside step).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import nn
from ..ops.activation import SELU_ALPHA, SELU_SCALE
from ..ops.conv import _avg_divisor, _padding4, _pool_args
from ..tensor import Tensor
from ._graph import Graph

Converter = Callable[[Graph, Any, str, np.ndarray], Any]
CONVERTERS: dict[type, Converter] = {}


def converts(*classes: type) -> Callable[[Converter], Converter]:
    def register(fn: Converter) -> Converter:
        for cls in classes:
            CONVERTERS[cls] = fn
        return fn

    return register


def _array(t: Any) -> np.ndarray:
    return np.asarray(t._data if isinstance(t, Tensor) else t)


# ----------------------------------------------------------------------------- linear
@converts(nn.Linear)
def linear(g: Graph, m: Any, x: str, ex: np.ndarray) -> str:
    """y = x W^T + b: Gemm(transB=1) for a batch of vectors, MatMul + Add otherwise."""
    w = g.const(_array(m.weight), "weight")
    b = None if m.bias is None else g.const(_array(m.bias), "bias")
    if ex.ndim == 2:
        return g.node("Gemm", [x, w] + ([b] if b else []), "linear", transB=1)
    wt = g.const(_array(m.weight).T, "weight_t")
    y = g.node("MatMul", [x, wt], "matmul")
    return g.node("Add", [y, b], "linear") if b else y


@converts(nn.Identity, nn.Dropout)
def identity(g: Graph, m: Any, x: str, ex: np.ndarray) -> str:
    """Dropout is the identity in evaluation mode (inverted dropout scales while training)."""
    return g.node("Identity", [x], "identity")


# ----------------------------------------------------------------------------- activations
@converts(nn.ReLU)
def relu(g: Graph, m: Any, x: str, ex: np.ndarray) -> str:
    return g.node("Relu", [x], "relu")


@converts(nn.Sigmoid)
def sigmoid(g: Graph, m: Any, x: str, ex: np.ndarray) -> str:
    return g.node("Sigmoid", [x], "sigmoid")


@converts(nn.Tanh)
def tanh(g: Graph, m: Any, x: str, ex: np.ndarray) -> str:
    return g.node("Tanh", [x], "tanh")


@converts(nn.LeakyReLU)
def leaky_relu(g: Graph, m: Any, x: str, ex: np.ndarray) -> str:
    return g.node("LeakyRelu", [x], "leaky_relu", alpha=float(m.negative_slope))


@converts(nn.ELU)
def elu(g: Graph, m: Any, x: str, ex: np.ndarray) -> str:
    return g.node("Elu", [x], "elu", alpha=float(m.alpha))


@converts(nn.SELU)
def selu(g: Graph, m: Any, x: str, ex: np.ndarray) -> str:
    return g.node("Selu", [x], "selu", alpha=SELU_ALPHA, gamma=SELU_SCALE)


@converts(nn.GELU)
def gelu(g: Graph, m: Any, x: str, ex: np.ndarray) -> str:
    """x Phi(x) = x/2 (1 + erf(x/sqrt 2)); or x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    half = g.node("Mul", [x, g.const(0.5, "half")], "gelu_half")
    if m.approximate == "tanh":
        cube = g.node("Mul", [g.node("Mul", [x, x], "x2"), x], "x3")
        inner = g.node("Add", [x, g.node("Mul", [cube, g.const(0.044715, "c")], "cx3")], "u")
        arg = g.node("Mul", [inner, g.const(math.sqrt(2 / math.pi), "k")], "ku")
        curve = g.node("Tanh", [arg], "tanh")
    else:
        curve = g.node("Erf", [g.node("Div", [x, g.const(math.sqrt(2.0), "sqrt2")], "z")], "erf")
    return g.node("Mul", [half, g.node("Add", [curve, g.const(1.0, "one")], "1p")], "gelu")


@converts(nn.Softplus)
def softplus(g: Graph, m: Any, x: str, ex: np.ndarray) -> str:
    """ln(1 + e^(beta x)) / beta, and x itself where beta x > threshold."""
    bx = g.node("Mul", [x, g.const(float(m.beta), "beta")], "bx")
    soft = g.node("Div", [g.node("Softplus", [bx], "sp"), g.const(float(m.beta), "beta")], "spb")
    linear = g.node("Greater", [bx, g.const(float(m.threshold), "threshold")], "linear_part")
    return g.node("Where", [linear, x, soft], "softplus")


@converts(nn.Step)
def step(g: Graph, m: Any, x: str, ex: np.ndarray) -> str:
    """1 where x > 0, 0 where x < 0, ``value`` at 0 exactly."""
    zero, one = g.const(0.0, "zero"), g.const(1.0, "one")
    pos = g.node("Where", [g.node("Greater", [x, zero], "gt"), one, zero], "pos")
    at_zero = g.node("Equal", [x, zero], "eq")
    return g.node("Where", [at_zero, g.const(float(m.value), "value"), pos], "step")


@converts(nn.Softmax, nn.LogSoftmax)
def softmax(g: Graph, m: Any, x: str, ex: np.ndarray) -> str:
    dim = m.dim if m.dim is not None else (0 if ex.ndim in (0, 1, 3) else 1)
    op = "Softmax" if isinstance(m, nn.Softmax) else "LogSoftmax"
    return g.node(op, [x], op.lower(), axis=int(dim))


# ----------------------------------------------------------------------------- shapes
@converts(nn.Flatten)
def flatten(g: Graph, m: Any, x: str, ex: np.ndarray) -> str:
    """Flatten(axis=1) for the usual (start 1, end -1); a Reshape keeping the batch else."""
    start, end = m.start_dim % ex.ndim, m.end_dim % ex.ndim
    if start == 1 and end == ex.ndim - 1:
        return g.node("Flatten", [x], "flatten", axis=1)
    if start == 0:
        raise ValueError("rb.onnx.export: Flatten(start_dim=0) merges the batch dimension")
    shape = [0, *ex.shape[1:start], -1, *ex.shape[end + 1 :]]
    return g.node("Reshape", [x, g.const(np.array(shape, np.int64), "shape")], "flatten")


# ----------------------------------------------------------------------------- normalisation
@converts(nn.BatchNorm1d, nn.BatchNorm2d)
def batch_norm(g: Graph, m: Any, x: str, ex: np.ndarray) -> str:
    """(x - running_mean) / sqrt(running_var + eps) * weight + bias, per channel (axis 1)."""
    if not m.track_running_stats:
        raise ValueError(
            f"rb.onnx.export: {type(m).__name__}(track_running_stats=False) normalises with "
            "each batch's statistics even in evaluation mode; ONNX has no such layer"
        )
    c = m.num_features
    scale = _array(m.weight) if m.affine else np.ones(c)
    shift = _array(m.bias) if m.affine else np.zeros(c)
    inputs = [x] + [
        g.const(v, name)
        for v, name in (
            (scale, "bn_scale"),
            (shift, "bn_shift"),
            (_array(m.running_mean), "bn_mean"),
            (_array(m.running_var), "bn_var"),
        )
    ]
    return g.node("BatchNormalization", inputs, "batch_norm", epsilon=float(m.eps))


# ----------------------------------------------------------------------------- convolution
def _images(g: Graph, x: str, ex: np.ndarray) -> tuple[str, bool]:
    """An unbatched (C, H, W) image gets a batch axis (removed after the layer)."""
    if ex.ndim == 3:
        return g.node("Unsqueeze", [x, g.const(np.array([0], np.int64), "axis0")], "batched"), True
    return x, False


def _unbatch(g: Graph, y: str, unbatched: bool) -> str:
    if not unbatched:
        return y
    return g.node("Squeeze", [y, g.const(np.array([0], np.int64), "axis0")], "unbatched")


@converts(nn.Conv2d)
def conv2d(g: Graph, m: Any, x: str, ex: np.ndarray) -> str:
    """Cross-correlation with the layer's stride, dilation and zero padding ('same' pads
    the extra row/column at the bottom/right, as PyTorch)."""
    x, unbatched = _images(g, x, ex)
    kh, kw = m.kernel_size
    dh, dw = m.dilation
    if m.padding == "valid":
        top = bottom = left = right = 0
    elif m.padding == "same":
        th, tw = dh * (kh - 1), dw * (kw - 1)
        top, bottom, left, right = th // 2, th - th // 2, tw // 2, tw - tw // 2
    else:
        top, bottom, left, right = _padding4(m.padding, "Conv2d")
    inputs = [x, g.const(_array(m.weight), "conv_weight")]
    if m.bias is not None:
        inputs.append(g.const(_array(m.bias), "conv_bias"))
    y = g.node(
        "Conv", inputs, "conv", kernel_shape=[kh, kw], strides=list(m.stride),
        dilations=[dh, dw], pads=[top, left, bottom, right], group=int(m.groups),
    )  # fmt: skip
    return _unbatch(g, y, unbatched)


def _batched_example(ex: np.ndarray) -> Tensor:
    return Tensor._make(ex[None] if ex.ndim == 3 else ex, None)


@converts(nn.MaxPool2d)
def max_pool2d(g: Graph, m: Any, x: str, ex: np.ndarray) -> str:
    """Maximum over each window; the pads (with ceil_mode's extra ones) are -inf."""
    k, s, pad, d = _pool_args(
        "MaxPool2d", _batched_example(ex), m.kernel_size, m.stride, m.padding, m.dilation,
        m.ceil_mode,
    )  # fmt: skip
    x, unbatched = _images(g, x, ex)
    y = g.node(
        "MaxPool", [x], "max_pool", kernel_shape=list(k), strides=list(s), dilations=list(d),
        pads=[pad[0], pad[2], pad[1], pad[3]],
    )  # fmt: skip
    return _unbatch(g, y, unbatched)


@converts(nn.AvgPool2d)
def avg_pool2d(g: Graph, m: Any, x: str, ex: np.ndarray) -> str:
    """The window's sum over rosenblatt's divisor: AveragePool counting the padding (sum /
    kernel area), times area / divisor per output pixel -- PyTorch's count_include_pad,
    ceil_mode and divisor_override all fall out of the divisor."""
    xb = _batched_example(ex)
    k, s, pad, _ = _pool_args("AvgPool2d", xb, m.kernel_size, m.stride, m.padding, 1, m.ceil_mode)
    if m.divisor_override is not None:
        divisor = np.asarray(float(m.divisor_override))
    else:
        sym = _padding4(m.padding, "AvgPool2d")
        divisor = _avg_divisor(ex.shape[-2:], k, s, sym, pad, m.count_include_pad)
    x, unbatched = _images(g, x, ex)
    y = g.node(
        "AveragePool", [x], "avg_sum", kernel_shape=list(k), strides=list(s),
        pads=[pad[0], pad[2], pad[1], pad[3]], count_include_pad=1,
    )  # fmt: skip
    factor = (k[0] * k[1]) / np.asarray(divisor, dtype=np.float64)
    if not np.allclose(factor, 1.0, rtol=0, atol=0):
        y = g.node("Mul", [y, g.const(factor, "avg_factor")], "avg_pool")
    return _unbatch(g, y, unbatched)


@converts(nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)
def adaptive_pool2d(g: Graph, m: Any, x: str, ex: np.ndarray) -> str:
    """Output size 1: the global pool; a size that divides the input: a plain pool."""
    h, w = ex.shape[-2:]
    out = m.output_size
    oh, ow = (out, out) if isinstance(out, int) else out
    oh, ow = h if oh is None else oh, w if ow is None else ow
    average = isinstance(m, nn.AdaptiveAvgPool2d)
    x, unbatched = _images(g, x, ex)
    if (oh, ow) == (1, 1):
        y = g.node("GlobalAveragePool" if average else "GlobalMaxPool", [x], "global_pool")
    elif h % oh == 0 and w % ow == 0:
        k = [h // oh, w // ow]
        y = g.node("AveragePool" if average else "MaxPool", [x], "pool", kernel_shape=k, strides=k)
    else:
        raise ValueError(
            f"rb.onnx.export: {type(m).__name__}({out}) of a {h}x{w} input has windows of "
            "different sizes; ONNX pools with one window size"
        )
    return _unbatch(g, y, unbatched)


# ----------------------------------------------------------------------------- recurrent
_LSTM_TO_ONNX = [0, 3, 1, 2]  # PyTorch's gate blocks i, f, g, o -> ONNX's i, o, f, c


def _gates(w: np.ndarray, gates: int) -> np.ndarray:
    if gates == 1:
        return w
    return np.concatenate([np.split(w, 4, axis=0)[i] for i in _LSTM_TO_ONNX], axis=0)


def recurrent(g: Graph, m: Any, x: str, ex: np.ndarray) -> tuple[str, ...]:
    """ONNX RNN / LSTM, one operator per layer; the states start at zero as in forward(x).

    Returns (output, h_n) for RNN, (output, h_n, c_n) for LSTM, shaped as rosenblatt's.
    """
    lstm = isinstance(m, nn.LSTM)
    gates, hidden = (4, m.hidden_size) if lstm else (1, m.hidden_size)
    unbatched = ex.ndim == 2
    axis = lambda i: g.const(np.array([i], np.int64), f"axis{i}")  # noqa: E731
    if unbatched:  # (T, F) -> (T, 1, F)
        x = g.node("Unsqueeze", [x, axis(1)], "batched")
    elif m.batch_first:  # (N, T, F) -> (T, N, F)
        x = g.node("Transpose", [x], "time_major", perm=[1, 0, 2])
    hs, cs = [], []
    for k in range(m.num_layers):
        w = _gates(_array(getattr(m, f"weight_ih_l{k}")), gates)[None]
        r = _gates(_array(getattr(m, f"weight_hh_l{k}")), gates)[None]
        inputs = [x, g.const(w, f"W_l{k}"), g.const(r, f"R_l{k}")]
        if m.bias:
            b_ih = _gates(_array(getattr(m, f"bias_ih_l{k}")), gates)
            b_hh = _gates(_array(getattr(m, f"bias_hh_l{k}")), gates)
            inputs.append(g.const(np.concatenate([b_ih, b_hh])[None], f"B_l{k}"))
        attrs: dict[str, Any] = {"hidden_size": hidden}
        if not lstm:
            attrs["activations"] = ["Relu" if m.nonlinearity == "relu" else "Tanh"]
        outs = g.node("LSTM" if lstm else "RNN", inputs, f"layer{k}", n_out=3 if lstm else 2,
                      **attrs)  # fmt: skip
        hs.append(outs[1])  # (1, N, H): the layer's last hidden state
        if lstm:
            cs.append(outs[2])
        x = g.node("Squeeze", [outs[0], axis(1)], f"out_l{k}")  # (T, 1, N, H) -> (T, N, H)
    states = [g.node("Concat", s, name, axis=0) if len(s) > 1 else s[0]
              for s, name in ((hs, "h_n"), (cs, "c_n")) if s]  # fmt: skip
    if unbatched:  # (T, 1, H) -> (T, H), (L, 1, H) -> (L, H)
        x = g.node("Squeeze", [x, axis(1)], "output")
        states = [g.node("Squeeze", [s, axis(1)], "state") for s in states]
    elif m.batch_first:
        x = g.node("Transpose", [x], "batch_major", perm=[1, 0, 2])
    return (x, *states)


CONVERTERS[nn.RNN] = recurrent
CONVERTERS[nn.LSTM] = recurrent
