"""Training state to and from one file: arrays in safetensors, everything else as JSON.

A training run is resumed from a nested structure of dicts, lists, tuples, numbers, strings
and arrays (model and optimizer state_dicts, the history so far, the generator state).
:func:`pack` splits such a structure into a flat dict of arrays and a JSON-able skeleton in
which every array is replaced by a reference to its key; :func:`unpack` puts it back
together, exactly: arrays keep dtype and bits, Python floats round-trip through ``repr``,
dict keys keep their type (int or str) and tuples stay tuples. Nothing is pickled; the file
itself is written atomically and read back validated by ``rb.io.save_state`` /
``rb.io.load_state``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["pack", "unpack"]


def pack(obj: Any) -> tuple[dict[str, np.ndarray], Any]:
    """Split ``obj`` into ``(arrays, skeleton)``: arrays by key, and a JSON-able skeleton.

    Arrays (NumPy arrays and scalars, Tensors) become ``{"__array__": key}``; dicts become
    ``{"__dict__": [[key, value], ...]}`` (keys must be str, int or None); tuples become
    ``{"__tuple__": [...]}``.
    """
    arrays: dict[str, np.ndarray] = {}

    def walk(x: Any) -> Any:
        if x is None or isinstance(x, (bool, int, float, str)):
            return x
        if isinstance(x, (np.ndarray, np.generic, Tensor)):
            key = f"a{len(arrays)}"
            arrays[key] = np.asarray(x._data if isinstance(x, Tensor) else x)
            kind = "tensor" if isinstance(x, Tensor) else "scalar" if np.isscalar(x) else "array"
            return {"__array__": key, "kind": kind}
        if isinstance(x, dict):
            for k in x:
                if not (k is None or isinstance(k, (str, int))):
                    raise TypeError(f"cannot save a dict key of type {type(k).__name__}: {k!r}")
            return {"__dict__": [[k, walk(v)] for k, v in x.items()]}
        if isinstance(x, tuple):
            return {"__tuple__": [walk(v) for v in x]}
        if isinstance(x, list):
            return [walk(v) for v in x]
        raise TypeError(f"cannot save a value of type {type(x).__name__} in a training state")

    return arrays, walk(obj)


def unpack(arrays: dict[str, np.ndarray], skeleton: Any) -> Any:
    """Inverse of :func:`pack`; raises ValueError on a skeleton that references a missing
    array or has an unknown form."""

    def walk(x: Any) -> Any:
        if x is None or isinstance(x, (bool, int, float, str)):
            return x
        if isinstance(x, list):
            return [walk(v) for v in x]
        if isinstance(x, dict):
            if "__array__" in x:
                key = x["__array__"]
                if key not in arrays:
                    raise ValueError(f"training state refers to a missing array {key!r}")
                arr = np.array(arrays[key], copy=True)
                kind = x.get("kind", "array")
                return (
                    Tensor._make(arr, None)
                    if kind == "tensor"
                    else arr[()]
                    if kind == "scalar"
                    else arr
                )
            if "__dict__" in x:
                return {k: walk(v) for k, v in x["__dict__"]}
            if "__tuple__" in x:
                return tuple(walk(v) for v in x["__tuple__"])
        raise ValueError(f"training state has an entry of unknown form: {str(x)[:80]}")

    return walk(skeleton)
