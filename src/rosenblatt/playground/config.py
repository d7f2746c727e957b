"""The playground's settings: every control of the page, its range and its default.

A setup is a flat dict (the same keys travel in the page's URL); :func:`check_config`
checks every value and raises :class:`ConfigError` naming the field, what it expects and
what it got -- the server answers that as a 400 JSON error that the page shows.

=============  ================================================  ================
key            values                                            default
=============  ================================================  ================
dataset        circle, xor, gaussian, spiral (classification);   circle
               plane, multigaussian (regression); upload
classes        2..6 (circle, gaussian, spiral); 2 or 4 (xor)      2
n_samples      50..2000 points                                   500
noise          0..50 (percent)                                   0
train_ratio    10..90 (percent of the points used for training)  50
seed           0..2^31-1 (data, split, initial weights, order)   0
features       non-empty subset of x1 x2 x1sq x2sq x1x2 sinx1    [x1, x2]
               sinx2
layers         0..MAX_LAYERS hidden sizes, each 1..MAX_NEURONS   [4, 2]
activation     one name per hidden layer (or one for all)        tanh
lr             (0, 10]                                           0.03
optimizer      sgd, momentum (SGD, momentum 0.9), rmsprop,       sgd
               adam, adagrad
init           a name of ``rosenblatt.recipe.INITS``             xavier_uniform
regularization none, l1, l2                                      none
reg_rate       [0, 10]                                           0
batch_size     1..1000                                           10
dropout        [0, 0.9]                                          0
batch_norm     true, false                                       false
scaling        standard, minmax, none                            standard
=============  ================================================  ================
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from ..recipe import ACTIVATIONS, INITS
from .datasets import CLASSIFICATION, FEATURES, REGRESSION

__all__ = [
    "DEFAULTS",
    "FIELDS",
    "MAX_LAYERS",
    "MAX_NEURONS",
    "SOFT_FIELDS",
    "ConfigError",
    "check_config",
    "options",
]

MAX_LAYERS = 10  # a cap that keeps the page's drawing responsive; not a limit of the engine
MAX_NEURONS = 32
OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam", "adagrad")
DATASETS = (*CLASSIFICATION, *REGRESSION, "upload")
# changing these keeps the weights (as on TensorFlow Playground); anything else resets
SOFT_FIELDS = ("lr", "regularization", "reg_rate", "batch_size")


class ConfigError(ValueError):
    """A bad parameter: ``field`` (its name), ``expected`` (in words), ``got`` (the value).

    ``status`` is the HTTP status the server answers with (400, or 413 for a size limit).
    """

    def __init__(
        self, field: str | None, expected: str, got: Any, message: str = "", status: int = 400
    ) -> None:
        text = message or f"{field} must be {expected}, got {_show(got)}"
        super().__init__(text)
        self.field, self.expected, self.got, self.status = field, expected, got, status

    def to_json(self) -> dict[str, Any]:
        """The body of the error response."""
        got = self.got if isinstance(self.got, (int, float, str, bool, list, type(None))) else None
        if isinstance(got, float) and not math.isfinite(got):
            got = str(got)
        if isinstance(got, str) and len(got) > 200:
            got = got[:200] + "..."
        return {"error": str(self), "field": self.field, "expected": self.expected, "got": got}


def _show(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 80 else text[:77] + "..."


Check = Callable[[Any, str], Any]


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def integer(lo: int, hi: int) -> Check:
    """An integer in [lo, hi]."""

    def check(v: Any, name: str) -> int:
        if not _is_int(v) or not lo <= v <= hi:
            raise ConfigError(name, f"an integer in [{lo}, {hi}]", v)
        return int(v)

    return check


def number(lo: float, hi: float, lo_open: bool = False) -> Check:
    """A finite number in [lo, hi] (or (lo, hi] with ``lo_open``)."""
    expected = f"a number in {'(' if lo_open else '['}{lo:g}, {hi:g}]"

    def check(v: Any, name: str) -> float:
        ok = (_is_int(v) or isinstance(v, float)) and math.isfinite(v)
        if not ok or v > hi or v < lo or (lo_open and v == lo):
            raise ConfigError(name, expected, v)
        return float(v)

    return check


def choice(options: tuple[str, ...]) -> Check:
    """One of the given strings."""

    def check(v: Any, name: str) -> str:
        if not isinstance(v, str) or v not in options:
            raise ConfigError(name, f"one of {', '.join(options)}", v)
        return v

    return check


def boolean(v: Any, name: str) -> bool:
    if not isinstance(v, bool):
        raise ConfigError(name, "true or false", v)
    return v


def list_of(item: Check, lo: int, hi: int, what: str, unique: bool = False) -> Check:
    """A list of lo..hi items, each passing ``item``."""
    expected = f"a list of {lo} to {hi} {what}"

    def check(v: Any, name: str) -> list[Any]:
        if not isinstance(v, list) or not lo <= len(v) <= hi:
            if isinstance(v, list) and len(v) > hi:
                raise ConfigError(
                    name,
                    expected,
                    v,
                    f"{name}: at most {hi} allowed, got {len(v)} (a cap that "
                    "keeps the page responsive; train bigger networks with `rosenblatt train`)",
                )
            raise ConfigError(name, expected, v)
        out = [item(x, f"{name}[{i}]") for i, x in enumerate(v)]
        if unique and len(set(out)) != len(out):
            raise ConfigError(name, f"{expected} without repeats", v)
        return out

    return check


def _neurons(v: Any, name: str) -> int:
    if _is_int(v) and v > MAX_NEURONS:
        raise ConfigError(
            name,
            f"an integer in [1, {MAX_NEURONS}]",
            v,
            f"{name}: at most {MAX_NEURONS} neurons per layer, got {v} (a cap that keeps the "
            "page responsive; train bigger networks with `rosenblatt train`)",
        )
    return integer(1, MAX_NEURONS)(v, name)


ACTIVATION_NAMES = tuple(ACTIVATIONS)

# name -> (check, default)
FIELDS: dict[str, tuple[Check, Any]] = {
    "dataset": (choice(DATASETS), "circle"),
    "classes": (integer(2, 6), 2),
    "n_samples": (integer(50, 2000), 500),
    "noise": (number(0, 50), 0.0),
    "train_ratio": (integer(10, 90), 50),
    "seed": (integer(0, 2**31 - 1), 0),
    "features": (
        list_of(choice(tuple(FEATURES)), 1, len(FEATURES), "feature names", True),
        ["x1", "x2"],
    ),
    "layers": (list_of(_neurons, 0, MAX_LAYERS, "layer sizes"), [4, 2]),
    "activation": (
        list_of(choice(ACTIVATION_NAMES), 0, MAX_LAYERS, "activation names"),
        ["tanh", "tanh"],
    ),
    "lr": (number(0, 10, lo_open=True), 0.03),
    "optimizer": (choice(OPTIMIZERS), "sgd"),
    "init": (choice(tuple(INITS)), "xavier_uniform"),
    "regularization": (choice(("none", "l1", "l2")), "none"),
    "reg_rate": (number(0, 10), 0.0),
    "batch_size": (integer(1, 1000), 10),
    "dropout": (number(0, 0.9), 0.0),
    "batch_norm": (boolean, False),
    "scaling": (choice(("standard", "minmax", "none")), "standard"),
}
DEFAULTS: dict[str, Any] = {k: v for k, (_, v) in FIELDS.items()}


def check_config(raw: Any, base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Check a (partial) setup and fill in the rest from ``base`` (default: DEFAULTS).

    A single activation name is accepted for all hidden layers; a list must have one name
    per layer; without ``activation``, layers added by ``layers`` take the last name.

    Raises
    ------
    ConfigError
        An unknown key, a value of the wrong type or outside its range (see the table of
        the module docstring), an activation list of the wrong length, xor with other than
        2 or 4 classes.
    """
    if not isinstance(raw, Mapping):
        raise ConfigError("config", "a JSON object", raw)
    unknown = [k for k in raw if k not in FIELDS]
    if unknown:
        raise ConfigError(
            unknown[0],
            f"one of the keys {', '.join(FIELDS)}",
            unknown[0],
            f"unknown setting {unknown[0]!r}; the settings are: {', '.join(FIELDS)}",
        )
    out = dict(DEFAULTS if base is None else base)
    raw = dict(raw)
    layers = raw.get("layers", out["layers"])
    n = len(layers) if isinstance(layers, list) else 0
    if isinstance(raw.get("activation"), str):
        raw["activation"] = [raw["activation"]] * n
    elif "activation" not in raw:  # layers changed alone: the new ones take the last name
        acts = list(out["activation"])[:n]
        raw["activation"] = acts + [acts[-1] if acts else "tanh"] * (n - len(acts))
    for key, value in raw.items():
        out[key] = FIELDS[key][0](value, key)
    if len(out["activation"]) != len(out["layers"]):
        raise ConfigError(
            "activation",
            f"a list of {len(out['layers'])} activation names (one per hidden layer)",
            out["activation"],
        )
    if out["dataset"] == "xor" and out["classes"] not in (2, 4):
        raise ConfigError("classes", "2 or 4 for the xor data set", out["classes"])
    return out


def options() -> dict[str, Any]:
    """What the page builds its controls from: allowed values, ranges, defaults, caps."""
    return {
        "datasets": {
            "classification": list(CLASSIFICATION),
            "regression": list(REGRESSION),
        },
        "features": {k: name for k, (name, _) in FEATURES.items()},
        "activations": list(ACTIVATION_NAMES),
        "optimizers": list(OPTIMIZERS),
        "inits": list(INITS),
        "max_layers": MAX_LAYERS,
        "max_neurons": MAX_NEURONS,
        "defaults": DEFAULTS,
        "soft_fields": list(SOFT_FIELDS),
    }
