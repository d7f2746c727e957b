# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · Parameter learning: normal equations, gradient descent and its variants
#
# Follows **Carrazza, "Lectures on Machine Learning, 2"** (CERN, deck `001`): the normal
# equations against gradient descent, the learning rate, feature scaling, batch /
# stochastic / mini-batch gradient descent, momentum, AdaGrad, RMSProp, Adam, Newton's
# method, quasi-Newton (BFGS, L-BFGS) and the genetic algorithm racing on one loss surface,
# and the initialisation of a network (zero, random, Glorot, He). Each cell asserts what
# it shows.

# %%
import os

import numpy as np
from IPython.display import display

import rosenblatt as rb
from rosenblatt import models, nn, optim, viz
from rosenblatt.demos.lessons import deep_mlp, optimizer_paths

QUICK = os.environ.get("ROSENBLATT_QUICK") == "1"  # shorter runs in the test suite
_ = rb.manual_seed(0)
rng = np.random.default_rng(0)

# %% [markdown]
# ## Normal equations vs gradient descent (slides "Normal equations example")
#
# For m examples and n features, X w = y is overdetermined; minimising
# J(w) = ‖y − Xw‖² by ∂J/∂w = 0 gives w = (XᵀX)⁻¹Xᵀy = X⁺y. Gradient descent reaches the
# same w iteratively: w := w − η ∇J(w).

# %%
m = 200
X = np.column_stack([np.ones(m), rng.normal(size=(m, 3))])
w_true = np.array([0.5, 2.0, -1.0, 3.0])
y = X @ w_true + 0.1 * rng.normal(size=m)
w_normal = np.linalg.inv(X.T @ X) @ X.T @ y
w_pinv = np.linalg.pinv(X) @ y
ls = models.LinearRegression(solver="normal").fit(X[:, 1:], y)
gd = models.LinearRegression(solver="gd", learning_rate=0.1, max_iter=5000, tol=1e-12).fit(
    X[:, 1:], y
)
print("normal equations :", np.round(w_normal, 5))
print("pseudo-inverse   :", np.round(w_pinv, 5))
print("LinearRegression :", np.round(np.r_[ls.intercept_, ls.coef_], 5), "(normal)")
print(
    "gradient descent :", np.round(np.r_[gd.intercept_, gd.coef_], 5), f"({gd.n_iter_} iterations)"
)
assert np.allclose(w_normal, w_pinv) and np.allclose(np.r_[ls.intercept_, ls.coef_], w_normal)
assert np.allclose(np.r_[gd.intercept_, gd.coef_], w_normal, atol=1e-4)

# %% [markdown]
# ## The learning rate (slides "Gradient descent and learning rate")
#
# η too small: slow; η too large: fails to converge or diverges. On the least-squares loss
# of two weights (no intercept), whose Hessian H = XᵀX/m has eigenvalues 0.13 and 1.16,
# gradient descent diverges for η > 2/1.16:


# %%
def least_squares(Xf, yf):
    """J(w) = 1/(2m) sum_i (x_i1 w1 + x_i2 w2 - y_i)^2, for w of shape (2,) or a (2, k) grid."""
    x1, x2, t = (rb.tensor(v[:, None], dtype=np.float64) for v in (Xf[:, 0], Xf[:, 1], yf))
    return lambda w: ((x1 * w[0] + x2 * w[1] - t) ** 2).mean(0) / 2


X2 = rng.normal(size=(100, 2)) @ np.array([[1.0, 0.0], [0.6, 0.5]])
y2 = X2 @ np.array([1.5, -1.0]) + 0.1 * rng.normal(size=100)
J = least_squares(X2, y2)
paths = optimizer_paths(
    J,
    [-2.0, 2.0],
    {f"η = {lr}": (lambda p, lr=lr: optim.SGD(p, lr=lr)) for lr in (0.1, 1.0, 1.8)},
    steps=25,
)
final = {k: float(J(rb.tensor(v[-1])).sum()) for k, v in paths.items()}
print({k: f"{v:.3g}" for k, v in final.items()})
assert final["η = 1.0"] < final["η = 0.1"] < final["η = 1.8"]
assert final["η = 1.8"] > float(J(rb.tensor([-2.0, 2.0])).sum())  # diverged: η > 2 / λ_max(H)
viz.plot_loss_surface(
    J, paths, xlim=(-3, 4), ylim=(-3, 3), title="learning rate too small / right / too large"
)

# %% [markdown]
# ## Feature scaling (slide "Gradient descent and feature scaling")
#
# Features on different scales stretch the contours of J into narrow valleys; gradient
# descent zig-zags across them. Standardising x_i := (x_i − μ_i)/σ_i rounds the contours.

