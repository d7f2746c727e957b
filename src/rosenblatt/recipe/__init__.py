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
allowed keys or values. ``KEYS`` (in ``schema``) is the whole format; ``rosenblatt train --help``
prints it.

Python use::

    recipe = load_recipe("examples/xor.toml")      # or parse_recipe(text), default_recipe()
    run = train(recipe, verbose=0)                  # data, split, scaling, model, fit, test
    run.metrics["accuracy"], run.model, run.preprocessing, run.history

The package, one job per module:

``checks``      ``RecipeError`` and the value checks the format is written with
``schema``      the format: ``KEYS``, the names of activations, inits, losses, optimizers
``parsing``     TOML text -> a checked :class:`Recipe` (``parse_recipe``, ``load_recipe``)
``dataset``     the data a recipe names -> :class:`Data` (``load_data``)
``builders``    model, loss, optimizer, schedule and callbacks from a recipe
``prediction``  ``predict``, ``predict_scores`` and ``score`` with the preprocessing
``run``         a whole run: :func:`train` -> :class:`TrainedRun`
"""

from __future__ import annotations

# Names outside __all__ are imported "as" themselves: they stay reachable as
# rosenblatt.recipe.NAME, as before the split (the playground runs a recipe in steps).
from .builders import (
    build_callbacks,
    build_loss,
    build_model,
    build_optimizer,
    build_scheduler,
    check_model_memory,
)
from .builders import monitor_of as monitor_of
from .checks import RecipeError
from .dataset import Data as Data
from .dataset import _feature_names as _feature_names
from .dataset import load_data
from .parsing import Recipe, default_recipe, load_recipe, parse_recipe
from .prediction import predict, predict_scores, score
from .run import TrainedRun, train
from .run import _check_class_count as _check_class_count
from .run import _prepare as _prepare
from .run import _split as _split
from .schema import (
    ACTIVATIONS,
    DEFAULT_RECIPE,
    INITS,
    KEYS,
    LOSSES,
    OPTIMIZERS,
    SCHEDULES,
)
from .schema import MAX_EPOCHS as MAX_EPOCHS
from .schema import TanhSquaredError as TanhSquaredError

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
