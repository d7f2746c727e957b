"""Built-in data sets: boolean gates, generated 2-D problems, scikit-learn's shipped sets.

Every loader returns ``(X, y)`` NumPy arrays: X is float32 of shape (n_samples, n_features);
y is int64 class labels for classification and float32 targets for regression.

==================  =========================================  ================  ========
name                function                                   task              X shape
==================  =========================================  ================  ========
and, or, nand, xor  ``gates(name, signed=False)``              classification    (4, 2)
moons               ``make_moons(n_samples=100, ...)``         classification    (n, 2)
circles             ``make_circles(n_samples=100, ...)``       classification    (n, 2)
spirals             ``make_spirals(n_samples=100, ...)``       classification    (n, 2)
digits              ``load_digits()``                          classification    (1797, 64)
iris                ``load_iris()``                            classification    (150, 4)
wine                ``load_wine()``                            classification    (178, 13)
breast_cancer       ``load_breast_cancer()``                   classification    (569, 30)
diabetes            ``load_diabetes()``                        regression        (442, 10)
mnist               ``load_mnist(directory, split="train")``   classification    (n, 784)
creditcard          ``load_creditcard(path)``                  classification    (n, 30)
==================  =========================================  ================  ========

``load_dataset(name, **kwargs)`` dispatches by name (the recipe's ``data.source``) and
``dataset_task(name)`` says "classification" or "regression". Generated sets draw their
``random_state`` from ``rosenblatt.random.get_rng()`` when none is given, so
``rb.manual_seed(s)`` reproduces them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import random as _random
from .validation import check_memory

__all__ = [
    "dataset_task",
    "gates",
    "list_datasets",
    "load_breast_cancer",
    "load_dataset",
    "load_diabetes",
    "load_digits",
    "load_iris",
    "load_wine",
    "make_circles",
    "make_moons",
    "make_spirals",
    "train_test_split",
]

RandomState = int | np.random.Generator | None
Loader = Callable[..., tuple[np.ndarray, np.ndarray]]

# Truth tables of the Matteucci deck ("What can you do with it?"): inputs x1, x2 in {0, 1},
# rows in the order (0,0), (0,1), (1,0), (1,1).
_GATE_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
_GATE_OUTPUTS = {
    "and": [0, 0, 0, 1],
    "or": [0, 1, 1, 1],
    "nand": [1, 1, 1, 0],
    "xor": [0, 1, 1, 0],
}


def gates(name: str, signed: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Truth table of a boolean gate: y = x1 AND x2, x1 OR x2, NOT(x1 AND x2), x1 XOR x2.

    Parameters
    ----------
    name : {"and", "or", "nand", "xor"}
    signed : bool, default False
        Targets in {-1, +1} (the perceptron's coding in the Matteucci deck, where the OR
        table reads -1, 1, 1, 1) instead of {0, 1}. Inputs stay in {0, 1}, as in the deck.

    Returns
    -------
    X : float32 array, shape (4, 2)
        Rows (0,0), (0,1), (1,0), (1,1).
    y : int64 array, shape (4,)

    >>> gates("xor", signed=True)[1]
    array([-1,  1,  1, -1])
    """
    key = str(name).lower()
    if key not in _GATE_OUTPUTS:
        raise ValueError(f"unknown gate {name!r}; choose one of {sorted(_GATE_OUTPUTS)}")
    y = np.array(_GATE_OUTPUTS[key], dtype=np.int64)
    if signed:
        y = 2 * y - 1
    return _GATE_INPUTS.copy(), y


def _seed(random_state: RandomState) -> int | np.random.RandomState:
    """An int seed for scikit-learn: the one given, or one drawn from the global generator."""
    if random_state is None:
        return int(_random.get_rng().integers(2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**31 - 1))
    return random_state


def _xy(X: np.ndarray, y: np.ndarray, regression: bool = False) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.ascontiguousarray(X, dtype=np.float32),
        np.asarray(y, dtype=np.float32 if regression else np.int64),
    )


