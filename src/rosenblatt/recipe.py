"""The recipe file: one TOML file that describes a whole training run.

The decks' recipe (KIT deck, "SO WHAT'S THE RECIPE?") in five sections -- select features
and scale them; choose architecture, activations and initialisation; the loss; the
optimizer and its hyperparameters; epochs, batch size, convergence criteria and
regularisation::

    name = "digits-mlp"                 # optional: names the run folder

    [data]
    source = "digits"                   # a built-in data set, or a CSV path (relative to
    scaling = "standard"                #   this file) with `target` and `features`
    test_split = 0.2
    seed = 0

    [model]
    layers = [128, 64]                  # hidden sizes; the output layer is implied
    activation = "relu"                 # one name, or one per hidden layer
    init = "kaiming_uniform"

    [loss]
    name = "cross_entropy"              # the output activation is implied by the loss

    [optimizer]
    name = "adam"
    lr = 0.001

    [optimizer.schedule]                # optional learning-rate schedule
    name = "cosine"

    [training]
    epochs = 40
    batch_size = 32
    validation_split = 0.1
    patience = 10                       # early stopping (EarlyStopping)
    convergence_tol = 1e-5              # the decks' convergence test (ConvergenceTest)

Every key is checked: an unknown key or a value of the wrong type or range raises
:class:`RecipeError` naming the key by its dotted path (``model.activation``) and the
allowed keys or values. ``KEYS`` below is the whole format; ``rosenblatt train --help``
prints it.

Python use::

    recipe = load_recipe("examples/xor.toml")      # or parse_recipe(text), default_recipe()
    run = train(recipe, verbose=0)                  # data, split, scaling, model, fit, test
    run.metrics["accuracy"], run.model, run.preprocessing, run.history
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import nn, optim
from . import random as _random
from .data import (
    CREDITCARD_FEATURES,
    check_finite,
    check_labels,
    check_memory,
    dataset_task,
    is_member,
    list_datasets,
    load_csv,
    load_dataset,
    train_test_split,
)
from .preprocessing import IMPUTE, SCALINGS, ColumnEncoder, Preprocessor
from .tensor import Tensor

__all__ = [
    "ACTIVATIONS",
    "DEFAULT_RECIPE",
    "INITS",
    "KEYS",
    "LOSSES",
    "OPTIMIZERS",
    "SCHEDULES",
    "Recipe",
    "RecipeError",
    "TrainedRun",
    "build_callbacks",
    "build_loss",
    "build_model",
    "build_optimizer",
    "build_scheduler",
    "check_model_memory",
    "default_recipe",
    "load_data",
    "load_recipe",
    "parse_recipe",
    "predict",
    "predict_scores",
    "score",
    "train",
]


class RecipeError(ValueError):
    """A recipe that cannot be used; the message names the key by its dotted path."""


# ============================================================================ value checks
# A check takes (value, dotted key) and returns the value (converted) or raises RecipeError.
Check = Callable[[Any, str], Any]


def _fail(key: str, expected: str, value: Any) -> RecipeError:
    return RecipeError(f"{key} must be {expected}, got {value!r}")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def integer(lo: int | None = None, hi: int | None = None) -> Check:
    """An integer >= lo (and <= hi)."""
    expected = "an integer" if lo is None else f"an integer >= {lo}"

    def check(v: Any, key: str) -> int:
        if not isinstance(v, int) or isinstance(v, bool) or (lo is not None and v < lo):
            raise _fail(key, expected, v)
        if hi is not None and v > hi:
            raise _fail(key, f"at most {hi:,}", v)
        return v

    return check


def number(lo: float | None = None, hi: float | None = None, hi_open: bool = True) -> Check:
    """A finite number in [lo, hi) (or [lo, hi] with ``hi_open=False``); ints are accepted."""
    parts = ["a number"]
    if lo is not None and hi is not None:
        parts.append(f"in [{lo:g}, {hi:g}{')' if hi_open else ']'}")
    elif lo is not None:
        parts.append(f">= {lo:g}")
    expected = " ".join(parts)

    def check(v: Any, key: str) -> float:
        if not _is_number(v) or not math.isfinite(v):
            raise _fail(key, expected, v)
        if (lo is not None and v < lo) or (hi is not None and (v >= hi if hi_open else v > hi)):
            raise _fail(key, expected, v)
        return float(v)

    return check


def positive() -> Check:
    """A finite number > 0."""

    def check(v: Any, key: str) -> float:
        if not _is_number(v) or not math.isfinite(v) or v <= 0:
            raise _fail(key, "a number > 0", v)
        return float(v)

    return check


def boolean() -> Check:
    def check(v: Any, key: str) -> bool:
        if not isinstance(v, bool):
            raise _fail(key, "true or false", v)
        return v

    return check


def string() -> Check:
    def check(v: Any, key: str) -> str:
        if not isinstance(v, str) or not v:
            raise _fail(key, "a non-empty string", v)
        return v

    return check


def choice(options: Iterable[str]) -> Check:
    """One of the given strings; the message lists them."""
    allowed = tuple(options)

    def check(v: Any, key: str) -> str:
        if v not in allowed:
            raise RecipeError(
                f"{key} = {v!r} is not allowed; choose one of: {', '.join(map(repr, allowed))}"
            )
        return v

    return check


def list_of(item: Check, what: str, length: int | None = None) -> Check:
    """A list whose elements pass ``item``; ``length`` fixes its length."""
    expected = f"a list of {what}" if length is None else f"a list of {length} {what}"

    def check(v: Any, key: str) -> list[Any]:
        if not isinstance(v, list) or (length is not None and len(v) != length):
            raise _fail(key, expected, v)
        return [item(x, f"{key}[{i}]") for i, x in enumerate(v)]

    return check


def one_or_list(item: Check, what: str) -> Check:
    """One value, or a list of values, each passing ``item``."""

    def check(v: Any, key: str) -> Any:
        if isinstance(v, list):
            return list_of(item, what)(v, key)
        return item(v, key)

    return check


def either(*checks: Check, expected: str) -> Check:
    """The first check that accepts the value; else an error describing ``expected``."""

    def check(v: Any, key: str) -> Any:
        for c in checks:
            try:
                return c(v, key)
            except RecipeError:
                continue
        raise _fail(key, expected, v)

    return check


def table() -> Check:
    def check(v: Any, key: str) -> dict[str, Any]:
        if not isinstance(v, dict):
            raise _fail(key, "a table", v)
        return v

    return check


# ============================================================================ the format
# Names the recipe may use for activations, initialisations, losses, optimizers, schedules.
ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {  # from rosenblatt.nn's one registry
    name: nn.ACTIVATIONS[name]
    for name in "relu leaky_relu sigmoid tanh gelu softplus elu selu identity".split()
}

# init name -> function(weight) from nn.init's one registry (INITIALISERS); "default" keeps
# PyTorch's Linear initialisation (kaiming_uniform with a = sqrt(5), biases uniform in
# +-1/sqrt(fan_in)).
_INIT_NAMES = """xavier_uniform xavier_normal glorot_uniform glorot_normal kaiming_uniform
kaiming_normal he_uniform he_normal lecun_normal normal zeros""".split()
INITS: dict[str, Callable[[Tensor], Any] | None] = {
    "default": None,
    **{name: nn.init.INITIALISERS[name] for name in _INIT_NAMES},
}

# loss name -> (module factory, task); the output layer and its implied activation follow:
# cross_entropy: one logit per class, softmax inside the loss; binary_cross_entropy: one
# logit, sigmoid inside the loss; tanh_mse: one output, the Matteucci deck's tanh unit for
# classes coded -1/+1 with the squared error (TanhSquaredError); mse / l1: one linear output.
LOSSES: dict[str, str] = {
    "cross_entropy": "multiclass",
    "binary_cross_entropy": "binary",
    "tanh_mse": "binary",
    "mse": "regression",
    "l1": "regression",
}


class TanhSquaredError(nn.Module):
    """loss.name = "tanh_mse": E = mean (tanh(a) - t)^2, t = 2 y - 1 in {-1, +1} for the 0/1
    labels y (Matteucci deck: "two classes {Omega_0 = -1, Omega_1 = +1}: use a tanh output").

    The network's one output is z = 2a, so that it stays the logit every binary model
    gives: y_out = tanh(a) = tanh(z/2) and sigmoid(z) = (1 + y_out)/2 is the probability
    that ``evaluate`` and ``predict`` read, as for ``binary_cross_entropy``.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        t = target.reshape(input.shape) * 2 - 1
        return nn.functional.mse_loss((input * 0.5).tanh(), t)


