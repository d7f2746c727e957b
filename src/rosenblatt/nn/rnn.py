"""Recurrent layers with PyTorch's names, shapes and parameter layout: RNN, LSTM and cells.

Each layer of a sequence model is one fused graph node (``rosenblatt.ops.recurrent``), so
a 10 000-step sequence is a handful of nodes and backpropagation through time is a loop
inside that node's backward.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..ops import stack
from ..ops.recurrent import LSTMLayer, RNNLayer
from ..tensor import Tensor, _as_dtype
from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = ["LSTM", "RNN", "LSTMCell", "RNNCell"]


def _constant(shape: tuple[int, ...], dtype: np.dtype) -> Tensor:
    return Tensor._make(np.zeros(shape, dtype=dtype), None)


def _as_input(input: Any, dtype: np.dtype) -> Tensor:
    x = input if isinstance(input, Tensor) else Tensor(input)
    return x if x.dtype == dtype else x.astype(dtype)


class _RNNBase(Module):
    """Stacked recurrent layers; parameters weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k},
    bias_hh_l{k}, all initialised U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) as PyTorch."""

    _gates = 1

    @property
    def _dtype(self) -> np.dtype:
        """The dtype of the weights (weight_ih_l0 comes first), which inputs are cast to."""
        return next(self.parameters()).dtype

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if bidirectional:
            raise NotImplementedError(f"{name}: bidirectional=True is not supported")
        if input_size < 1 or hidden_size < 1 or num_layers < 1:
            raise ValueError(
                f"{name}: input_size, hidden_size and num_layers must be positive, got "
                f"{input_size}, {hidden_size}, {num_layers}"
            )
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{name}: dropout must be in [0, 1], got {dropout}")
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        self.num_layers, self.bias, self.batch_first = int(num_layers), bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        dt = _as_dtype(dtype) or np.dtype(np.float32)
        rows = self._gates * self.hidden_size
        for k in range(self.num_layers):
            cols = self.input_size if k == 0 else self.hidden_size
            setattr(self, f"weight_ih_l{k}", Parameter(np.empty((rows, cols), dtype=dt)))
            setattr(self, f"weight_hh_l{k}", Parameter(np.empty((rows, self.hidden_size), dt)))
            if bias:
                setattr(self, f"bias_ih_l{k}", Parameter(np.empty(rows, dtype=dt)))
                setattr(self, f"bias_hh_l{k}", Parameter(np.empty(rows, dtype=dt)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def flatten_parameters(self) -> None:
        """No-op, for PyTorch compatibility (the weights are always contiguous here)."""

    def _layer_params(self, k: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        w_ih, w_hh = getattr(self, f"weight_ih_l{k}"), getattr(self, f"weight_hh_l{k}")
        if self.bias:
            return w_ih, w_hh, getattr(self, f"bias_ih_l{k}"), getattr(self, f"bias_hh_l{k}")
        zero = _constant((w_ih.shape[0],), w_ih.dtype)
        return w_ih, w_hh, zero, zero

    def _prepare(self, input: Any) -> tuple[Tensor, bool, int, int]:
        """Check the input; returns (x, unbatched, T, N) with an unbatched (T, I) made (T, 1, I)."""
        x = _as_input(input, self._dtype)
        name = type(self).__name__
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            layout = "(N, T, input_size)" if self.batch_first else "(T, N, input_size)"
            raise ValueError(
                f"{name}(input_size={self.input_size}): expected input {layout} or "
                f"(T, input_size) with input_size={self.input_size}, got shape {x.shape}"
            )
        if x.ndim == 2:
            return x.reshape(x.shape[0], 1, x.shape[1]), True, x.shape[0], 1
        steps, n = (x.shape[1], x.shape[0]) if self.batch_first else x.shape[:2]
        return x, False, steps, n

    def _initial(self, hx: Any, n: int, unbatched: bool, what: str) -> list[Tensor]:
        """Per-layer initial states (N, H) from hx (L, N, H) (or (L, H)); zeros if None."""
        dt = self._dtype
        shape = (self.num_layers, n, self.hidden_size)
        if hx is None:
            return [_constant(shape[1:], dt)] * self.num_layers
        h = _as_input(hx, dt)
        expected = (self.num_layers, self.hidden_size) if unbatched else shape
        if h.shape != expected:
            raise ValueError(
                f"{type(self).__name__}: expected {what} of shape {expected} "
                f"(num_layers, batch, hidden_size), got {h.shape}"
            )
        if unbatched:
            h = h.reshape(shape)
        return [h[k] for k in range(self.num_layers)]

    def _between_layers(self, out: Tensor, k: int) -> Tensor:
        if k < self.num_layers - 1 and self.dropout > 0:
            return F.dropout(out, self.dropout, self.training)
        return out

    @staticmethod
    def _unbatch(unbatched: bool, out: Tensor, *states: Tensor) -> tuple[Tensor, ...]:
        """Drop the batch dimension of size 1 again: (T, 1, H) -> (T, H), (L, 1, H) -> (L, H)."""
        if not unbatched:
            return (out, *states)
        return tuple(t.reshape(t.shape[0], t.shape[2]) for t in (out, *states))

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        return s


class RNN(_RNNBase):
    """Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act = tanh or relu.

    Parameters
    ----------
    input_size, hidden_size : int
    num_layers : int
        Stacked layers; layer k > 0 reads the outputs of layer k - 1.
    nonlinearity : {"tanh", "relu"}
    bias : bool
    batch_first : bool
        Input and output are (N, T, features) instead of (T, N, features).
    dropout : float
        Dropout on the outputs of every layer but the last (training only).
    dtype : NumPy dtype, optional (float32)

    Shapes: input (T, N, input_size) (or (N, T, ...), or unbatched (T, input_size)),
    h0 (num_layers, N, hidden_size) -> output (T, N, hidden_size) (the last layer's h_t),
    h_n (num_layers, N, hidden_size). Parameters: weight_ih_l{k} (hidden, in),
    weight_hh_l{k} (hidden, hidden), bias_ih_l{k}, bias_hh_l{k} (hidden,), all initialised
    U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype
        )
        self.nonlinearity = nonlinearity

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        x, unbatched, steps, n = self._prepare(input)
        h0 = self._initial(hx, n, unbatched, "hx")
        bf = self.batch_first and not unbatched
        last = []
        for k in range(self.num_layers):
            out = RNNLayer.apply(
                x, h0[k], *self._layer_params(k), nonlinearity=self.nonlinearity, batch_first=bf
            )
            last.append(out[:, steps - 1] if bf else out[steps - 1])
            x = self._between_layers(out, k)
        out, h_n = self._unbatch(unbatched, out, stack(last))
        return out, h_n


