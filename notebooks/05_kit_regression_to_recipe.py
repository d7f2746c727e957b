# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · From linear regression to the training recipe (KIT)
#
# Follows **Santamaría García, "Introduction to Artificial Neural Networks"** (KIT, deck
# `004`): linear regression with a polynomial basis and least squares, gradient descent
# with a convergence test, the learning rate and feature scaling, the table of activation
# functions with their derivatives, vanishing gradients, overfitting and regularisation
# (L1/L2, dropout, early stopping, batch normalisation), the 10-step recipe ("LET'S TRY
# IT!") and maximum likelihood → negative log-likelihood. Each cell asserts what it shows.

# %%
import math
import os
import warnings

import numpy as np
from IPython.display import display
from scipy.stats import norm
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

import rosenblatt as rb
import rosenblatt.nn.functional as F
from rosenblatt import callbacks, models, nn, optim, viz

QUICK = os.environ.get("ROSENBLATT_QUICK") == "1"  # shorter training in the test suite
warnings.filterwarnings("ignore", category=models._base.ConvergenceWarning)
_ = rb.manual_seed(0)
rng = np.random.default_rng(0)

# %% [markdown]
# ## Linear regression with a polynomial basis (slides "Univariate linear regression")
#
# h_θ(x) = θ0 + Σ_k θ_k φ_k(x) with φ(x) = (x⁰, x¹, …, x^p): nonlinear in x, linear in θ.
# Least squares minimises J(θ) = |y − Xθ|² and has the analytical minimum
# θ = (XᵀX)⁻¹Xᵀy (the normal equation).

# %%
x = np.sort(rng.uniform(-1, 1, 30))
y = 1 - 2 * x + 3 * x**3 + 0.15 * rng.normal(size=30)
Phi = np.vander(x, 4, increasing=True)  # columns 1, x, x^2, x^3
theta_normal = np.linalg.inv(Phi.T @ Phi) @ Phi.T @ y
fit = models.LinearRegression(solver="normal").fit(
    PolynomialFeatures(3, include_bias=False).fit_transform(x[:, None]), y
)
theta_rb = np.r_[fit.intercept_, fit.coef_]
print("theta, normal equation :", np.round(theta_normal, 4))
print("theta, LinearRegression:", np.round(theta_rb, 4))
assert np.allclose(theta_normal, theta_rb) and np.allclose(theta_normal, np.polyfit(x, y, 3)[::-1])

grid = np.linspace(-1, 1, 200)
fig = viz._figure(6.4, 4.2)
ax = fig.subplots()
ax.scatter(x, y, color="k", s=12, label="data")
for degree in (1, 3, 9):
    coef = np.linalg.lstsq(np.vander(x, degree + 1, increasing=True), y, rcond=None)[0]
    ax.plot(grid, np.vander(grid, degree + 1, increasing=True) @ coef, label=f"degree {degree}")
ax.set(xlabel="x", ylabel="y", title="Least squares with a polynomial basis", ylim=(-4, 5))
ax.legend()
ax.grid(alpha=0.3)
fig

# %% [markdown]
# ## Gradient descent and the convergence test (slides "Optimizers", "Learning rate")
#
# J(θ0, θ1) = 1/(2n) Σ (θ0 + θ1 x_i − y_i)², θ := θ − α ∇J. Declare convergence when J
# decreases by less than 10⁻³ in one iteration. α too small: slow; α too large: diverges.

# %%
x1 = rng.uniform(0, 2, 50)
y1 = 0.5 + 1.5 * x1 + 0.1 * rng.normal(size=50)
X1 = rb.tensor(np.column_stack([np.ones(50), x1]), dtype=np.float64)


def gradient_descent(alpha, steps=100, tol=None):
    theta = rb.tensor([0.0, 0.0], dtype=np.float64, requires_grad=True)
    sgd = optim.SGD([theta], lr=alpha)
    losses = []
    for _ in range(steps):
        sgd.zero_grad()
        J = ((X1 @ theta - rb.tensor(y1)) ** 2).sum() / (2 * 50)
        J.backward()
        sgd.step()
        losses.append(J.item())
        if tol is not None and len(losses) > 1 and losses[-2] - losses[-1] < tol:
            break
    return theta.detach().numpy(), losses


theta_gd, losses = gradient_descent(0.5, steps=1000, tol=1e-3)
print(f"converged after {len(losses)} iterations: theta = {np.round(theta_gd, 3)},", end=" ")
print(f"J = {losses[-1]:.4f}")
assert len(losses) < 1000 and all(np.diff(losses) < 0)