_LR, _WD, _EPS = positive(), number(0.0), positive()
OPTIMIZERS: dict[str, tuple[type, dict[str, Check]]] = {
    "sgd": (
        optim.SGD,
        {
            "lr": _LR,
            "momentum": number(0.0),
            "dampening": number(0.0),
            "weight_decay": _WD,
            "nesterov": boolean(),
        },
    ),
    "adam": (
        optim.Adam,
        {
            "lr": _LR,
            "betas": list_of(number(0.0, 1.0), "numbers in [0, 1)", length=2),
            "eps": _EPS,
            "weight_decay": _WD,
            "amsgrad": boolean(),
        },
    ),
    "adamw": (
        optim.AdamW,
        {
            "lr": _LR,
            "betas": list_of(number(0.0, 1.0), "numbers in [0, 1)", length=2),
            "eps": _EPS,
            "weight_decay": _WD,
            "amsgrad": boolean(),
        },
    ),
    "rmsprop": (
        optim.RMSprop,
        {
            "lr": _LR,
            "alpha": number(0.0, 1.0),
            "eps": _EPS,
            "weight_decay": _WD,
            "momentum": number(0.0),
            "centered": boolean(),
        },
    ),
    "adagrad": (
        optim.Adagrad,
        {
            "lr": _LR,
            "lr_decay": number(0.0),
            "weight_decay": _WD,
            "initial_accumulator_value": number(0.0),
            "eps": _EPS,
        },
    ),
}

_sched = optim.lr_scheduler
# schedule name -> (class, keys, required keys). cosine's T_max defaults to training.epochs.
SCHEDULES: dict[str, tuple[type, dict[str, Check], tuple[str, ...]]] = {
    "step": (_sched.StepLR, {"step_size": integer(1), "gamma": positive()}, ("step_size",)),
    "multistep": (
        _sched.MultiStepLR,
        {"milestones": list_of(integer(1), "integers >= 1"), "gamma": positive()},
        ("milestones",),
    ),
    "exponential": (_sched.ExponentialLR, {"gamma": positive()}, ("gamma",)),
    "cosine": (_sched.CosineAnnealingLR, {"T_max": integer(1), "eta_min": number(0.0)}, ()),
    "plateau": (
        _sched.ReduceLROnPlateau,
        {
            "factor": number(0.0, 1.0),
            "patience": integer(0),
            "threshold": number(0.0),
            "cooldown": integer(0),
            "min_lr": number(0.0),
        },
        (),
    ),
}

