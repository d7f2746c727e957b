"""State files: a dict of arrays plus a JSON object in one safetensors file (``save_state``,
``load_state``), for training state such as ``BackupAndRestore``'s.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from .checkpoint import _json_default, _library_version
from .files import PathLike, _name_of
from .safetensors_file import (
    _KIND,
    _STATE,
    _VERSION,
    _json_loads,
    _write_safetensors,
    read_safetensors,
)


def save_state(
    path: PathLike, arrays: Mapping[str, Any], meta: Mapping[str, Any] | None = None
) -> None:
    """Atomically write a dict of arrays plus a JSON object to one safetensors file.

    For training state (BackupAndRestore): e.g. ``{"model.0.weight": ..., "optim.m.0": ...}``
    and ``{"epoch": 3, "rng": rb.get_rng().bit_generator.state}``. NumPy numbers/arrays in
    ``meta`` are converted to lists; NaN/inf are kept.
    """
    try:
        text = json.dumps(dict(meta or {}), default=_json_default)
    except (TypeError, ValueError) as e:
        raise ValueError(f"save_state: meta is not JSON-serialisable: {e}") from e
    _write_safetensors(path, arrays, {_KIND: "state", _VERSION: _library_version(), _STATE: text})


def load_state(path: PathLike) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a ``save_state`` file: (arrays, meta); validated like a model file."""
    where = _name_of(path)
    arrays, meta = read_safetensors(path)
    if meta.get(_KIND) != "state" or _STATE not in meta:
        raise ValueError(f"{where} is not a rosenblatt state file")
    state = _json_loads(meta[_STATE], f"{where}: the state", strict=False)
    if not isinstance(state, dict):
        raise ValueError(f"{where}: the state must be a JSON object")
    return {k: np.array(v, copy=True) for k, v in arrays.items()}, state
