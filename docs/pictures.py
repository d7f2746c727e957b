"""Render the README's pictures into docs/pictures/ (run: python docs/pictures.py).

Each is a figure of ``rosenblatt.viz`` on an example of the decks; the notebooks in
notebooks/ draw the same ones and assert the numbers behind them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import rosenblatt as rb
from rosenblatt import nn, optim, viz
from rosenblatt.demos.lessons import deep_mlp, optimizer_paths, perceptron_run

OUT = Path(__file__).resolve().parent / "pictures"


def main() -> None:
    OUT.mkdir(exist_ok=True)
    # the EDSF deck's Concrete example: the graph backward walks, with the gradients
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid()).double()
    model.load_state_dict(
        {
            "0.weight": np.array([[0.1, 0.2], [0.3, 0.4]]),
            "0.bias": np.array([0.5, 0.5]),
            "2.weight": np.array([[0.5, 0.6]]),
            "2.bias": np.array([0.5]),
        }
    )
    loss = (model(rb.tensor([[0.2, 0.3]], dtype=np.float64)) ** 2).sum()
    loss.backward()
    viz.plot_computation_graph(
        loss, model, OUT / "graph.png", show_grad=True, title="The Concrete example's graph"
    )
    # the Matteucci deck's OR, update by update
    X, t = rb.data.gates("or", signed=True)
    viz.plot_perceptron_run(perceptron_run(X, t, 0.5, [1, 1, 1]), OUT / "perceptron_or.png")
    # universal approximation with 1, 2, 3, 6, 13 ReLUs
    viz.plot_universal_approximation(
        lambda x: x * np.sin(x), (-4.0, 4.0), path=OUT / "universal_approximation.png"
    )
    # vanishing gradients at depth 8
    rb.manual_seed(0)
    Xm, ym = rb.data.make_moons(256, noise=0.1, random_state=0)
    nets = {
        "sigmoid, default init": deep_mlp(8, 32, "sigmoid"),
        "ReLU, He": deep_mlp(8, 32, "relu", "he"),
    }
    viz.plot_gradient_flow(
        nets, Xm, ym, nn.CrossEntropyLoss(), OUT / "vanishing_gradients.png",
        title="Gradients per layer, 8 layers of 32 units",
    )  # fmt: skip

    # optimizers on Rosenbrock's valley
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
    viz.plot_loss_surface(
        rosenbrock, paths, OUT / "optimizers.png", xlim=(-2, 2), ylim=(-1, 3),
        title="Optimizers on J = (1 - w1)² + 10 (w2 - w1²)²",
    )  # fmt: skip
    print(f"wrote {len(list(OUT.glob('*.png')))} pictures to {OUT}")


if __name__ == "__main__":
    main()
