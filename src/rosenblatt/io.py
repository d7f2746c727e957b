"""Saving and loading models: ONE safetensors file, nothing pickled, nothing evaluated.

``rb.save(model, "model.safetensors", preprocessing=pre, metadata={...})`` writes

- the weights, ``model.state_dict()`` under PyTorch's key names (``0.weight``, ``2.bias``),
  so ``safetensors.torch.load_file`` gives a state_dict that loads into the same PyTorch
  architecture;
- ``__metadata__`` (string -> string), holding JSON:

  =============================  ========================================================
  key                            value
  =============================  ========================================================
  ``format``                     "pt" (PyTorch's layout of the weights)
  ``rosenblatt.kind``            "model" (``save_state`` files say "state")
  ``rosenblatt.version``         the library version that wrote the file
  ``rosenblatt.architecture``    {"type": "Sequential", "args": [...], "kwargs": {...}}
  ``rosenblatt.preprocessing``   ``Preprocessor.to_dict()`` or null
  ``rosenblatt.classes``         the class labels (list) or null
  ``rosenblatt.metadata``        free JSON object (recipe, metrics, ...)
  =============================  ========================================================

``rb.load(path)`` rebuilds the architecture, loads the weights (keeping their dtype,
float32 or float64) and returns the model in eval mode, with three attributes added:
``model.preprocessing`` (a ``Preprocessor`` or None), ``model.classes`` (list or None) and
``model.metadata`` (dict). ``load_checkpoint(path)`` returns the same as a ``Checkpoint``.

Architecture
------------
Every ``nn.Module`` remembers the arguments its constructor was called with
(``module._init_args``); the architecture is that call, recursively::

    {"type": "Linear", "args": [64, 10], "kwargs": {}}

Sequential and ModuleList record their current children (so ``append`` is kept). Argument
values must be JSON values; tuples, dicts, NumPy dtypes and child modules are written as
``{"__tuple__": [...]}``, ``{"__dict__": {...}}``, ``{"__dtype__": "float64"}`` and
``{"__module__": {...}}``. Anything else is refused at save time with a clear error.
Loading looks each type name up in a whitelist: the Module classes of ``rosenblatt.nn``
plus those added with ``register_module(cls)`` (``rosenblatt.models`` registers its own;
register your own Module subclasses before saving and before loading). No name is ever
imported, evaluated or unpickled.

Safety
------
Files are written atomically (``atomic_write``: a temporary file in the same directory,
fsync, ``os.replace``), so a crash never leaves a half-written model. Reading validates the
whole file before the weights are touched: the header length, the JSON header (no
duplicate keys), each tensor's dtype, shape and byte range, and that the byte ranges tile
the data section exactly -- a truncated file, a wrong header, trailing bytes, bad JSON, an
unknown layer type, a missing or mis-shaped weight raise ValueError (OSError for a file
that cannot be read). The one thing not bounded is the size of the layers a file asks to
build: load files you trust as much as the data you train on.

State files
-----------
``save_state(path, arrays, meta)`` / ``load_state(path) -> (arrays, meta)`` store a dict of
arrays plus a JSON object (e.g. optimizer state, epoch, ``rng.bit_generator.state``) with
the same atomic write and validation; ``rb.callbacks.BackupAndRestore`` uses them.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import stat
import struct
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import random as _random
from .nn.module import Module, ModuleList, Sequential
from .preprocessing import Preprocessor
from .tensor import Tensor

__all__ = [
    "Checkpoint",
    "atomic_write",
    "build_module",
    "load",
    "load_checkpoint",
    "load_state",
    "module_config",
    "read_safetensors",
    "register_module",
    "save",
    "save_state",
]

PathLike = str | os.PathLike

_KIND, _VERSION = "rosenblatt.kind", "rosenblatt.version"
_ARCH, _PRE = "rosenblatt.architecture", "rosenblatt.preprocessing"
_CLASSES, _META, _STATE = "rosenblatt.classes", "rosenblatt.metadata", "rosenblatt.state"

_MAX_HEADER = 100 * 1024 * 1024  # safetensors' own limit on the JSON header
_MAX_DEPTH = 64  # nesting of the architecture JSON
# safetensors dtype -> bytes per element (the dtypes NumPy can hold)
_ITEMSIZE = {
    "BOOL": 1, "U8": 1, "I8": 1, "I16": 2, "U16": 2, "F16": 2,
    "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8,
}  # fmt: skip
_DTYPE_NAMES = {"bool", "uint8", "int8", "int16", "uint16", "float16"} | {
    "int32", "uint32", "float32", "int64", "uint64", "float64",
}  # fmt: skip


# ============================================================================ atomic write
def atomic_write(path: PathLike, data: bytes | str) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The bytes go to a temporary file in the same directory, are flushed to disk (fsync),
    and the temporary file is renamed over ``path`` (``os.replace``, atomic on POSIX and
    Windows). On any error the temporary file is removed and ``path`` is untouched.
    """
    target = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    directory = target.parent
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError, AttributeError):  # make the rename itself durable
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


