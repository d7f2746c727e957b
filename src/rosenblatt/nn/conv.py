"""Convolution and pooling layers (LeNet-5: convolution, subsampling, convolution, ...)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..ops import conv as C
from ..ops.adaptive_pool import adaptive_avg_pool2d, adaptive_max_pool2d
from ..tensor import Tensor, _as_dtype
from . import init
from .module import Module, Parameter

__all__ = ["AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "AvgPool2d", "Conv2d", "MaxPool2d"]


class Conv2d(Module):
    """2-D convolution: y[n, o] = b[o] + sum_c W[o, c] (*) x[n, c] (cross-correlation).

    Computed as im2col + one matrix product (see ``rosenblatt.ops.conv``).

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size, stride, dilation : int or (int, int)
    padding : int, (int, int), "valid" or "same"
        Zero padding on both sides.
    groups : int
        Only 1 is supported.
    bias : bool
    padding_mode : str
        Only "zeros" is supported.
    dtype : NumPy dtype, optional (float32)

    Shapes: input (N, C_in, H, W) or (C_in, H, W) -> (N, C_out, OH, OW) with
    OH = floor((H + 2 padding - dilation (kernel - 1) - 1) / stride) + 1.

    Initialisation (PyTorch's): W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    fan_in = C_in * KH * KW (W by kaiming_uniform_ with a = sqrt(5)).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = "Conv2d"
        if groups != 1:
            raise NotImplementedError(f"{name}: only groups=1 is supported, got {groups}")
        if padding_mode != "zeros":
            raise NotImplementedError(f"{name}: only padding_mode='zeros' is supported")
        if in_channels < 1 or out_channels < 1:
            raise ValueError(
                f"{name}: in_channels and out_channels must be positive, "
                f"got {in_channels} and {out_channels}"
            )
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = C._positive(
            C._pair(kernel_size, "kernel_size", name), "kernel_size", name
        )
        self.stride = C._positive(C._pair(stride, "stride", name), "stride", name)
        self.dilation = C._positive(C._pair(dilation, "dilation", name), "dilation", name)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(
                    f"{name}: padding must be 'valid', 'same' or ints, got {padding!r}"
                )
            if padding == "same" and self.stride != (1, 1):
                raise ValueError(f"{name}: padding='same' needs stride 1, got {self.stride}")
            self.padding: Any = padding
        else:
            self.padding = C._pair(padding, "padding", name)
        self.groups, self.padding_mode = groups, padding_mode
        dt = _as_dtype(dtype) or np.dtype(np.float32)
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dt))
        if bias:
            self.bias = Parameter(np.empty(self.out_channels, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        x = input if isinstance(input, Tensor) else Tensor(input)
        if x.ndim not in (3, 4) or x.shape[-3] != self.in_channels:
            raise ValueError(
                f"{self!r}: expected input (N, {self.in_channels}, H, W) or "
                f"({self.in_channels}, H, W), got shape {x.shape}"
            )
        return C.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding not in ((0, 0), "valid"):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.bias is None:
            s += ", bias=False"
        return s


class MaxPool2d(Module):
    """Max pooling: y[n, c, oh, ow] = max of x[n, c] over the kernel window (pad = -inf).

    ``stride`` defaults to ``kernel_size``. Shapes: (N, C, H, W) -> (N, C, OH, OW), OH as
    for Conv2d (rounded up with ``ceil_mode``).
    """

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        if return_indices:
            raise NotImplementedError("MaxPool2d: return_indices=True is not supported")
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        return C.max_pool2d(
            input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """Average pooling: y[n, c, oh, ow] = (1/m) sum of x[n, c] over the kernel window.

    m = kernel area with ``count_include_pad`` (default), else the number of real pixels in
    the window, or ``divisor_override``. ``stride`` defaults to ``kernel_size``.
    """

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return C.avg_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Adaptive average pooling to a fixed (OH, OW) grid, whatever the input's (H, W):
    y[n, c, i, j] = mean of x[n, c] over rows floor(i H / OH) .. ceil((i + 1) H / OH) - 1
    (likewise columns), torch's windows.

    ``output_size``: an int or (OH, OW); a None entry keeps the input's size.
    Shapes: (N, C, H, W) or (C, H, W) -> (N, C, OH, OW) or (C, OH, OW).
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Adaptive max pooling to a fixed (OH, OW) grid: y[n, c, i, j] = max of x[n, c] over
    window (i, j), windows as AdaptiveAvgPool2d; with ``return_indices`` also the flat
    indices h * W + w of the maxima."""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input: Tensor) -> Any:
        return adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
