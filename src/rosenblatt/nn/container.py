"""Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict (torch's).

A container registers what it holds, so the parameters inside are found by ``parameters()``
and saved by ``state_dict()`` under the container's keys: ``layers.0.weight`` for a
ModuleList, ``heads.cls.bias`` for a ModuleDict, ``scales.1`` for a ParameterList. List
containers number their entries 0, 1, 2 ...; deleting one renumbers the rest, as in torch.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..tensor import Tensor
from .module import Module, Parameter, _indent

__all__ = ["ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Sequential"]


def _abs_index(i: Any, n: int) -> int:
    """``i`` as a position in 0..n-1 (negative counts from the end); IndexError outside."""
    i = operator.index(i)
    if not -n <= i < n:
        raise IndexError(f"index {i} is out of range")
    return i % n


class _ListMixin:
    """Helpers of the list containers, whose entries are registered as "0", "1", ..."""

    def _store(self) -> OrderedDict[str, Any]:
        raise NotImplementedError

    def _renumber(self, values: list[Any]) -> None:
        """Register ``values`` as entries 0..n-1, replacing the current ones."""
        store = self._store()
        for k in list(store):
            del store[k]
            self.__dict__.pop(k, None)
        for i, v in enumerate(values):
            setattr(self, str(i), v)

    def __len__(self) -> int:
        return len(self._store())

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._store().values()))

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]  # type: ignore[misc]


class Sequential(_ListMixin, Module):
    """Modules applied in order: y = f_k(... f_2(f_1(x))).

    ``Sequential(m1, m2, ...)`` names the modules "0", "1", ...;
    ``Sequential(OrderedDict(name=module, ...))`` keeps the given names.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], (dict, OrderedDict)):
            for k, m in args[0].items():
                self.add_module(k, m)
        else:
            for i, m in enumerate(args):
                self.add_module(str(i), m)

    def _store(self) -> OrderedDict[str, Any]:
        return self._modules

    def forward(self, input: Any) -> Any:
        for m in self._modules.values():
            input = m(input)
        return input

    def __getitem__(self, idx: int | slice) -> Any:
        """A module, or for a slice a Sequential of those modules under their names."""
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[_abs_index(idx, len(self))]

    def __setitem__(self, idx: int, module: Module) -> None:
        key = list(self._modules)[_abs_index(idx, len(self))]
        setattr(self, key, module)

    def __delitem__(self, idx: int | slice) -> None:
        keys = list(self._modules)
        doomed = keys[idx] if isinstance(idx, slice) else [keys[_abs_index(idx, len(keys))]]
        for k in doomed:
            delattr(self, k)
        self._renumber(list(self._modules.values()))  # torch renumbers what is left

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        if not isinstance(module, Module):
            raise AssertionError(f"module should be of type: {Module}")
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"Index out of range: {index}")
        mods = list(self._modules.values())
        mods.insert(index + n if index < 0 else index, module)
        self._renumber(mods)
        return self

    def extend(self, sequential: Iterable[Module]) -> Sequential:
        for m in sequential:
            self.append(m)
        return self

    def pop(self, key: int | slice) -> Module:
        v = self[key]
        del self[key]
        return v

    def __add__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(
                "add operator supports only objects of Sequential class, "
                f"but {type(other)} is given."
            )
        return Sequential(*self, *other)

    def __iadd__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(
                "add operator supports only objects of Sequential class, "
                f"but {type(other)} is given."
            )
        return self.extend(other)


