"""Training state to and from one file: arrays in safetensors, everything else as JSON.

A training run is resumed from a nested structure of dicts, lists, tuples, numbers, strings
and arrays (model and optimizer state_dicts, the history so far, the generator state).
:func:`pack` splits such a structure into a flat dict of arrays and a JSON-able skeleton in
which every array is replaced by a reference to its key; :func:`unpack` puts it back
together, exactly: arrays keep dtype and bits, Python floats round-trip through ``repr``,
dict keys keep their type (int or str) and tuples stay tuples. Nothing is pickled.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["pack", "read", "unpack", "write_atomic"]


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
            arrays[key] = np.ascontiguousarray(x.data if isinstance(x, Tensor) else x)
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
                return Tensor(arr) if kind == "tensor" else arr[()] if kind == "scalar" else arr
            if "__dict__" in x:
                return {k: walk(v) for k, v in x["__dict__"]}
            if "__tuple__" in x:
                return tuple(walk(v) for v in x["__tuple__"])
        raise ValueError(f"training state has an entry of unknown form: {str(x)[:80]}")

    return walk(skeleton)


def write_atomic(path: str | os.PathLike[str], arrays: dict[str, np.ndarray], meta: Any) -> None:
    """Write ``arrays`` and the JSON ``meta`` to one safetensors file, atomically.

    The bytes go to a temporary file in the same folder, are flushed to disk, and the file is
    renamed over ``path`` (``os.replace``): a crash leaves either the old file or the new
    one, never half of one.
    """
    from safetensors.numpy import save

    blob = save(arrays, metadata={"rosenblatt_state": json.dumps(meta, allow_nan=True)})
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".safetensors")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def read(path: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], Any]:
    """Read a file written by :func:`write_atomic`: ``(arrays, meta)``.

    A file that is not such a file (truncated, another format) raises ValueError.
    """
    from safetensors import safe_open

    try:
        with safe_open(os.fspath(path), framework="numpy") as f:
            header = f.metadata() or {}
            arrays = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (not a dict)
    except OSError:
        raise
    except Exception as e:  # safetensors raises its own error types for a bad header
        raise ValueError(f"{os.fspath(path)} is not a readable training state: {e}") from e
    if "rosenblatt_state" not in header:
        raise ValueError(f"{os.fspath(path)} holds no rosenblatt training state")
    try:
        meta = json.loads(header["rosenblatt_state"])
    except json.JSONDecodeError as e:
        raise ValueError(f"{os.fspath(path)}: corrupt training state metadata: {e}") from e
    return arrays, meta
