# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · From perceptrons to neural networks
#
# Follows **Matteucci, "From Perceptrons to Neural Networks"** (Politecnico di Milano,
# deck `000` in the course material): threshold units and Boolean operators, Hebbian
# learning and the worked OR example, XOR and Minsky–Papert, feed-forward networks and their
# decision regions, activations and softmax, gradient descent with momentum,
# backpropagation by the chain rule, batch / stochastic / mini-batch gradient descent, the
# perceptron criterion as SGD, and maximum likelihood leading to SSE and cross-entropy.
#
# Every number the deck prints is asserted in the cell that shows it, so running this
# notebook is a test (`make test` runs it). Figures display themselves: no
# `%matplotlib inline` needed.

# %%
import os

import numpy as np
from IPython.display import display

import rosenblatt as rb
import rosenblatt.nn.functional as F
from rosenblatt import nn, optim, viz
from rosenblatt.demos.lessons import optimizer_paths, perceptron_run

QUICK = os.environ.get("ROSENBLATT_QUICK") == "1"  # shorter training in the test suite
_ = rb.manual_seed(0)

# %% [markdown]
# ## Threshold units compute Boolean operators (slides "What can you do with it?")
#
# A McCulloch–Pitts unit fires when w0 + w1·x1 + w2·x2 > 0. The deck sets the weights by
# hand: OR is h(−1/2 + x1 + x2), AND is h(−2 + 3/2·x1 + x2).

# %%
X, _ = rb.data.gates("or")
h_or = rb.models.ThresholdUnit(weights=[1.0, 1.0], bias=-0.5)
h_and = rb.models.ThresholdUnit(weights=[1.5, 1.0], bias=-2.0)
print("x1 x2 | OR AND")
for x, o, a in zip(X, h_or.predict(X), h_and.predict(X)):
    print(f" {x[0]:.0f}  {x[1]:.0f} |  {o}   {a}")
assert h_or.predict(X).tolist() == [0, 1, 1, 1]
assert h_and.predict(X).tolist() == [0, 0, 0, 1]

# %% [markdown]
# The boundary is the line w0 + w1·x1 + w2·x2 = 0, i.e. x2 = −w0/w2 − (w1/w2)·x1
# (slide "Perceptron Math"). `plot_decision_boundary` takes the unit as it takes any
# estimator:

# %%
viz.plot_decision_boundary(h_or, X, [0, 1, 1, 1], title="h_OR(-1/2 + x1 + x2)", resolution=100)

# %% [markdown]
# ## Hebbian learning: the OR example, update by update (slide "Perceptron Example")
#
# Start from w = [1 1 1], η = 0.5, cycle through the records and fix the misclassified ones
# with Δw = η·t·x (t ∈ {−1, +1}, x0 = 1 the bias input). A record on the boundary
# (t·w·x = 0) counts as a mistake.

# %%
perceptron = rb.models.perceptron_or_demo()

# %%
X_or, t_or = rb.data.gates("or", signed=True)
run = perceptron_run(X_or, t_or, eta=0.5, w_init=[1, 1, 1])
print("w after each update:", [w.tolist() for w in run.weights[1:]])
# three updates, all on the record (0, 0), ending at the deck's h_OR(-1/2 + x1 + x2)
assert [w.tolist() for w in run.weights[1:]] == [[0.5, 1, 1], [0.0, 1, 1], [-0.5, 1, 1]]
assert run.errors_per_epoch == [1, 1, 1, 0]
assert perceptron.intercept_.tolist() == [-0.5] and perceptron.coef_.tolist() == [[1.0, 1.0]]
viz.plot_perceptron_run(run)

# %% [markdown]
# *Does the procedure converge? Does it always converge to the same weights?* On separable
# data it converges (the perceptron convergence theorem), but where it ends depends on the
# start: from w = [0, 2, 0.5] it stops at another separating line, −1/2 + 2·x1 + x2.