# %%
X_raw = np.column_stack([rng.normal(0, 1, 100), rng.normal(0, 8, 100)])
y_raw = X_raw @ np.array([1.0, 0.25]) + 0.1 * rng.normal(size=100)
X_std = (X_raw - X_raw.mean(0)) / X_raw.std(0)
y_c = y_raw - y_raw.mean()
results = {}
for name, Xf, lr in [("raw", X_raw - X_raw.mean(0), 0.02), ("standardised", X_std, 0.5)]:
    Jf = least_squares(Xf, y_c)
    path = optimizer_paths(Jf, [-2.0, -2.0], {"GD": lambda p, lr=lr: optim.SGD(p, lr=lr)}, steps=30)
    w_best = np.linalg.lstsq(Xf, y_c, rcond=None)[0]
    results[name] = np.linalg.norm(path["GD"][-1] - w_best)
    display(viz.plot_loss_surface(Jf, path, title=f"{name} features: 30 GD steps"))
print(
    "distance to the least-squares w after 30 steps:", {k: f"{v:.2e}" for k, v in results.items()}
)
assert results["standardised"] < 1e-3 < results["raw"]

# %% [markdown]
# ## Batch, stochastic and mini-batch gradient descent (slides "Gradient descent variants")
#
# Batch: all m examples per step. SGD: shuffle, one example per step (high variance, the
# cost fluctuates). Mini-batch: b examples per step. Each path below is two passes over
# the data: 2 batch steps, 20 mini-batch steps, 200 SGD steps.


# %%
def sgd_path(batch, epochs, lr, seed=0):
    w = rb.tensor([-2.0, 2.0], dtype=np.float64, requires_grad=True)
    opt = optim.SGD([w], lr=lr)
    order = np.random.default_rng(seed)
    path = [w.detach().numpy().copy()]
    for _ in range(epochs):
        idx = order.permutation(100)
        for start in range(0, 100, batch):
            rows = idx[start : start + batch]
            opt.zero_grad()
            least_squares(X2[rows], y2[rows])(w).sum().backward()
            opt.step()
            path.append(w.detach().numpy().copy())
    return np.array(path)


variants = {
    "batch": sgd_path(100, 2, 1.0),
    "mini-batch b = 10": sgd_path(10, 2, 0.5),
    "SGD (b = 1)": sgd_path(1, 2, 0.05),
}
w_best = np.linalg.lstsq(X2, y2, rcond=None)[0]
for name, p in variants.items():
    distance = np.linalg.norm(p[-1] - w_best)
    print(f"{name:18s} steps {len(p) - 1:3d}, distance to the optimum {distance:.3f}")
    assert name == "batch" or distance < 0.5 * np.linalg.norm(variants["batch"][-1] - w_best)
assert np.sum(np.diff(J(rb.tensor(variants["SGD (b = 1)"].T)).numpy()) > 0) > 0  # J fluctuates
viz.plot_loss_surface(J, variants, xlim=(-3, 3), ylim=(-3, 3), title="batch vs mini-batch vs SGD")

# %% [markdown]
# ## The optimizers race on one loss surface (slides "Gradient descent schemes", "Examples
# of second order optimization", "Genetic algorithm")
#
# Rosenbrock's valley J(w) = (1 − w1)² + 10 (w2 − w1²)², minimum at (1, 1), from (−1.5, 2):
#
# * momentum: w := w − η∇J + αΔw; AdaGrad, RMSProp: per-weight rates η/√v; Adam: momentum
#   and RMSProp with bias correction;
# * Newton: w := w − H⁻¹∇J (from the 2nd-order Taylor expansion; the exact Hessian here
#   comes from double backward);
# * quasi-Newton: BFGS and L-BFGS build H⁻¹ from the gradients;
# * genetic algorithm: a population, selection, crossover and mutation; no gradients.


# %%
def rosenbrock(w):
    return (1 - w[0]) ** 2 + 10 * (w[1] - w[0] ** 2) ** 2


racers = {
    "GD": lambda p: optim.SGD(p, lr=0.01),
    "momentum": lambda p: optim.SGD(p, lr=0.01, momentum=0.9),
    "AdaGrad": lambda p: optim.Adagrad(p, lr=0.5),
    "RMSProp": lambda p: optim.RMSprop(p, lr=0.05),
    "Adam": lambda p: optim.Adam(p, lr=0.2),
    "Newton": lambda p: optim.Newton(p),
    "BFGS": lambda p: optim.BFGS(p),
    "L-BFGS": lambda p: optim.LBFGS(p, max_iter=1),  # one iteration per step
    "GA": lambda p: optim.GeneticAlgorithm(p, population_size=30, mutation_scale=0.1, seed=0),
}
race = optimizer_paths(rosenbrock, [-1.5, 2.0], racers, steps=40 if QUICK else 100)
print(f"{'optimizer':10s} {'final w':>22s} {'J':>10s}")
final_J = {}
for name, p in race.items():
    final_J[name] = float(rosenbrock(rb.tensor(p[-1])))
    print(f"{name:10s} {np.array2string(p[-1], precision=4):>22s} {final_J[name]:10.2e}")
