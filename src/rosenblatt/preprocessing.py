"""Feature scaling and label encoding, fitted on the training split and saved with the model.

The decks' recipe starts with "select features and scale them". A ``Preprocessor`` wraps
scikit-learn's transformers, chosen by name:

==========  ==============================  =======================================
scaling     transformer                     formula
==========  ==============================  =======================================
"standard"  ``StandardScaler``              x' = (x - mean) / std   (per feature)
"minmax"    ``MinMaxScaler``                x' = (x - min) / (max - min)
"none"      --                              x' = x
==========  ==============================  =======================================

For classification it also holds the class labels (``LabelEncoder``: label <-> index
0..k-1) and one-hot codes (``OneHotEncoder``); for regression it can scale the targets.
Fit it on the training split only, then apply the same transform to validation, test and
new data::

    pre = Preprocessor(scaling="standard").fit(X_train, y_train)
    Xs, t = pre.transform(X_train), pre.transform_labels(y_train)   # t in 0..k-1
    ...
    labels = pre.inverse_transform_labels(model(pre.transform(X_new)).argmax(1))
    text = pre.to_json()                  # means, scales, min/max, classes -- no pickle
    pre2 = Preprocessor.from_json(text)   # transforms exactly as pre

``rb.save(model, path, preprocessing=pre)`` stores ``pre.to_dict()`` in the model file and
``rb.load`` rebuilds it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .data.validation import check_finite, check_labels
from .tensor import Tensor

__all__ = ["SCALINGS", "TASKS", "Preprocessor", "make_scaler"]

SCALINGS = ("standard", "minmax", "none")
TASKS = ("classification", "regression")
_FORMAT_VERSION = 1


def make_scaler(scaling: str) -> Any:
    """A fresh scikit-learn scaler for a name in SCALINGS ("none" gives None).

    Raises
    ------
    ValueError
        An unknown name; the message lists the allowed ones.
    """
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    if scaling == "standard":
        return StandardScaler()
    if scaling == "minmax":
        return MinMaxScaler()
    if scaling == "none":
        return None
    raise ValueError(f"unknown scaling {scaling!r}; allowed: {', '.join(map(repr, SCALINGS))}")


def _numpy(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


# --------------------------------------------------------------------- scaler <-> JSON
def _floats(a: Any) -> list[float]:
    return [float(v) for v in np.ravel(a)]


def _scaler_to_dict(s: Any) -> dict[str, Any] | None:
    if s is None:
        return None
    attr = s.mean_ if type(s).__name__ == "StandardScaler" else s.scale_
    d: dict[str, Any] = {
        "type": type(s).__name__,
        "dtype": "float64" if attr is None else np.asarray(attr).dtype.name,
        "n_features_in": int(s.n_features_in_),
        "n_samples_seen": int(s.n_samples_seen_),
    }
    if d["type"] == "StandardScaler":
        d.update(with_mean=bool(s.with_mean), with_std=bool(s.with_std))
        for k in ("mean", "var", "scale"):
            v = getattr(s, k + "_")
            d[k] = None if v is None else _floats(v)
    else:  # MinMaxScaler
        d.update(feature_range=[float(v) for v in s.feature_range], clip=bool(s.clip))
        for k in ("data_min", "data_max", "data_range", "min", "scale"):
            d[k] = _floats(getattr(s, k + "_"))
    return d


def _check_keys(d: Any, keys: Sequence[str], where: str) -> None:
    if not isinstance(d, dict):
        raise ValueError(f"{where} must be a JSON object, got {type(d).__name__}")
    if set(d) != set(keys):
        missing = sorted(set(keys) - set(d))
        extra = sorted(set(d) - set(keys))
        raise ValueError(f"{where}: missing keys {missing}, unexpected keys {extra}")


def _array(
    v: Any, n: int, where: str, allow_none: bool = False, dtype: str = "float64"
) -> np.ndarray | None:
    if v is None and allow_none:
        return None
    ok = isinstance(v, list) and all(
        isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in v
    )
    if not ok or len(v) != n:
        raise ValueError(f"{where} must be a list of {n} finite numbers")
    return np.asarray(v, dtype=dtype)


def _int(v: Any, where: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise ValueError(f"{where} must be a non-negative integer, got {v!r}")
    return v


def _bool(v: Any, where: str) -> bool:
    if not isinstance(v, bool):
        raise ValueError(f"{where} must be true or false, got {v!r}")
    return v


def _scaler_from_dict(d: Any, where: str) -> Any:
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    if d is None:
        return None
    kind = d.get("type") if isinstance(d, dict) else None
    common = ["type", "dtype", "n_features_in", "n_samples_seen"]
    dtype = d.get("dtype") if isinstance(d, dict) else None
    if dtype not in ("float32", "float64"):
        raise ValueError(f"{where}.dtype must be 'float32' or 'float64', got {dtype!r}")
    if kind == "StandardScaler":
        _check_keys(d, [*common, "with_mean", "with_std", "mean", "var", "scale"], where)
        s = StandardScaler(
            with_mean=_bool(d["with_mean"], f"{where}.with_mean"),
            with_std=_bool(d["with_std"], f"{where}.with_std"),
        )
        n = _int(d["n_features_in"], f"{where}.n_features_in")
        for k in ("mean", "var", "scale"):
            setattr(s, k + "_", _array(d[k], n, f"{where}.{k}", allow_none=True, dtype=dtype))
    elif kind == "MinMaxScaler":
        _check_keys(
            d,
            [
                *common,
                "feature_range",
                "clip",
                "data_min",
                "data_max",
                "data_range",
                "min",
                "scale",
            ],
            where,
        )
        fr = _array(d["feature_range"], 2, f"{where}.feature_range")
        s = MinMaxScaler(
            feature_range=(float(fr[0]), float(fr[1])), clip=_bool(d["clip"], f"{where}.clip")
        )
        n = _int(d["n_features_in"], f"{where}.n_features_in")
        for k in ("data_min", "data_max", "data_range", "min", "scale"):
            setattr(s, k + "_", _array(d[k], n, f"{where}.{k}", dtype=dtype))
    else:
        raise ValueError(f"{where}.type must be 'StandardScaler' or 'MinMaxScaler', got {kind!r}")
    s.n_features_in_ = n
    s.n_samples_seen_ = _int(d["n_samples_seen"], f"{where}.n_samples_seen")
    scale = getattr(s, "scale_", None)
    if scale is not None and not np.all(scale != 0):
        # scikit-learn never fits a zero scale (a constant feature gets 1): a damaged file
        raise ValueError(f"{where}.scale holds 0 at features {np.flatnonzero(scale == 0)[:5]}")
    return s


def _classes_from_json(v: Any, where: str) -> np.ndarray | None:
    if v is None:
        return None
    if not isinstance(v, list) or not v:
        raise ValueError(f"{where} must be a non-empty list of labels")
    for kind in (bool, str):
        if all(isinstance(c, kind) for c in v):
            return np.asarray(v)
    if all(isinstance(c, int) and not isinstance(c, bool) for c in v):
        return np.asarray(v, dtype=np.int64)
    if all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in v):
        if not all(math.isfinite(c) for c in v):
            raise ValueError(f"{where} holds a non-finite label")
        return np.asarray(v, dtype=np.float64)
    raise ValueError(f"{where} must hold labels of one type (all integers, numbers or strings)")


# --------------------------------------------------------------------- Preprocessor
class Preprocessor:
    """Scales features, encodes class labels (or scales targets); serialises to JSON.

    Parameters
    ----------
    scaling : {"standard", "minmax", "none"}, default "standard"
        Feature scaling (see the module docstring for the formulas).
    task : {"classification", "regression"}, default "classification"
        Classification fits a label encoder on y; regression may scale y.
    target_scaling : {"standard", "minmax", "none"}, default "none"
        Regression only: scaling of the targets (undo with ``inverse_transform_targets``).
    feature_names : sequence of str, optional
        Names of the feature columns (e.g. from ``rb.data.load_csv``), kept for prediction.

    Attributes
    ----------
    n_features_in_ : int
    scaler_ : StandardScaler, MinMaxScaler or None
    classes_ : np.ndarray or None
        The sorted class labels; index i of the model's output is ``classes_[i]``.
    target_scaler_ : StandardScaler, MinMaxScaler or None
    feature_names_ : list of str or None
    """

    def __init__(
        self,
        scaling: str = "standard",
        task: str = "classification",
        target_scaling: str = "none",
        feature_names: Sequence[str] | None = None,
    ) -> None:
        make_scaler(scaling)  # validates the names
        make_scaler(target_scaling)
        if task not in TASKS:
            raise ValueError(f"unknown task {task!r}; allowed: {', '.join(map(repr, TASKS))}")
        if target_scaling != "none" and task != "regression":
            raise ValueError("target_scaling applies to task='regression' only")
        self.scaling = scaling
        self.task = task
        self.target_scaling = target_scaling
        self.feature_names = None if feature_names is None else [str(f) for f in feature_names]
        self.n_features_in_: int | None = None
        self.scaler_: Any = None
        self.classes_: np.ndarray | None = None
        self.target_scaler_: Any = None

    @property
    def feature_names_(self) -> list[str] | None:
        return self.feature_names

    # ------------------------------------------------------------------ fitting
    def fit(self, X: Any, y: Any = None) -> Preprocessor:
        """Learn the feature statistics from X (and the classes or target scale from y).

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
            The training split only.
        y : array_like, shape (n_samples,), optional
            Class labels (classification) or targets (regression).
        """
        X = self._check_X(X, fitting=True)
        self.n_features_in_ = X.shape[1]
        self.scaler_ = make_scaler(self.scaling)
        if self.scaler_ is not None:
            self.scaler_.fit(X)
        self.classes_ = self.target_scaler_ = None
        if y is not None:
            if self.task == "classification":
                self.classes_ = np.unique(check_labels(y, name="y"))
            else:
                y = self._targets_2d(y)
                self.target_scaler_ = make_scaler(self.target_scaling)
                if self.target_scaler_ is not None:
                    self.target_scaler_.fit(y)
        return self

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """``fit(X, y).transform(X)``."""
        return self.fit(X, y).transform(X)

    # ------------------------------------------------------------------ features
    def _check_X(self, X: Any, fitting: bool = False) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(
                f"Preprocessor: X must be 2-D (n_samples, n_features), got shape {X.shape}"
            )
        if X.dtype.kind not in "fiub":
            raise ValueError(f"Preprocessor: X must be numeric, got dtype {X.dtype}")
        check_finite(X, "X", columns=self.feature_names)
        if not fitting:
            if self.n_features_in_ is None:
                raise ValueError("Preprocessor is not fitted yet; call fit(X_train) first")
            if X.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"Preprocessor was fitted on {self.n_features_in_} features, X has "
                    f"{X.shape[1]} (shape {X.shape})"
                )
        elif self.feature_names is not None and len(self.feature_names) != X.shape[1]:
            raise ValueError(
                f"Preprocessor: {len(self.feature_names)} feature_names for X with "
                f"{X.shape[1]} columns"
            )
        return X

    def transform(self, X: Any) -> np.ndarray:
        """Scale the features with the statistics of the training split.

        Returns a float array (float64 for float64 input, else float32).
        """
        X = self._check_X(X)
        dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.dtype(np.float32)
        X = X.astype(dtype, copy=False)
        out = X if self.scaler_ is None else self.scaler_.transform(X)
        return np.ascontiguousarray(out, dtype=dtype)

    # ------------------------------------------------------------------ labels
    def _need_classes(self) -> np.ndarray:
        if self.classes_ is None:
            raise ValueError("Preprocessor has no classes; fit it with y for classification")
        return self.classes_

    def transform_labels(self, y: Any) -> np.ndarray:
        """Class labels -> indices 0..k-1 (positions in ``classes_``), int64.

        Raises ValueError naming any label that is not among ``classes_``.
        """
        classes = self._need_classes()
        y = check_labels(y, classes.tolist(), name="y")
        return np.searchsorted(classes, y).astype(np.int64)

    def inverse_transform_labels(self, indices: Any) -> np.ndarray:
        """Indices 0..k-1 (e.g. ``model(X).argmax(1)``) -> the original class labels."""
        classes = self._need_classes()
        idx = check_labels(_numpy(indices), len(classes), name="class indices").astype(np.int64)
        return classes[idx]

    def one_hot(self, y: Any) -> np.ndarray:
        """One-hot codes of the labels y: row i has a 1 in column index(y_i). float32 (n, k)."""
        from sklearn.preprocessing import OneHotEncoder

        classes = self._need_classes()
        y = check_labels(y, classes.tolist(), name="y")
        enc = OneHotEncoder(categories=[classes], sparse_output=False, dtype=np.float32)
        return enc.fit_transform(y.reshape(-1, 1))

    # ------------------------------------------------------------------ regression targets
    def _targets_2d(self, y: Any) -> np.ndarray:
        y = check_finite(np.asarray(y, dtype=np.float64), "y")
        if y.ndim not in (1, 2):
            raise ValueError(f"Preprocessor: targets must be 1-D or 2-D, got shape {y.shape}")
        return y.reshape(len(y), -1)

    def transform_targets(self, y: Any) -> np.ndarray:
        """Scale regression targets (identity for target_scaling="none"); float32, y's shape."""
        y_arr = np.asarray(y)
        out = self._targets_2d(y_arr)
        if self.target_scaler_ is not None:
            out = self.target_scaler_.transform(out)
        return out.reshape(y_arr.shape).astype(np.float32)

    def inverse_transform_targets(self, y: Any) -> np.ndarray:
        """Undo ``transform_targets`` (model outputs -> target units); float32, y's shape."""
        y_arr = np.asarray(_numpy(y))
        out = self._targets_2d(y_arr)
        if self.target_scaler_ is not None:
            out = self.target_scaler_.inverse_transform(out)
        return out.reshape(y_arr.shape).astype(np.float32)

    # ------------------------------------------------------------------ JSON
    _KEYS = (
        "version",
        "scaling",
        "task",
        "target_scaling",
        "feature_names",
        "n_features_in",
        "scaler",
        "classes",
        "target_scaler",
    )

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to rebuild the fitted transform, as JSON-able Python values."""
        return {
            "version": _FORMAT_VERSION,
            "scaling": self.scaling,
            "task": self.task,
            "target_scaling": self.target_scaling,
            "feature_names": self.feature_names,
            "n_features_in": self.n_features_in_,
            "scaler": _scaler_to_dict(self.scaler_),
            "classes": None if self.classes_ is None else self.classes_.tolist(),
            "target_scaler": _scaler_to_dict(self.target_scaler_),
        }

    @classmethod
    def from_dict(cls, d: Any) -> Preprocessor:
        """Rebuild from ``to_dict()``'s output; every field is validated (ValueError)."""
        where = "preprocessing"
        _check_keys(d, cls._KEYS, where)
        if d["version"] != _FORMAT_VERSION:
            raise ValueError(f"{where}.version: unsupported version {d['version']!r}")
        for k in ("scaling", "target_scaling", "task"):
            if not isinstance(d[k], str):
                raise ValueError(f"{where}.{k} must be a string, got {d[k]!r}")
        names = d["feature_names"]
        if names is not None and not (
            isinstance(names, list) and all(isinstance(n, str) for n in names)
        ):
            raise ValueError(f"{where}.feature_names must be a list of strings or null")
        pre = cls(d["scaling"], d["task"], d["target_scaling"], names)
        if d["n_features_in"] is not None:
            pre.n_features_in_ = _int(d["n_features_in"], f"{where}.n_features_in")
        pre.scaler_ = _scaler_from_dict(d["scaler"], f"{where}.scaler")
        if (pre.scaler_ is None) != (pre.scaling == "none" or pre.n_features_in_ is None):
            raise ValueError(f"{where}.scaler does not match scaling={pre.scaling!r}")
        if pre.scaler_ is not None:
            expected = {"standard": "StandardScaler", "minmax": "MinMaxScaler"}[pre.scaling]
            if (
                type(pre.scaler_).__name__ != expected
                or pre.scaler_.n_features_in_ != pre.n_features_in_
            ):
                raise ValueError(f"{where}.scaler does not match scaling / n_features_in")
        if (
            names is not None
            and pre.n_features_in_ is not None
            and len(names) != pre.n_features_in_
        ):
            raise ValueError(
                f"{where}.feature_names has {len(names)} names for {pre.n_features_in_} features"
            )
        pre.classes_ = _classes_from_json(d["classes"], f"{where}.classes")
        if pre.classes_ is not None and len(np.unique(pre.classes_)) != len(pre.classes_):
            raise ValueError(f"{where}.classes holds duplicates")
        if pre.classes_ is not None and not np.array_equal(np.sort(pre.classes_), pre.classes_):
            raise ValueError(f"{where}.classes must be sorted")
        pre.target_scaler_ = _scaler_from_dict(d["target_scaler"], f"{where}.target_scaler")
        return pre

    def to_json(self) -> str:
        """``json.dumps(self.to_dict())`` -- floats are written with full precision."""
        return json.dumps(self.to_dict(), allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> Preprocessor:
        """Rebuild from ``to_json()``'s text (ValueError for malformed or inconsistent JSON)."""
        try:
            d = json.loads(text, parse_constant=_reject_constant)
        except (json.JSONDecodeError, RecursionError, TypeError) as e:
            raise ValueError(f"preprocessing: not valid JSON: {e}") from e
        return cls.from_dict(d)

    def __repr__(self) -> str:
        fitted = "" if self.n_features_in_ is None else f", n_features_in_={self.n_features_in_}"
        classes = "" if self.classes_ is None else f", classes_={self.classes_.tolist()}"
        return f"Preprocessor(scaling={self.scaling!r}, task={self.task!r}{fitted}{classes})"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"preprocessing: {name} is not allowed in JSON")
