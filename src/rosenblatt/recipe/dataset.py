"""The data a recipe names: a built-in data set or a CSV file, read into :class:`Data`
(features, targets, their names and the task), with the column encoder for text columns
and gaps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data import (
    CREDITCARD_FEATURES,
    dataset_task,
    load_csv,
    load_dataset,
)
from ..preprocessing import ColumnEncoder
from .checks import RecipeError
from .parsing import Recipe, _builtin_name
from .schema import LOSSES


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
