"""The decks' pictures, one function each: ``rosenblatt demo NAME`` and docs/pictures.py draw
them (each writes one PNG and returns its path). The numbers behind every picture are
asserted in tests/test_viz.py and the notebooks.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from .. import nn, optim
from ..random import manual_seed
from ..tensor import tensor

# viz (matplotlib), the data sets and the lessons are imported by the functions that draw,
# so that the CLI can list the pictures without loading matplotlib.

__all__ = ["PICTURES", "draw"]


def computation_graph(out: Path) -> Path:
    """The EDSF deck's Concrete example: the graph backward walks, with the gradients."""
    from .. import viz

    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid()).double()
    model.load_state_dict(
        {
            "0.weight": np.array([[0.1, 0.2], [0.3, 0.4]]),
            "0.bias": np.array([0.5, 0.5]),
            "2.weight": np.array([[0.5, 0.6]]),
            "2.bias": np.array([0.5]),
        }
    )
    loss = (model(tensor([[0.2, 0.3]], dtype=np.float64)) ** 2).sum()
    loss.backward()
    path = out / "graph.png"
    viz.plot_computation_graph(
        loss, model, path, show_grad=True, title="The Concrete example's graph"
    )
    return path


def perceptron_or(out: Path) -> Path:
    """The Matteucci deck's OR run, the boundary after each update."""
    from .. import viz
    from ..data import gates
    from .lessons import perceptron_run

    X, t = gates("or", signed=True)
    path = out / "perceptron_or.png"
    viz.plot_perceptron_run(perceptron_run(X, t, 0.5, [1, 1, 1]), path)
    return path


def universal_approximation(out: Path) -> Path:
    """Fits of x sin x with 1, 2, 3, 6 and 13 ReLUs, each unit's ramp drawn."""
    from .. import viz

    path = out / "universal_approximation.png"
    viz.plot_universal_approximation(lambda x: x * np.sin(x), (-4.0, 4.0), path=path)
    return path


def vanishing_gradients(out: Path) -> Path:
    """Per-layer gradients of 8-layer nets: sigmoid with default init vs ReLU with He."""
    from .. import viz
    from ..data import make_moons
    from .lessons import deep_mlp

    manual_seed(0)
    X, y = make_moons(256, noise=0.1, random_state=0)
    nets = {
        "sigmoid, default init": deep_mlp(8, 32, "sigmoid"),
        "ReLU, He": deep_mlp(8, 32, "relu", "he"),
    }
    path = out / "vanishing_gradients.png"
    viz.plot_gradient_flow(
        nets, X, y, nn.CrossEntropyLoss(), path, title="Gradients per layer, 8 layers of 32 units"
    )
    return path


def optimizers(out: Path) -> Path:
    """GD, momentum, Adam, Newton, L-BFGS and a GA on Rosenbrock's valley."""
    from .. import viz
    from .lessons import optimizer_paths

    def rosenbrock(w):
        return (1 - w[0]) ** 2 + 10 * (w[1] - w[0] ** 2) ** 2

    racers = {
        "GD": lambda p: optim.SGD(p, lr=0.01),
        "momentum": lambda p: optim.SGD(p, lr=0.01, momentum=0.9),
        "Adam": lambda p: optim.Adam(p, lr=0.2),
        "Newton": lambda p: optim.Newton(p),
        "L-BFGS": lambda p: optim.LBFGS(p, max_iter=1),
        "GA": lambda p: optim.GeneticAlgorithm(p, population_size=30, mutation_scale=0.1, seed=0),
    }
    paths = optimizer_paths(rosenbrock, [-1.5, 2.0], racers, steps=60)
    path = out / "optimizers.png"
    viz.plot_loss_surface(
        rosenbrock, paths, path, xlim=(-2, 2), ylim=(-1, 3),
        title="Optimizers on J = (1 - w1)² + 10 (w2 - w1²)²",
    )  # fmt: skip
    return path


#: name -> (function writing the PNG into a folder, what it shows)
PICTURES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "graph": (computation_graph, "the computation graph of the Concrete example, gradients"),
    "perceptron-run": (perceptron_or, "the OR run update by update (Matteucci deck)"),
    "relu-approximation": (universal_approximation, "fits with 1, 2, 3, 6, 13 ReLUs"),
    "vanishing-gradients": (vanishing_gradients, "per-layer gradients, sigmoid vs ReLU/He"),
    "optimizer-paths": (optimizers, "optimizers' paths on Rosenbrock's valley"),
}


def draw(name: str, out: Path) -> Path:
    """Write picture ``name`` into folder ``out`` (created); return the PNG's path."""
    out.mkdir(parents=True, exist_ok=True)
    return PICTURES[name][0](out)
