"""Module and Parameter: the PyTorch way of holding weights.

A Parameter or Module assigned as an attribute registers itself, so ``parameters()``,
``named_parameters()`` and ``state_dict()`` find them with PyTorch's dotted key names
(``0.weight``, ``encoder.2.bias``) and a PyTorch state_dict of the same architecture loads.

The traversals follow torch 2.13: ``named_modules`` is a pre-order walk (a module, then each
child's subtree in registration order) that lists a shared module once; ``apply(fn)`` is a
post-order walk (each child's subtree first, then the module itself), so
``net.apply(init_weights)`` draws the random numbers in the same order as torch;
``state_dict`` lists a shared module under every name it has, as torch does.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from ..device import device as _device
from ..device import to_device as _to_device
from ..tensor import Tensor, _as_dtype, _is_dtype_name

__all__ = ["Module", "ModuleDict", "ModuleList", "Parameter", "ParameterDict", "ParameterList"]
__all__ += ["Sequential"]


class Parameter(Tensor):
    """A tensor that is a learnable weight of a Module (requires_grad=True by default).

    ``Parameter(t)`` shares memory with the tensor or array ``t``, as torch's does.
    """

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


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it missed and the keys it did not use."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _type_name(value: Any) -> str:
    """torch's name for the type of ``value`` in error messages (``torch.FloatTensor``)."""
    return value.type() if isinstance(value, Tensor) else type(value).__name__


def _check_name(kind: str, name: Any) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain "."')
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')


def _indent(text: str, spaces: int = 2) -> str:
    """Every line of ``text`` but the first indented by ``spaces`` (for nested reprs)."""
    return text.replace("\n", "\n" + " " * spaces)