_REQUIRED = object()
MAX_EPOCHS = 1_000_000  # a run of more epochs is a typo (2**63 - 1), not a plan
# section -> key -> (check, default). optimizer and optimizer.schedule are checked against
# OPTIMIZERS / SCHEDULES once their name is known.
KEYS: dict[str, dict[str, tuple[Check, Any]]] = {
    "": {
        "name": (string(), None),
        "description": (string(), None),
    },
    "data": {
        "source": (string(), _REQUIRED),
        "path": (string(), None),
        "target": (string(), None),
        "features": (list_of(string(), "column names"), None),
        "categorical": (choice(("error", "onehot")), "error"),
        "categorical_columns": (list_of(string(), "column names"), None),
        "impute": (choice(IMPUTE), "none"),
        "options": (table(), None),
        "scaling": (choice(SCALINGS), "standard"),
        "target_scaling": (choice(SCALINGS), "none"),
        "test_split": (number(0.0, 1.0), 0.2),
        "seed": (integer(0), 0),
    },
    "model": {
        "layers": (list_of(integer(1), "integers >= 1"), [128, 64]),  # the default recipe's
        "activation": (one_or_list(choice(ACTIVATIONS), "activation names"), "relu"),
        "init": (choice(INITS), "default"),
        "dropout": (number(0.0, 1.0), 0.0),
        "batch_norm": (boolean(), False),
        "dtype": (choice(("float32", "float64")), "float32"),
    },
    "loss": {
        "name": (choice(LOSSES), None),
        "pos_weight": (positive(), None),
        "label_smoothing": (number(0.0, 1.0), 0.0),
    },
    "optimizer": {
        "name": (choice(OPTIMIZERS), "adam"),
    },
    "training": {
        "epochs": (integer(1, MAX_EPOCHS), 30),
        "batch_size": (
            either(integer(1), choice(("full",)), expected='an integer >= 1 or "full"'),
            32,
        ),
        "validation_split": (number(0.0, 1.0), 0.0),
        "shuffle": (boolean(), True),
        "patience": (integer(0), None),
        "min_delta": (number(0.0), 0.0),
        "convergence_tol": (number(0.0), None),
        "restore_best_weights": (boolean(), True),
        "l1": (number(0.0), 0.0),
        "l2": (number(0.0), 0.0),
    },
}

# The built-in default recipe (``rosenblatt train`` without a file): an MLP on the
# digits that ship with scikit-learn; ~0.98 test accuracy in a few seconds of training.
DEFAULT_RECIPE = """\
name = "digits-mlp"
description = "64-128-64-10 ReLU MLP on scikit-learn's 8x8 digits (the built-in default)"

[data]
source = "digits"
scaling = "standard"
test_split = 0.2
seed = 0

[model]
layers = [128, 64]
activation = "relu"

[loss]
name = "cross_entropy"
label_smoothing = 0.1

[optimizer]
name = "adam"
lr = 0.001

[training]
epochs = 40
batch_size = 32
validation_split = 0.1
"""


