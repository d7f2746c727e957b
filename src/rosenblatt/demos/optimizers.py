"""The optimizer comparison: one problem, seven optimizers, the same starting weights.

Trains logistic regression and a small MLP with gradient descent, momentum, RMSprop, Adam,
L-BFGS, Newton's method and the genetic algorithm, full batch, and reports for each the
iterations, the loss evaluations, the wall time, the final loss and the accuracy; plots the
loss against the iteration and against the time. Used by ``rosenblatt demo optimizers``.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn, optim
from ..autograd import no_grad
from ..nn import functional as F
from ..random import manual_seed
from ..tensor import Tensor, tensor

__all__ = ["OPTIMIZERS", "optimizers_demo", "run_optimizer"]

# name -> optimizer factory; one step = one iteration (GA: one generation)
OPTIMIZERS: dict[str, Callable[[list[Any]], optim.Optimizer]] = {
    "GD": lambda p: optim.SGD(p, lr=0.5),
    "momentum": lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
    "RMSProp": lambda p: optim.RMSprop(p, lr=0.01),
    "Adam": lambda p: optim.Adam(p, lr=0.05),
    "LBFGS": lambda p: optim.LBFGS(p, max_iter=1, max_eval=25, line_search_fn="strong_wolfe"),
    "Newton": lambda p: optim.Newton(p),
    "GA": lambda p: optim.GeneticAlgorithm(p, population_size=50, mutation_scale=0.05, seed=0),
}


def _problems(seed: int) -> dict[str, tuple[nn.Module, np.ndarray, np.ndarray]]:
    """Logistic regression on a noisy 10-feature data set; a 2-8-1 tanh MLP on two moons."""
    from sklearn.datasets import make_classification, make_moons

    X, y = make_classification(
        n_samples=300, n_features=10, n_informative=5, n_redundant=0, flip_y=0.05, random_state=seed
    )
    X = (X - X.mean(0)) / X.std(0)
    Xm, ym = make_moons(200, noise=0.2, random_state=seed)
    manual_seed(seed)
    logistic = nn.Linear(10, 1).double()
    mlp = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1)).double()
    return {"logistic regression": (logistic, X, y), "MLP 2-8-1": (mlp, Xm, ym)}


def run_optimizer(
    name: str, model: nn.Module, X: np.ndarray, y: np.ndarray, iterations: int
) -> dict[str, Any]:
    """Train ``model`` (in place) on (X, y) with BCE on logits: ``iterations`` steps of
    ``OPTIMIZERS[name]``; one step is one iteration (one generation for "GA").

    Returns a dict with the loss after every step (``losses``), the cumulative time spent
    in the steps (``times``), ``evals`` (closure calls: loss evaluations), ``settled`` (the
    first iteration with 99.9 % of the run's loss decrease done), ``loss`` and ``accuracy``
    at the end.
    """
    Xt, yt = tensor(X, dtype=np.float64), tensor(y.reshape(-1, 1), dtype=np.float64)
    params = list(model.parameters())
    opt = OPTIMIZERS[name](params)
    needs_grad = not isinstance(opt, optim.GeneticAlgorithm)
    evals = [0]

    def closure() -> Tensor:
        evals[0] += 1
        loss = F.binary_cross_entropy_with_logits(model(Xt), yt)
        if needs_grad:
            opt.zero_grad()
            loss.backward()
        return loss

    def current_loss() -> float:
        with no_grad():
            return float(F.binary_cross_entropy_with_logits(model(Xt), yt))

    losses, times, elapsed = [current_loss()], [0.0], 0.0
    for _ in range(iterations):
        start = time.perf_counter()
        if isinstance(opt, (optim.LBFGS, optim.Newton, optim.GeneticAlgorithm)):
            opt.step(closure)
        else:
            closure()
            opt.step()
        elapsed += time.perf_counter() - start
        losses.append(current_loss())
        times.append(elapsed)
    with no_grad():
        accuracy = float(((model(Xt)._data > 0) == (yt._data > 0.5)).mean())
    decrease = losses[0] - losses[-1]
    settled = next(k for k, v in enumerate(losses) if v - losses[-1] <= 1e-3 * decrease)
    return {
        "losses": losses,
        "settled": settled,
        "times": times,
        "iterations": iterations,
        "evals": evals[0],
        "time": elapsed,
        "loss": losses[-1],
        "accuracy": accuracy,
    }


def _plot(results: dict[str, dict[str, dict[str, Any]]], path: Path) -> None:
    """J - J_best against iteration and against time, one row per problem (log scale);
    J_best is the lowest loss any optimizer reached on the problem."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.2 * len(results)))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(results), 2, squeeze=False)
    for row, (problem, runs) in zip(axes, results.items()):
        best = min(min(r["losses"]) for r in runs.values())
        for name, r in runs.items():
            excess = np.maximum(np.asarray(r["losses"]) - best, 1e-12)
            row[0].plot(np.arange(len(excess)), excess, label=name)
            row[1].plot(r["times"], excess, label=name)
        for ax, xlabel in zip(row, ("iteration (GA: generation)", "wall time [s]")):
            ax.set_yscale("log")
            ax.set_xlabel(xlabel)
            ax.set_ylabel(f"J - J_best  (J_best = {best:.6g})")
            ax.set_title(f"{problem}: training loss (BCE) above the best")
            ax.grid(True, alpha=0.3)
        row[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def optimizers_demo(
    out_dir: str | Path = "optimizers-demo",
    *,
    iterations: int = 100,
    seed: int = 0,
    out: Callable[[str], Any] = print,
) -> dict[str, dict[str, dict[str, Any]]]:
    """Compare GD, momentum, RMSProp, Adam, LBFGS, Newton and GA on two problems.

    Each optimizer starts from the same weights and runs ``iterations`` full-batch steps
    (an L-BFGS step is one iteration with a strong Wolfe line search, a Newton step one
    damped Newton iteration with the exact Hessian, a GA step one generation of 50
    individuals, i.e. 50 loss evaluations). Prints one table per problem and writes into
    ``out_dir`` the plot ``optimizers.png`` (the loss above the best loss reached, against
    the iteration and against the wall time, log scale) and the table ``optimizers.csv``.

    Parameters
    ----------
    out_dir : str or Path
        Folder for the plot and the table (created if missing).
    iterations : int
        Steps per optimizer (default 100).
    seed : int
        Seed of the data and of the initial weights.
    out : callable
        Receives each line of the printed tables (default ``print``).

    Returns
    -------
    dict
        ``results[problem][optimizer]`` with ``losses``, ``times``, ``iterations``,
        ``evals``, ``time``, ``loss``, ``accuracy``.
    """
    if iterations < 1:
        raise ValueError(f"optimizers_demo: iterations must be >= 1, got {iterations}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, dict[str, Any]]] = {}
    columns = ["iterations", "settled", "evals", "time", "loss", "accuracy"]
    rows = []
    for problem, (model, X, y) in _problems(seed).items():
        start_weights = {k: v.clone() for k, v in model.state_dict().items()}
        n_params = sum(p._data.size for p in model.parameters())
        out(f"\n{problem}: {len(X)} samples, {n_params} parameters, {iterations} iterations")
        out(
            f"{'optimizer':<10} {'iterations':>10} {'to 99.9%':>9} {'evals':>7} "
            f"{'time [s]':>9} {'final loss':>12} {'accuracy':>9}"
        )
        results[problem] = {}
        for name in OPTIMIZERS:
            model.load_state_dict(start_weights)
            r = run_optimizer(name, model, X, y, iterations)
            results[problem][name] = r
            out(
                f"{name:<10} {r['iterations']:>10d} {r['settled']:>9d} {r['evals']:>7d} "
                f"{r['time']:>9.3f} {r['loss']:>12.6g} {r['accuracy']:>9.3f}"
            )
            rows.append([problem, name, *(r[c] for c in columns)])
    out("to 99.9%: iterations until 99.9 % of the run's loss decrease was done")
    with open(out_dir / "optimizers.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["problem", "optimizer", *columns])
        writer.writerows(rows)
    _plot(results, out_dir / "optimizers.png")
    out(f"\nwrote {out_dir / 'optimizers.png'} and {out_dir / 'optimizers.csv'}")
    return results