# %%
run_b = perceptron_run(X_or, t_or, eta=0.5, w_init=[0, 2, 0.5])
print("from [0, 2, 0.5]:", run_b.weights[-1].tolist(), "after", len(run_b.updates), "updates")
assert run_b.converged and run_b.weights[-1].tolist() == [-0.5, 2.0, 1.0]

# %% [markdown]
# ## XOR: what a perceptron can't do (Minsky & Papert, 1969)
#
# No line separates XOR's classes, so the rule never stops: from w = 0 every record is
# misclassified in every epoch and the weights come back to 0 after each pass.

# %%
X_xor, t_xor = rb.data.gates("xor", signed=True)
run_xor = perceptron_run(X_xor, t_xor, eta=0.5, max_epochs=8)
print("updates per epoch:", run_xor.errors_per_epoch)
assert not run_xor.converged and min(run_xor.errors_per_epoch) > 0
viz.plot_perceptron_run(run_xor, max_panels=7)

# %% [markdown]
# **The 2-layer fix.** XOR = AND(OR(x1, x2), NAND(x1, x2)): two threshold units in a hidden
# layer and one on top (an alternative representation of the input, as the deck says).
# A trained multi-layer perceptron finds such a representation by itself.

# %%
h_nand = rb.models.ThresholdUnit(weights=[-1.0, -1.0], bias=1.5)
hidden = np.column_stack([h_or.predict(X), h_nand.predict(X)])
xor_by_hand = h_and.predict(hidden)
print("hidden (OR, NAND):", hidden.tolist(), "-> XOR:", xor_by_hand.tolist())
assert xor_by_hand.tolist() == [0, 1, 1, 0]

X01, y_xor = rb.data.gates("xor")
mlp = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2))
rb.fit(
    mlp,
    X01,
    y_xor,
    loss=nn.CrossEntropyLoss(),
    optimizer=optim.Adam(mlp.parameters(), lr=0.05),
    epochs=300,
    batch_size=None,
    verbose=0,
)
with rb.no_grad():
    predicted = mlp(rb.tensor(X01, dtype=np.float32)).numpy().argmax(1)
print("MLP 2-4-2 on XOR:", predicted.tolist())
assert predicted.tolist() == [0, 1, 1, 0]
viz.plot_decision_boundary(mlp, X01, y_xor, title="XOR learned by a 2-4-2 tanh MLP", resolution=100)

# %% [markdown]
# ## Decision regions of 1, 2 and 3 layers (slide "What can't you do with it?")
#
# One layer: a half-plane. Two layers: convex regions (intersections of half-planes).
# Three layers: arbitrary regions (unions of convex ones). On the two interleaved moons:

# %%
X_m, y_m = rb.data.make_moons(200, noise=0.1, random_state=0)
architectures = {
    "1 layer (no hidden)": nn.Sequential(nn.Linear(2, 2)),
    "2 layers (1 hidden)": nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2)),
    "3 layers (2 hidden)": nn.Sequential(
        nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 2)
    ),
}
accuracy = {}
for name, model in architectures.items():
    rb.fit(
        model,
        X_m,
        y_m,
        loss=nn.CrossEntropyLoss(),
        optimizer=optim.Adam(model.parameters(), lr=0.03),
        epochs=400,
        batch_size=None,
        verbose=0,
    )
    with rb.no_grad():
        accuracy[name] = float((model(rb.tensor(X_m)).numpy().argmax(1) == y_m).mean())
    display(
        viz.plot_decision_boundary(
            model, X_m, y_m, title=f"{name}: accuracy {accuracy[name]:.2f}", resolution=120
        )
    )
print(accuracy)
assert accuracy["1 layer (no hidden)"] < 0.9 < accuracy["3 layers (2 hidden)"]
assert accuracy["3 layers (2 hidden)"] >= 0.99

# %% [markdown]
# ## Activation functions and softmax (slides "Which Activation Function?", "One hot")
#
# g'(a) = g(a)(1 − g(a)) for the sigmoid and 1 − g(a)² for tanh: autograd agrees.
# With K classes, one-hot targets and a softmax output y_k = exp(a_k) / Σ_j exp(a_j).

