"""rosenblatt: neural networks from first principles, fast enough for real work.

>>> import rosenblatt as rb
>>> x = rb.tensor([[1.0, 2.0]], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([[2., 4.]])
"""

import numpy as np

from . import (
    autograd,
    callbacks,
    data,
    io,
    nn,
    ops,
    optim,
    preprocessing,
    recipe,
    train,
    utils,  # torch.utils.data's names: rb.utils.data.DataLoader
    viz,
)
from . import functions as _functions
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .device import cuda, device, mps
from .functions import *  # noqa: F403  (torch's top-level functions: rb.sum, rb.max ...)
from .io import load, save
from .ops import exp, log, relu, sigmoid, sqrt, tanh
from .random import get_rng, manual_seed
from .tensor import (
    BoolTensor,
    ByteTensor,
    DoubleTensor,
    FloatTensor,
    IntTensor,
    LongTensor,
    Tensor,
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .train import History, fit

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``rb.models`` and ``rb.onnx`` are imported on first use: they load scikit-learn
    (about a second) and the onnx package."""
    if name in ("models", "onnx"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'rosenblatt' has no attribute {name!r}")


class _Backends:
    """``rb.backends.mps.is_available()`` and friends: False (the CPU is rosenblatt's device)."""

    mps = mps
    cuda = cuda

    class cudnn:  # noqa: N801
        enabled = False
        deterministic = True
        benchmark = False


backends = _Backends()
Size = tuple  # x.shape is a tuple; torch.Size(...) builds one
no_grad_ = no_grad

# dtypes are NumPy's scalar types: x.dtype == rb.float32 and rb.float32 is np.float32
float16 = half = np.float16
float32 = np.float32
float64 = double = np.float64
int8 = np.int8
uint8 = np.uint8
int16 = short = np.int16
int32 = np.int32
int64 = long = np.int64
complex64 = np.complex64
complex128 = cdouble = np.complex128
dtype = np.dtype
float = np.float32  # noqa: A001  (torch.float is float32)
int = np.int32  # noqa: A001
bool = np.bool_  # noqa: A001

__all__ = [
    *_functions.__all__,
    "BoolTensor",
    "ByteTensor",
    "DoubleTensor",
    "FloatTensor",
    "IntTensor",
    "LongTensor",
    "Size",
    "Tensor",
    "as_tensor",
    "backends",
    "bool",
    "cuda",
    "device",
    "double",
    "dtype",
    "empty",
    "empty_like",
    "float",
    "float16",
    "float32",
    "float64",
    "from_numpy",
    "full_like",
    "half",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "long",
    "normal",
    "rand_like",
    "randint_like",
    "randn_like",
    "randperm",
    "uint8",
    "History",
    "__version__",
    "arange",
    "autograd",
    "callbacks",
    "data",
    "enable_grad",
    "exp",
    "eye",
    "fit",
    "full",
    "get_rng",
    "io",
    "is_grad_enabled",
    "linspace",
    "load",
    "log",
    "manual_seed",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "ops",
    "optim",
    "preprocessing",
    "recipe",
    "rand",
    "randint",
    "randn",
    "relu",
    "save",
    "set_grad_enabled",
    "sigmoid",
    "sqrt",
    "tanh",
    "tensor",
    "train",
    "utils",
    "viz",
    "zeros",
    "zeros_like",
]
