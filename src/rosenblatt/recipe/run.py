"""A whole run of a recipe: data, split, scaling, model, ``rb.fit``, test metrics
(:func:`train` -> :class:`TrainedRun`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import nn
from .. import random as _random
from ..data import (
    is_member,
    train_test_split,
)
from ..preprocessing import Preprocessor
from .builders import (
    build_callbacks,
    build_loss,
    build_model,
    build_optimizer,
    build_scheduler,
    check_model_memory,
)
from .checks import RecipeError
from .dataset import Data, load_data
from .parsing import Recipe


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

    from ..train import fit

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
    from . import score  # looked up on the package, where a caller may have replaced it

    metrics = score(model, X_te if on_test else X_tr, y_te if on_test else y_tr, pre)
    metrics["split"] = "test" if on_test else "train"
    return TrainedRun(recipe, model, pre, history, metrics, data, split, elapsed, own)