def _check_n_samples(n_samples: Any, who: str) -> int:
    """A positive integer number of samples whose arrays fit in memory (the generators
    keep a few float64 arrays of length n: 64 bytes per sample is an upper bound)."""
    if not isinstance(n_samples, (int, np.integer)) or isinstance(n_samples, bool):
        raise ValueError(f"{who}: n_samples must be an integer, got {n_samples!r}")
    if n_samples < 1:
        raise ValueError(f"{who}: n_samples must be >= 1, got {n_samples}")
    check_memory(64 * int(n_samples), f"{who}(n_samples={n_samples})")
    return int(n_samples)


def make_moons(
    n_samples: int = 100,
    *,
    shuffle: bool = True,
    noise: float | None = None,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's ``make_moons``), labels {0, 1}.

    Class 0: (cos t, sin t); class 1: (1 - cos t, 1/2 - sin t), t in [0, pi], plus
    Gaussian noise of standard deviation ``noise``. ``random_state`` None draws a seed from
    ``rosenblatt.random.get_rng()``.

    Returns
    -------
    X : float32 (n_samples, 2), y : int64 (n_samples,)
    """
    from sklearn.datasets import make_moons as _make_moons

    n_samples = _check_n_samples(n_samples, "make_moons")
    X, y = _make_moons(n_samples, shuffle=shuffle, noise=noise, random_state=_seed(random_state))
    return _xy(X, y)


def make_circles(
    n_samples: int = 100,
    *,
    shuffle: bool = True,
    noise: float | None = None,
    random_state: RandomState = None,
    factor: float = 0.8,
) -> tuple[np.ndarray, np.ndarray]:
    """A large circle (class 0) around a smaller one of radius ``factor`` (class 1).

    scikit-learn's ``make_circles``; ``random_state`` None draws a seed from
    ``rosenblatt.random.get_rng()``.

    Returns
    -------
    X : float32 (n_samples, 2), y : int64 (n_samples,)
    """
    from sklearn.datasets import make_circles as _make_circles

    n_samples = _check_n_samples(n_samples, "make_circles")
    X, y = _make_circles(
        n_samples, shuffle=shuffle, noise=noise, random_state=_seed(random_state), factor=factor
    )
    return _xy(X, y)


def make_spirals(
    n_samples: int = 100,
    n_classes: int = 2,
    *,
    noise: float = 0.0,
    turns: float = 1.0,
    shuffle: bool = True,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class: x = r (cos a, sin a), a = 2 pi (turns r + k / K).

    Arm k of K has radii r evenly spaced in [0, 1]; Gaussian noise of standard deviation
    ``noise`` is added to both coordinates. Samples are split among the classes as evenly
    as possible (the first ``n_samples % K`` classes get one more).

    Parameters
    ----------
    n_samples : int
    n_classes : int, default 2
    noise : float, default 0.0
    turns : float, default 1.0
        How many times each arm winds around the origin.
    shuffle : bool, default True
    random_state : int, numpy Generator or None
        None draws from ``rosenblatt.random.get_rng()``.

    Returns
    -------
    X : float32 (n_samples, 2), y : int64 (n_samples,)
    """
    n_samples = _check_n_samples(n_samples, "make_spirals")
    if n_classes < 1 or n_samples < n_classes:
        raise ValueError(
            f"make_spirals: need n_classes >= 1 and n_samples >= n_classes, got "
            f"n_samples={n_samples}, n_classes={n_classes}"
        )
    if noise < 0:
        raise ValueError(f"make_spirals: noise must be >= 0, got {noise}")
    if random_state is None:
        rng = _random.get_rng()
    elif isinstance(random_state, np.random.Generator):
        rng = random_state
    else:
        rng = np.random.default_rng(random_state)
    counts = [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]
    r = np.concatenate([np.linspace(0.0, 1.0, m) for m in counts])
    y = np.repeat(np.arange(n_classes), counts)
    angle = 2 * np.pi * (turns * r + y / n_classes)
    X = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
    if noise > 0:
        X = X + rng.normal(scale=noise, size=X.shape)
    if shuffle:
        order = rng.permutation(n_samples)
        X, y = X[order], y[order]
    return _xy(X, y)


def _sklearn_loader(name: str, regression: bool = False) -> Loader:
    def load() -> tuple[np.ndarray, np.ndarray]:
        import sklearn.datasets

        X, y = getattr(sklearn.datasets, f"load_{name}")(return_X_y=True)
        return _xy(X, y, regression)

    task = "regression targets, float32" if regression else "class labels, int64"
    load.__name__ = load.__qualname__ = f"load_{name}"
    load.__doc__ = (
        f"scikit-learn's shipped {name} data set as (X float32, y {task}).\n\n"
        f"See ``sklearn.datasets.load_{name}`` for its description."
    )
    return load


load_digits = _sklearn_loader("digits")
load_iris = _sklearn_loader("iris")
load_wine = _sklearn_loader("wine")
load_breast_cancer = _sklearn_loader("breast_cancer")
load_diabetes = _sklearn_loader("diabetes", regression=True)


def _gate(name: str) -> Loader:
    return lambda signed=False: gates(name, signed=signed)


def _files(name: str) -> Loader:
    def load(*args: Any, **kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
        from . import files

        return getattr(files, f"load_{name}")(*args, **kwargs)

    return load


# name -> (loader, task)
_DATASETS: dict[str, tuple[Loader, str]] = {
    **{g: (_gate(g), "classification") for g in _GATE_OUTPUTS},
    "moons": (make_moons, "classification"),
    "circles": (make_circles, "classification"),
    "spirals": (make_spirals, "classification"),
    "digits": (load_digits, "classification"),
    "iris": (load_iris, "classification"),
    "wine": (load_wine, "classification"),
    "breast_cancer": (load_breast_cancer, "classification"),
    "diabetes": (load_diabetes, "regression"),
    "mnist": (_files("mnist"), "classification"),
    "creditcard": (_files("creditcard"), "classification"),
}


def list_datasets() -> list[str]:
    """The names ``load_dataset`` knows, sorted."""
    return sorted(_DATASETS)


def _lookup(name: str) -> tuple[Loader, str]:
    key = str(name).lower().replace("-", "_")
    if key not in _DATASETS:
        raise ValueError(f"unknown data set {name!r}; known names: {', '.join(list_datasets())}")
    return _DATASETS[key]


def dataset_task(name: str) -> str:
    """ "classification" or "regression" for a built-in data set name."""
    return _lookup(name)[1]


def load_dataset(name: str, **kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Load a built-in data set by name: ``load_dataset("digits")`` -> (X, y).

    Parameters
    ----------
    name : str
        One of ``list_datasets()``: and, or, nand, xor, moons, circles, spirals, digits,
        iris, wine, breast_cancer, diabetes, mnist (needs ``directory=``), creditcard
        (needs ``path=``).
    **kwargs
        Passed to the loader (e.g. ``n_samples``, ``noise``, ``signed``).

    Raises
    ------
    ValueError
        An unknown name; the message lists the known ones.
    """
    load, _ = _lookup(name)
    try:
        return load(**kwargs)
    except TypeError as e:
        raise TypeError(f"load_dataset({name!r}): {e}") from e


def train_test_split(
    X: Any,
    y: Any,
    test_size: float = 0.25,
    *,
    stratify: bool = False,
    shuffle: bool = True,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split into train and test parts (scikit-learn's ``train_test_split``).

    ``random_state`` None draws a seed from ``rosenblatt.random.get_rng()``; ``stratify``
    keeps the class proportions of y in both parts.

    Returns
    -------
    X_train, X_test, y_train, y_test
    """
    from sklearn.model_selection import train_test_split as _split

    y_arr = np.asarray(y)
    return _split(
        np.asarray(X),
        y_arr,
        test_size=test_size,
        shuffle=shuffle,
        stratify=y_arr if stratify else None,
        random_state=_seed(random_state) if shuffle else None,
    )
