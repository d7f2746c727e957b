"""Differentiable operations on tensors, forward and backward side by side.

``elementwise``: arithmetic and the course's pointwise functions; ``reduce``: sum, mean,
max ...; ``shape``: reshape, permute, indexing, cat/stack; ``linalg``: matmul and the fused
linear map; ``activation``: the activation table; ``loss``: fused, stable losses.
"""

from .elementwise import (
    abs,
    add,
    as_tensor,
    cast,
    clamp,
    clip,
    div,
    exp,
    log,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    relu,
    sigmoid,
    sqrt,
    sub,
    tanh,
    where,
)
from .linalg import linear, matmul
from .reduce import amax, amin, mean, sum, var
from .shape import broadcast_to, cat, concatenate, getitem, permute, reshape, stack, transpose

__all__ = [
    "abs",
    "add",
    "amax",
    "amin",
    "as_tensor",
    "broadcast_to",
    "cast",
    "cat",
    "clamp",
    "clip",
    "concatenate",
    "div",
    "exp",
    "getitem",
    "linear",
    "log",
    "matmul",
    "maximum",
    "mean",
    "minimum",
    "mul",
    "neg",
    "permute",
    "pow",
    "relu",
    "reshape",
    "sigmoid",
    "sqrt",
    "stack",
    "sub",
    "sum",
    "tanh",
    "transpose",
    "var",
    "where",
]
