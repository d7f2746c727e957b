"""``rb.save`` and ``rb.load``: which kind of file an object becomes (a model file, an
estimator file or an object file) and, reading, which kind a file is; ``load_model``.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..nn.module import Module
from ..preprocessing import Preprocessor
from ..tensor import Tensor
from .checkpoint import (
    Checkpoint,
    _library_version,
    _model_checkpoint,
    _save_model,
    load_checkpoint,
)
from .files import FileLike, _name_of
from .safetensors_file import (
    _ARCH,
    _FORMAT,
    _FORMAT_VERSION,
    _KIND,
    _STRUCTURE,
    _VERSION,
    _json_loads,
    _short,
    _write_safetensors,
    read_safetensors,
)
from .structure import _mover, _Packer, _Unpacker


def save(
    obj: Any,
    f: FileLike,
    pickle_module: Any = None,
    pickle_protocol: Any = None,
    *,
    preprocessing: Preprocessor | Mapping[str, Any] | None = None,
    classes: Any = None,
    metadata: Mapping[str, Any] | None = None,
) -> None:
    """Save ``obj`` to ONE safetensors file, as ``torch.save`` does -- never pickled.

    Parameters
    ----------
    obj : object
        A model (``nn.Module``: weights + architecture, ``rb.load`` rebuilds it), or what
        PyTorch programs save: a state_dict, an optimizer's ``state_dict()``, a checkpoint
        dict ``{"epoch": 5, "model_state_dict": ..., "optimizer_state_dict": ...}``, a
        tensor, lists and tuples of them -- nested dicts (str, int, float or tuple keys),
        OrderedDicts, lists, tuples, Tensors (torch tensors are converted), NumPy arrays and
        scalars, Python numbers, strings, None, dtypes, devices and models.
    f : str, Path or binary file object
        A path is written atomically (an existing file is replaced only once the new one
        is complete); a file object (``io.BytesIO``, ``open(path, "wb")``) is written to.
    pickle_module, pickle_protocol
        Accepted for ``torch.save`` programs and ignored: nothing is pickled.
    preprocessing : Preprocessor or its ``to_dict()``, optional
        Models only. Default: ``model.preprocessing`` if the model came from ``rb.load``.
    classes : sequence, optional
        Models only: class labels, index i = output i. Default: ``preprocessing.classes_``,
        else ``model.classes`` if present.
    metadata : dict, optional
        Models only: free JSON data (NumPy numbers and arrays are converted), e.g. the
        recipe, metrics.

    Raises
    ------
    TypeError
        An object of a type that cannot be written (named with its path in ``obj``).
    ValueError
        A module or constructor argument that cannot be recorded, a model whose weights do
        not match the architecture its constructors describe (layers added or replaced
        after construction), non-JSON metadata, an unsupported dtype, a structure nested
        deeper than 64 levels.

    Examples
    --------
    >>> import io, rosenblatt as rb
    >>> buffer = io.BytesIO()
    >>> rb.save({"epoch": 5, "weights": rb.ones(2), "loss": 0.25}, buffer)
    >>> _ = buffer.seek(0)
    >>> rb.load(buffer)
    {'epoch': 5, 'weights': tensor([1., 1.]), 'loss': 0.25}
    """
    if isinstance(obj, Module):
        _save_model(obj, f, preprocessing, classes, metadata)
        return
    if preprocessing is not None or classes is not None or metadata is not None:
        raise TypeError(
            "rb.save: preprocessing=, classes= and metadata= describe a model; "
            f"got a {type(obj).__name__}"
        )
    kind = "object"
    if _is_estimator(obj):  # rosenblatt.models' estimators: see io.estimators
        obj, kind = _estimators().describe(obj), "estimator"
    packer = _Packer()
    node = packer.pack(obj, "")
    meta = {
        "format": "pt",
        _KIND: kind,
        _VERSION: _library_version(),
        _FORMAT: _FORMAT_VERSION,
        _STRUCTURE: json.dumps(node, allow_nan=False, separators=(",", ":")),
    }
    _write_safetensors(f, packer.arrays, meta)


def load(
    f: FileLike,
    map_location: Any = None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
    **pickle_load_args: Any,
) -> Any:
    """Load what ``rb.save`` wrote (or any safetensors file), as ``torch.load`` does.

    Returns exactly the structure that was saved: the same container types (dict or
    OrderedDict, list or tuple), keys (str or int ...), Python and NumPy numbers, NumPy
    arrays, and Tensors (rosenblatt Tensors, their dtype, shape and ``requires_grad`` kept;
    a state_dict's tensors do not require grad). A model file gives the rebuilt model in
    eval mode, with three attributes added: ``preprocessing`` (a ``Preprocessor`` or
    None), ``classes`` (list of labels or None) and ``metadata`` (dict) -- unless its class
    already defines one of these names (then use ``load_checkpoint``). A safetensors file
    without rosenblatt metadata (``safetensors.torch.save_file``) gives an OrderedDict of
    Tensors.

    Parameters
    ----------
    f : str, Path or binary file object
        ``io.BytesIO``, ``open(path, "rb")``, ...
    map_location : None, str, device, dict or callable
        As ``torch.load``: where the tensors go. Files hold CPU tensors; "cpu",
        ``rb.device("cpu")``, ``{"cuda:0": "cpu"}`` and ``lambda storage, loc: storage``
        keep them there. A device without a backend ("cuda") raises RuntimeError.
    pickle_module, weights_only, mmap, **pickle_load_args
        Accepted for ``torch.load`` programs and ignored: a file is never unpickled and no
        code in it ever runs, so every file loads as safely as with ``weights_only=True``
        -- whole models included, rebuilt from the whitelist of Module classes.

    Raises
    ------
    OSError
        The file cannot be read.
    ValueError
        A corrupt or hostile file (see the package docstring); a PyTorch ``.pt`` file or a
        pickle, with how to convert it.

    Examples
    --------
    >>> # model.load_state_dict(rb.load("weights.safetensors"))
    >>> # ckpt = rb.load("checkpoint.safetensors", map_location="cpu")
    """
    move = _mover(map_location)
    arrays, meta = read_safetensors(f)
    where = _name_of(f)
    kind = meta.get(_KIND)
    if kind in ("object", "estimator"):
        obj = _load_object(arrays, meta, where, move)
        return obj if kind == "object" else _estimators().rebuild(obj, where)
    if kind == "model":
        if _ARCH not in meta:
            raise ValueError(f"{where}: a rosenblatt model file without its architecture")
        return _with_attributes(_model_checkpoint(arrays, meta, where))
    ours = any(k.startswith("rosenblatt.") for k in meta)
    if kind == "state" or not ours:  # save_state's arrays, or plain safetensors (a state_dict)
        return OrderedDict((k, move(Tensor._make(a, None))) for k, a in arrays.items())
    raise ValueError(
        f"{where}: unknown rosenblatt.kind {_short(kind)} (a damaged file, or one written by "
        "a newer rosenblatt?)"
    )


def load_model(f: FileLike) -> Module:
    """The model of a file written by ``rb.save(model, ...)``, in eval mode, with the
    attributes ``preprocessing``, ``classes`` and ``metadata`` (see ``load``).

    Unlike ``rb.load``, any other file (a state_dict, a checkpoint dict) is a ValueError:
    for callers that need a model, such as ``rosenblatt evaluate``.
    """
    return _with_attributes(load_checkpoint(f))


def _with_attributes(ckpt: Checkpoint) -> Module:
    model = ckpt.model
    for name in ("preprocessing", "classes", "metadata"):
        if not hasattr(model, name):
            object.__setattr__(model, name, getattr(ckpt, name))
    return model


def _load_object(
    arrays: dict[str, np.ndarray], meta: dict[str, str], where: str, move: Callable
) -> Any:
    version = meta.get(_FORMAT)
    if version != _FORMAT_VERSION:
        raise ValueError(
            f"{where}: structure format version {_short(version)}; this rosenblatt reads "
            f"version {_FORMAT_VERSION} (was the file written by a newer one?)"
        )
    if _STRUCTURE not in meta:
        raise ValueError(f"{where}: the metadata has no structure description")
    node = _json_loads(meta[_STRUCTURE], f"{where}: the structure description")
    unpacker = _Unpacker(arrays, where, move)
    obj = unpacker.unpack(node)
    unpacker.check_all_used()
    return obj


def _estimators() -> Any:
    """rosenblatt.models' estimator codec (``io.estimators``), imported when needed (it
    imports rosenblatt.models, which imports this package)."""
    from . import estimators

    return estimators


def _is_estimator(obj: Any) -> bool:
    """A scikit-learn estimator of rosenblatt.models (saved as kind "estimator")."""
    return type(obj).__module__.startswith("rosenblatt.models.") and _estimators().is_estimator(obj)
