"""Saving and loading: safetensors files, nothing pickled, nothing evaluated.

``rb.save(obj, f)`` / ``rb.load(f)`` take what PyTorch programs give ``torch.save`` /
``torch.load``, and write ONE safetensors file (a path, written atomically, or an open
binary file such as ``io.BytesIO``). Two kinds of file:

Objects (state_dicts, optimizer state_dicts, checkpoint dicts, tensors, lists ...)
    Every tensor and NumPy array is a safetensors tensor, named by its path in the object
    (``model_state_dict.0.weight``, ``optimizer_state_dict.state.0.exp_avg``; a flat
    state_dict keeps its own keys, so ``safetensors.torch.load_file`` reads it as a
    PyTorch state_dict). ``__metadata__`` holds the rest as JSON:

    ================================  ====================================================
    key                               value
    ================================  ====================================================
    ``format``                        "pt"
    ``rosenblatt.kind``               "object"
    ``rosenblatt.version``            the library version that wrote the file
    ``rosenblatt.format_version``     "1" (the structure description below)
    ``rosenblatt.structure``          the object, described as one JSON node
    ================================  ====================================================

    A node is a JSON null, bool, int, float or string standing for itself, or an object
    with ONE key, a type tag, that records what JSON cannot say::

        {"dict": [[key, value], ...]}      dict (keys are nodes: str, int, float, tuple ...)
        {"odict": [[key, value], ...]}     collections.OrderedDict
        {"list": [...]}, {"tuple": [...]}  list, tuple
        {"tensor": [name, requires_grad]}  rosenblatt Tensor (the safetensors tensor name)
        {"parameter": [name, requires_grad]}   nn.Parameter
        {"ndarray": name}                  NumPy array
        {"number": [dtype, value]}         NumPy scalar (np.float32(0.5))
        {"float": "nan"}                   nan, inf, -inf
        {"dtype": "int64"}, {"device": "cpu"}
        {"module": {"architecture": ..., "state": {state_dict key: name}}}  a model inside

    Dtypes (int64, bool, float16/32/64, ...), shapes (0-d too) and values come from the
    safetensors tensors themselves. A tensor that appears twice is stored once and comes
    back as one object, as with ``torch.load``.

Models (``rb.save(model, path, preprocessing=pre, classes=..., metadata={...})``)
    The weights, ``model.state_dict()`` under PyTorch's key names (``0.weight``), and in
    ``__metadata__``:

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
    ``model.preprocessing`` (a ``Preprocessor`` or None), ``model.classes`` (list or None)
    and ``model.metadata`` (dict). ``load_checkpoint(path)`` returns the same as a
    ``Checkpoint``; ``load_model(path)`` the model, refusing any other kind of file.

Estimators (``rb.save(estimator, path)``: a scikit-learn estimator of ``rosenblatt.models``)
    An object file of ``rosenblatt.kind`` "estimator" whose structure is the estimator's
    description (class name, ``get_params()``, fitted attributes; see
    ``rosenblatt.models._persist``); ``rb.load`` rebuilds the estimator from the whitelist
    of rosenblatt.models' estimator classes, its predictions identical to the saved one's.

A safetensors file without rosenblatt metadata (``safetensors.torch.save_file``) and a
``save_state`` file load as an OrderedDict of Tensors. A PyTorch ``.pt`` file (a zip archive
holding ``data.pkl``, or the legacy pickle) is refused with a ValueError that says how to
convert it: rosenblatt never unpickles, because unpickling runs code.

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
fsync, ``os.replace``), so a crash never leaves a half-written file. Reading validates the
whole file before the weights are touched: the header length, the JSON header (no
duplicate keys), each tensor's dtype, shape and byte range, and that the byte ranges tile
the data section exactly -- a truncated file, a wrong header, trailing bytes, bad JSON, an
unknown layer type, a missing or mis-shaped weight raise ValueError (OSError for a file
that cannot be read). A structure description is walked with bounds: at most 64 levels of
nesting and a million nodes, only the tags above, every tensor name it refers to present
and every tensor of the file referred to. What an architecture may ask for is bounded by
the file itself: at most 2 MiB of architecture JSON (refused before it is parsed) and
10 000 modules; weights and buffers of at most 4 x the file's tensor bytes (+1 MiB),
counted layer by layer while it is built; rosenblatt's own layers are built without
initialising the weights the file's tensors then replace (``np.empty``: untouched pages),
so a few hundred bytes asking for a Linear(30000, 30000) are refused in milliseconds
without using memory.

State files
-----------
``save_state(path, arrays, meta)`` / ``load_state(path) -> (arrays, meta)`` store a dict of
arrays plus a JSON object (e.g. optimizer state, epoch, ``rng.bit_generator.state``) with
the same atomic write and validation; ``rb.callbacks.BackupAndRestore`` uses them.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import math
import os
import re
import stat
import struct
import sys
import tempfile
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from io import BytesIO, TextIOBase
from pathlib import Path
from typing import IO, Any

import numpy as np

from . import random as _random
from .device import device as _device
from .device import to_device
from .nn.module import Module, ModuleList, Parameter, Sequential
from .preprocessing import Preprocessor
from .tensor import Tensor

__all__ = [
    "Checkpoint",
    "atomic_path",
    "atomic_write",
    "build_module",
    "load",
    "load_checkpoint",
    "load_model",
    "load_state",
    "module_config",
    "read_safetensors",
    "register_module",
    "remove_stale_temporaries",
    "save",
    "save_state",
]

PathLike = str | os.PathLike
FileLike = str | os.PathLike | IO[bytes]

_KIND, _VERSION = "rosenblatt.kind", "rosenblatt.version"
_ARCH, _PRE = "rosenblatt.architecture", "rosenblatt.preprocessing"
_CLASSES, _META, _STATE = "rosenblatt.classes", "rosenblatt.metadata", "rosenblatt.state"
_FORMAT, _STRUCTURE = "rosenblatt.format_version", "rosenblatt.structure"
_SHA = "rosenblatt.sha256"  # of the contents (see _checksum), verified on every read
_FORMAT_VERSION = "1"  # of the structure description; a reader refuses newer ones

_MAX_HEADER = 100 * 1024 * 1024  # safetensors' own limit on the JSON header
_MAX_DEPTH = 64  # nesting of the architecture JSON and of a saved object
_MAX_NODES = 1_000_000  # values (dict entries, list items, tensors ...) in a saved object
_MAX_MODULES = 10_000  # modules in one architecture (ResNet-152 has about 500)
_MAX_ARCH_TEXT = 2 << 20  # characters of architecture JSON (10 000 modules take ~700 000)
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
    Windows). On any error the temporary file is removed and ``path`` is untouched; one left
    by a process that was killed is removed by the next write to ``path``.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())

    with atomic_path(path) as tmp:
        write(tmp)


@contextlib.contextmanager
def atomic_path(path: PathLike) -> Iterator[Path]:
    """A temporary path beside ``path`` (same extension) to write to; renamed over ``path``
    when the block succeeds, removed when it fails -- for writers that take a path, such as
    ``fig.savefig``::

        with atomic_path("loss_curve.png") as tmp:
            fig.savefig(tmp)

    Temporaries are named ``.NAME.PID.XXXXXXXX.tmpEXT``; those of processes that no longer
    run (killed mid-write) are removed first.
    """
    target = Path(path)
    directory = target.parent
    remove_stale_temporaries(directory, target.name)
    fd, name = tempfile.mkstemp(
        dir=directory, prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp" + target.suffix
    )
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError) and e.filename is None and e.errno is not None:
            raise OSError(e.errno, e.strerror, str(target)) from e  # say which file
        raise
    with contextlib.suppress(OSError, AttributeError):  # make the rename itself durable
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_temporaries(directory: PathLike, name: str | None = None) -> list[Path]:
    """Remove the temporary files of ``atomic_path`` (for ``name``, or for any file) in
    ``directory`` whose writing process no longer runs; returns what was removed. On
    systems without POSIX process ids nothing is removed."""
    if os.name != "posix":
        return []
    removed = []
    pattern = f".{glob.escape(name)}.*.tmp*" if name is not None else ".*.tmp*"
    for tmp in Path(directory).glob(pattern):
        m = _TEMPORARY.match(tmp.name)
        if m and (name is None or m["name"] == name) and not _alive(int(m["pid"])):
            with contextlib.suppress(OSError):
                tmp.unlink()
                removed.append(tmp)
    return removed


# .NAME.PID.XXXXXXXX.tmpEXT (mkstemp's 8 random characters have no dot)
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[A-Za-z0-9_]{8}\.tmp(\.[^.]*)?$")


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
        children = dict(module.__dict__["_modules"])  # every slot (a module may repeat)
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


def _decode(value: Any, where: str, registry: dict[str, type], depth: int, budget: _Budget) -> Any:
    if depth > _MAX_DEPTH:
        raise ValueError(f"architecture nested deeper than {_MAX_DEPTH} levels at {where}")
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"architecture: non-finite number at {where}")
        return value
    if isinstance(value, list):
        return [
            _decode(v, f"{where}[{i}]", registry, depth + 1, budget) for i, v in enumerate(value)
        ]
    if isinstance(value, dict) and len(value) == 1:
        ((tag, inner),) = value.items()
        if tag == "__module__":
            return _build(inner, where, registry, depth + 1, budget)
        if tag == "__tuple__" and isinstance(inner, list):
            return tuple(_decode(inner, where, registry, depth + 1, budget))
        if tag == "__dict__" and isinstance(inner, dict):
            return {
                k: _decode(v, f"{where}[{k!r}]", registry, depth + 1, budget)
                for k, v in inner.items()
            }
        if tag == "__dtype__" and inner in _DTYPE_NAMES:
            return np.dtype(inner)
    raise ValueError(f"architecture: unexpected value at {where}: {_short(value)}")


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."


class _Budget:
    """What building an architecture may cost: modules, and bytes of weights and buffers.

    A model file must hold every weight of its architecture, so the weights it can ask for
    are bounded by its own tensor bytes: ``nbytes`` is 4 x those bytes (the widest dtype an
    architecture builds, float64, for the narrowest a file may hold, float16) plus 1 MiB.
    ``initialise=False`` builds rosenblatt's own layers without running
    ``reset_parameters``: their weights are about to be overwritten by the file's, and
    ``np.empty`` leaves the pages untouched, so an architecture the file cannot back costs
    neither memory nor the time to draw random numbers before it is refused.
    """

    def __init__(self, nbytes: int | None = None, initialise: bool = True) -> None:
        self.nbytes, self.initialise = nbytes, initialise
        self.modules, self.spent = 0, 0

    @classmethod
    def for_file(cls, arrays: Mapping[str, np.ndarray]) -> _Budget:
        held = sum(a.nbytes for a in arrays.values())
        return cls(nbytes=4 * held + (1 << 20), initialise=False)

    def enter(self, where: str) -> None:
        """One more module to build (counted before its arguments are decoded)."""
        self.modules += 1
        if self.modules > _MAX_MODULES:
            raise ValueError(
                f"architecture: more than {_MAX_MODULES} modules (at {where}); no network "
                "rosenblatt builds has that many"
            )

    def check_sizes(self, cls: type, values: list[Any], where: str) -> None:
        """Before one of rosenblatt's layers is built: none of its integer arguments (sizes,
        counts) may exceed what the file's bytes can hold even as float32, since some
        constructors fill buffers of that length (BatchNorm's running variance: ones)."""
        if self.nbytes is None or not cls.__module__.startswith("rosenblatt."):
            return
        stack = list(values)
        while stack:
            v = stack.pop()
            if isinstance(v, (list, tuple)):
                stack.extend(v)
            elif isinstance(v, dict):
                stack.extend(v.values())
            elif isinstance(v, int) and not isinstance(v, bool) and 4 * v > self.nbytes:
                held = (self.nbytes - (1 << 20)) // 4
                raise ValueError(
                    f"architecture: {where} asks for a size of {v:,}; the file holds "
                    f"{held:,} bytes of tensors, so its weights cannot be there"
                )

    def spend(self, module: Module, where: str) -> None:
        """Count the weights and buffers ``module`` itself holds (not its children's)."""
        own = [*module.__dict__["_parameters"].values(), *module.__dict__["_buffers"].values()]
        self.spent += sum(t._data.nbytes for t in own if t is not None)
        if self.nbytes is not None and self.spent > self.nbytes:
            held = (self.nbytes - (1 << 20)) // 4
            raise ValueError(
                f"architecture: {where} asks for {self.spent:,} bytes of weights so far; "
                f"the file holds {held:,} bytes of tensors, so its weights cannot be there"
            )


def _skip_reset() -> None:
    """Stands in for ``reset_parameters`` while a layer whose weights a file holds is built."""


def _construct(cls: type, a: list, kw: dict, budget: _Budget) -> Any:
    """``cls(*a, **kw)``, without the initialisation of rosenblatt's layers when the budget
    says their weights will be overwritten (user classes always run their constructor as
    written: theirs may create weights in reset_parameters)."""
    if budget.initialise or not cls.__module__.startswith("rosenblatt."):
        return cls(*a, **kw)
    module = cls.__new__(cls, *a, **kw)
    if not isinstance(module, cls):
        return module
    object.__setattr__(module, "reset_parameters", _skip_reset)  # an instance attribute
    try:
        cls.__init__(module, *a, **kw)  # type: ignore[misc]
    finally:
        module.__dict__.pop("reset_parameters", None)
    return module


def _build(
    spec: Any, where: str, registry: dict[str, type], depth: int = 0, budget: _Budget | None = None
) -> Module:
    budget = _Budget() if budget is None else budget
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
    budget.enter(where)
    a = [_decode(v, f"{where}.args[{i}]", registry, depth, budget) for i, v in enumerate(args)]
    kw = {k: _decode(v, f"{where}.{k}", registry, depth, budget) for k, v in kwargs.items()}
    budget.check_sizes(registry[name], [a, kw], where)
    try:
        module = _construct(registry[name], a, kw, budget)
    except Exception as e:
        raise ValueError(f"architecture: cannot build {where}: {type(e).__name__}: {e}") from e
    if not isinstance(module, Module):
        raise ValueError(f"architecture: {where} did not build a Module")
    budget.spend(module, where)
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
    as it was. Raises ValueError for anything malformed or unknown, or for more than
    10 000 modules.
    """
    return _build_checked(config, _Budget())


def _build_checked(config: Any, budget: _Budget) -> Module:
    registry = _registry()
    with _rng_untouched():
        try:
            spec = dict(config) if isinstance(config, Mapping) else config
            return _build(spec, "model", registry, budget=budget)
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


def _name_of(f: Any) -> str:
    """How messages name a path or an open file."""
    if hasattr(f, "read") or hasattr(f, "write"):
        name = getattr(f, "name", None)
        return repr(name) if isinstance(name, (str, bytes)) else f"the {type(f).__name__} object"
    return repr(os.fspath(f)) if isinstance(f, (str, os.PathLike)) else repr(f)


def _open_bytes(f: FileLike) -> tuple[bytes, str]:
    """All bytes of a path or an open binary file, and how to name it in messages."""
    where = _name_of(f)
    if hasattr(f, "read"):
        if isinstance(f, TextIOBase):
            raise TypeError(f"{where} is open in text mode: open it in binary mode 'rb'")
        raw = f.read()
        if not isinstance(raw, (bytes, bytearray, memoryview)):
            raise TypeError(f"{where} gave {type(raw).__name__}: open it in binary mode 'rb'")
        return bytes(raw), where
    if not isinstance(f, (str, os.PathLike)):
        raise TypeError(f"expected a path or an open binary file, got {type(f).__name__}")
    if not Path(f).is_file():
        raise FileNotFoundError(f"no such file: {where}")
    return Path(f).read_bytes(), where


def _write_bytes(f: FileLike, raw: bytes) -> None:
    """Write to an open binary file as is, to a path atomically (``atomic_write``)."""
    if isinstance(f, TextIOBase):
        raise TypeError(f"{_name_of(f)} is open in text mode: open it in binary mode 'wb'")
    if hasattr(f, "write"):
        f.write(raw)
    elif isinstance(f, (str, os.PathLike)):
        atomic_write(f, raw)
    else:
        raise TypeError(f"expected a path or an open binary file, got {type(f).__name__}")


def read_safetensors(f: FileLike) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Read and fully validate a safetensors file: (arrays by key, ``__metadata__``).

    ``f`` is a path or an open binary file. The arrays come in the header's order.

    Raises
    ------
    FileNotFoundError, OSError
        The file cannot be read.
    ValueError
        Anything malformed: too short, a header length beyond the file, a header that is
        not a JSON object (or has duplicate keys), a bad dtype/shape/offset, data that does
        not exactly fill the rest of the file (truncated or trailing bytes). A PyTorch
        ``.pt`` file or a pickle is named as such, with how to convert it.
    """
    raw, where = _open_bytes(f)
    try:
        header = _read_header(raw, where)
    except ValueError as e:
        foreign = _foreign_format(raw, where)
        if foreign is None:
            raise
        raise ValueError(foreign) from e
    meta = header.get("__metadata__", {})
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise ValueError(f"{where}: __metadata__ must map strings to strings")
    (n,) = struct.unpack("<Q", raw[:8])
    _check_layout(header, len(raw) - 8 - n, where)
    import safetensors.numpy

    try:
        arrays = safetensors.numpy.load(raw)
    except Exception as e:  # SafetensorError and friends
        raise ValueError(f"{where}: safetensors cannot read it: {e}") from e
    expected = [k for k in header if k != "__metadata__"]
    if set(arrays) != set(expected):
        raise ValueError(f"{where}: the tensors read do not match the header")
    if _SHA in meta and meta[_SHA] != _checksum(arrays, meta):
        raise ValueError(
            f"{where}: its checksum does not match its contents: the file was changed or "
            "damaged after it was written (a flipped bit, an incomplete copy); use a good copy"
        )
    return {k: arrays[k] for k in expected}, dict(meta)


def _checksum(arrays: Mapping[str, np.ndarray], meta: Mapping[str, str]) -> str:
    """SHA-256 of a file's contents: every metadata entry but the checksum itself, and every
    tensor's name, dtype, shape and little-endian bytes, in sorted order."""
    h = hashlib.sha256()
    for key in sorted(k for k in meta if k != _SHA):
        h.update(json.dumps([key, meta[key]]).encode("utf-8"))
    for name in sorted(arrays):
        arr = np.ascontiguousarray(arrays[name])
        if arr.dtype.byteorder == ">":
            arr = arr.astype(arr.dtype.newbyteorder("<"))
        h.update(json.dumps([name, arr.dtype.name, list(arr.shape)]).encode("utf-8"))
        h.update(arr.reshape(-1).view(np.uint8).data if arr.size else b"")
    return "sha256:" + h.hexdigest()


def _read_header(raw: bytes, where: str) -> dict[str, Any]:
    """The JSON header of safetensors bytes (a ValueError for anything else)."""
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
    return header


# the pickle torch.save writes first in its legacy (non-zip) format: the magic number
_TORCH_LEGACY_MAGIC = b"\x80\x02\x8a\x0a" + (0x1950A86A20F9469CFC6C).to_bytes(10, "little")


def _how_to_convert(where: str) -> str:
    """The commands that turn the PyTorch file ``where`` (quoted) into a safetensors file."""
    source = where if where.startswith(("'", '"')) else "'model.pt'"
    target = repr(str(Path(source[1:-1]).with_suffix(".safetensors")))
    return (
        "Convert it once, with PyTorch itself (plain `import torch`; only a file you trust): "
        f"`obj = torch.load({source}, map_location='cpu')` (a whole model also needs "
        "weights_only=False; then take obj = obj.state_dict()), then "
        f"`rosenblatt.save(obj, {target})` (any state_dict or checkpoint dict: torch tensors "
        f"are converted) or `safetensors.torch.save_file(obj, {target})` (a flat "
        f"state_dict); then rb.load({target})."
    )


def _foreign_format(raw: bytes, where: str) -> str | None:
    """What a file that is not safetensors is, when it is something recognisable."""
    if raw.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(BytesIO(raw)) as z:
                names = z.namelist()
        except Exception:  # not a readable zip after all: the safetensors error stands
            return None
        if any(name == "data.pkl" or name.endswith("/data.pkl") for name in names):
            return (
                f"{where} is a PyTorch file written by torch.save (a zip archive holding a "
                "pickle, data.pkl), not a safetensors file. rosenblatt never unpickles: "
                f"unpickling can run any code. {_how_to_convert(where)}"
            )
        return f"{where} is a zip archive (e.g. NumPy .npz), not a safetensors file"
    if raw.startswith(_TORCH_LEGACY_MAGIC):
        return (
            f"{where} is a PyTorch file written by torch.save in its legacy format (a "
            "pickle), not a safetensors file. rosenblatt never unpickles: unpickling can run "
            f"any code. {_how_to_convert(where)}"
        )
    if len(raw) >= 2 and raw[0] == 0x80 and 2 <= raw[1] <= 5:
        return (
            f"{where} is a Python pickle (pickle.dump, joblib, or torch.save), not a "
            "safetensors file; rosenblatt never unpickles: unpickling can run any code. "
            "Save the arrays with rb.save or safetensors instead."
        )
    return None


def _safetensors_bytes(arrays: Mapping[str, Any], meta: dict[str, str]) -> bytes:
    """The file's bytes; rosenblatt's files carry the checksum of their contents."""
    import safetensors.numpy

    tensors = {}
    for k, v in arrays.items():
        if not isinstance(k, str):
            raise ValueError(f"tensor names must be strings, got {k!r}")
        arr = _savable_array(np.asarray(v._data if isinstance(v, Tensor) else v), repr(k))
        tensors[k] = arr
    if _KIND in meta:
        meta = {**meta, _SHA: _checksum(tensors, meta)}
    return safetensors.numpy.save(tensors, metadata=meta)


def _savable_array(arr: np.ndarray, what: str) -> np.ndarray:
    """C-contiguous, native byte order, one of the dtypes safetensors and NumPy share."""
    if arr.dtype.name not in _DTYPE_NAMES:
        raise ValueError(f"cannot save tensor {what}: dtype {arr.dtype} is not supported")
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return np.array(arr, order="C") if not arr.flags.c_contiguous else arr  # keeps 0-d


def _write_safetensors(path: FileLike, arrays: Mapping[str, Any], meta: dict[str, str]) -> None:
    _write_bytes(path, _safetensors_bytes(arrays, meta))


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


def _save_model(
    model: Module, f: FileLike, preprocessing: Any, classes: Any, metadata: Any
) -> None:
    """A model file: the weights + architecture/preprocessing/classes/metadata JSON."""
    config = module_config(model)
    weights = {k: np.asarray(v) for k, v in model.state_dict().items()}
    _check_rebuilds(config, weights)
    preprocessing, classes = _labels_of(model, preprocessing, classes)
    _check_consistency(model, preprocessing, classes, "rb.save")
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
    _write_safetensors(f, weights, meta)


def _check_rebuilds(config: dict[str, Any], weights: dict[str, np.ndarray]) -> None:
    """The recorded architecture must rebuild into weights of exactly these names and shapes."""
    with _rng_untouched():
        spec = json.loads(json.dumps(config))
        built = _build(spec, "model", _registry(), budget=_Budget(initialise=False))
        rebuilt = built.state_tensors()
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
    found = getattr(model, "preprocessing", None)
    if preprocessing is None and isinstance(found, Preprocessor):
        preprocessing = found
    if isinstance(preprocessing, Mapping):
        preprocessing = Preprocessor.from_dict(dict(preprocessing))
    if preprocessing is not None and not isinstance(preprocessing, Preprocessor):
        raise TypeError(
            f"rb.save: preprocessing must be a Preprocessor, got {type(preprocessing).__name__}"
        )
    if classes is None and preprocessing is not None and preprocessing.classes_ is not None:
        classes = preprocessing.classes_
    found = getattr(model, "classes", None)
    if classes is None and isinstance(found, list):
        classes = found
    if classes is not None:
        labels = np.asarray(classes)
        if labels.ndim != 1:
            raise ValueError(f"rb.save: classes must be a 1-D sequence of labels, got {classes!r}")
        classes = labels.tolist()
    return preprocessing, classes


def _library_version() -> str:
    from . import __version__

    return __version__


def load_checkpoint(f: FileLike) -> Checkpoint:
    """Read a model file written by ``rb.save(model, ...)``: the model (eval mode) and its
    JSON parts. ``f`` is a path or an open binary file.

    Raises
    ------
    OSError
        The file cannot be read.
    ValueError
        A malformed or hostile file (see the module docstring), or a file that is not a
        rosenblatt model.
    """
    arrays, meta = read_safetensors(f)
    where = _name_of(f)
    if meta.get(_KIND) != "model" or _ARCH not in meta:
        raise ValueError(
            f"{where} is not a rosenblatt model file (its metadata has no architecture); "
            "plain weights load with rb.load + model.load_state_dict"
        )
    return _model_checkpoint(arrays, meta, where)


def _model_checkpoint(
    arrays: dict[str, np.ndarray], meta: dict[str, str], where: str
) -> Checkpoint:
    if len(meta[_ARCH]) > _MAX_ARCH_TEXT:
        raise ValueError(
            f"{where}: the architecture is {len(meta[_ARCH]):,} characters of JSON, more than "
            f"the {_MAX_ARCH_TEXT:,} any network rosenblatt builds needs; refused unread"
        )
    config = _json_loads(meta[_ARCH], f"{where}: the architecture")
    try:
        model = _build_checked(config, _Budget.for_file(arrays))
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
    _check_consistency(model, preprocessing, classes, where)
    return Checkpoint(model, preprocessing, classes, metadata)


def _check_consistency(
    model: Module, preprocessing: Preprocessor | None, classes: list | None, where: str
) -> None:
    """A model file's parts agree: finite weights; the class labels of the metadata and of
    the preprocessing are the same; the model takes the preprocessing's features and gives
    one output per class (one logit for two) or per regression target."""
    for name, t in model.state_tensors().items():
        if t._data.dtype.kind == "f" and not np.isfinite(t._data).all():
            raise ValueError(f"{where}: weight {name!r} holds NaN or inf values")
    if preprocessing is None:
        return
    own = preprocessing.classes_
    if classes is not None and own is not None and classes != own.tolist():
        raise ValueError(
            f"{where}: the class labels {_short(classes)} differ from those of the "
            f"preprocessing {_short(own.tolist())}"
        )
    n = preprocessing.n_features_in_
    if n is None:
        return
    from .nn.loss import _Loss

    losses = [type(m).__name__ for m in model.modules() if isinstance(m, _Loss)]
    if losses:
        raise ValueError(
            f"{where}: the model holds a loss function ({losses[0]}) among its layers; a model "
            "with a preprocessing maps features to outputs"
        )
    k = _probe_width(model, n, where)
    if preprocessing.task == "classification" and own is not None:
        if k != len(own) and not (k == 1 and len(own) == 2):
            raise ValueError(
                f"{where}: the model has {k} output(s) for {len(own)} classes (one output "
                "per class, or one logit for two classes)"
            )
    target = preprocessing.target_scaler_
    if target is not None and target.n_features_in_ != k:
        raise ValueError(
            f"{where}: the model has {k} output(s), its target scaling {target.n_features_in_}"
        )


def _probe_width(model: Module, n_features: int, where: str) -> int:
    """The number of outputs the model gives for one sample of ``n_features``."""
    from .autograd import no_grad

    floats = [t._data.dtype for t in model.parameters() if t._data.dtype.kind == "f"]
    probe = Tensor._make(np.zeros((1, n_features), floats[0] if floats else np.float32), None)
    training = model.training
    model.eval()
    try:
        with no_grad(), np.errstate(all="ignore"):
            out = model(probe)
    except (ValueError, TypeError, IndexError, RuntimeError, AttributeError) as e:
        raise ValueError(
            f"{where}: the model does not take the {n_features} features of its "
            f"preprocessing: {type(e).__name__}: {e}"
        ) from e
    finally:
        model.train(training)
    if not isinstance(out, Tensor) or out.ndim != 2 or out.shape[0] != 1:
        what = f"shape {out.shape}" if isinstance(out, Tensor) else type(out).__name__
        raise ValueError(
            f"{where}: the model's output for one sample is a {what}, not one row of outputs"
        )
    return int(out.shape[1])


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
        t._data = arrays[k]  # the file's dtype (float32/float64); each array is used once
        t._grad = None


# ============================================================================ objects
def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _is_torch_tensor(obj: Any) -> bool:
    """A torch.Tensor (or Parameter), recognised without importing torch."""
    return type(obj).__module__.split(".")[0] == "torch" and hasattr(obj, "numpy")


class _Packer:
    """A Python object -> one JSON node (module docstring) + the arrays, named by path."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.names: dict[int, tuple[Any, str]] = {}  # id -> (the object, kept alive; name)
        self.nodes = 0

    def pack(self, obj: Any, path: str, depth: int = 0, key: bool = False) -> Any:
        self.nodes += 1
        where = path or "the object"
        if depth > _MAX_DEPTH:
            raise ValueError(
                f"rb.save: {where} is nested deeper than {_MAX_DEPTH} levels "
                "(a container that holds itself?)"
            )
        if self.nodes > _MAX_NODES:
            raise ValueError(f"rb.save: more than {_MAX_NODES} values to save")
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, np.generic):  # before float: np.float64 is a float
            if obj.dtype.name not in _DTYPE_NAMES:
                raise ValueError(f"rb.save: {where}: NumPy {obj.dtype} is not supported")
            return {"number": [obj.dtype.name, self.pack(obj.item(), path, depth + 1)]}
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return float(obj) if math.isfinite(obj) else {"float": repr(float(obj))}
        if isinstance(obj, tuple):
            items = [self.pack(v, _join(path, i), depth + 1, key) for i, v in enumerate(obj)]
            return {"tuple": items}
        if key:
            raise TypeError(
                f"rb.save: a dict key of type {type(obj).__name__} in {where}; keys must be "
                "strings, numbers, None or tuples of them"
            )
        if isinstance(obj, (Tensor, np.ndarray)) or _is_torch_tensor(obj):
            return self._tensor(obj, path)
        if isinstance(obj, Module):
            return self._module(obj, path)
        if isinstance(obj, dict):
            pairs = [
                [
                    self.pack(k, _join(path, k), depth + 1, True),
                    self.pack(v, _join(path, k), depth + 1),
                ]
                for k, v in obj.items()
            ]
            return {"odict" if isinstance(obj, OrderedDict) else "dict": pairs}
        if isinstance(obj, list):
            return {"list": [self.pack(v, _join(path, i), depth + 1) for i, v in enumerate(obj)]}
        if isinstance(obj, np.dtype) or (isinstance(obj, type) and issubclass(obj, np.generic)):
            name = np.dtype(obj).name
            if name not in _DTYPE_NAMES:
                raise ValueError(f"rb.save: {where}: dtype {name} is not supported")
            return {"dtype": name}
        if isinstance(obj, _device):
            return {"device": str(obj)}
        cls = f"{type(obj).__module__}.{type(obj).__qualname__}"
        hint = (
            " (a PyTorch module: save its state_dict(), or build it with rosenblatt.nn)"
            if cls.startswith("torch.") and hasattr(obj, "state_dict")
            else ""
        )
        raise TypeError(
            f"rb.save: cannot save {where}: {cls} is not a type rb.save writes{hint}. It "
            "writes dicts, OrderedDicts, lists, tuples, Tensors, NumPy arrays and scalars, "
            "Python numbers, strings, None, dtypes, devices and rosenblatt models; it never "
            "pickles"
        )

    def _name(self, path: str) -> str:
        """A tensor name not taken yet: the path, else the path with a suffix."""
        base = (path or "tensor").encode("utf-8", "backslashreplace").decode("utf-8")
        name, n = base, 1
        while name in self.arrays or name == "__metadata__":
            n += 1
            name = f"{base}#{n}"
        return name

    def _tensor(self, obj: Any, path: str) -> dict[str, Any]:
        if id(obj) in self.names:  # the same object again: stored once
            name = self.names[id(obj)][1]
        else:
            if isinstance(obj, np.ndarray):
                arr = obj
            elif isinstance(obj, Tensor):
                arr = np.asarray(obj._data)
            else:  # torch: converted here, so rb.save(torch.load(...)) converts a file
                try:
                    arr = obj.detach().cpu().numpy()
                except (TypeError, RuntimeError) as e:
                    raise ValueError(f"rb.save: cannot convert torch tensor {path!r}: {e}") from e
            name = self._name(path)
            self.arrays[name] = _savable_array(arr, repr(name))
            self.names[id(obj)] = (obj, name)
        if isinstance(obj, np.ndarray):
            return {"ndarray": name}
        is_parameter = isinstance(obj, Parameter) or type(obj).__name__ == "Parameter"
        return {"parameter" if is_parameter else "tensor": [name, bool(obj.requires_grad)]}

    def _module(self, model: Module, path: str) -> dict[str, Any]:
        config = module_config(model)
        weights = {k: np.asarray(v) for k, v in model.state_dict().items()}
        _check_rebuilds(config, weights)
        state = {}
        for k, arr in weights.items():
            state[k] = self._name(_join(path, k))
            self.arrays[state[k]] = _savable_array(arr, repr(state[k]))
        return {"module": {"architecture": config, "state": state}}


class _Unpacker:
    """One JSON node + the file's arrays -> the Python object; every step is checked.

    Only the tags of the module docstring are known, nesting and size are bounded, and
    nothing but the constructors of this module's whitelist (dict, list, Tensor, ... and
    the registered Module classes) is ever called.
    """

    def __init__(
        self, arrays: dict[str, np.ndarray], where: str, move: Callable[[Tensor], Tensor]
    ) -> None:
        self.arrays, self.where, self.move = arrays, where, move
        self.loaded: dict[str, tuple[Any, Any]] = {}  # name -> (how it was used, object)
        self.nodes = 0
        self.handlers: dict[str, Callable[[Any, int], Any]] = {
            "dict": self._dict, "odict": self._odict, "list": self._list,
            "tensor": self._tensor, "parameter": self._parameter,
            "ndarray": self._ndarray, "number": self._number, "float": self._float,
            "dtype": self._dtype, "device": self._device, "module": self._module,
        }  # fmt: skip

    def error(self, problem: str) -> ValueError:
        return ValueError(f"{self.where}: the structure description {problem}")

    def unpack(self, node: Any, depth: int = 0, key: bool = False) -> Any:
        self.nodes += 1
        if self.nodes > _MAX_NODES:
            raise self.error(f"holds more than {_MAX_NODES} values")
        if depth > _MAX_DEPTH:
            raise self.error(f"is nested deeper than {_MAX_DEPTH} levels")
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, dict) and len(node) == 1:
            ((tag, value),) = node.items()
            if tag == "tuple":  # in a dict key, a tuple holds keys only
                return tuple(self.unpack(v, depth + 1, key) for v in self._items(value, tag))
            if tag in (_KEY_TAGS if key else self.handlers):
                return self.handlers[tag](value, depth + 1)
        raise self.error(f"has an unexpected {'dict key' if key else 'value'}: {_short(node)}")

    def _items(self, value: Any, tag: str) -> list:
        if not isinstance(value, list):
            raise self.error(f"has a {tag} that is not a JSON list: {_short(value)}")
        return value

    def _list(self, value: Any, depth: int) -> list:
        return [self.unpack(v, depth) for v in self._items(value, "list")]

    def _dict(self, value: Any, depth: int, out: dict | None = None) -> dict:
        out = {} if out is None else out
        for pair in self._items(value, "dict"):
            if not (isinstance(pair, list) and len(pair) == 2):
                raise self.error(
                    f"has a dict entry that is not a [key, value] pair: {_short(pair)}"
                )
            k = self.unpack(pair[0], depth, key=True)
            if k in out:
                raise self.error(f"repeats the dict key {k!r}")
            out[k] = self.unpack(pair[1], depth)
        return out

    def _odict(self, value: Any, depth: int) -> dict:
        return self._dict(value, depth, OrderedDict())

    def _take(self, name: Any, use: Any) -> Any:
        """The array called ``name``; the object already made from it when seen before."""
        if not isinstance(name, str) or name not in self.arrays:
            raise self.error(f"refers to a tensor the file does not hold: {_short(name)}")
        if name in self.loaded:
            if self.loaded[name][0] != use:
                raise self.error(f"uses tensor {name!r} twice in different ways")
            return self.loaded[name][1]
        return None

    def _tensor_like(self, value: Any, tag: str) -> Any:
        if not (
            isinstance(value, list)
            and len(value) == 2
            and isinstance(value[0], str)
            and isinstance(value[1], bool)
        ):
            raise self.error(f"has a malformed {tag}: {_short(value)} (expected [name, bool])")
        name, requires_grad = value
        seen = self._take(name, (tag, requires_grad))
        if seen is not None:
            return seen
        arr = self.arrays[name]
        t: Tensor
        try:
            if tag == "parameter":
                t = Parameter(arr, requires_grad=requires_grad)
            else:
                t = Tensor._make(arr, None)
                if requires_grad:
                    t.requires_grad_(True)
        except (TypeError, ValueError, RuntimeError) as e:
            raise self.error(f"asks for an impossible {tag} {name!r}: {e}") from e
        t = self.move(t)
        self.loaded[name] = ((tag, requires_grad), t)
        return t

    def _tensor(self, value: Any, depth: int) -> Tensor:
        return self._tensor_like(value, "tensor")

    def _parameter(self, value: Any, depth: int) -> Tensor:
        return self._tensor_like(value, "parameter")

    def _ndarray(self, value: Any, depth: int) -> np.ndarray:
        seen = self._take(value, "ndarray")
        if seen is None:
            seen = self.arrays[value]
            self.loaded[value] = ("ndarray", seen)
        return seen

    def _number(self, value: Any, depth: int) -> np.generic:
        if not (isinstance(value, list) and len(value) == 2 and value[0] in _DTYPE_NAMES):
            raise self.error(f"has a malformed NumPy number: {_short(value)}")
        number = self.unpack(value[1], depth, key=True)
        if not isinstance(number, (int, float)):
            raise self.error(f"has a NumPy number that is not a number: {_short(value)}")
        try:
            return np.dtype(value[0]).type(number)
        except (OverflowError, ValueError, TypeError) as e:
            raise self.error(f"has a NumPy number out of range: {_short(value)}") from e

    def _float(self, value: Any, depth: int) -> float:
        if value not in ("nan", "inf", "-inf"):
            raise self.error(f"has a malformed float: {_short(value)}")
        return float(value)

    def _dtype(self, value: Any, depth: int) -> np.dtype:
        if value not in _DTYPE_NAMES:
            raise self.error(f"has an unsupported dtype: {_short(value)}")
        return np.dtype(value)

    def _device(self, value: Any, depth: int) -> _device:
        if not isinstance(value, str) or len(value) > 32:
            raise self.error(f"has a malformed device: {_short(value)}")
        try:
            return _device(value)
        except RuntimeError as e:
            raise self.error(f"has an unknown device: {e}") from e

    def _module(self, value: Any, depth: int) -> Module:
        if not (isinstance(value, dict) and set(value) == {"architecture", "state"}):
            raise self.error(f"has a malformed module: {_short(value)}")
        state = value["state"]
        if not (isinstance(state, dict) and all(isinstance(v, str) for v in state.values())):
            raise self.error("has a module whose state is not an object of tensor names")
        arrays = {}
        for k, name in state.items():
            if self._take(name, "module") is not None or name in self.loaded:
                raise self.error(f"uses tensor {name!r} twice")
            self.loaded[name] = ("module", None)
            arrays[k] = self.arrays[name]
        try:
            model = _build_checked(value["architecture"], _Budget.for_file(arrays))
        except ValueError as e:
            raise ValueError(f"{self.where}: {e}") from e
        _assign_weights(model, arrays, self.where)
        return model.eval()

    def check_all_used(self) -> None:
        unused = [k for k in self.arrays if k not in self.loaded]
        if unused:
            raise self.error(f"does not refer to the file's tensors {unused[:5]}")


_KEY_TAGS = frozenset({"number", "float"})  # tags that may stand in a dict key (+ tuple)


def _mover(map_location: Any) -> Callable[[Tensor], Tensor]:
    """``map_location`` as ``torch.load`` takes it -> what is done to each loaded tensor.

    The tensors of a file are on the CPU (location "cpu"). A device or its name, or a dict
    {saved location: target}, moves them with ``to_device`` (a clear error for a device
    without a backend, such as "cuda"); a callable is called as ``f(tensor, "cpu")``, as
    torch calls it with each storage, and its result (unless None) is used.
    """
    if map_location is None:
        return lambda t: t
    if callable(map_location):

        def call(t: Tensor) -> Tensor:
            out = map_location(t, "cpu")
            if out is None:
                return t
            if not isinstance(out, Tensor):
                raise TypeError(
                    f"rb.load: map_location returned {type(out).__name__}, expected a Tensor"
                )
            return out

        return call
    target = map_location.get("cpu", "cpu") if isinstance(map_location, Mapping) else map_location
    to_device(None, target)  # raises now, before the file is read
    return lambda t: to_device(t, target)  # type: ignore[return-value]


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
    if _is_estimator(obj):  # rosenblatt.models' estimators: see models._persist
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
        A corrupt or hostile file (see the module docstring); a PyTorch ``.pt`` file or a
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


# ============================================================================ estimators
def _estimators() -> Any:
    """rosenblatt.models' estimator codec (``models._persist``), imported when needed."""
    from .models import _persist

    return _persist


def _is_estimator(obj: Any) -> bool:
    """A scikit-learn estimator of rosenblatt.models (saved as kind "estimator")."""
    return type(obj).__module__.startswith("rosenblatt.models.") and _estimators().is_estimator(obj)


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
    where = _name_of(path)
    arrays, meta = read_safetensors(path)
    if meta.get(_KIND) != "state" or _STATE not in meta:
        raise ValueError(f"{where} is not a rosenblatt state file")
    state = _json_loads(meta[_STATE], f"{where}: the state", strict=False)
    if not isinstance(state, dict):
        raise ValueError(f"{where}: the state must be a JSON object")
    return {k: np.array(v, copy=True) for k, v in arrays.items()}, state