# ============================================================================ registry
_REGISTERED: dict[str, type] = {}


def register_module(cls: type, name: str | None = None) -> type:
    """Allow ``rb.load`` to rebuild Module subclass ``cls`` (usable as a class decorator).

    Parameters
    ----------
    cls : type
        A subclass of ``rosenblatt.nn.Module`` whose constructor arguments are JSON values
        (or modules, tuples, dicts, dtypes).
    name : str, optional
        The name written in files; default ``cls.__name__``.

    Raises
    ------
    TypeError
        ``cls`` is not a Module subclass.
    ValueError
        The name is already taken by another class.
    """
    if not (isinstance(cls, type) and issubclass(cls, Module)):
        raise TypeError(f"register_module: {cls!r} is not a subclass of rosenblatt.nn.Module")
    key = name or cls.__name__
    other = _registry().get(key)
    if other is not None and other is not cls:
        raise ValueError(
            f"register_module: the name {key!r} is taken by "
            f"{other.__module__}.{other.__qualname__}; pass another name="
        )
    _REGISTERED[key] = cls
    return cls


def _registry() -> dict[str, type]:
    """Type name -> class: every public Module class of rosenblatt.nn, then registered ones."""
    import rosenblatt.nn  # noqa: F401  (make sure the package and its modules are loaded)

    reg: dict[str, type] = {}
    for modname, mod in list(sys.modules.items()):
        if modname != "rosenblatt.nn" and not modname.startswith("rosenblatt.nn."):
            continue
        for obj in list(vars(mod).values()):
            if (
                isinstance(obj, type)
                and issubclass(obj, Module)
                and not obj.__name__.startswith("_")
                and obj.__module__.startswith("rosenblatt.nn")
            ):
                reg.setdefault(obj.__name__, obj)
    reg.update(_REGISTERED)
    return reg


def _type_name(cls: type, registry: dict[str, type]) -> str | None:
    for name, c in registry.items():
        if c is cls:
            return name
    return None