curves = {alpha: gradient_descent(alpha, steps=30)[1] for alpha in (0.02, 0.5, 1.1)}
fig = viz.plot_loss_curve({"loss": curves[0.02]}, title="J per iteration", log_scale=True)
fig.axes[0].lines[0].set_label("α = 0.02 (too small)")
fig.axes[0].plot(np.arange(1, 31), curves[0.5], marker=".", label="α = 0.5")
fig.axes[0].plot(np.arange(1, 31), curves[1.1], marker=".", label="α = 1.1 (too large)")
fig.axes[0].set_xlabel("iteration")
fig.axes[0].legend()
assert curves[1.1][-1] > curves[1.1][0]  # diverges
assert curves[0.5][-1] < curves[0.02][-1]  # the small one is slow
fig

# %% [markdown]
# The same test as a callback of `rb.fit` (Keras's names): `ConvergenceTest(tol=1e-3)`
# stops training when the loss improves by less than 10⁻³ in an epoch.

# %%
line = nn.Linear(1, 1)
history = rb.fit(
    line,
    x1[:, None],
    y1,
    loss=nn.MSELoss(),
    optimizer=optim.SGD(line.parameters(), lr=0.3),
    epochs=500,
    batch_size=None,
    callbacks=[callbacks.ConvergenceTest(tol=1e-3)],
    verbose=0,
)
print(f"rb.fit stopped after {len(history.history['loss'])} of 500 epochs")
assert len(history.history["loss"]) < 500

# %% [markdown]
# ## Feature scaling (slide "Feature scaling")
#
# Optimizers converge faster when the features are on a similar scale. A flat's price from
# its size (50–300 m²) and its rooms (1–5): on the raw features gradient descent needs an α
# small enough for the size and then crawls along the rooms; after standardisation
# (μ = 0, σ² = 1) it converges in a few steps.

# %%
r3 = np.random.default_rng(3)
raw = np.column_stack([r3.uniform(50, 300, 100), r3.integers(1, 6, 100)]).astype(float)
price = 20 + 1.5 * raw[:, 0] + 10 * raw[:, 1] + 10 * r3.normal(size=100)
A = np.column_stack([np.ones(100), raw])
J_best = np.mean((A @ np.linalg.lstsq(A, price, rcond=None)[0] - price) ** 2) / 2
gd = dict(solver="gd", max_iter=2000, tol=1e-6)
raw_fit = models.LinearRegression(learning_rate=3e-5, **gd).fit(raw, price)
scaled_fit = models.LinearRegression(learning_rate=0.5, **gd).fit(
    StandardScaler().fit_transform(raw), price
)
print(f"least squares: J = {J_best:.3f}")
print(f"raw features:    {raw_fit.n_iter_:4d} iterations, J = {raw_fit.loss_curve_[-1]:.3f}")
print(f"scaled features: {scaled_fit.n_iter_:4d} iterations, J = {scaled_fit.loss_curve_[-1]:.3f}")
assert scaled_fit.n_iter_ < 100 and math.isclose(scaled_fit.loss_curve_[-1], J_best, rel_tol=1e-4)
assert raw_fit.n_iter_ == 2000 and raw_fit.loss_curve_[-1] > 2 * J_best

# %% [markdown]
# ## The activation functions and their derivatives (slide "Activation functions")
#
# Each g(x) of the table, and g'(x) computed by autograd, checked against the table's
# derivative column.

# %%
lam, alpha = 1.0507009873554805, 1.6732632423543772
table = {
    "identity": (lambda t: t * 1.0, lambda x, g: np.ones_like(x)),
    "binary step": (lambda t: F.step(t), lambda x, g: np.zeros_like(x)),
    "sigmoid": (rb.sigmoid, lambda x, g: g * (1 - g)),
    "tanh": (rb.tanh, lambda x, g: 1 - g**2),
    "ReLU": (F.relu, lambda x, g: (x > 0).astype(float)),
    "GELU": (F.gelu, lambda x, g: norm.cdf(x) + x * norm.pdf(x)),
    "softplus": (F.softplus, lambda x, g: 1 / (1 + np.exp(-x))),
    "ELU (α = 1)": (F.elu, lambda x, g: np.where(x < 0, np.exp(x), 1.0)),
    "SELU": (F.selu, lambda x, g: lam * np.where(x < 0, alpha * np.exp(x), 1.0)),
    "leaky ReLU": (lambda t: F.leaky_relu(t, 0.01), lambda x, g: np.where(x < 0, 0.01, 1.0)),
}
xg = np.linspace(-3, 3, 600)  # an even count: 0 is not on the grid (the kinks are there)
fig = viz._figure(15, 5.6)
for ax, (name, (g, derivative)) in zip(fig.subplots(2, 5).ravel(), table.items()):
    xt = rb.tensor(xg, dtype=np.float64, requires_grad=True)
    out = g(xt)
    (d,) = rb.autograd.grad(out.sum(), xt)
    assert np.allclose(d.numpy(), derivative(xg, out.detach().numpy()), atol=1e-7), name
    ax.plot(xg, out.detach().numpy(), label="g(x)")
    ax.plot(xg, d.numpy(), "--", label="g'(x)")
    ax.set_title(name)
    ax.grid(alpha=0.3)
