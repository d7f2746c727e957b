"""rosenblatt: neural networks from first principles, fast enough for real work.

>>> import rosenblatt as rb
>>> x = rb.tensor([[1.0, 2.0]], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
array([[2., 4.]], dtype=float32)
"""

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
from ._memory import keep_freed_memory as _keep_freed_memory
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .io import load, save
from .ops import (
    abs,
    cat,
    clamp,
    clip,
    concatenate,
    exp,
    log,
    matmul,
    maximum,
    minimum,
    relu,
    sigmoid,
    sqrt,
    stack,
    tanh,
    where,
)
from .random import get_rng, manual_seed
from .tensor import (
    Tensor,
    arange,
    eye,
    full,
    linspace,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from .train import History, fit

_keep_freed_memory()  # reuse freed arrays instead of page-faulting on new ones (see _memory)

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``rb.models`` is imported on first use: it loads scikit-learn (about a second)."""
    if name == "models":
        import importlib

        return importlib.import_module(f"{__name__}.models")
    raise AttributeError(f"module 'rosenblatt' has no attribute {name!r}")


float32 = "float32"
float64 = "float64"
int64 = "int64"

__all__ = [
    "Tensor",
    "History",
    "__version__",
    "abs",
    "arange",
    "autograd",
    "callbacks",
    "cat",
    "clamp",
    "clip",
    "concatenate",
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
    "matmul",
    "maximum",
    "minimum",
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
    "stack",
    "tanh",
    "tensor",
    "train",
    "utils",
    "viz",
    "where",
    "zeros",
    "zeros_like",
]
