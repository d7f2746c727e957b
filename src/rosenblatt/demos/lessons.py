"""The numbers behind the decks' pictures: each function computes what a figure of
:mod:`rosenblatt.viz` draws, so a test (or a notebook) can check it against an oracle.

::

    perceptron_run(X, t, eta, w_init)      # the perceptron rule, one record per update
    perceptron_or_demo()                   # the deck's OR run printed sample by sample
    relu_units_fit(f, n_units, interval)   # f(x) ~ sum_i w_i ReLU(x + b_i)   (deck 002)
    deep_mlp(depth, width, "sigmoid")      # a deep net for the vanishing-gradient lesson
    optimizer_paths(J, start, optimizers)  # the weights (w1, w2) of each optimizer, step by step
    fgsm(model, x, y, eps)                 # x + eps sign(grad_x J(theta, x, y))   (deck 002)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import nn, optim
from ..autograd import no_grad
from ..nn import functional as F
from ..tensor import Tensor, tensor

if TYPE_CHECKING:
    from ..models.perceptron import Perceptron

__all__ = [
    "PerceptronRun",
    "ReluFit",
    "deep_mlp",
    "fgsm",
    "fgsm_accuracy",
    "optimizer_paths",
    "perceptron_or_demo",
    "perceptron_run",
    "relu_units_fit",
]


# ============================================================================ perceptron
@dataclass
class PerceptronRun:
    """The perceptron rule's history on one data set (augmented weights w = (w0, w1, w2)).

    Attributes
    ----------
    weights : list of ndarray, shape (3,)
        w before the first update, then w after each update.
    updates : list of (epoch, sample)
        For each update, the epoch (1-based) and the index of the misclassified sample.
    errors_per_epoch : list of int
        Updates made in each epoch; the run converged when the last one is 0.
    """

    X: np.ndarray
    t: np.ndarray
    eta: float
    weights: list[np.ndarray] = field(default_factory=list)
    updates: list[tuple[int, int]] = field(default_factory=list)
    errors_per_epoch: list[int] = field(default_factory=list)

    @property
    def converged(self) -> bool:
        return bool(self.errors_per_epoch) and self.errors_per_epoch[-1] == 0


def perceptron_run(
    X: Any,
    t: Any,
    eta: float = 0.5,
    w_init: Sequence[float] | None = None,
    max_epochs: int = 20,
) -> PerceptronRun:
    """Rosenblatt's rule w += eta t x on the augmented x = (1, x1, ..., xD), visiting the
    samples in order, recording w after every update; stops after an epoch without updates.

    A sample is misclassified when t (w.x) <= 0 (a point on the boundary is a mistake).
    This calls :func:`rosenblatt.models.perceptron.perceptron_epoch`, the rule
    ``rb.models.Perceptron`` runs.

    Parameters
    ----------
    X : array_like, shape (n, D)
    t : array_like, shape (n,)
        Targets in {-1, +1} (0/1 targets are mapped to -1/+1).
    eta : float
        Learning rate.
    w_init : sequence of D + 1 floats, optional
        Start (w0 = bias first); zeros by default.
    max_epochs : int

    Returns
    -------
    PerceptronRun

    Examples
    --------
    The Matteucci deck's OR from w = [1, 1, 1] with eta = 0.5 ends at -1/2 + x1 + x2:

    >>> run = perceptron_run([[0, 0], [0, 1], [1, 0], [1, 1]], [-1, 1, 1, 1], 0.5, [1, 1, 1])
    >>> [w.tolist() for w in run.weights]
    [[1.0, 1.0, 1.0], [0.5, 1.0, 1.0], [0.0, 1.0, 1.0], [-0.5, 1.0, 1.0]]
    """
    from ..models.perceptron import perceptron_epoch

    X = np.asarray(X, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    t = np.where(t > 0, 1.0, -1.0)
    Xa = np.hstack([np.ones((len(X), 1)), X])
    w = np.zeros(Xa.shape[1]) if w_init is None else np.array(w_init, dtype=np.float64)
    if w.shape != (Xa.shape[1],):
        raise ValueError(f"perceptron_run: w_init needs {Xa.shape[1]} values, got {w.shape[0]}")
    run = PerceptronRun(X, t, eta, weights=[w.copy()])
    for epoch in range(1, max_epochs + 1):

        def record(i: int, s: float, updated: bool, w_now: np.ndarray, epoch: int = epoch) -> None:
            if updated:
                run.weights.append(w_now.copy())
                run.updates.append((epoch, i))

        run.errors_per_epoch.append(
            perceptron_epoch(Xa, t, w, eta, np.arange(len(t)), True, record)
        )
        if run.errors_per_epoch[-1] == 0:
            break
    return run


def perceptron_or_demo(out: Callable[[str], Any] = print) -> Perceptron:
    """Print the Matteucci deck's perceptron learning OR, one sample per line.

    Start from w = [w0, w1, w2] = [1, 1, 1] (w0 the bias, with x0 = 1), eta = 0.5, OR coded
    with t in {-1, +1}; visit the four records in order, update w += eta t x for each record
    with t (w.x) <= 0, and stop after an epoch without updates. The run ends at
    w = [-0.5, 1, 1] after 3 updates. Used by ``rosenblatt demo perceptron-or``.

    Parameters
    ----------
    out : callable
        Receives each line of text (default ``print``).

    Returns
    -------
    Perceptron
        The fitted perceptron (its ``errors_per_epoch_`` is [1, 1, 1, 0]).
    """
    from ..models.perceptron import Perceptron, perceptron_epoch  # noqa: F811

    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    t = np.array([-1.0, 1.0, 1.0, 1.0])
    eta = 0.5
    w = np.array([1.0, 1.0, 1.0])
    out("Perceptron learning OR (Matteucci deck): w = [w0 w1 w2] = [1 1 1], eta = 0.5")
    out("x0 = 1 is the bias input; y = sign(w.x); a record is misclassified when t (w.x) <= 0")
    out(f"{'epoch':>5}  {'x0 x1 x2':>8}  {'t':>2}  {'w.x':>5}  {'y':>2}  {'update':<24}  w")
    errors: list[int] = []  # the updates of each finished epoch

    def show(i: int, s: float, updated: bool, w_now: np.ndarray) -> None:
        x = " ".join(f"{v:g}" for v in (1.0, *X[i]))
        step = f"w += {eta:g}*({t[i]:+g})*[{x}]" if updated else "none (correct)"
        weights, epoch = " ".join(f"{v:g}" for v in w_now), len(errors) + 1
        y = int(np.sign(s))  # sign(0) = 0: on the boundary counts as a mistake
        out(f"{epoch:>5}  {x:>8}  {t[i]:+2.0f}  {s:5.2f}  {y:+2d}  {step:<24}  [{weights}]")

    Xa = np.hstack([np.ones((4, 1)), X])
    while not errors or errors[-1]:
        errors.append(perceptron_epoch(Xa, t, w, eta, np.arange(4), trace=show))
    final = " ".join(f"{v:g}" for v in w)
    out(f"converged after {sum(errors)} updates in {len(errors)} epochs: w = [{final}]")
    model = Perceptron(eta0=eta, shuffle=False)
    return model.fit(X, t, coef_init=[1.0, 1.0], intercept_init=1.0)


# ======================================================================= universal approximation
@dataclass
class ReluFit:
    """f(x) ~ sum_i w_i ReLU(x + b_i): ``model`` is Linear(1, n) (weights 1, biases b_i),
    ReLU, Linear(n, 1, bias=False) (weights w_i) in float64."""

    model: nn.Module
    b: np.ndarray
    w: np.ndarray

    def ramps(self, x: Any) -> np.ndarray:
        """Each unit's contribution w_i ReLU(x + b_i), shape (len(x), n)."""
        x = np.asarray(x, dtype=np.float64).reshape(-1, 1)
        return self.w * np.maximum(x + self.b, 0.0)

    def __call__(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64).reshape(-1, 1)
        with no_grad():
            return self.model(tensor(x, dtype=np.float64)).numpy()[:, 0]


