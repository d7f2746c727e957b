"""Module and Parameter: the PyTorch way of holding weights.

A Parameter or Module assigned as an attribute registers itself, so ``parameters()``,
``named_parameters()`` and ``state_dict()`` find them with PyTorch's dotted key names
(``0.weight``, ``encoder.2.bias``) and a PyTorch state_dict of the same architecture loads.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from ..tensor import Tensor, _as_dtype

__all__ = ["Module", "ModuleList", "Parameter", "Sequential"]


class Parameter(Tensor):
    """A tensor that is a learnable weight of a Module (requires_grad=True by default)."""

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        arr = np.zeros(0, np.float32) if data is None else _to_numpy(data)
        if arr.dtype.kind != "f":
            arr = arr.astype(np.float32)
        super().__init__(arr, requires_grad=requires_grad, dtype=arr.dtype)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


def _to_numpy(value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        return value._data
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # torch.Tensor
        return value.detach().cpu().numpy()
    return np.asarray(value)


class Module:
    """Base class of every layer and model.

    Subclasses create their weights in ``__init__`` (usually through ``reset_parameters()``)
    and compute in ``forward``; calling the module calls ``forward``.
    """

    training: bool

    def __new__(cls, *args: Any, **kwargs: Any) -> Module:
        # Remember the constructor arguments: rb.save records the architecture from them.
        self = super().__new__(cls)
        self.__dict__["_init_args"] = (args, kwargs)
        return self

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() call "
                f"(call super().__init__() first in {type(self).__name__}.__init__)"
            )
        params, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, (Parameter, Module)):
            for store in (params, buffers, modules):
                store.pop(name, None)
            (params if isinstance(value, Parameter) else modules)[name] = value
        elif name in buffers:
            buffers[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter {name!r} "
                    "(use nn.Parameter or None)"
                )
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as child module {name!r}")
            modules[name] = None
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            store.pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or None, as PyTorch does for a missing bias) under ``name``."""
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """A non-learnable state tensor (e.g. BatchNorm's running mean) kept in state_dict."""
        self._buffers[name] = tensor
        if not persistent:
            self.__dict__.setdefault("_non_persistent", set()).add(name)
        object.__setattr__(self, name, tensor)

    def add_module(self, name: str, module: Module | None) -> None:
        self._modules[name] = module
        object.__setattr__(self, name, module)

    # ------------------------------------------------------------------ calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------------ traversal
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, m = stack.pop()
            if id(m) in seen:
                continue
            seen.add(id(m))
            yield name, m
            children = [
                (f"{name}.{k}" if name else k, c) for k, c in m._modules.items() if c is not None
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for k, m in self._modules.items():
            if m is not None:
                yield k, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def named_parameters(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        seen: set[int] = set()
        mods = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for mname, m in mods:
            for k, p in m._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mname}.{k}" if mname else k), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        for mname, m in self.named_modules(prefix):
            for k, b in m._buffers.items():
                if b is not None:
                    yield (f"{mname}.{k}" if mname else k), b

    def buffers(self) -> Iterator[Tensor]:
        for _, b in self.named_buffers():
            yield b

    # ------------------------------------------------------------------ state
    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Parameters and persistent buffers by dotted name (PyTorch's keys), as arrays.

        The arrays are the module's own (no copy), as PyTorch's state_dict shares storage;
        copy them to keep a snapshot.
        """
        return OrderedDict((k, t._data) for k, t in self.state_tensors().items())

    def state_tensors(self) -> OrderedDict[str, Tensor]:
        """Parameters and persistent buffers by dotted state_dict key, as the tensors themselves."""
        out: OrderedDict[str, Tensor] = OrderedDict()
        for mname, m in self.named_modules():
            skip = m.__dict__.get("_non_persistent", set())
            for k, v in list(m._parameters.items()) + list(m._buffers.items()):
                if v is not None and k not in skip:
                    out[f"{mname}.{k}" if mname else k] = v
        return out

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> tuple[list, list]:
        """Copy weights in (NumPy arrays, rosenblatt or torch tensors), cast to each weight's dtype.

        With ``strict`` (default) missing or unexpected keys raise KeyError naming them; a
        shape mismatch always raises ValueError naming the key and both shapes. Returns
        ``(missing_keys, unexpected_keys)``.
        """
        own = self.state_tensors()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise KeyError(
                f"load_state_dict for {type(self).__name__}: missing keys {missing}, "
                f"unexpected keys {unexpected}"
            )
        arrays = {k: _to_numpy(state_dict[k]) for k in own if k in state_dict}
        for k, arr in arrays.items():
            if arr.shape != own[k]._data.shape:
                raise ValueError(
                    f"load_state_dict: size mismatch for {k}: checkpoint has shape {arr.shape}, "
                    f"the model has {own[k]._data.shape}"
                )
        for k, arr in arrays.items():
            own[k]._data[...] = arr.astype(own[k]._data.dtype, copy=False)
        return missing, unexpected

    # ------------------------------------------------------------------ modes and dtype
    def train(self, mode: bool = True) -> Module:
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: dropout off, batch norm uses running statistics."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none or p._grad is None:
                p._grad = None
            else:
                p._grad = p._grad.detach()
                p._grad._data[...] = 0

    def to(self, dtype: Any) -> Module:
        """Cast every floating parameter and buffer to ``dtype`` in place (grads are dropped)."""
        dt = _as_dtype(dtype)
        for m in self.modules():
            for t in list(m._parameters.values()) + list(m._buffers.values()):
                if t is not None and t._data.dtype.kind == "f":
                    t._data = t._data.astype(dt)
                    t._grad = None
        return self

    def double(self) -> Module:
        return self.to(np.float64)

    def float(self) -> Module:
        return self.to(np.float32)

    def apply(self, fn: Any) -> Module:
        for m in reversed(list(self.modules())):
            fn(m)
        return self

    # ------------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"({k}): " + repr(m).replace("\n", "\n  ") for k, m in self._modules.items()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


class Sequential(Module):
    """Modules applied in order: y = f_k(... f_2(f_1(x)))."""

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (dict, OrderedDict)):
            for k, m in modules[0].items():
                self.add_module(k, m)
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), m)

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, i: int | slice) -> Any:
        mods = list(self._modules.values())
        if isinstance(i, slice):
            return Sequential(*mods[i])
        return mods[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self._modules)), module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered (``0.weight``, ``1.weight`` ...)."""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), module)
        return self

    def __getitem__(self, i: int) -> Module:
        return list(self._modules.values())[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())