start_J = float(rosenbrock(rb.tensor([-1.5, 2.0])))
assert all(final_J[k] < 1e-8 for k in ("Newton", "BFGS", "L-BFGS"))
assert final_J["momentum"] < final_J["GD"] and final_J["GA"] < start_J
display(
    viz.plot_loss_surface(
        rosenbrock,
        {k: race[k] for k in ("GD", "momentum", "AdaGrad", "RMSProp", "Adam")},
        xlim=(-2, 2),
        ylim=(-1, 3),
        title="first-order methods",
    )
)
viz.plot_loss_surface(
    rosenbrock,
    {k: race[k] for k in ("Newton", "BFGS", "L-BFGS", "GA")},
    xlim=(-2, 2),
    ylim=(-1, 3),
    title="second-order, quasi-Newton and genetic",
)

# %% [markdown]
# Newton's method in 1-D (the deck's Taylor expansion): w := w − J'(w)/J''(w), both
# derivatives by autograd (double backward). On a quadratic it lands on the minimum in one
# step.

# %%
w = rb.tensor([3.0], dtype=np.float64, requires_grad=True)
Jw = 2 * (w - 1.25) ** 2 + 0.5
(d1,) = rb.autograd.grad(Jw.sum(), w, create_graph=True)
(d2,) = rb.autograd.grad(d1.sum(), w)
w_next = w.item() - d1.item() / d2.item()
print(f"J'(3) = {d1.item()}, J''(3) = {d2.item()}, Newton step to w = {w_next}")
assert w_next == 1.25

# %% [markdown]
# ## Initialisation (slide "Training neural networks")
#
# * zero: every hidden unit computes the same thing and gets the same update — the network
#   is no better than one neuron;
# * random: breaks the symmetry, but a too-large or too-small variance saturates or
#   shrinks the signal layer by layer;
# * Glorot/Xavier: var = 2/(fan_in + fan_out), keeps tanh layers' activations in range;
# * He: var = 2/fan_in, for ReLU (which zeroes half of its inputs).

# %%
X_m, y_m = rb.data.make_moons(200, noise=0.1, random_state=0)
zero = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
for p in zero.parameters():
    nn.init.zeros_(p)
rb.fit(
    zero,
    X_m,
    y_m,
    loss=nn.CrossEntropyLoss(),
    optimizer=optim.Adam(zero.parameters(), lr=0.05),
    epochs=100,
    batch_size=None,
    verbose=0,
)
W = zero[0].weight.numpy()
print("zero init, after training: hidden weight rows all equal:", np.allclose(W, W[0]))
assert np.allclose(W, W[0])

x = rb.tensor(np.random.default_rng(1).normal(size=(512, 256)))
stds = {}
for name, act, init in [
    ("tanh, N(0, 1)", "tanh", "normal"),
    ("tanh, Glorot", "tanh", "glorot"),
    ("ReLU, Glorot", "relu", "glorot"),
    ("ReLU, He", "relu", "he"),
]:
    net = deep_mlp(10, 256, act, init, n_in=256, n_out=256)
    h, layer_std = x, []
    with rb.no_grad():
        for layer in net:
            h = layer(h)
            if not isinstance(layer, nn.Linear):
                layer_std.append(float(h.numpy().std()))
    stds[name] = layer_std
fig = viz._figure(6.4, 4.2)
ax = fig.subplots()
for name, s in stds.items():
    ax.plot(np.arange(1, len(s) + 1), s, marker="o", label=name)
ax.set(
    xlabel="hidden layer",
    ylabel="std of the activations",
    title="forward signal through 10 layers",
    yscale="log",
)
ax.legend()
ax.grid(alpha=0.3)
print({k: round(v[-1], 3) for k, v in stds.items()})
assert stds["tanh, N(0, 1)"][-1] > 0.9  # saturated at +-1
assert stds["ReLU, Glorot"][-1] < 0.2 * stds["ReLU, Glorot"][0]  # shrinks by 1/sqrt(2) a layer
assert 0.5 < stds["ReLU, He"][-1] / stds["ReLU, He"][0] < 2  # He keeps it
fig