def relu_units_fit(
    f: Callable[[np.ndarray], np.ndarray],
    n_units: int,
    interval: tuple[float, float] = (-1.0, 1.0),
    n_samples: int = 200,
) -> ReluFit:
    """The EDSF deck's universal-approximation illustration: f(x) ~ sum_i w_i ReLU(x + b_i).

    Unit i switches on at the kink x = -b_i; the kinks are spread evenly, the first one a
    segment before the interval (so the first ramp covers all of it): with h = (hi - lo)/n,
    -b_i = lo + (i - 2) h for i = 1..n. The output weights w minimise the squared error on
    ``n_samples`` points, a linear least-squares problem solved exactly
    (w = argmin ||Phi w - f(x)||^2, Phi_ki = ReLU(x_k + b_i)). More units, more kinks: the
    fit follows f ever more closely.

    Parameters
    ----------
    f : callable
        The target function, vectorised over a NumPy array.
    n_units : int
        Number of hidden ReLU units n >= 1.
    interval : (lo, hi)
    n_samples : int
        Points where the squared error is measured.

    Returns
    -------
    ReluFit
    """
    if n_units < 1:
        raise ValueError(f"relu_units_fit: n_units must be >= 1, got {n_units}")
    lo, hi = interval
    h = (hi - lo) / n_units
    b = -(lo + (np.arange(n_units) - 1.0) * h)
    x = np.linspace(lo, hi, n_samples)
    phi = np.maximum(x[:, None] + b, 0.0)
    w = np.linalg.lstsq(phi, f(x), rcond=None)[0]
    hidden, out = (
        nn.Linear(1, n_units, dtype=np.float64),
        nn.Linear(n_units, 1, bias=False, dtype=np.float64),
    )
    hidden.weight.numpy()[...] = 1.0
    hidden.bias.numpy()[...] = b
    out.weight.numpy()[...] = w
    return ReluFit(nn.Sequential(hidden, nn.ReLU(), out), b, w)


