"""All parameters as one flat vector and back (for optimizers that see a vector)."""

from __future__ import annotations

from collections.abc import Iterable

from ...ops import cat, reshape
from ...tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """theta = (vec(p_1), vec(p_2), ...): one 1-D tensor, in the graph (differentiable)."""
    return cat([reshape(p, (-1,)) for p in parameters], 0)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Give each parameter its slice of ``vec`` (the inverse of parameters_to_vector).

    As torch, each parameter's data becomes a view of ``vec``'s memory.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    flat = vec._data.reshape(-1)
    start = 0
    for p in parameters:
        n = p._data.size
        p._data = flat[start : start + n].reshape(p._data.shape)
        p._version[0] += 1
        start += n