fig.axes[0].legend()
fig.suptitle("The activation table: g and its derivative by autograd (equal to the table's)")
print("every derivative of the table equals autograd's")
fig

# %% [markdown]
# ## Vanishing gradients (slide "Vanishing gradients")
#
# The sigmoid's derivative is at most 0.25; by the chain rule the gradient of an early
# layer is a product of such factors, e.g. the deck's 0.2 × 0.15 × 0.22 × 0.09.

# %%
product = 0.2 * 0.15 * 0.22 * 0.09
print(f"0.2 x 0.15 x 0.22 x 0.09 = {product:.6f}")
assert math.isclose(product, 0.000594)
z = rb.tensor(np.linspace(-10, 10, 2001), dtype=np.float64, requires_grad=True)
(dsig,) = rb.autograd.grad(z.sigmoid().sum(), z)
assert math.isclose(dsig.numpy().max(), 0.25)

# %% [markdown]
# ## Overfitting and regularisation (slides "Note on overfitting")
#
# A large network on 30 noisy samples fits the noise: the test loss (an independent data
# set) rises while the training loss falls — the generalisation error. Penalties (L2:
# λ Σ w², L1: λ Σ |w|), dropout, early stopping and batch normalisation constrain it.


# %%
def data(n, seed):
    r = np.random.default_rng(seed)
    xx = r.uniform(-1, 1, (n, 1))
    return xx, np.sin(3 * xx[:, 0]) + 0.3 * r.normal(size=n)


X_tr, y_tr = data(30, 1)
X_te, y_te = data(500, 2)
epochs = 400 if QUICK else 1500


def net(dropout=0.0, batch_norm=False):
    rb.manual_seed(3)
    layers = [nn.Linear(1, 64)]
    layers += [nn.BatchNorm1d(64)] if batch_norm else []
    layers += [
        nn.Tanh(),
        nn.Dropout(dropout),
        nn.Linear(64, 64),
        nn.Tanh(),
        nn.Dropout(dropout),
        nn.Linear(64, 1),
    ]
    return nn.Sequential(*layers)


def test_mse(model):
    model.eval()
    with rb.no_grad():
        return float(np.mean((model(rb.tensor(X_te)).numpy()[:, 0] - y_te) ** 2))


runs = {
    "none": (net(), {}),
    "L2 (λ = 1e-3)": (net(), {"l2": 1e-3}),
    "L1 (λ = 1e-4)": (net(), {"l1": 1e-4}),
    "dropout 0.2": (net(dropout=0.2), {}),
    "batch norm": (net(batch_norm=True), {}),
    "early stopping": (
        net(),
        {"callbacks": [callbacks.EarlyStopping(patience=50, restore_best_weights=True)]},
    ),
}
results = {}
for name, (model, extra) in runs.items():
    h = rb.fit(
        model,
        X_tr,
        y_tr,
        loss=nn.MSELoss(),
        optimizer=optim.Adam(model.parameters(), lr=3e-2),
        epochs=epochs,
        batch_size=None,
        validation_data=(X_te, y_te),
        verbose=0,
        **extra,
    )
    results[name] = (model, h, test_mse(model))
    n_epochs, train_mse = len(h.history["loss"]), h.history["loss"][-1]
    test = results[name][2]
    print(f"{name:15s} epochs {n_epochs:5d}  train MSE {train_mse:.3f}  test MSE {test:.3f}")

h_none = results["none"][1].history
fig = viz.plot_loss_curve(
    {"loss": h_none["loss"], "val_loss": h_none["val_loss"]},
    title="no regularisation: training vs test loss",
    log_scale=True,
)
display(fig)

fig = viz._figure(6.4, 4.2)
ax = fig.subplots()
ax.scatter(X_tr[:, 0], y_tr, color="k", s=14, label="training data", zorder=3)
order = np.argsort(X_te[:, 0])
for name in ("none", "L2 (λ = 1e-3)", "early stopping"):
    model = results[name][0]
    with rb.no_grad():
        ax.plot(X_te[order, 0], model(rb.tensor(X_te[order])).numpy()[:, 0], label=name)
