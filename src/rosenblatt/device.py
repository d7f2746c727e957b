"""Devices: where a tensor's array lives, and which array module computes on it.

rosenblatt computes on the CPU with NumPy. A device names a *backend*: an array module with
NumPy's API. Ops call NumPy functions; NumPy dispatches them to the array's own module
(NEP 13/18: ``__array_ufunc__``/``__array_function__``), so a GPU array module such as CuPy
plugs in by registering a backend (``register_backend("cuda", cupy, cupy.asarray)``)
without touching an op. Until one is registered, ``.to("cuda")`` and ``.cuda()`` raise a
clear error, and ``rb.cuda.is_available()`` is False, so the usual
``device = "cuda" if torch.cuda.is_available() else "cpu"`` picks the CPU.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["device", "register_backend", "to_device"]

#: device type -> (array module, function moving a NumPy array onto it)
_BACKENDS: dict[str, tuple[Any, Callable[[np.ndarray], Any]]] = {"cpu": (np, np.asarray)}
_KNOWN = ("cpu", "cuda", "mps", "xpu", "meta")


class device:  # noqa: N801 (torch's name)
    """A device, as ``torch.device``: ``device("cpu")``, ``device("cuda:0")``,
    ``device("cuda", 0)``. Equal to another device or to its name string."""

    __slots__ = ("type", "index")

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        name = str(type)
        if ":" in name:
            name, _, idx = name.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"invalid device string: {type!r}")
            index = int(idx)
        if name not in _KNOWN and name not in _BACKENDS:
            raise RuntimeError(
                f"expected one of {', '.join(_KNOWN)} device type at start of device string: {type}"
            )
        self.type = name
        self.index = index

    def __repr__(self) -> str:
        return f"device(type='{self.type}'" + (
            f", index={self.index})" if self.index is not None else ")"
        )

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


def register_backend(name: str, module: Any, to_array: Callable[[np.ndarray], Any]) -> None:
    """Make ``device(name)`` usable: ``module`` is a NumPy-compatible array module and
    ``to_array`` moves a NumPy array onto it (e.g. ``cupy`` and ``cupy.asarray``)."""
    _BACKENDS[name] = (module, to_array)


def is_available(name: str) -> bool:
    """Whether a backend is registered for the device type ``name``."""
    return name in _BACKENDS


def to_device(t: Tensor | None, dev: Any) -> Tensor | None:
    """``t`` moved to ``dev`` (``t`` itself for the CPU); a clear error for a device whose
    backend is not installed. With ``t=None`` only the check is done."""
    d = dev if isinstance(dev, device) else device(dev)
    if d.type not in _BACKENDS:
        raise RuntimeError(
            f"device {str(d)!r} is not available: rosenblatt computes on the CPU with NumPy "
            f"and has no {d.type} backend installed (a CuPy backend can be plugged in with "
            f"rosenblatt.device.register_backend). Use device='cpu', or pick it with "
            f"'cuda' if rb.cuda.is_available() else 'cpu'."
        )
    if t is None or d.type == "cpu":
        return t
    from .tensor import Tensor

    moved = Tensor._make(_BACKENDS[d.type][1](t._data), None)
    moved.requires_grad = t.requires_grad
    return moved


class _Accelerator:
    """``rb.cuda`` / ``rb.backends.mps``: queries answer "not available" without a backend."""

    def __init__(self, name: str) -> None:
        self._name = name

    def is_available(self) -> bool:
        return is_available(self._name)

    def device_count(self) -> int:
        return int(self.is_available())

    def is_built(self) -> bool:
        return self.is_available()

    def manual_seed(self, seed: int) -> None:
        """Accepted for torch programs; rosenblatt has one generator (rb.manual_seed)."""

    manual_seed_all = manual_seed

    def synchronize(self, device: Any = None) -> None:
        """Nothing to wait for on the CPU."""

    def empty_cache(self) -> None:
        """Nothing cached."""


cuda = _Accelerator("cuda")
mps = _Accelerator("mps")
