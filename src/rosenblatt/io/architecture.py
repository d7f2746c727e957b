"""Architecture serialisation: a Module <-> its constructor call as JSON, recursively
(``module_config``, ``build_module``), and the whitelist of classes a file may name
(``register_module``).

``{"type": "Linear", "args": [64, 10], "kwargs": {}}`` is read from ``module._init_args``,
the arguments ``nn.Module.__new__`` records for every module as it is constructed: that
record is what makes a whole model savable without pickling it (see
``rosenblatt.nn.module.Module.__new__``). Building walks the JSON with bounds (nesting,
modules, bytes of weights) and builds rosenblatt's own layers without initialising the
weights that the file's tensors then replace.
"""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from .. import random as _random
from ..nn.module import Module, ModuleList, Sequential
from .safetensors_file import _DTYPE_NAMES, _short

_MAX_DEPTH = 64  # nesting of the architecture JSON and of a saved object
_MAX_MODULES = 10_000  # modules in one architecture (ResNet-152 has about 500)
_MAX_ARCH_TEXT = 2 << 20  # characters of architecture JSON (10 000 modules take ~700 000)
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


def _encode(value: Any, where: str, registry: dict[str, type]) -> Any:
    """A constructor argument -> JSON value (the tags: see the package docstring)."""
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
