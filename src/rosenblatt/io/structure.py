"""The typed JSON structure of object files: any object that ``torch.save`` takes (dicts,
lists, tuples, tensors, arrays, NumPy numbers, models inside) <-> one JSON node plus named
arrays (``_Packer``, ``_Unpacker``); the tags are listed in the package docstring.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..device import device as _device
from ..device import to_device
from ..nn.module import Module, Parameter
from ..tensor import Tensor
from .architecture import _MAX_DEPTH, _Budget, _build_checked, module_config
from .checkpoint import _assign_weights, _check_rebuilds
from .safetensors_file import _DTYPE_NAMES, _savable_array, _short

_MAX_NODES = 1_000_000  # values (dict entries, list items, tensors ...) in a saved object


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _is_torch_tensor(obj: Any) -> bool:
    """A torch.Tensor (or Parameter), recognised without importing torch."""
    return type(obj).__module__.split(".")[0] == "torch" and hasattr(obj, "numpy")


class _Packer:
    """A Python object -> one JSON node (the package docstring) + the arrays, named by path."""

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

    Only the tags of the package docstring are known, nesting and size are bounded, and
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