class ModuleList(_ListMixin, Module):
    """A list of modules whose parameters are registered (``0.weight``, ``1.weight`` ...).

    Indexing, slicing (a new ModuleList), ``append``, ``extend``, ``insert``, ``pop``,
    ``del``, ``+`` and ``+=`` behave as in torch; deleting renumbers the entries.
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _store(self) -> OrderedDict[str, Any]:
        return self._modules

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[str(_abs_index(idx, len(self)))]

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, str(_abs_index(idx, len(self))), module)

    def __delitem__(self, idx: int | slice) -> None:
        mods = list(self._modules.values())
        del mods[idx if isinstance(idx, slice) else _abs_index(idx, len(mods))]
        self._renumber(mods)

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        if not isinstance(modules, Iterable):
            raise TypeError(
                "ModuleList.extend should be called with an iterable, but got "
                + type(modules).__name__
            )
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        mods = list(self._modules.values())
        mods.insert(index, module)
        self._renumber(mods)

    def pop(self, key: int | slice) -> Module:
        v = self[key]
        del self[key]
        return v

    def __repr__(self) -> str:
        """Runs of equal entries are folded: ``(0-2): 3 x Linear(...)``, as torch prints."""
        reprs = [repr(m) for m in self]
        if not reprs:
            return self._get_name() + "()"
        runs: list[list[Any]] = []  # [first index, last index, repr]
        for i, r in enumerate(reprs):
            if runs and runs[-1][2] == r:
                runs[-1][1] = i
            else:
                runs.append([i, i, r])
        lines = [
            _indent(f"({a}): {r}" if a == b else f"({a}-{b}): {b - a + 1} x {r}")
            for a, b, r in runs
        ]
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of modules whose parameters are registered under the keys (``head.weight``).

    Keeps insertion order; ``[key]``, ``in``, ``keys``/``values``/``items``, ``update``,
    ``pop``, ``clear``, ``del`` behave as a dict's.
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[Any] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]
        self.__dict__.pop(key, None)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def clear(self) -> None:
        for k in list(self._modules):
            del self[k]

    def pop(self, key: str) -> Module:
        v = self[key]
        del self[key]
        return v

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def update(self, modules: Mapping[str, Module] | Iterable[Any]) -> None:
        """Add ``modules``: a mapping, or an iterable of (key, module) pairs."""
        _update(self, modules, "ModuleDict")


def _update(container: Any, entries: Any, name: str) -> None:
    if isinstance(entries, Mapping):
        for k, v in entries.items():
            container[k] = v
        return
    if not isinstance(entries, Iterable) or isinstance(entries, (str, bytes)):
        raise TypeError(
            f"{name}.update should be called with an iterable of key/value pairs, but got "
            + type(entries).__name__
        )
    for j, pair in enumerate(entries):
        pair = tuple(pair) if isinstance(pair, Iterable) else ()
        if len(pair) != 2:
            raise ValueError(
                f"{name} update sequence element #{j} should be an iterable of length 2"
            )
        container[pair[0]] = pair[1]


def _as_parameter(value: Any) -> Any:
    """A plain tensor put in a parameter container becomes a Parameter (sharing memory)."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value, requires_grad=True)
    return value


def _describe(value: Any, type_name: str) -> str:
    if not isinstance(value, Tensor):
        return f"Object of type: {type(value).__name__}"
    size = "x".join(str(n) for n in value.shape)
    kind = "Parameter containing" if isinstance(value, Parameter) else "Tensor"
    return f"{kind}: [{type_name} of size {size}]"


class ParameterList(_ListMixin, Module):
    """A list of Parameters registered as ``0``, ``1``, ... (tensors become Parameters)."""

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def _store(self) -> OrderedDict[str, Any]:
        return self._parameters

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)(list(self._parameters.values())[idx])
        return self._parameters[str(_abs_index(idx, len(self)))]

    def __setitem__(self, idx: int, param: Any) -> None:
        setattr(self, str(_abs_index(idx, len(self))), _as_parameter(param))

    def __iadd__(self, parameters: Iterable[Any]) -> ParameterList:
        return self.extend(parameters)

    def append(self, value: Any) -> ParameterList:
        setattr(self, str(len(self)), _as_parameter(value))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        if not isinstance(values, Iterable) or isinstance(values, Tensor):
            raise TypeError(
                "ParameterList.extend should be called with an iterable, but got "
                + type(values).__name__
            )
        for v in values:
            self.append(v)
        return self

    def extra_repr(self) -> str:
        lines = [
            f"  ({i}): " + _describe(p, f"torch.{p.dtype}" if isinstance(p, Tensor) else "")
            for i, p in enumerate(self)
        ]
        return "\n".join(lines)


class ParameterDict(Module):
    """A dict of Parameters registered under their keys (tensors become Parameters)."""

    def __init__(self, parameters: Mapping[str, Any] | Iterable[Any] | None = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Any:
        return self._parameters[key]

    def __setitem__(self, key: str, value: Any) -> None:
        setattr(self, key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._parameters[key]
        self.__dict__.pop(key, None)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def __contains__(self, key: str) -> bool:
        return key in self._parameters

    def keys(self) -> Iterable[str]:
        return self._parameters.keys()

    def items(self) -> Iterable[tuple[str, Any]]:
        return self._parameters.items()

    def values(self) -> Iterable[Any]:
        return self._parameters.values()

    def get(self, key: str, default: Any = None) -> Any:
        return self._parameters.get(key, default)

    def pop(self, key: str) -> Any:
        v = self[key]
        del self[key]
        return v

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def clear(self) -> None:
        for k in list(self._parameters):
            del self[k]

    def update(self, parameters: Mapping[str, Any] | Iterable[Any]) -> None:
        """Add ``parameters``: an iterable of (key, tensor) pairs or a mapping. As in torch, a
        plain dict is added in sorted key order (an OrderedDict in its own order)."""
        if isinstance(parameters, Mapping) and not isinstance(
            parameters, (OrderedDict, ParameterDict)
        ):
            parameters = sorted(parameters.items())
        _update(self, parameters, "ParametersDict")

    def extra_repr(self) -> str:
        lines = [
            f"  ({k}): " + _describe(p, p.type() if isinstance(p, Tensor) else "")
            for k, p in self.items()
        ]
        return "\n".join(lines)