# ============================================================================ architecture
def _encode(value: Any, where: str, registry: dict[str, type]) -> Any:
    """A constructor argument -> JSON value (see the module docstring for the tags)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer, np.bool_)):
        return value.item() if isinstance(value, np.generic) else value
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"cannot save {where}: non-finite number {v}")
        return v
    if isinstance(value, Module):
        return {"__module__": _config(value, where, registry)}
    if isinstance(value, list):
        return [_encode(v, f"{where}[{i}]", registry) for i, v in enumerate(value)]
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, f"{where}[{i}]", registry) for i, v in enumerate(value)]}
    if isinstance(value, Mapping):
        if not all(isinstance(k, str) for k in value):
            raise ValueError(f"cannot save {where}: dict keys must be strings")
        return {"__dict__": {k: _encode(v, f"{where}[{k!r}]", registry) for k, v in value.items()}}
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        name = np.dtype(value).name
        if name not in _DTYPE_NAMES:
            raise ValueError(f"cannot save {where}: dtype {name} is not supported")
        return {"__dtype__": name}
    raise ValueError(
        f"cannot save {where}: a constructor argument of type {type(value).__name__} is not "
        "JSON-serialisable (use numbers, strings, lists, tuples, dicts, dtypes or modules)"
    )


def _config(module: Module, where: str, registry: dict[str, type]) -> dict[str, Any]:
    cls = type(module)
    name = _type_name(cls, registry)
    if name is None:
        raise ValueError(
            f"cannot save {where}: {cls.__module__}.{cls.__qualname__} is not a rosenblatt.nn "
            "class; call rosenblatt.io.register_module(cls) before saving and before loading"
        )
    where = f"{where}({name})"
    if isinstance(module, (Sequential, ModuleList)) and cls.__init__ in (
        Sequential.__init__,
        ModuleList.__init__,
    ):
        children = dict(module._modules)
        if isinstance(module, ModuleList):
            args: tuple = (list(children.values()),)
        elif list(children) == [str(i) for i in range(len(children))]:
            args = tuple(children.values())
        else:
            args = (children,)
        kwargs: dict[str, Any] = {}
    else:
        if "_init_args" not in module.__dict__:
            raise ValueError(f"cannot save {where}: its constructor arguments were not recorded")
        args, kwargs = module.__dict__["_init_args"]
    return {
        "type": name,
        "args": [_encode(a, f"{where}.args[{i}]", registry) for i, a in enumerate(args)],
        "kwargs": {k: _encode(v, f"{where}.{k}", registry) for k, v in kwargs.items()},
    }


def module_config(module: Module) -> dict[str, Any]:
    """The architecture of ``module`` as JSON-able data: {"type", "args", "kwargs"}.

    Raises ValueError naming the module and argument that cannot be written.
    """
    if not isinstance(module, Module):
        raise TypeError(f"expected a rosenblatt.nn.Module, got {type(module).__name__}")
    return _config(module, "model", _registry())


def _decode(value: Any, where: str, registry: dict[str, type], depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise ValueError(f"architecture nested deeper than {_MAX_DEPTH} levels at {where}")
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"architecture: non-finite number at {where}")
        return value
    if isinstance(value, list):
        return [_decode(v, f"{where}[{i}]", registry, depth + 1) for i, v in enumerate(value)]
    if isinstance(value, dict) and len(value) == 1:
        ((tag, inner),) = value.items()
        if tag == "__module__":
            return _build(inner, where, registry, depth + 1)
        if tag == "__tuple__" and isinstance(inner, list):
            return tuple(_decode(inner, where, registry, depth + 1))
        if tag == "__dict__" and isinstance(inner, dict):
            return {k: _decode(v, f"{where}[{k!r}]", registry, depth + 1) for k, v in inner.items()}
        if tag == "__dtype__" and inner in _DTYPE_NAMES:
            return np.dtype(inner)
    raise ValueError(f"architecture: unexpected value at {where}: {_short(value)}")


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _build(spec: Any, where: str, registry: dict[str, type], depth: int = 0) -> Module:
    if not isinstance(spec, dict) or set(spec) != {"type", "args", "kwargs"}:
        raise ValueError(
            f"architecture: {where} must be an object with keys type, args, kwargs, got "
            f"{_short(spec)}"
        )
    name, args, kwargs = spec["type"], spec["args"], spec["kwargs"]
    if not isinstance(name, str) or not isinstance(args, list) or not isinstance(kwargs, dict):
        raise ValueError(f"architecture: {where} has a malformed type/args/kwargs: {_short(spec)}")
    if name not in registry:
        raise ValueError(
            f"architecture: unknown module type {name!r} at {where}; known types: "
            f"{', '.join(sorted(registry))} (others must be added with register_module)"
        )
    where = f"{where}({name})"
    a = [_decode(v, f"{where}.args[{i}]", registry, depth) for i, v in enumerate(args)]
    kw = {k: _decode(v, f"{where}.{k}", registry, depth) for k, v in kwargs.items()}
    try:
        module = registry[name](*a, **kw)
    except Exception as e:
        raise ValueError(f"architecture: cannot build {where}: {type(e).__name__}: {e}") from e
    if not isinstance(module, Module):
        raise ValueError(f"architecture: {where} did not build a Module")
    return module


@contextlib.contextmanager
def _rng_untouched() -> Iterator[None]:
    """Building a model draws initial weights; put the global generator back afterwards."""
    rng = _random.get_rng()
    state = rng.bit_generator.state
    try:
        yield
    finally:
        rng.bit_generator.state = state


def build_module(config: Mapping[str, Any]) -> Module:
    """Rebuild a module from ``module_config``'s output (whitelisted types only).

    The new module has freshly initialised weights; the global random generator is left
    as it was. Raises ValueError for anything malformed or unknown.
    """
    registry = _registry()
    with _rng_untouched():
        try:
            spec = dict(config) if isinstance(config, Mapping) else config
            return _build(spec, "model", registry)
        except RecursionError as e:
            raise ValueError("architecture: nested too deeply") from e


# ============================================================================ safetensors
def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _json_loads(text: str, what: str, strict: bool = True) -> Any:
    try:
        return json.loads(
            text,
            object_pairs_hook=_reject_duplicates,
            parse_constant=_reject_constant if strict else None,
        )
    except (ValueError, RecursionError) as e:
        raise ValueError(f"{what} is not valid JSON: {e}") from e


def _is_index(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _check_layout(header: dict[str, Any], data_len: int, where: str) -> None:
    """Each tensor's dtype/shape/offsets are consistent and the ranges tile the data exactly."""
    ranges = []
    for key, info in header.items():
        if key == "__metadata__":
            continue
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise ValueError(f"{where}: malformed header entry for tensor {key!r}")
        dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in _ITEMSIZE:
            raise ValueError(f"{where}: tensor {key!r} has unsupported dtype {dtype!r}")
        if not isinstance(shape, list) or not all(_is_index(s) for s in shape):
            raise ValueError(f"{where}: tensor {key!r} has a malformed shape {_short(shape)}")
        if (
            not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(_is_index(o) for o in offsets)
            or offsets[0] > offsets[1]
        ):
            raise ValueError(
                f"{where}: tensor {key!r} has malformed data_offsets {_short(offsets)}"
            )
        nbytes = math.prod(shape) * _ITEMSIZE[dtype]
        if offsets[1] - offsets[0] != nbytes:
            raise ValueError(
                f"{where}: tensor {key!r} of shape {tuple(shape)} and dtype {dtype} needs "
                f"{nbytes} bytes, its data_offsets span {offsets[1] - offsets[0]}"
            )
        ranges.append((offsets[0], offsets[1], key))
    ranges.sort()
    pos = 0
    for begin, end, key in ranges:
        if begin != pos:
            problem = "overlaps the previous one" if begin < pos else "leaves a gap before it"
            raise ValueError(f"{where}: the data of tensor {key!r} {problem}")
        pos = end
    if pos > data_len:
        raise ValueError(
            f"{where}: the file is truncated: its header describes {pos} bytes of tensor data, "
            f"the file holds {data_len}"
        )
    if pos < data_len:
        raise ValueError(
            f"{where}: {data_len - pos} unexpected trailing bytes after the tensor data"
        )