# %%
a = rb.linspace(-4, 4, 9, dtype=np.float64, requires_grad=True)
for name, g, derivative in [
    ("sigmoid", rb.sigmoid, lambda y: y * (1 - y)),
    ("tanh", rb.tanh, lambda y: 1 - y**2),
]:
    y = g(a)
    (grad,) = rb.autograd.grad(y.sum(), a)
    assert np.allclose(grad.numpy(), derivative(y.detach().numpy()))
    print(f"{name}: g'(a) == formula at a = -4..4")
scores = rb.tensor([[2.0, 1.0, 0.1]], dtype=np.float64)
p = F.softmax(scores, dim=1)
print("softmax([2, 1, 0.1]) =", np.round(p.numpy(), 3), "sum", float(p.sum()))
assert np.isclose(float(p.sum()), 1.0)
print("one-hot of classes [0, 2, 1]:\n", np.eye(3)[[0, 2, 1]])

# %% [markdown]
# ## Gradient descent with momentum (slide "Gradient descent – Backpropagation")
#
# w ← w − η ∂E/∂w + α Δw: the previous step keeps the walk going along a narrow valley,
# where plain gradient descent zig-zags.


# %%
def valley(w):
    """An elongated bowl E(w) = w1^2 / 2 + 10 w2^2 (condition number 20)."""
    return 0.5 * w[0] ** 2 + 10 * w[1] ** 2


paths = optimizer_paths(
    valley,
    [-4.0, 1.0],
    {
        "gradient descent": lambda p: optim.SGD(p, lr=0.09),
        "momentum α = 0.5": lambda p: optim.SGD(p, lr=0.09, momentum=0.5),
    },
    steps=40,
)
final = {k: float(valley(rb.tensor(v[-1]))) for k, v in paths.items()}
print(final)
assert final["momentum α = 0.5"] < final["gradient descent"] / 10
viz.plot_loss_surface(valley, paths, title="E = w1²/2 + 10 w2²: GD vs momentum")

# %% [markdown]
# ## Backpropagation is the chain rule (slides "Backpropagation and Chain Rule")
#
# For g1(x|w) = g1(Σ_j w_1j^(2) h_j(Σ_i w_ji^(1) x_i)) and E = Σ_n (t_n − g1)², the deck
# derives
#
# ∂E/∂w_ji^(1) = −2 Σ_n (t_n − g1(x_n)) · g1'(·) · w_1j^(2) · h_j'(·) · x_i.
#
# Written out in NumPy it equals what autograd computes.

# %%
rng = np.random.default_rng(0)
Xn, tn = rng.normal(size=(5, 3)), rng.normal(size=5)
W1, W2 = rng.normal(size=(4, 3)), rng.normal(size=(1, 4))
net = nn.Sequential(nn.Linear(3, 4, bias=False), nn.Tanh(), nn.Linear(4, 1, bias=False)).double()
net.load_state_dict({"0.weight": W1, "2.weight": W2})
E = ((rb.tensor(tn) - net(rb.tensor(Xn))[:, 0]) ** 2).sum()
E.backward()

b = Xn @ W1.T  # hidden net inputs, h = tanh(b); the output unit g1 is linear (g1' = 1)
g1 = np.tanh(b) @ W2[0]
by_hand = -2 * (
    (tn - g1)[:, None, None]
    * W2[0][None, :, None]
    * (1 - np.tanh(b) ** 2)[:, :, None]
    * Xn[:, None, :]
).sum(0)
print("dE/dW1 by the chain rule:\n", np.round(by_hand, 4))
assert np.allclose(net[0].weight.grad.numpy(), by_hand)

# %% [markdown]
# ## Batch, stochastic and mini-batch gradient descent (slide "Gradient Descent Variations")
#
# The same network and data; one epoch is one full batch (N samples per step), N single
# samples (SGD: unbiased, high variance) or N/M mini-batches.

