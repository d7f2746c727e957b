"""Seven optimizers on the same two problems (CERN deck: first-order, second-order and
evolutionary optimization): gradient descent, momentum, RMSProp, Adam, L-BFGS, Newton's
method with the exact Hessian, and a genetic algorithm.

Prints a table per problem and writes optimizer-comparison/optimizers.png (loss against
iteration and against wall time) and optimizers.csv. The same as `rosenblatt demo optimizers`.
Run: python examples/optimizer_comparison.py [iterations]
"""

import sys

import numpy as np

import rosenblatt as rb
from rosenblatt.demos.optimizers import optimizers_demo

iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 100
results = optimizers_demo("optimizer-comparison", iterations=iterations)

# The closure API in two lines, for your own model: every rb.optim optimizer takes one.
rb.manual_seed(0)
w = rb.tensor([-1.2, 1.0], dtype="float64", requires_grad=True)
opt = rb.optim.Newton([w], max_iter=50)


def closure():
    opt.zero_grad()
    loss = (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2  # Rosenbrock's valley
    loss.backward()
    return loss


opt.step(closure)
print(
    f"\nNewton on Rosenbrock from (-1.2, 1): w = {np.round(w.data, 8)} "
    f"after {opt.state[w]['n_iter']} iterations"
)
