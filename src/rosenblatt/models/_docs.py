"""The documentation the estimators share, each paragraph written once.

A docstring names a shared block by a line that holds only ``{key}``; :func:`fill` puts the
block there (``help()``, ``__doc__`` and Sphinx show the full text), and
:func:`parameters` fills ``{parameters}`` with the entries of the class's ``__init__``
parameters, in their order. :func:`sections` appends the numpydoc Parameters and Returns
sections of a method. The entries of :data:`PARAMETERS` are numpydoc ``name : type``
entries with their description.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TypeVar

__all__ = ["PARAMETERS", "entries", "fill", "parameters", "sections"]

T = TypeVar("T")

#: name -> numpydoc entry ("name : type" and its indented description)
PARAMETERS: dict[str, str] = {
    "X": "X : array-like of shape (n_samples, n_features)",
    "y_ignored": "y : ignored",
    "sample_weight": """sample_weight : array-like of shape (n_samples,), optional
    Weight of each sample's loss (an integer weight counts as that many copies).""",
    "class_weight": """class_weight : "balanced", dict or None
    Weight of each class's samples (multiplying ``sample_weight``): a dict label -> weight,
    or "balanced", n / (n_classes n_c) (scikit-learn's).""",
    "hidden_layer_sizes": """hidden_layer_sizes : sequence of int
    Units of each hidden layer, e.g. (100,) or (64, 32).""",
    "activation": """activation : str or sequence of str
    Hidden activation: "relu", "tanh", "logistic" (= "sigmoid"), "identity",
    "leaky_relu", "elu", "selu", "gelu", "softplus"; or one name per hidden layer.""",
    "solver": """solver : str
    "adam", "sgd", "adagrad", "rmsprop", "adamw" (any first-order ``rb.optim``
    optimizer by lower-case name) or "lbfgs".""",
    "alpha": """alpha : float
    L2 penalty: alpha/(2m) sum |W|^2 per batch of m samples (scikit-learn's; m their
    total sample weight): rosenblatt's one penalty with l2 = alpha/2 in rb.fit's
    "sklearn" convention (``rosenblatt.train.objective``).""",
    "l1": """l1 : float
    L1 penalty: l1/m sum |W| per batch (the one penalty's l1, same convention).""",
    "dropout": """dropout : float
    Dropout probability after each hidden activation (0 for none).""",
    "batch_norm": """batch_norm : bool
    Batch normalisation (nn.BatchNorm1d) before each hidden activation.""",
    "batch_size": """batch_size : int or "auto"
    Mini-batch size; "auto" is min(200, n_samples).""",
    "learning_rate_init": """learning_rate_init : float
    The optimizer's lr.""",
    "max_iter": """max_iter : int
    Maximum epochs (stochastic solvers) or iterations (lbfgs).""",
    "shuffle": """shuffle : bool
    Shuffle the samples each epoch.""",
    "random_state": """random_state : None, int or numpy Generator
    Seeds initialisation, shuffling, dropout masks, corruption and the validation split;
    None draws from rosenblatt's global generator.""",
    "tol": """tol : float
    Improvement below tol for n_iter_no_change epochs stops training; for lbfgs, the
    gradient tolerance.""",
    "momentum": """momentum : float
    Momentum of the "sgd" solver.""",
    "early_stopping": """early_stopping : bool
    Hold out validation_fraction of the training data (stratified for classes), stop
    when its score (accuracy, R^2 for regression, -mean d(x) for an autoencoder) does
    not improve by tol for n_iter_no_change epochs, and keep the weights of the best
    epoch.""",
    "validation_fraction": """validation_fraction : float
    The held-out fraction of early_stopping, in (0, 1).""",
    "n_iter_no_change": """n_iter_no_change : int
    Epochs without an improvement of tol that stop training.""",
    "warm_start": """warm_start : bool
    ``fit`` continues from the current weights.""",
    "verbose": """verbose : bool
    Print the loss of each epoch.""",
}


def entries(*names: str) -> str:
    """The numpydoc entries of ``names`` (keys of :data:`PARAMETERS`, or entries
    themselves), one after the other."""
    return "\n".join(PARAMETERS.get(name, name) for name in names)


def _lines(text: str) -> list[str]:
    return inspect.cleandoc(text).splitlines()


def fill(**blocks: str) -> Callable[[T], T]:
    """Decorator: each docstring line that holds only ``{key}`` becomes ``blocks[key]``,
    indented as that line was."""

    def decorate(obj: T) -> T:
        out = []
        for line in _lines(obj.__doc__ or ""):
            key = line.strip()
            if not (key.startswith("{") and key.endswith("}") and key[1:-1].isidentifier()):
                out.append(line)
                continue
            indent = line[: len(line) - len(line.lstrip())]
            out += [indent + part if part else part for part in blocks[key[1:-1]].splitlines()]
        obj.__doc__ = "\n".join(out)
        return obj

    return decorate


def parameters(**own: str) -> Callable[[type[T]], type[T]]:
    """Class decorator: the docstring line ``{parameters}`` becomes the numpydoc entries of
    every ``__init__`` parameter, in the signature's order: ``own[name]`` when given, else
    :data:`PARAMETERS`'s (a parameter in neither raises KeyError: none goes undocumented);
    any other ``{key}`` line becomes ``own[key]``, as :func:`fill` does."""

    def decorate(cls: type[T]) -> type[T]:
        names = list(inspect.signature(cls.__init__).parameters)[1:]  # type: ignore[misc]
        listed = entries(*(own.get(n) or PARAMETERS[n] for n in names))
        return fill(**own, parameters=listed)(cls)

    return decorate


def sections(*params: str, returns: str) -> Callable[[T], T]:
    """Decorator: appends to a method's docstring the numpydoc sections Parameters (the
    entries ``params``, see :func:`entries`) and Returns (``returns``)."""

    def decorate(obj: T) -> T:
        parts = [*_lines(obj.__doc__ or ""), ""]
        if params:
            parts += ["Parameters", "----------", entries(*params), ""]
        obj.__doc__ = "\n".join([*parts, "Returns", "-------", returns])
        return obj

    return decorate