# ============================================================================ Recipe
@dataclass
class Recipe:
    """A checked recipe: every section a dict with every key filled in (defaults included).

    Attributes
    ----------
    name : str
        Names the run folder (``runs/NAME-TIMESTAMP``).
    description : str or None
    data, model, loss, optimizer, training : dict
        The sections. ``optimizer["schedule"]`` is a dict or None.
    base_dir : Path
        Relative CSV paths in ``data.source`` / ``data.path`` are resolved against it (the
        recipe file's folder).
    text : str
        The TOML text it was parsed from (copied into the run folder).
    """

    name: str
    description: str | None
    data: dict[str, Any]
    model: dict[str, Any]
    loss: dict[str, Any]
    optimizer: dict[str, Any]
    training: dict[str, Any]
    base_dir: Path = field(default_factory=Path)
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The sections as one JSON-able dict (stored in the model file's metadata)."""
        return {
            "name": self.name,
            "description": self.description,
            "data": dict(self.data),
            "model": dict(self.model),
            "loss": dict(self.loss),
            "optimizer": dict(self.optimizer),
            "training": dict(self.training),
        }

    # ------------------------------------------------------------------ derived facts
    @property
    def is_builtin(self) -> bool:
        """Whether ``data.source`` names a built-in data set (else it is a CSV path)."""
        return _builtin_name(self.data["source"]) is not None

    def source_path(self) -> Path:
        """The CSV file of ``data.source`` (or ``data.path``), resolved against base_dir."""
        raw = self.data["path"] if self.is_builtin else self.data["source"]
        p = Path(raw).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    def with_epochs(self, epochs: int) -> Recipe:
        """A copy with ``training.epochs`` replaced (the CLI's ``--epochs``)."""
        integer(1, MAX_EPOCHS)(epochs, "--epochs")
        return dataclasses.replace(self, training={**self.training, "epochs": epochs})


def _builtin_name(source: str) -> str | None:
    key = str(source).lower().replace("-", "_")
    return key if key in list_datasets() else None


def _check_section(raw: Any, section: str, keys: Mapping[str, tuple[Check, Any]]) -> dict:
    """Check one table against its keys: unknown keys, types, ranges; fill in defaults."""
    if not isinstance(raw, dict):
        raise RecipeError(f"[{section}] must be a table, got {raw!r}")
    unknown = [k for k in raw if k not in keys]
    if unknown:
        dotted = f"{section}.{unknown[0]}" if section else unknown[0]
        where = f"[{section}]" if section else "the top level"
        raise RecipeError(
            f"unknown key {dotted!r}; allowed keys in {where}: {', '.join(sorted(keys))}"
        )
    out = {}
    for key, (check, default) in keys.items():
        dotted = f"{section}.{key}" if section else key
        if key in raw:
            out[key] = check(raw[key], dotted)
        elif default is _REQUIRED:
            raise RecipeError(f"missing key {dotted!r} (required)")
        else:
            out[key] = default
    return out


def _check_optimizer(raw: dict[str, Any]) -> dict[str, Any]:
    raw = dict(raw)
    schedule = raw.pop("schedule", None)
    name = choice(OPTIMIZERS)(raw.get("name", "adam"), "optimizer.name")
    _, hyper = OPTIMIZERS[name]
    keys = {"name": (choice(OPTIMIZERS), "adam"), **{k: (c, None) for k, c in hyper.items()}}
    try:
        out = _check_section(raw, "optimizer", keys)
    except RecipeError as e:
        raise RecipeError(f"{e} (for optimizer {name!r})") from None
    out = {k: v for k, v in out.items() if v is not None}  # unset: the optimizer's default
    out["schedule"] = None if schedule is None else _check_schedule(schedule)
    return out


def _check_schedule(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise RecipeError(f"optimizer.schedule must be a table, got {raw!r}")
    if "name" not in raw:
        raise RecipeError(
            f"missing key 'optimizer.schedule.name'; choose one of: {', '.join(SCHEDULES)}"
        )
    name = choice(SCHEDULES)(raw["name"], "optimizer.schedule.name")
    _, hyper, required = SCHEDULES[name]
    keys = {"name": (choice(SCHEDULES), None), **{k: (c, None) for k, c in hyper.items()}}
    try:
        out = _check_section(raw, "optimizer.schedule", keys)
    except RecipeError as e:
        raise RecipeError(f"{e} (for schedule {name!r})") from None
    for k in required:
        if out[k] is None:
            raise RecipeError(f"missing key 'optimizer.schedule.{k}' (required by {name!r})")
    return {k: v for k, v in out.items() if v is not None}


def _check_consistency(r: Recipe) -> None:
    """Rules that involve two keys."""
    data, model, loss = r.data, r.model, r.loss
    acts = model["activation"]
    if isinstance(acts, list) and len(acts) != len(model["layers"]):
        raise RecipeError(
            f"model.activation lists {len(acts)} activations for {len(model['layers'])} hidden "
            f"layers (model.layers = {model['layers']}); give one per layer or a single name"
        )
    builtin = _builtin_name(data["source"])
    if builtin is not None:
        if data["categorical"] != "error" or data["impute"] != "none":
            raise RecipeError(
                "data.categorical and data.impute apply to CSV sources only; data.source = "
                f"{data['source']!r} is a built-in data set"
            )
        for key in ("target", "features", "categorical_columns"):
            if data[key] is not None:
                raise RecipeError(
                    f"data.{key} applies to CSV sources only; data.source = "
                    f"{data['source']!r} is a built-in data set"
                )
        needs_path = builtin in ("mnist", "creditcard")
        if needs_path and data["path"] is None:
            what = "directory of the MNIST IDX files" if builtin == "mnist" else "CSV file"
            raise RecipeError(f"data.path is required for data.source = {builtin!r}: the {what}")
        if not needs_path and data["path"] is not None:
            raise RecipeError(
                "data.path applies to data.source = 'mnist' or 'creditcard' only "
                "(put a CSV path in data.source)"
            )
    else:
        if data["target"] is None:
            raise RecipeError(
                f"data.source = {data['source']!r} is not a built-in data set, so it is read "
                f"as a CSV file and data.target (the target column) is required; built-in "
                f"data sets: {', '.join(list_datasets())}"
            )
        for key in ("path", "options"):
            if data[key] is not None:
                raise RecipeError(f"data.{key} applies to built-in data sets only")
    if loss["pos_weight"] is not None and loss["name"] != "binary_cross_entropy":
        raise RecipeError("loss.pos_weight applies to loss.name = 'binary_cross_entropy' only")
    if loss["label_smoothing"] and loss["name"] not in (None, "cross_entropy"):
        raise RecipeError("loss.label_smoothing applies to loss.name = 'cross_entropy' only")
    if data["target_scaling"] != "none" and LOSSES.get(loss["name"]) != "regression":
        raise RecipeError(
            "data.target_scaling applies to regression losses only (loss.name = 'mse' or 'l1')"
        )


def parse_recipe(text: str, base_dir: str | Path = ".", name: str | None = None) -> Recipe:
    """Parse and check a TOML recipe; fill in every default.

    Parameters
    ----------
    text : str
        The TOML text.
    base_dir : str or Path
        Where relative CSV paths are resolved (the recipe file's folder).
    name : str, optional
        The run name when the recipe has no ``name`` key (e.g. the file's stem).

    Returns
    -------
    Recipe

    Raises
    ------
    RecipeError
        Invalid TOML (with line and column), an unknown section or key, a missing required
        key, a value of the wrong type or outside its range -- the message names the key by
        its dotted path and lists the allowed keys or values.
    """
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RecipeError(f"not valid TOML: {e}") from None
    except RecursionError:
        raise RecipeError("not a recipe: its tables or arrays are nested too deeply") from None
    sections = [s for s in KEYS if s]
    top_keys = dict(KEYS[""])
    unknown = [k for k in raw if k not in top_keys and k not in sections]
    if unknown:
        raise RecipeError(
            f"unknown section or key {unknown[0]!r}; allowed sections: "
            f"{', '.join(f'[{s}]' for s in sections)}; top-level keys: {', '.join(top_keys)}"
        )
    if "data" not in raw:
        raise RecipeError("missing section [data] (with at least data.source)")
    top = _check_section({k: v for k, v in raw.items() if k in top_keys}, "", top_keys)
    opt_raw = raw.get("optimizer", {})
    if not isinstance(opt_raw, dict):
        raise RecipeError(f"[optimizer] must be a table, got {opt_raw!r}")
    recipe = Recipe(
        name=top["name"] or name or "recipe",
        description=top["description"],
        data=_check_section(raw["data"], "data", KEYS["data"]),
        model=_check_section(raw.get("model", {}), "model", KEYS["model"]),
        loss=_check_section(raw.get("loss", {}), "loss", KEYS["loss"]),
        optimizer=_check_optimizer(opt_raw),
        training=_check_section(raw.get("training", {}), "training", KEYS["training"]),
        base_dir=Path(base_dir),
        text=text,
    )
    _check_consistency(recipe)
    return recipe


def load_recipe(path: str | Path) -> Recipe:
    """Read and check a recipe file; relative CSV paths are taken from the file's folder.

    Raises
    ------
    FileNotFoundError
        No such file.
    RecipeError
        See :func:`parse_recipe`.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no such recipe file: {str(p)!r}")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise RecipeError(f"{str(p)!r} is not a UTF-8 text file: {e}") from None
    return parse_recipe(text, base_dir=p.resolve().parent, name=p.stem)


def default_recipe() -> Recipe:
    """The built-in default: a 64-128-64-10 ReLU MLP on the digits, Adam, 40 epochs."""
    return parse_recipe(DEFAULT_RECIPE)


# ============================================================================ data
@dataclass
class Data:
    """What ``load_data`` read: features, targets, their names and the task."""

    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    target: str | None
    task: str  # "multiclass", "binary" or "regression" (from the loss)
    loss: str
    description: str
    encoder: ColumnEncoder | None = None  # raw CSV columns (text, gaps) -> numbers


def _feature_names(name: str, n: int) -> list[str]:
    """Column names for a built-in set: scikit-learn's, the credit-card schema, or x1..xn."""
    if name == "creditcard":
        return list(CREDITCARD_FEATURES)
    if name in ("digits", "iris", "wine", "breast_cancer", "diabetes"):
        import sklearn.datasets

        names = [str(f) for f in getattr(sklearn.datasets, f"load_{name}")().feature_names]
        if len(names) == n:
            return names
    return [f"x{i + 1}" for i in range(n)]


def load_data(recipe: Recipe) -> Data:
    """Read the recipe's data: a built-in set by name or a CSV file; decide the task.

    The task follows the loss (cross_entropy: multiclass, binary_cross_entropy and tanh_mse:
    binary, mse/l1: regression); without ``loss.name`` it is classification for labelled
    built-in sets and CSV targets of integers or text, regression otherwise.

    Raises
    ------
    FileNotFoundError
        A missing CSV file.
    ValueError
        What ``rb.data.load_csv`` finds (missing column, NaN/inf, non-numeric features).
    RecipeError
        Bad ``data.options``.
    """
    d = recipe.data
    builtin = _builtin_name(d["source"])
    encoder = None
    if builtin is not None:
        kwargs = dict(d["options"] or {})
        if builtin == "mnist":
            kwargs["directory"] = recipe.source_path()
        elif builtin == "creditcard":
            kwargs["path"] = recipe.source_path()
        try:
            X, y = load_dataset(builtin, **kwargs)
        except TypeError as e:
            raise RecipeError(f"data.options: {e}") from None
        names, target = _feature_names(builtin, X.shape[1]), None
        labelled = dataset_task(builtin) == "classification"
        description = f"{builtin} (built-in)"
    else:
        path = recipe.source_path()
        raw = _encodes(recipe)
        X, y_csv, names = load_csv(path, target=d["target"], features=d["features"], raw=raw)
        assert y_csv is not None  # a target column was asked for
        if raw:
            encoder = _encoder(recipe, X, names)
        y, target = y_csv, d["target"]
        labelled = y.dtype.kind not in "fc"
        description = str(path)
    loss = recipe.loss["name"] or ("cross_entropy" if labelled else "mse")
    if LOSSES[loss] == "regression" and y.dtype.kind not in "biuf":
        raise RecipeError(
            f"loss.name = {loss!r} needs numeric targets, but the target column "
            f"{target!r} holds {y.dtype} values such as {y[0]!r}; use 'cross_entropy'"
        )
    return Data(X, y, names, target, LOSSES[loss], loss, description, encoder)


def _encodes(recipe: Recipe) -> bool:
    """Whether the CSV's columns go through a ColumnEncoder (text columns, gaps)."""
    d = recipe.data
    return d["categorical"] == "onehot" or d["impute"] != "none" or bool(d["categorical_columns"])


def _encoder(recipe: Recipe, X: np.ndarray, names: list[str]) -> ColumnEncoder:
    """The ColumnEncoder of ``[data]``: text columns (and data.categorical_columns) one-hot
    when data.categorical = 'onehot', numeric gaps filled by data.impute."""
    import pandas as pd

    d = recipe.data
    frame = pd.DataFrame(X, columns=names).infer_objects()
    text = [c for c in names if not pd.api.types.is_numeric_dtype(frame[c].dropna())]
    listed = d["categorical_columns"] or []
    unknown = [c for c in listed if c not in names]
    if unknown:
        raise RecipeError(f"data.categorical_columns {unknown} are not among the features {names}")
    categorical = [c for c in names if c in listed or c in text]
    if categorical and d["categorical"] != "onehot":
        raise RecipeError(
            f"the columns {categorical[:5]} hold text (categories); set data.categorical = "
            "'onehot' to encode them, or leave them out of data.features"
        )
    return ColumnEncoder(names, categorical, d["impute"])


# ============================================================================ builders
def build_model(recipe: Recipe, n_features: int, n_outputs: int) -> nn.Sequential:
    """The MLP of ``[model]``: per hidden layer Linear -> [BatchNorm1d] -> activation ->
    [Dropout], then Linear(last, n_outputs). The output activation is the loss's.

    Weights are initialised by ``model.init`` (biases to zero), drawing from rosenblatt's
    seeded generator.

    >>> r = parse_recipe('[data]\\nsource = "xor"\\n[model]\\nlayers = [4]\\nactivation = "tanh"')
    >>> build_model(r, 2, 2)
    Sequential(
      (0): Linear(in_features=2, out_features=4, bias=True)
      (1): Tanh()
      (2): Linear(in_features=4, out_features=2, bias=True)
    )
    """
    m = recipe.model
    check_model_memory(recipe, n_features, n_outputs)
    sizes = [n_features, *m["layers"]]
    acts = m["activation"]
    acts = acts if isinstance(acts, list) else [acts] * len(m["layers"])
    kw = {} if m["dtype"] == "float32" else {"dtype": np.dtype(m["dtype"])}
    layers: list[nn.Module] = []
    for fan_in, fan_out, act in zip(sizes[:-1], sizes[1:], acts):
        layers.append(nn.Linear(fan_in, fan_out, **kw))
        if m["batch_norm"]:
            layers.append(nn.BatchNorm1d(fan_out, **kw))
        layers.append(ACTIVATIONS[act]())
        if m["dropout"] > 0:
            layers.append(nn.Dropout(m["dropout"]))
    layers.append(nn.Linear(sizes[-1], n_outputs, **kw))
    model = nn.Sequential(*layers)
    init = INITS[m["init"]]
    if init is not None:
        for layer in layers:
            if isinstance(layer, nn.Linear):
                init(layer.weight)
                nn.init.zeros_(layer.bias)
    return model


def check_model_memory(recipe: Recipe, n_features: int, n_outputs: int, n_samples: int = 0) -> None:
    """Refuse, before anything is allocated, a network that cannot fit in memory.

    Training holds each weight ~6 times (the weight, its gradient, two optimizer moments,
    the last good and the best copy) and, per sample of a batch, each layer's output and its
    gradient. Raises RecipeError naming ``model.layers`` and the sizes.
    """
    m, t = recipe.model, recipe.training
    sizes = [n_features, *m["layers"], n_outputs]
    n_params = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    itemsize = np.dtype(m["dtype"]).itemsize
    batch = n_samples if t["batch_size"] == "full" else min(t["batch_size"], n_samples)
    need = itemsize * (6 * n_params + 2 * batch * sum(sizes))
    try:
        check_memory(
            need, f"model.layers = {m['layers']} ({n_params:,} parameters for {n_features} inputs)"
        )
    except ValueError as e:
        raise RecipeError(f"{e}; use fewer or smaller layers") from None


def build_loss(recipe: Recipe, loss: str | None = None) -> nn.Module:
    """The loss module of ``[loss]`` (``loss`` overrides the name, e.g. the one inferred)."""
    name = loss or recipe.loss["name"] or "cross_entropy"
    if name == "cross_entropy":
        return nn.CrossEntropyLoss(label_smoothing=recipe.loss["label_smoothing"])
    if name == "binary_cross_entropy":
        pw = recipe.loss["pos_weight"]
        return nn.BCEWithLogitsLoss(pos_weight=None if pw is None else np.float32(pw))
    if name == "tanh_mse":
        return TanhSquaredError()
    return nn.MSELoss() if name == "mse" else nn.L1Loss()


def build_optimizer(recipe: Recipe, params: Iterable[Any]) -> optim.Optimizer:
    """The optimizer of ``[optimizer]`` with its hyperparameters (unset ones: the defaults
    of ``rb.optim``, which are PyTorch's)."""
    o = recipe.optimizer
    cls, _ = OPTIMIZERS[o["name"]]
    hyper = {k: v for k, v in o.items() if k not in ("name", "schedule")}
    if "betas" in hyper:
        hyper["betas"] = tuple(hyper["betas"])
    return cls(params, **hyper)


def build_scheduler(recipe: Recipe, optimizer: optim.Optimizer) -> Any:
    """The lr schedule of ``[optimizer.schedule]`` or None; cosine's T_max defaults to the
    number of epochs."""
    s = recipe.optimizer["schedule"]
    if s is None:
        return None
    cls, _, _ = SCHEDULES[s["name"]]
    kwargs = {k: v for k, v in s.items() if k != "name"}
    if s["name"] == "cosine":
        kwargs.setdefault("T_max", recipe.training["epochs"])
    return cls(optimizer, **kwargs)


def monitor_of(recipe: Recipe) -> str:
    """What early stopping and best-weight keeping watch: val_loss with a validation split,
    else the training loss."""
    return "val_loss" if recipe.training["validation_split"] > 0 else "loss"


def build_callbacks(recipe: Recipe) -> list[Any]:
    """The callbacks of ``[training]``.

    - ``patience`` -> ``EarlyStopping(monitor, patience, min_delta)``;
    - ``restore_best_weights`` (default true) -> the weights of the best epoch are put back
      at the end, also after Ctrl-C (an EarlyStopping whose patience outlasts the run
      when no patience is set);
    - ``convergence_tol`` -> ``ConvergenceTest(tol)`` on the training loss.
    """
    from .train import callbacks as cb

    t = recipe.training
    out: list[Any] = []
    if t["patience"] is not None or t["restore_best_weights"]:
        patience = t["epochs"] if t["patience"] is None else t["patience"]
        out.append(
            cb.EarlyStopping(
                monitor=monitor_of(recipe),
                patience=patience,
                min_delta=t["min_delta"],
                restore_best_weights=t["restore_best_weights"],
            )
        )
    if t["convergence_tol"] is not None:
        out.append(cb.ConvergenceTest(tol=t["convergence_tol"]))
    return out


# ============================================================================ predictions
def _outputs(model: nn.Module, X: np.ndarray) -> np.ndarray:
    """The model's outputs for X, in the dtype of its weights (float32 without any);
    ValueError unless they are one row of scores per sample."""
    from .autograd import no_grad

    model.eval()
    floats = (p.dtype for p in model.parameters() if np.dtype(p.dtype).kind == "f")
    dtype = next(floats, np.dtype(np.float32))
    with no_grad():
        out = model(Tensor._make(np.ascontiguousarray(X, dtype=dtype), None))
    if not isinstance(out, Tensor) or out.ndim not in (1, 2) or out.shape[0] != len(X):
        what = f"shape {out.shape}" if isinstance(out, Tensor) else type(out).__name__
        raise ValueError(
            f"the model's output for {len(X)} samples is a {what}, not one row of outputs "
            f"per sample ({len(X)}, k): a model for predictions maps (samples, features) to "
            "(samples, outputs) -- is its first layer a recurrent one?"
        )
    return out._data


def _kind(model: nn.Module, preprocessing: Preprocessor | None, out: np.ndarray) -> str:
    if preprocessing is None or preprocessing.task == "regression":
        return "regression"
    k = out.shape[1]
    classes = preprocessing.classes_
    n_classes = 0 if classes is None else len(classes)
    if k != n_classes and not (k == 1 and n_classes == 2):
        raise ValueError(
            f"the model has {k} output(s) but its preprocessing lists {n_classes} classes "
            "(one output per class, or one logit for two classes)"
        )
    return "binary" if k == 1 else "multiclass"


def predict_scores(model: nn.Module, X: Any, preprocessing: Preprocessor | None) -> np.ndarray:
    """Class probabilities (n, k) for a classifier -- softmax of the logits, or for one
    output [1 - sigmoid(z), sigmoid(z)] -- or targets in the original units for a regressor.

    ``X`` holds raw (unscaled) features; the stored preprocessing is applied first.
    """
    Xs = np.asarray(X) if preprocessing is None else preprocessing.transform(X)
    out = _outputs(model, Xs).astype(np.float64).reshape(len(Xs), -1)
    kind = _kind(model, preprocessing, out)
    if kind == "regression":
        if preprocessing is None:
            return out
        return preprocessing.inverse_transform_targets(out.reshape(len(out), -1))
    if kind == "binary":  # the ops' sigmoid and softmax (stable for any z)
        p = nn.functional.sigmoid(Tensor._make(out[:, 0], None))._data
        return np.stack([1.0 - p, p], axis=1)
    return nn.functional.softmax(Tensor._make(out, None), dim=1)._data


def predict(model: nn.Module, X: Any, preprocessing: Preprocessor | None) -> np.ndarray:
    """The original class labels (arg-max of the scores) or unscaled regression targets."""
    scores = predict_scores(model, X, preprocessing)
    if preprocessing is None or preprocessing.task == "regression":
        return scores[:, 0] if scores.ndim == 2 and scores.shape[1] == 1 else scores
    return preprocessing.inverse_transform_labels(scores.argmax(axis=1))


def score(model: nn.Module, X: Any, y: Any, preprocessing: Preprocessor | None) -> dict[str, Any]:
    """Test metrics: accuracy and the confusion matrix (rows true, columns predicted, in
    the order of ``classes``) for classifiers, plus precision, recall, F1 and ROC AUC of
    the second class for two classes; R², MSE and MAE in target units for regressors.

    Raises
    ------
    ValueError
        Labels that are not among the model's classes, NaN/inf in X or y.
    """
    from sklearn import metrics as skm

    scores = predict_scores(model, X, preprocessing)
    n = len(scores)
    if preprocessing is None or preprocessing.task == "regression":
        pred = scores.reshape(n, -1)
        t = check_finite(np.asarray(y, dtype=np.float64).reshape(n, -1), "y")
        return {
            "n_samples": n,
            "r2": float(skm.r2_score(t, pred)),
            "mse": float(skm.mean_squared_error(t, pred)),
            "mae": float(skm.mean_absolute_error(t, pred)),
        }
    classes = preprocessing.classes_
    if classes is None:
        raise ValueError("the model's preprocessing holds no class labels")
    true_idx = preprocessing.transform_labels(check_labels(y, classes.tolist(), name="y"))
    pred_idx = scores.argmax(axis=1)
    k = len(classes)
    out: dict[str, Any] = {
        "n_samples": n,
        "accuracy": float(np.mean(pred_idx == true_idx)),
        "n_correct": int(np.sum(pred_idx == true_idx)),
        "classes": classes.tolist(),
        "confusion_matrix": skm.confusion_matrix(true_idx, pred_idx, labels=range(k)).tolist(),
    }
    if k == 2:
        out["precision"] = float(skm.precision_score(true_idx, pred_idx, zero_division=0))
        out["recall"] = float(skm.recall_score(true_idx, pred_idx, zero_division=0))
        out["f1"] = float(skm.f1_score(true_idx, pred_idx, zero_division=0))
        if len(np.unique(true_idx)) == 2:
            out["roc_auc"] = float(skm.roc_auc_score(true_idx, scores[:, 1]))
    return out


# ============================================================================ a whole run
@dataclass
class TrainedRun:
    """The result of :func:`train`.

    Attributes
    ----------
    recipe : Recipe
    model : nn.Sequential
        With the best weights when ``training.restore_best_weights`` (the default).
    preprocessing : Preprocessor
        Fitted on the training split; stored with the model.
    history : History
    metrics : dict
        :func:`score` on the test split (on the training data when ``test_split = 0``),
        with ``"split"`` saying which.
    data : Data
    split : (X_train, X_test, y_train, y_test)
        Raw (unscaled) features and original labels; X_test is empty when test_split = 0.
    training_time : float
        Seconds spent in ``rb.fit``.
    callbacks : list of Callback
        Those built from ``[training]`` (EarlyStopping knows the best epoch).
    """

    recipe: Recipe
    model: nn.Sequential
    preprocessing: Preprocessor
    history: Any
    metrics: dict[str, Any]
    data: Data
    split: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    training_time: float
    callbacks: list[Any]

    @property
    def interrupted(self) -> bool:
        """Whether Ctrl-C stopped the training."""
        return bool(getattr(self.history, "interrupted", False))


def _split(recipe: Recipe, data: Data) -> tuple[np.ndarray, ...]:
    """(X_train, X_test, y_train, y_test): a stratified, seeded split. Without a test part
    the training data are shuffled (seeded) when a validation part is cut from their end,
    so that data sorted by class (the built-in iris) do not leave classes out of it."""
    test = recipe.data["test_split"]
    if test == 0:
        if recipe.training["validation_split"] > 0:
            order = np.random.default_rng(recipe.data["seed"]).permutation(len(data.X))
            return data.X[order], data.X[:0], data.y[order], data.y[:0]
        return data.X, data.X[:0], data.y, data.y[:0]
    n_test = math.ceil(test * len(data.X))
    if n_test >= len(data.X):
        raise RecipeError(
            f"data.test_split = {test} of {len(data.X)} samples leaves none for training"
        )
    stratify = data.task != "regression"
    if stratify:
        _, counts = np.unique(data.y, return_counts=True)
        stratify = bool(counts.min() >= 2 and n_test >= len(counts))
    return tuple(
        train_test_split(
            data.X, data.y, test_size=test, stratify=stratify, random_state=recipe.data["seed"]
        )
    )


def _check_class_count(data: Data) -> None:
    """Refuse a classification target with more than 100 classes and fewer than two samples
    per class: an identifier or a measured value read as labels, not something a
    classifier can learn (and an output layer of that many units)."""
    k, n = len(np.unique(data.y)), len(data.y)
    if k > 100 and 2 * k > n:
        column = f"the target column {data.target!r}" if data.target else "the target"
        raise RecipeError(
            f"{column} has {k:,} distinct values for {n:,} samples, fewer than two per class: "
            "a classifier cannot learn that (is it an identifier, or a measured value? for "
            "regression set loss.name = 'mse')"
        )


def _prepare(recipe: Recipe, data: Data) -> tuple[Any, ...]:
    """Split, fit the preprocessing on the training part, build model, loss, optimizer.

    Returns
    -------
    (split, preprocessing, X_train scaled, targets, model, loss, optimizer)
    """
    classify = data.task != "regression"
    if classify:
        _check_class_count(data)
    X_tr, X_te, y_tr, y_te = _split(recipe, data)
    pre = Preprocessor(
        scaling=recipe.data["scaling"],
        task="classification" if classify else "regression",
        target_scaling=recipe.data["target_scaling"],
        feature_names=data.feature_names,
        encoder=data.encoder,
    ).fit(X_tr, y_tr)
    width = pre.n_features_in_  # after one-hot encoding
    assert width is not None
    if classify:
        classes = pre.classes_
        assert classes is not None  # fitted with the labels
        k = len(classes)
        if k < 2:
            raise RecipeError(f"the training data hold a single class {classes.tolist()}")
        if data.task == "binary" and k != 2:
            raise RecipeError(
                f"loss.name = 'binary_cross_entropy' needs two classes, the data have {k}: "
                f"{classes.tolist()[:10]}; use 'cross_entropy'"
            )
        test_labels = np.unique(y_te)
        unseen: list[Any] = test_labels[~is_member(test_labels, classes)].tolist()
        if unseen:
            raise RecipeError(
                f"classes {unseen[:5]} occur in the test split only; use a smaller "
                "data.test_split or more data"
            )
        t = pre.transform_labels(y_tr)
        n_out = 1 if data.task == "binary" else k
    else:
        t = pre.transform_targets(y_tr)
        n_out = 1
    check_model_memory(recipe, width, n_out, len(X_tr))
    model = build_model(recipe, width, n_out)
    loss = build_loss(recipe, data.loss)
    optimizer = build_optimizer(recipe, model.parameters())
    return (X_tr, X_te, y_tr, y_te), pre, pre.transform(X_tr), t, model, loss, optimizer


def train(recipe: Recipe, verbose: int = 1, callbacks: Iterable[Any] = ()) -> TrainedRun:
    """Run a recipe: seed, load, split, scale, build, ``rb.fit``, score on the test split.

    ``rb.manual_seed(data.seed)`` comes first, so the same recipe gives bit-identical weights.
    Ctrl-C stops training cleanly: the best weights are kept (see ``build_callbacks``) and
    ``run.interrupted`` is True.

    Parameters
    ----------
    recipe : Recipe
    verbose : {0, 1, 2}
        Passed to ``rb.fit`` (0 silent, 1 progress bars, 2 a line per epoch).
    callbacks : iterable of Callback
        Extra callbacks (e.g. a CSVLogger).

    Raises
    ------
    RecipeError, ValueError, FileNotFoundError
        Bad recipe or data (before training starts).
    rb.train.TrainingDiverged
        The loss turned NaN/inf (the last good weights are kept in the model).
    """
    import warnings

    from .train import fit

    _random.manual_seed(recipe.data["seed"])
    data = load_data(recipe)
    split, pre, Xs, t, model, loss, optimizer = _prepare(recipe, data)
    tr = recipe.training
    own = build_callbacks(recipe)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "training interrupted", RuntimeWarning)
        history = fit(
            model,
            Xs,
            t,
            loss=loss,
            optimizer=optimizer,
            epochs=tr["epochs"],
            batch_size=None if tr["batch_size"] == "full" else tr["batch_size"],
            validation_split=tr["validation_split"],
            callbacks=[*own, *callbacks],
            shuffle=tr["shuffle"],
            l1=tr["l1"],
            l2=tr["l2"],
            verbose=verbose,
            scheduler=build_scheduler(recipe, optimizer),
        )
    elapsed = time.perf_counter() - start
    X_tr, X_te, y_tr, y_te = split
    on_test = len(X_te) > 0
    metrics = score(model, X_te if on_test else X_tr, y_te if on_test else y_tr, pre)
    metrics["split"] = "test" if on_test else "train"
    return TrainedRun(recipe, model, pre, history, metrics, data, split, elapsed, own)