# ============================================================================ vanishing gradients
def deep_mlp(
    depth: int = 8,
    width: int = 32,
    activation: str = "sigmoid",
    init: str = "default",
    n_in: int = 2,
    n_out: int = 2,
    std: float = 1.0,
) -> nn.Sequential:
    """A deep MLP: ``depth`` Linear layers of ``width`` units with ``activation`` between
    them, initialised by ``init``.

    Parameters
    ----------
    activation : {"sigmoid", "tanh", "relu"}
    init : {"default", "normal", "glorot", "he"}
        "default": PyTorch's Linear init (uniform with bound 1/sqrt(fan_in));
        "normal": N(0, std^2), the small Gaussian of the EDSF deck;
        "glorot": Glorot & Bengio, var = 2 / (fan_in + fan_out) (xavier_normal_);
        "he": var = 2 / fan_in (kaiming_normal_). Biases are zero except for "default".

    Returns
    -------
    nn.Sequential
        Linear, act, Linear, act, ..., Linear (float32).
    """
    acts = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}
    inits: dict[str, Callable[[Any], Any] | None] = {
        "default": None,
        "normal": lambda w: nn.init.normal_(w, 0.0, std),
        "glorot": nn.init.xavier_normal_,
        "he": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
    }
    if activation not in acts or init not in inits:
        raise ValueError(
            f"deep_mlp: activation must be one of {list(acts)} and init one of {list(inits)}, "
            f"got {activation!r}, {init!r}"
        )
    sizes = [n_in, *([width] * (depth - 1)), n_out]
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(a, b)
        initialise = inits[init]
        if initialise is not None:
            initialise(linear.weight)
            nn.init.zeros_(linear.bias)
        layers.append(linear)
        if i < depth - 1:
            layers.append(acts[activation]())
    return nn.Sequential(*layers)