ax.plot(X_te[order, 0], np.sin(3 * X_te[order, 0]), "--", color="grey", label="sin(3x)")
ax.set(xlabel="x", ylabel="y", title="fits of 1-64-64-1 tanh networks")
ax.legend(fontsize=8)
display(fig)

gap = h_none["val_loss"][-1] - min(h_none["val_loss"])
print(f"no regularisation: test loss rose by {gap:.3f} above its minimum (overfitting)")
assert gap > 0 and h_none["loss"][-1] < results["none"][2]
stopped = results["early stopping"]
assert len(stopped[1].history["loss"]) < epochs
assert math.isclose(
    stopped[2], min(stopped[1].history["val_loss"]), rel_tol=1e-4
)  # best weights back
weights = {
    k: np.concatenate(
        [
            np.abs(p.numpy()).ravel()
            for n, p in results[k][0].named_parameters()
            if n.endswith("weight")
        ]
    )
    for k in ("none", "L2 (λ = 1e-3)")
}
assert np.sum(weights["L2 (λ = 1e-3)"] ** 2) < np.sum(weights["none"] ** 2)
assert results["L2 (λ = 1e-3)"][2] < results["none"][2] and stopped[2] < results["none"][2]

# %% [markdown]
# Dropout sets activations to 0 at random during training (scaling the rest by 1/(1 − p))
# and does nothing in evaluation; batch normalisation standardises each unit over the batch.

# %%
drop = nn.Dropout(0.5)
ones = rb.ones((1, 10000))
kept = drop(ones).numpy()
print(f"dropout p = 0.5 in training: {np.mean(kept == 0):.1%} zeroed, the rest x2;", end=" ")
print(f"mean {kept.mean():.3f}")
assert set(np.unique(kept)) == {0.0, 2.0} and abs(kept.mean() - 1) < 0.05
drop.eval()
assert np.array_equal(drop(ones).numpy(), ones.numpy())
bn = nn.BatchNorm1d(3)
out = bn(rb.tensor(rng.normal(5, 3, (256, 3)))).detach().numpy()
print("batch norm: mean", np.round(out.mean(0), 6), "std", np.round(out.std(0), 4))
assert np.allclose(out.mean(0), 0, atol=1e-5) and np.allclose(out.std(0), 1, atol=1e-3)

# %% [markdown]
# ## So what's the recipe? The 10 steps, on the breast-cancer data

# %%
# 1. Select data features + perform data scaling
X_bc, y_bc = rb.data.load_breast_cancer()
X_train, X_test, y_train, y_test = rb.data.train_test_split(
    X_bc, y_bc, test_size=0.25, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
_ = rb.manual_seed(0)
# 2. Choose network architecture: 30-16-16-2;  3. activation per layer: ReLU, softmax output
model = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
# 4. Choose loss function & convergence criteria: cross-entropy (softmax inside), early stopping
loss = nn.CrossEntropyLoss()
stop = callbacks.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)
# 5. Choose an optimizer & set its hyperparameters
optimizer = optim.Adam(model.parameters(), lr=1e-3)
# 6. Choose number of epochs to train;  7. Decide on regularisation: L2 1e-4 + early stopping
# 8.-10. rb.fit performs forward propagation, computes gradients by backpropagation and
#        updates the weights, keeping track of the loss
history = rb.fit(
    model,
    X_train,
    y_train,
    loss=loss,
    optimizer=optimizer,
    epochs=40 if QUICK else 150,
    batch_size=32,
    validation_split=0.2,
    callbacks=[stop],
    l2=1e-4,
    metrics=["accuracy"],
    verbose=0,
)
model.eval()
with rb.no_grad():
    accuracy = float(
        (model(rb.tensor(X_test, dtype=np.float32)).numpy().argmax(1) == y_test).mean()
    )
print(f"test accuracy {accuracy:.3f} after {len(history.history['loss'])} epochs")
assert accuracy > 0.93
viz.plot_loss_curve(history, title="the recipe: breast cancer, 30-16-16-2")

# %% [markdown]
# ## Maximum likelihood → negative log-likelihood (slide "Note on loss function for
# classification")
#
# L(θ) = Π_i p(y_i|x_i; θ); J(θ) = −ln L(θ) = −Σ_i ln p(y_i|x_i; θ) is the cross-entropy
# between the data and the model distribution.

# %%
logits = rng.normal(size=(6, 3))
labels = rng.integers(0, 3, 6)
p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
nll = -np.log(np.prod(p[np.arange(6), labels]))
ce = F.cross_entropy(rb.tensor(logits), rb.tensor(labels), reduction="sum").item()
print(f"-ln L = {nll:.6f}, cross-entropy = {ce:.6f}")
assert math.isclose(nll, ce, rel_tol=1e-9)