def read_safetensors(path: PathLike) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Read and fully validate a safetensors file: (arrays by key, ``__metadata__``).

    Raises
    ------
    FileNotFoundError, OSError
        The file cannot be read.
    ValueError
        Anything malformed: too short, a header length beyond the file, a header that is
        not a JSON object (or has duplicate keys), a bad dtype/shape/offset, data that does
        not exactly fill the rest of the file (truncated or trailing bytes).
    """
    p = Path(path)
    where = repr(os.fspath(path))
    if not p.is_file():
        raise FileNotFoundError(f"no such file: {where}")
    raw = p.read_bytes()
    if len(raw) < 8:
        raise ValueError(
            f"{where} is not a safetensors file: {len(raw)} bytes, too short for the 8-byte "
            "header length"
        )
    (n,) = struct.unpack("<Q", raw[:8])
    if n > _MAX_HEADER or 8 + n > len(raw):
        raise ValueError(
            f"{where} is truncated or not a safetensors file: header length {n} does not fit "
            f"in the file's {len(raw)} bytes"
        )
    try:
        text = raw[8 : 8 + n].decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"{where}: the header is not UTF-8 text") from e
    if not text.startswith("{"):
        raise ValueError(f"{where}: the header is not a JSON object")
    header = _json_loads(text, f"{where}: the header")
    if not isinstance(header, dict):
        raise ValueError(f"{where}: the header is not a JSON object")
    meta = header.get("__metadata__", {})
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise ValueError(f"{where}: __metadata__ must map strings to strings")
    _check_layout(header, len(raw) - 8 - n, where)
    import safetensors.numpy

    try:
        arrays = safetensors.numpy.load(raw)
    except Exception as e:  # SafetensorError and friends
        raise ValueError(f"{where}: safetensors cannot read it: {e}") from e
    expected = {k for k in header if k != "__metadata__"}
    if set(arrays) != expected:
        raise ValueError(f"{where}: the tensors read do not match the header")
    return dict(arrays), dict(meta)


def _write_safetensors(path: PathLike, arrays: Mapping[str, Any], meta: dict[str, str]) -> None:
    import safetensors.numpy

    tensors = {}
    for k, v in arrays.items():
        if not isinstance(k, str):
            raise ValueError(f"tensor names must be strings, got {k!r}")
        arr = np.asarray(v._data if isinstance(v, Tensor) else v)
        arr = np.array(arr, order="C") if not arr.flags.c_contiguous else arr  # keeps 0-d
        if arr.dtype.name not in _DTYPE_NAMES:
            raise ValueError(f"cannot save tensor {k!r}: dtype {arr.dtype} is not supported")
        tensors[k] = arr
    atomic_write(path, safetensors.numpy.save(tensors, metadata=meta))


# ============================================================================ models
@dataclass
class Checkpoint:
    """What a model file holds: the rebuilt model and the JSON parts of ``__metadata__``."""

    model: Module
    preprocessing: Preprocessor | None = None
    classes: list[Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (np.generic, np.ndarray)):
        return obj.tolist()
    raise TypeError(f"{type(obj).__name__} is not JSON-serialisable")


def save(
    model: Module,
    path: PathLike,
    *,
    preprocessing: Preprocessor | Mapping[str, Any] | None = None,
    classes: Any = None,
    metadata: Mapping[str, Any] | None = None,
) -> None:
    """Write ``model`` to ONE safetensors file: weights + architecture/preprocessing JSON.

    Parameters
    ----------
    model : nn.Module
        Built from rosenblatt.nn classes (or registered ones), in any dtype.
    path : str or Path
        Written atomically; an existing file is replaced only once the new one is complete.
    preprocessing : Preprocessor or its ``to_dict()``, optional
        Default: ``model.preprocessing`` if the model came from ``rb.load``.
    classes : sequence, optional
        Class labels, index i = output i. Default: ``preprocessing.classes_``, else
        ``model.classes`` if present.
    metadata : dict, optional
        Free JSON data (NumPy numbers and arrays are converted), e.g. the recipe, metrics.

    Raises
    ------
    ValueError
        A module or constructor argument that cannot be recorded, a model whose weights do
        not match the architecture its constructors describe (layers added or replaced
        after construction), non-JSON metadata.
    """
    if not isinstance(model, Module):
        raise TypeError(f"rb.save: expected a rosenblatt.nn.Module, got {type(model).__name__}")
    config = module_config(model)
    weights = dict(model.state_dict())
    _check_rebuilds(config, weights)
    preprocessing, classes = _labels_of(model, preprocessing, classes)
    try:
        meta = {
            "format": "pt",
            _KIND: "model",
            _VERSION: _library_version(),
            _ARCH: json.dumps(config, allow_nan=False),
            _PRE: "null" if preprocessing is None else preprocessing.to_json(),
            _CLASSES: json.dumps(classes, default=_json_default, allow_nan=False),
            _META: json.dumps(dict(metadata or {}), default=_json_default),
        }
    except (TypeError, ValueError) as e:
        raise ValueError(f"rb.save: cannot write the metadata as JSON: {e}") from e
    _write_safetensors(path, weights, meta)


def _check_rebuilds(config: dict[str, Any], weights: dict[str, np.ndarray]) -> None:
    """The recorded architecture must rebuild into weights of exactly these names and shapes."""
    with _rng_untouched():
        rebuilt = _build(json.loads(json.dumps(config)), "model", _registry()).state_tensors()
    mismatch = sorted(set(rebuilt) ^ set(weights)) + [
        k for k in rebuilt if k in weights and rebuilt[k]._data.shape != weights[k].shape
    ]
    if mismatch:
        raise ValueError(
            f"rb.save: the architecture recorded from the constructors does not match the "
            f"model's weights at {mismatch[:5]} (were layers added or replaced after "
            "construction? build the model with its final layers, or use Sequential.append)"
        )


def _labels_of(model: Module, preprocessing: Any, classes: Any) -> tuple[Any, list | None]:
    """The preprocessing and class labels to store: given, else found on the model."""
    if preprocessing is None and isinstance(getattr(model, "preprocessing", None), Preprocessor):
        preprocessing = model.preprocessing
    if isinstance(preprocessing, Mapping):
        preprocessing = Preprocessor.from_dict(dict(preprocessing))
    if preprocessing is not None and not isinstance(preprocessing, Preprocessor):
        raise TypeError(
            f"rb.save: preprocessing must be a Preprocessor, got {type(preprocessing).__name__}"
        )
    if classes is None and preprocessing is not None and preprocessing.classes_ is not None:
        classes = preprocessing.classes_
    if classes is None and isinstance(getattr(model, "classes", None), list):
        classes = model.classes
    if classes is not None:
        labels = np.asarray(classes)
        if labels.ndim != 1:
            raise ValueError(f"rb.save: classes must be a 1-D sequence of labels, got {classes!r}")
        classes = labels.tolist()
    return preprocessing, classes


def _library_version() -> str:
    from . import __version__

    return __version__


def load_checkpoint(path: PathLike) -> Checkpoint:
    """Read a file written by ``rb.save``: the model (eval mode) and its JSON parts.

    Raises
    ------
    OSError
        The file cannot be read.
    ValueError
        A malformed or hostile file (see the module docstring), or a file that is not a
        rosenblatt model.
    """
    where = repr(os.fspath(path))
    arrays, meta = read_safetensors(path)
    if meta.get(_KIND) != "model" or _ARCH not in meta:
        raise ValueError(
            f"{where} is not a rosenblatt model file (its metadata has no architecture); "
            "plain weights load with safetensors.numpy.load_file + model.load_state_dict"
        )
    config = _json_loads(meta[_ARCH], f"{where}: the architecture")
    try:
        model = build_module(config)
    except ValueError as e:
        raise ValueError(f"{where}: {e}") from e
    _assign_weights(model, arrays, where)
    model.eval()

    pre_json = _json_loads(meta.get(_PRE, "null"), f"{where}: the preprocessing")
    preprocessing = None if pre_json is None else Preprocessor.from_dict(pre_json)
    classes = _json_loads(meta.get(_CLASSES, "null"), f"{where}: the classes")
    if classes is not None and not (
        isinstance(classes, list) and all(isinstance(c, (str, int, float, bool)) for c in classes)
    ):
        raise ValueError(f"{where}: the classes must be a list of labels")
    metadata = _json_loads(meta.get(_META, "{}"), f"{where}: the metadata", strict=False)
    if not isinstance(metadata, dict):
        raise ValueError(f"{where}: the metadata must be a JSON object")
    return Checkpoint(model, preprocessing, classes, metadata)


def _assign_weights(model: Module, arrays: dict[str, np.ndarray], where: str) -> None:
    """Put the file's arrays into the rebuilt model: same names, shapes and dtype kinds."""
    own = model.state_tensors()
    missing = [k for k in own if k not in arrays]
    unexpected = [k for k in arrays if k not in own]
    if missing or unexpected:
        raise ValueError(
            f"{where}: the weights do not match the architecture: missing {missing[:5]}, "
            f"unexpected {unexpected[:5]}"
        )
    for k, t in own.items():
        arr = arrays[k]
        if arr.shape != t._data.shape:
            raise ValueError(
                f"{where}: weight {k!r} has shape {arr.shape}, the architecture needs "
                f"{t._data.shape}"
            )
        if arr.dtype.kind != t._data.dtype.kind:
            raise ValueError(
                f"{where}: weight {k!r} has dtype {arr.dtype}, the architecture needs a "
                f"{t._data.dtype} kind of array"
            )
    for k, t in own.items():
        t._data = np.array(arrays[k], copy=True)  # keeps the file's dtype (float32/float64)
        t._grad = None


def load(path: PathLike) -> Module:
    """Rebuild a model saved with ``rb.save``; returned in eval mode.

    The model gets three attributes: ``preprocessing`` (a ``Preprocessor`` or None),
    ``classes`` (list of labels or None) and ``metadata`` (dict) -- unless its class
    already defines one of these names (then use ``load_checkpoint``).

    >>> # model = rb.load("model.safetensors"); y = model(rb.tensor(X))
    """
    ckpt = load_checkpoint(path)
    model = ckpt.model
    for name in ("preprocessing", "classes", "metadata"):
        if not hasattr(model, name):
            object.__setattr__(model, name, getattr(ckpt, name))
    return model


# ============================================================================ state files
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
    where = repr(os.fspath(path))
    arrays, meta = read_safetensors(path)
    if meta.get(_KIND) != "state" or _STATE not in meta:
        raise ValueError(f"{where} is not a rosenblatt state file")
    state = _json_loads(meta[_STATE], f"{where}: the state", strict=False)
    if not isinstance(state, dict):
        raise ValueError(f"{where}: the state must be a JSON object")
    return {k: np.array(v, copy=True) for k, v in arrays.items()}, state
