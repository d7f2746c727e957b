"""Parsing a recipe: TOML text -> a checked :class:`Recipe` (every key filled in).

Each section is checked against ``schema.KEYS``, the optimizer and schedule against their
own keys, then the sections against each other (``_check_consistency``); the first problem
raises :class:`RecipeError` naming the key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..data import (
    list_datasets,
)
from .checks import Check, RecipeError, choice, integer
from .schema import _REQUIRED, DEFAULT_RECIPE, KEYS, LOSSES, MAX_EPOCHS, OPTIMIZERS, SCHEDULES


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
