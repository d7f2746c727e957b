"""Estimators to and from one safetensors file: ``rb.save(estimator, path)``, ``rb.load(path)``.

An estimator is written as what rebuilds it, never pickled:

    {"estimator": class name, "params": get_params(deep=False), "fitted": {name: value}}

where "fitted" is every attribute that ``fit`` set (``coef_``, ``classes_``, ``model_``, ...
and the private ones predictions need, such as ``_y_ndim`` or the generator that ``sample``
draws from). ``rosenblatt.io.save_load`` stores that description as an object file (arrays as
safetensors tensors, networks as their architecture and weights) of kind "estimator";
:func:`rebuild` creates the estimator again from a whitelist, the estimator classes of
``rosenblatt.models``. Class labels and other arrays of strings travel as lists, a NumPy
Generator as its bit generator's state, a helper with a JSON form (``to_dict`` /
``from_dict``, such as the anomaly detector's ``InputScaler``) as that form. Optimizers
are not written: ``partial_fit`` or ``fit`` with ``warm_start`` after loading starts a new
one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from .. import optim
from ..models._input_scaling import InputScaler

__all__ = ["describe", "is_estimator", "rebuild"]

_GENERATORS = ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937")
_HELPERS: dict[str, Any] = {"InputScaler": InputScaler}  # classes with to_dict / from_dict


def is_estimator(obj: Any) -> bool:
    """Whether ``obj`` is one of the estimators of ``rosenblatt.models``."""
    return isinstance(obj, BaseEstimator) and type(obj) in _classes().values()


def _classes() -> dict[str, type]:
    from .. import models

    return {
        name: cls
        for name in models.__all__
        if isinstance(cls := getattr(models, name), type) and issubclass(cls, BaseEstimator)
    }


def _encode(value: Any, where: str) -> Any:
    """A value as rb.save writes it: labels as lists, a Generator as its state."""
    if isinstance(value, np.random.Generator):
        return {"__generator__": value.bit_generator.state}
    if isinstance(value, np.ndarray) and value.dtype.kind in "USO":
        return {"__labels__": value.tolist(), "kind": value.dtype.kind}
    if type(value).__name__ in _HELPERS and type(value) is _HELPERS[type(value).__name__]:
        return {"__helper__": type(value).__name__, "state": value.to_dict()}
    if isinstance(value, np.random.RandomState):
        raise TypeError(f"rb.save: {where} is a legacy RandomState; use an int or a Generator")
    if isinstance(value, (list, tuple)):
        return type(value)(_encode(v, f"{where}[{i}]") for i, v in enumerate(value))
    if isinstance(value, dict):
        return {k: _encode(v, f"{where}[{k!r}]") for k, v in value.items()}
    return value


def _decode(value: Any, where: str) -> Any:
    if isinstance(value, dict) and set(value) == {"__generator__"}:
        state = value["__generator__"]
        name = state.get("bit_generator") if isinstance(state, dict) else None
        if name not in _GENERATORS:
            raise ValueError(f"{where}: unknown bit generator {name!r}")
        generator = np.random.Generator(getattr(np.random, name)())
        try:
            generator.bit_generator.state = state
        except (TypeError, ValueError, KeyError) as e:
            raise ValueError(f"{where}: a malformed generator state: {e}") from e
        return generator
    if isinstance(value, dict) and set(value) == {"__helper__", "state"}:
        if value["__helper__"] not in _HELPERS:
            raise ValueError(f"{where}: unknown helper {value['__helper__']!r}")
        try:
            return _HELPERS[value["__helper__"]].from_dict(value["state"])
        except (TypeError, ValueError, KeyError) as e:
            raise ValueError(f"{where}: a malformed {value['__helper__']}: {e}") from e
    if isinstance(value, dict) and set(value) == {"__labels__", "kind"}:
        labels, kind = value["__labels__"], value["kind"]
        if not isinstance(labels, list) or kind not in ("U", "S", "O"):
            raise ValueError(f"{where}: malformed labels")
        return np.array(labels, dtype=object if kind == "O" else None)
    if isinstance(value, (list, tuple)):
        return type(value)(_decode(v, where) for v in value)
    if isinstance(value, dict):
        return {k: _decode(v, where) for k, v in value.items()}
    return value


def describe(est: BaseEstimator) -> dict[str, Any]:
    """The description of ``est`` that :func:`rebuild` turns back into it."""
    name = type(est).__name__
    params = est.get_params(deep=False)
    fitted = {
        k: _encode(v, f"{name}.{k}")
        for k, v in vars(est).items()
        if k not in params and not isinstance(v, optim.Optimizer)
    }
    return {
        "estimator": name,
        "params": {k: _encode(v, f"{name}({k}=...)") for k, v in params.items()},
        "fitted": fitted,
    }


def rebuild(description: Any, where: str) -> BaseEstimator:
    """The estimator a description stands for (ValueError for anything but one of
    rosenblatt.models' estimator classes, with its parameters and fitted attributes)."""
    if not (
        isinstance(description, dict)
        and set(description) == {"estimator", "params", "fitted"}
        and isinstance(description["params"], dict)
        and isinstance(description["fitted"], dict)
    ):
        raise ValueError(f"{where}: a malformed estimator description")
    cls = _classes().get(description["estimator"])
    if cls is None:
        raise ValueError(
            f"{where}: {description['estimator']!r} is not an estimator of rosenblatt.models"
        )
    params = _decode(description["params"], where)
    try:
        est = cls(**params)
    except TypeError as e:
        raise ValueError(f"{where}: parameters {cls.__name__} does not take: {e}") from e
    for k, v in _decode(description["fitted"], where).items():
        if not isinstance(k, str) or k in params or not k.isidentifier() or hasattr(cls, k):
            raise ValueError(f"{where}: a malformed fitted attribute {k!r}")
        setattr(est, k, v)
    return est