# ============================================================================ optimizers
def optimizer_paths(
    loss: Callable[[Any], Any],
    start: Sequence[float],
    optimizers: Mapping[str, Callable[[list[Any]], Any]],
    steps: int = 50,
) -> dict[str, np.ndarray]:
    """Minimise a loss of two weights J(w1, w2) from the same start with each optimizer and
    record where the weights go.

    Parameters
    ----------
    loss : callable
        ``loss(w)`` for a Tensor w of shape (2,) returns J (one element); written with
        indexing and operators (``(1 - w[0])**2 + 10 * (w[1] - w[0]**2)**2``) it also works
        on arrays of shape (2, ...) for the contour plot, and on torch tensors.
    start : (w1, w2)
    optimizers : dict name -> factory
        ``factory([w])`` returns an optimizer of ``rb.optim``; one step is ``step()`` after
        a backward pass, or ``step(closure)`` for LBFGS, BFGS, Newton and the genetic
        algorithm.
    steps : int

    Returns
    -------
    dict name -> ndarray, shape (steps + 1, 2)
        Row k holds the weights after k steps (row 0 the start).
    """
    closure_based = (optim.LBFGS, optim.BFGS, optim.Newton, optim.GeneticAlgorithm)
    paths = {}
    for name, make in optimizers.items():
        w = tensor(np.asarray(start, dtype=np.float64), requires_grad=True)
        opt = make([w])

        def closure(opt: Any = opt, w: Tensor = w) -> Tensor:
            opt.zero_grad()
            J = loss(w).sum()  # a loss written for grids may return shape (1,)
            if not isinstance(opt, optim.GeneticAlgorithm):
                J.backward()
            return J

        path = [w.numpy().copy()]
        for _ in range(steps):
            if isinstance(opt, closure_based):
                opt.step(closure)
            else:
                closure()
                opt.step()
            path.append(w.numpy().copy())
        paths[name] = np.array(path)
    return paths


# ============================================================================ adversarial
def fgsm(
    model: nn.Module,
    x: Any,
    y: Any,
    eps: float,
    loss: Callable[..., Any] = F.cross_entropy,
    clip: tuple[float, float] | None = None,
) -> np.ndarray:
    """The fast gradient sign method (Goodfellow et al. 2015, the EDSF deck's panda):

        x_adv = x + eps sign(grad_x J(theta, x, y)),

    one step that raises the loss J as much as a change of at most eps per input can (to
    first order); optionally clipped back into the valid range of the inputs.

    Parameters
    ----------
    model : nn.Module
        Maps x to the logits that ``loss`` expects.
    x : array_like, shape (n, ...)
    y : array_like, shape (n,)
        The true labels.
    eps : float
        Size of the perturbation (max-norm).
    loss : callable
        ``loss(model(x), y)``; cross-entropy by default.
    clip : (lo, hi), optional

    Returns
    -------
    ndarray
        x_adv, the same shape and dtype as x.
    """
    params = list(model.parameters())
    dtype = params[0].dtype if params else np.float32
    x = np.asarray(x, dtype=dtype)
    xt = tensor(x, requires_grad=True)
    was_training = model.training
    model.eval()
    try:
        saved = [p.grad for p in params]
        J = loss(model(xt), tensor(np.asarray(y)))
        J.backward()
        for p, g in zip(params, saved):
            p.grad = g
    finally:
        model.train(was_training)
    assert xt.grad is not None
    x_adv = x + eps * np.sign(xt.grad.numpy())
    if clip is not None:
        x_adv = np.clip(x_adv, *clip)
    return x_adv.astype(dtype, copy=False)


def fgsm_accuracy(
    model: nn.Module, x: Any, y: Any, epsilons: Sequence[float], **kwargs: Any
) -> np.ndarray:
    """Accuracy of ``model`` on ``fgsm(model, x, y, eps)`` for each eps (eps = 0: clean)."""
    y = np.asarray(y)
    accuracy = []
    for eps in epsilons:
        x_adv = fgsm(model, x, y, eps, **kwargs)
        with no_grad():
            predicted = model(tensor(x_adv)).numpy().argmax(axis=1)
        accuracy.append(float(np.mean(predicted == y)))
    return np.array(accuracy)