class LSTM(_RNNBase):
    """Long short-term memory: gates i, f, o = sigmoid(.), g = tanh(.) of
    x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh; c_t = f c_{t-1} + i g; h_t = o tanh(c_t).

    Parameters
    ----------
    input_size, hidden_size : int
    num_layers : int
    bias : bool
    batch_first : bool
        Input and output are (N, T, features) instead of (T, N, features).
    dropout : float
        Dropout on the outputs of every layer but the last (training only).
    dtype : NumPy dtype, optional (float32)

    Shapes: input (T, N, input_size) (or (N, T, ...), or unbatched (T, input_size)),
    optional (h0, c0) each (num_layers, N, hidden_size) -> (output, (h_n, c_n)) with output
    (T, N, hidden_size) and h_n, c_n (num_layers, N, hidden_size). Parameters (PyTorch's
    layout, gate rows in the order i, f, g, o): weight_ih_l{k} (4 hidden, in),
    weight_hh_l{k} (4 hidden, hidden), bias_ih_l{k}, bias_hh_l{k} (4 hidden,), all
    initialised U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
    """

    _gates = 4

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        dtype: Any = None,
    ) -> None:
        if proj_size:
            raise NotImplementedError("LSTM: proj_size > 0 is not supported")
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype
        )

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        x, unbatched, steps, n = self._prepare(input)
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise ValueError("LSTM: hx must be a tuple (h0, c0)")
        h0 = self._initial(None if hx is None else hx[0], n, unbatched, "h0")
        c0 = self._initial(None if hx is None else hx[1], n, unbatched, "c0")
        bf = self.batch_first and not unbatched
        hs, cs = [], []
        for k in range(self.num_layers):
            packed = LSTMLayer.apply(x, h0[k], c0[k], *self._layer_params(k), batch_first=bf)
            if bf:  # packed rows along time: h_1 ... h_T, c_T
                out, h_n, c_n = packed[:, :steps], packed[:, steps - 1], packed[:, steps]
            else:
                out, h_n, c_n = packed[:steps], packed[steps - 1], packed[steps]
            hs.append(h_n)
            cs.append(c_n)
            x = self._between_layers(out, k)
        out, h_n, c_n = self._unbatch(unbatched, out, stack(hs), stack(cs))
        return out, (h_n, c_n)