class Module:
    """Base class of every layer and model.

    Subclasses create their weights in ``__init__`` (usually through ``reset_parameters()``)
    and compute in ``forward``; calling the module calls ``forward``.
    """

    training: bool
    _parameters: OrderedDict[str, Any]  # name -> Parameter or None
    _buffers: OrderedDict[str, Any]  # name -> Tensor or None
    _non_persistent_buffers_set: set[str]
    _modules: OrderedDict[str, Any]  # name -> Module or None

    def __new__(cls, *args: Any, **kwargs: Any) -> Module:
        """Create the module, recording its constructor arguments as ``_init_args``.

        ``(args, kwargs)`` exactly as the caller passed them, kept for ``rosenblatt.io``
        alone (nothing in nn reads them): ``rb.save(model)`` writes a whole model's
        architecture as these constructor calls, recursively, and ``rb.load`` makes the
        calls again from a whitelist of classes -- nothing is pickled (see
        ``rosenblatt.io.architecture``). Recorded here, once for every subclass, no layer
        has to describe itself; a layer whose arguments are not JSON values (or modules,
        tuples, dicts, dtypes) still trains, but only its ``state_dict()`` can be saved.
        """
        self = super().__new__(cls)
        self.__dict__["_init_args"] = (args, kwargs)
        return self

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__() got unexpected arguments {args} {kwargs} "
                "(Module.__init__ takes none)"
            )
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers_set", set())
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
        if isinstance(value, Parameter):
            buffers.pop(name, None)
            modules.pop(name, None)
            self._non_persistent_buffers_set.discard(name)
            params[name] = value  # a replaced parameter keeps its place, as in torch
        elif isinstance(value, Module):
            params.pop(name, None)
            buffers.pop(name, None)
            self._non_persistent_buffers_set.discard(name)
            modules[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign {_type_name(value)!r} as parameter {name!r} "
                    "(nn.Parameter or None expected)"
                )
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign {_type_name(value)!r} as child module {name!r} "
                    "(nn.Module or None expected)"
                )
            modules[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign {_type_name(value)!r} as buffer {name!r} "
                    "(Tensor or None expected)"
                )
            buffers[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            store.pop(name, None)
        self._non_persistent_buffers_set.discard(name)
        object.__delattr__(self, name)

    def _check_free(self, name: str, store: dict[str, Any]) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot register before Module.__init__() call")
        if hasattr(self, name) and name not in store:
            raise KeyError(f"attribute {name!r} already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or None, as PyTorch does for a missing bias) under ``name``."""
        _check_name("parameter", name)
        self._check_free(name, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign {_type_name(param)!r} object to parameter {name!r} "
                "(nn.Parameter or None required)"
            )
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """A state tensor that is not learned (BatchNorm's running mean).

        It moves with ``to(dtype)`` and is listed by ``buffers()``; a persistent buffer
        (the default) is also saved in ``state_dict``.
        """
        _check_name("buffer", name)
        self._check_free(name, self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign {_type_name(tensor)!r} object to buffer {name!r} "
                "(Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)
        object.__setattr__(self, name, tensor)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as the child ``name`` (``self.name = module`` does the same)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        _check_name("module", name)
        self._check_free(name, self._modules)
        self._modules[name] = module
        object.__setattr__(self, name, module)

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """The submodule at the dotted path ``target`` (``""`` is the module itself)."""
        mod: Module = self
        for item in target.split(".") if target else []:
            child = mod._modules.get(item)
            if not isinstance(child, Module):
                raise AttributeError(f"{type(mod).__name__} has no attribute `{item}`")
            mod = child
        return mod

    # ------------------------------------------------------------------ calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the "forward" method')

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        hooks = self.__dict__.get("_call_hooks")
        if hooks is None:  # the common case: one dict lookup
            return self.forward(*args, **kwargs)
        for hook in list(hooks["pre"]):
            changed = hook(self, args)
            if changed is not None:
                args = changed if isinstance(changed, tuple) else (changed,)
        out = self.forward(*args, **kwargs)
        for hook in list(hooks["post"]):
            changed = hook(self, args, out)
            if changed is not None:
                out = changed
        return out

    def summary(self, input_size: Any = None, dtype: Any = None, print_fn: Any = print) -> str:
        """A Keras-style table: each layer, its output shape and parameter count; then the
        total, trainable and non-trainable parameters (and their bytes).

        With ``input_size`` (a shape such as ``(1, 784)``, the batch dimension included) one
        forward pass of zeros under ``no_grad`` fills the output shapes (read by forward
        hooks); without it they show as "?". Returns the table and prints it
        (``print_fn=None`` only returns it).

        >>> from rosenblatt import nn
        >>> net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
        >>> "Total params: 19" in net.summary((2, 4), print_fn=None)
        True
        """
        from ..autograd import no_grad
        from ..tensor import zeros

        leaves = [(n, m) for n, m in self.named_modules() if n and not m._modules]
        rows = leaves or [(type(self).__name__, self)]
        shapes: dict[int, str] = {}

        def record(mod: Module, args: Any, out: Any) -> None:
            shapes[id(mod)] = str(list(out.shape)) if hasattr(out, "shape") else type(out).__name__

        if input_size is not None:
            handles = [m.register_forward_hook(record) for _, m in rows]
            try:
                with no_grad():
                    first = next(iter(self.parameters()), None)
                    dt = dtype or (first.dtype if first is not None else None)
                    self(zeros(*input_size, dtype=dt))
            finally:
                for h in handles:
                    h.remove()
        header = f"{'Layer (type)':<34}{'Output Shape':<24}{'Param #':>12}"
        lines = ["=" * len(header), header, "=" * len(header)]
        for name, m in rows:
            count = sum(p.numel() for p in m.parameters(recurse=False))
            label = f"{name} ({type(m).__name__})"
            lines.append(f"{label:<34}{shapes.get(id(m), '?'):<24}{count:>12,}")
        params = list(self.parameters())
        total = sum(p.numel() for p in params)
        trainable = sum(p.numel() for p in params if p.requires_grad)
        size = sum(p.numel() * p.element_size() for p in params)
        lines += [
            "=" * len(header),
            f"Total params: {total:,}",
            f"Trainable params: {trainable:,}",
            f"Non-trainable params: {total - trainable:,}",
            f"Params size (MB): {size / 2**20:.2f}",
            "=" * len(header),
        ]
        table = "\n".join(lines)
        if print_fn is not None:
            print_fn(table)
        return table

    def register_forward_pre_hook(self, hook: Callable[..., Any]) -> Any:
        """Call ``hook(module, args)`` before forward; a returned value replaces the args."""
        return self._add_call_hook("pre", hook)

    def register_forward_hook(self, hook: Callable[..., Any]) -> Any:
        """Call ``hook(module, args, output)`` after forward (to look at or replace the
        output, e.g. to collect a layer's activations); returns a handle with ``remove()``."""
        return self._add_call_hook("post", hook)

    def _add_call_hook(self, when: str, hook: Callable[..., Any]) -> Any:
        from ..autograd import RemovableHandle

        hooks = self.__dict__.setdefault("_call_hooks", {"pre": [], "post": []})
        hooks[when].append(hook)
        return RemovableHandle(hooks[when], hook)

    # ------------------------------------------------------------------ traversal
    def named_modules(
        self, memo: set[Module] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """``(name, module)`` for this module and every submodule, in pre-order.

        A module reached twice is listed once (``remove_duplicate``); ``memo`` holds the
        modules already listed.
        """
        if memo is None:
            memo = set()
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                sub = f"{prefix}.{name}" if prefix else name
                yield from child.named_modules(memo, sub, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(name, child)`` for the direct children, each module once."""
        memo: set[Module] = set()
        for name, m in self._modules.items():
            if m is not None and m not in memo:
                memo.add(m)
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named_members(
        self, store: str, prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        mods = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else iter([(prefix, self)])
        )
        for mname, m in mods:
            for k, v in getattr(m, store).items():
                if v is None or id(v) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(v))
                yield (f"{mname}.{k}" if mname else k), v

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` in torch's order; a shared parameter is listed once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """``(dotted name, buffer)``, the non-persistent buffers included."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ------------------------------------------------------------------ state
    def state_dict(
        self, *, destination: Any = None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict[str, Tensor]:
        """Parameters and persistent buffers by dotted name (PyTorch's keys).

        Values are detached Tensors sharing memory with the module's weights (as torch's:
        copy them with ``.clone()`` to keep a snapshot), or the Parameters themselves with
        ``keep_vars``. A module used in two places appears under both names.
        """
        out: Any = OrderedDict() if destination is None else destination
        for mname, m in self.named_modules(remove_duplicate=False):
            skip = m._non_persistent_buffers_set
            for k, v in list(m._parameters.items()) + list(m._buffers.items()):
                if v is not None and k not in skip:
                    key = prefix + (f"{mname}.{k}" if mname else k)
                    out[key] = v if keep_vars else v.detach()
        return out

    def state_tensors(self) -> OrderedDict[str, Tensor]:
        """Parameters and persistent buffers by state_dict key, as the tensors themselves."""
        return self.state_dict(keep_vars=True)

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False
    ) -> _IncompatibleKeys:
        """Copy weights in (rosenblatt or torch tensors, NumPy arrays), cast to each weight's
        dtype.

        Returns the named tuple ``(missing_keys, unexpected_keys)``. As torch, raises
        RuntimeError listing every problem: with ``strict`` (default) missing or unexpected
        keys, and always a shape mismatch (naming the key and both shapes). Nothing is
        copied when it raises. ``assign=True`` takes the checkpoint's arrays (and dtypes)
        instead of copying into the existing ones.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        if strict and missing:
            keys = ", ".join(f'"{k}"' for k in missing)
            errors.append(f"Missing key(s) in state_dict: {keys}. ")
        if strict and unexpected:
            keys = ", ".join(f'"{k}"' for k in unexpected)
            errors.append(f"Unexpected key(s) in state_dict: {keys}. ")
        arrays = {k: _to_numpy(state_dict[k]) for k in own if k in state_dict}
        for k, arr in arrays.items():
            if arr.shape != own[k]._data.shape:
                errors.append(
                    f"size mismatch for {k}: copying a param with shape {arr.shape} from "
                    f"checkpoint, the shape in current model is {own[k]._data.shape}."
                )
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
        for k, arr in arrays.items():
            t = own[k]
            if assign:
                t._data = np.array(arr, copy=True)
            else:
                t._data[...] = arr.astype(t._data.dtype, copy=False)
            t._version[0] += 1
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ modes and grads
    def train(self, mode: bool = True) -> Module:
        """Training mode (``mode=True``) or evaluation mode for this module and its children."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        object.__setattr__(self, "training", mode)
        for m in self.children():
            m.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: dropout off, batch norm uses running statistics."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``p.grad = None`` (default), or make them zeros (the same
        grad tensor, detached, as torch; a fresh array, since backward may have handed one
        array to several parameters)."""
        for p in self.parameters():
            g = p._grad
            if g is None:
                continue
            if set_to_none:
                p._grad = None
            else:
                g.detach_()
                g._data = np.zeros_like(g._data)
                g._version[0] += 1

    # ------------------------------------------------------------------ dtype and device
    def _apply(self, fn: Callable[[Tensor], Tensor], recurse: bool = True) -> Module:
        """Replace the array of every parameter, buffer and gradient by ``fn``'s result.

        The Parameter objects stay the same, so optimizers built earlier keep working.
        """
        mods = self.modules() if recurse else iter([self])
        for m in mods:
            for t in list(m._parameters.values()) + list(m._buffers.values()):
                if t is None:
                    continue
                t._data = fn(t)._data
                if t._grad is not None:
                    t._grad = Tensor._make(fn(t._grad)._data, None)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)`` or ``to(tensor)``, in place.

        A dtype casts the floating parameters and buffers (integer buffers such as
        ``num_batches_tracked`` keep theirs); a device other than the CPU raises unless a
        backend for it is registered (see ``rosenblatt.device``).
        """
        dtype, dev = kwargs.pop("dtype", None), kwargs.pop("device", None)
        for name in ("non_blocking", "memory_format", "copy"):
            kwargs.pop(name, None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                dtype, dev = a.dtype, a.device
            elif isinstance(a, (str, _device)) and not _is_dtype_name(a):
                dev = a
            elif a is not None and not isinstance(a, bool):  # non_blocking positionally
                dtype = a
        dt = _as_dtype(dtype)
        if dt is not None and dt.kind not in "fc":
            raise TypeError(
                "nn.Module.to only accepts floating point or complex dtypes, but got desired "
                f"dtype={dt}"
            )
        if dev is not None:
            _to_device(None, dev)  # a clear error for a device without a backend

        def convert(t: Tensor) -> Tensor:
            moved = _to_device(t, dev) if dev is not None else t
            assert moved is not None
            t = moved
            if dt is not None and t._data.dtype.kind in "fc" and t._data.dtype != dt:
                t = Tensor._make(t._data.astype(dt), None)
            return t

        return self._apply(convert)

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self, device: Any = None) -> Module:
        """Move to a GPU: raises a clear error unless a GPU backend is registered."""
        return self.to("cuda" if device is None else device)

    def type(self, dst_type: Any) -> Module:
        """Cast every parameter and buffer (integer ones too) to ``dst_type``."""
        dt = _as_dtype(dst_type)
        return self._apply(lambda t: Tensor._make(t._data.astype(dt, copy=False), None))

    def double(self) -> Module:
        return self.to(np.float64)

    def float(self) -> Module:
        return self.to(np.float32)

    def half(self) -> Module:
        return self.to(np.float16)

    def share_memory(self) -> Module:
        """Accepted as torch (one process holds the weights)."""
        return self

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every submodule, then on this module (post-order, as torch).

        Each child's subtree is visited in registration order before the module itself,
        so ``net.apply(init_weights)`` draws the same sequence of random numbers as torch.
        """
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        """The layer's own settings inside ``Name(...)``; subclasses override it."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({k}): " + _indent(repr(m)) for k, m in self._modules.items()]
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if len(extra_lines) == 1 and not child_lines:
            text += extra_lines[0]
        elif lines:
            text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"


from .container import (  # noqa: E402  (containers subclass Module; kept importable here)
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
    Sequential,
)