# %%
rng = np.random.default_rng(5)
X_r = rng.uniform(-1, 1, size=(64, 1))
t_r = np.sin(3 * X_r[:, 0]) + 0.05 * rng.normal(size=64)
curves = {}
for name, batch in {"batch (N = 64)": None, "mini-batch (M = 8)": 8, "SGD (1 sample)": 1}.items():
    rb.manual_seed(1)
    model = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))
    history = rb.fit(
        model,
        X_r,
        t_r,
        loss=nn.MSELoss(),
        optimizer=optim.SGD(model.parameters(), lr=0.1),
        epochs=30 if QUICK else 100,
        batch_size=batch,
        verbose=0,
    )
    curves[name] = history.history["loss"]
fig = viz.plot_loss_curve({"loss": curves["batch (N = 64)"]}, title="MSE per epoch", log_scale=True)
ax = fig.axes[0]
ax.lines[0].set_label("batch (N = 64)")
for name in ("mini-batch (M = 8)", "SGD (1 sample)"):
    ax.plot(np.arange(1, len(curves[name]) + 1), curves[name], marker=".", label=name)
ax.legend()
print({k: round(v[-1], 4) for k, v in curves.items()})
# per epoch, more (smaller, noisier) steps get further than one full-batch step
assert (
    max(curves["SGD (1 sample)"][-1], curves["mini-batch (M = 8)"][-1])
    < curves["batch (N = 64)"][-1]
)
fig

# %% [markdown]
# ## The perceptron criterion, minimised by SGD (slides "Perceptron Learning Algorithm")
#
# D(w, w0) = −Σ_{i ∈ M} t_i (wᵀx_i + w0) over the misclassified set M; its gradient is
# −Σ t_i x_i, so one SGD step on one misclassified record is exactly Hebb's
# w ← w + η t_i x_i.

# %%
w = rb.tensor([0.5, 1.0, 1.0], dtype=np.float64, requires_grad=True)  # after update 1 of OR
Xa = np.hstack([np.ones((4, 1)), X_or])
D = F.perceptron_criterion(rb.tensor(Xa) @ w, t_or)
D.backward()
misclassified = t_or * (Xa @ w.detach().numpy()) <= 0
print(
    "D =",
    D.item(),
    " misclassified:",
    np.flatnonzero(misclassified).tolist(),
    " dD/dw =",
    w.grad.numpy(),
)
assert np.allclose(w.grad.numpy(), -(t_or[misclassified, None] * Xa[misclassified]).sum(0))
step = w.detach().numpy() - 0.5 * w.grad.numpy()
assert step.tolist() == run.weights[2].tolist()  # the SGD step = the OR run's update 2

# %% [markdown]
# ## Maximum likelihood: SSE for regression, cross-entropy for classification
#
# Gaussian noise t_n ~ N(g(x_n|w), σ²) gives −log L = N log(√(2π)σ) + Σ (t_n − g)²/(2σ²):
# the same minimiser as the sum of squared errors. For a Gaussian sample μ_MLE is the mean.
# Bernoulli targets t_n ~ Be(g(x_n|w)) give −log L = −Σ t log g + (1 − t) log(1 − g): the
# binary cross-entropy.

# %%
samples = rng.normal(2.0, 0.7, size=200)
mu = rb.tensor([0.0], dtype=np.float64, requires_grad=True)
sgd = optim.SGD([mu], lr=0.002)
for _ in range(200):
    sgd.zero_grad()
    nll = ((rb.tensor(samples) - mu) ** 2).sum() / (2 * 0.7**2)  # -log L up to a constant
    nll.backward()
    sgd.step()
print(f"mu by gradient descent on -log L: {mu.item():.6f}, sample mean: {samples.mean():.6f}")
assert np.isclose(mu.item(), samples.mean())

g = rng.uniform(0.05, 0.95, size=10)
t = (rng.random(10) < 0.5).astype(float)
nll_bernoulli = -np.log(np.prod(g**t * (1 - g) ** (1 - t)))
bce = F.binary_cross_entropy(rb.tensor(g), rb.tensor(t), reduction="sum").item()
print(f"-log L (Bernoulli) = {nll_bernoulli:.6f}, binary cross-entropy = {bce:.6f}")
assert np.isclose(nll_bernoulli, bce)