class _CellBase(Module):
    """One recurrent step; parameters weight_ih, weight_hh, bias_ih, bias_hh."""

    _gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool, dtype: Any) -> None:
        super().__init__()
        if input_size < 1 or hidden_size < 1:
            raise ValueError(
                f"{type(self).__name__}: input_size and hidden_size must be positive, got "
                f"{input_size} and {hidden_size}"
            )
        self.input_size, self.hidden_size, self.bias = int(input_size), int(hidden_size), bias
        dt = _as_dtype(dtype) or np.dtype(np.float32)
        rows = self._gates * self.hidden_size
        self.weight_ih = Parameter(np.empty((rows, self.input_size), dtype=dt))
        self.weight_hh = Parameter(np.empty((rows, self.hidden_size), dtype=dt))
        if bias:
            self.bias_ih = Parameter(np.empty(rows, dtype=dt))
            self.bias_hh = Parameter(np.empty(rows, dtype=dt))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _params(self) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        if self.bias:
            return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh
        zero = _constant((self.weight_ih.shape[0],), self.weight_ih.dtype)
        return self.weight_ih, self.weight_hh, zero, zero

    def _prepare(self, input: Any) -> tuple[Tensor, bool]:
        """(N, input_size) as one step (1, N, input_size); an unbatched (input_size,) gets N = 1."""
        x = _as_input(input, self.weight_ih.dtype)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(
                f"{type(self).__name__}(input_size={self.input_size}): expected input "
                f"(N, {self.input_size}) or ({self.input_size},), got shape {x.shape}"
            )
        return x.reshape(1, -1, self.input_size), x.ndim == 1

    def _state(self, h: Any, n: int, unbatched: bool, what: str) -> Tensor:
        dt = self.weight_ih.dtype
        if h is None:
            return _constant((n, self.hidden_size), dt)
        h = _as_input(h, dt)
        expected = (self.hidden_size,) if unbatched else (n, self.hidden_size)
        if h.shape != expected:
            raise ValueError(
                f"{type(self).__name__}: expected {what} of shape {expected}, got {h.shape}"
            )
        return h.reshape(n, self.hidden_size)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_CellBase):
    """One Elman step: h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = tanh or relu.

    Shapes: input (N, input_size) or (input_size,), hx (N, hidden_size) (zeros if None)
    -> h' (N, hidden_size). Parameters weight_ih (hidden, in), weight_hh (hidden, hidden),
    bias_ih, bias_hh, initialised U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}"
            )
        super().__init__(input_size, hidden_size, bias, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Any, hx: Any = None) -> Tensor:
        x, unbatched = self._prepare(input)
        h = self._state(hx, x.shape[1], unbatched, "hx")
        out = RNNLayer.apply(x, h, *self._params(), nonlinearity=self.nonlinearity)
        return out.reshape(-1) if unbatched else out[0]

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s + (f", nonlinearity={self.nonlinearity}" if self.nonlinearity != "tanh" else "")


class LSTMCell(_CellBase):
    """One LSTM step: i, f, o = sigmoid(.), g = tanh(.) of x W_ih^T + b_ih + h W_hh^T + b_hh;
    c' = f c + i g; h' = o tanh(c').

    Shapes: input (N, input_size) or (input_size,), hx = (h, c) each (N, hidden_size)
    (zeros if None) -> (h', c'). Parameters weight_ih (4 hidden, in), weight_hh
    (4 hidden, hidden), bias_ih, bias_hh (gate rows i, f, g, o), initialised
    U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
    """

    _gates = 4

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, dtype: Any = None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        x, unbatched = self._prepare(input)
        n = x.shape[1]
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise ValueError("LSTMCell: hx must be a tuple (h, c)")
        h = self._state(None if hx is None else hx[0], n, unbatched, "h")
        c = self._state(None if hx is None else hx[1], n, unbatched, "c")
        packed = LSTMLayer.apply(x, h, c, *self._params())  # (2, N, H): h', c'
        if unbatched:
            return packed[0].reshape(-1), packed[1].reshape(-1)
        return packed[0], packed[1]
