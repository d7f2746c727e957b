# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · Single-layer networks, softmax, backpropagation and computation graphs
#
# Follows **Shimodaira & Tang, "Neural Networks 2"** (Edinburgh, deck `003`): the sigmoid
# output as a posterior probability, training a single-layer network with MSE and with
# cross-entropy, tanh / ReLU / leaky ReLU, multiple outputs and softmax, the two-layer
# error backpropagation (the deltas), computation graphs and automatic differentiation,
# and the softmax + cross-entropy gradient ŷ − y. Each cell asserts what it shows.

# %%
import numpy as np

import rosenblatt as rb
import rosenblatt.nn.functional as F
from rosenblatt import models, nn, optim, viz

_ = rb.manual_seed(0)
rng = np.random.default_rng(0)

# %% [markdown]
# ## The sigmoid output is a posterior probability (slides "Approximation of posterior
# probabilities")
#
# For two Gaussian classes with a shared covariance Σ,
# P(C1|x) = 1 / (1 + exp(−log[p(x|C1)P(C1) / p(x|C2)P(C2)])) = σ(wᵀx + w0) with
# w = Σ⁻¹(μ1 − μ2) and w0 = −½μ1ᵀΣ⁻¹μ1 + ½μ2ᵀΣ⁻¹μ2 + log(P(C1)/P(C2)). A single sigmoid
# unit trained on samples finds those weights.

# %%
mu1, mu2, cov = np.array([1.0, 1.0]), np.array([-1.0, 0.0]), np.array([[1.0, 0.3], [0.3, 0.5]])
n = 4000
X = np.vstack([rng.multivariate_normal(mu1, cov, n), rng.multivariate_normal(mu2, cov, n)])
t = np.r_[np.ones(n), np.zeros(n)]
inv = np.linalg.inv(cov)
w_true = inv @ (mu1 - mu2)
w0_true = -0.5 * mu1 @ inv @ mu1 + 0.5 * mu2 @ inv @ mu2  # equal priors: log 1 = 0
unit = models.LogisticRegression(penalty=None, solver="newton").fit(X, t)
print("Bayes: w =", np.round(w_true, 3), "w0 =", round(w0_true, 3))
print("fit:   w =", np.round(unit.coef_[0], 3), "w0 =", np.round(unit.intercept_[0], 3))
assert np.allclose(unit.coef_[0], w_true, atol=0.25) and abs(unit.intercept_[0] - w0_true) < 0.25

# %% [markdown]
# ## Training a single-layer network: MSE vs cross-entropy
#
# With ŷ = g(a), a = wᵀx, the deck derives
#
# * MSE, E = ½ Σ (ŷ − y)²: ∂E/∂w_i = Σ (ŷ_n − y_n) g'(a_n) x_ni, with g' = g(1 − g);
# * cross-entropy, E = −(1/N) Σ y log ŷ + (1 − y) log(1 − ŷ): ∂E/∂w_i = (1/N) Σ (ŷ_n − y_n) x_ni.
#
# Autograd agrees with both. The g'(a) factor is why MSE learns slowly from a saturated
# unit (g ≈ 0 or 1 but wrong): its gradient nearly vanishes, cross-entropy's does not.

# %%
Xa = np.hstack([np.ones((8, 1)), rng.normal(size=(8, 2))])
y = (rng.random(8) < 0.5).astype(float)
w = rb.tensor(rng.normal(size=3), dtype=np.float64, requires_grad=True)
y_hat = (rb.tensor(Xa) @ w).sigmoid()
E_mse = 0.5 * ((y_hat - rb.tensor(y)) ** 2).sum()
(g_mse,) = rb.autograd.grad(E_mse, w, retain_graph=True)
E_ce = F.binary_cross_entropy(y_hat, rb.tensor(y))  # mean over N
(g_ce,) = rb.autograd.grad(E_ce, w)
yh = y_hat.detach().numpy()
assert np.allclose(g_mse.numpy(), Xa.T @ ((yh - y) * yh * (1 - yh)))
assert np.allclose(g_ce.numpy(), Xa.T @ (yh - y) / len(y))
print("dE_MSE/dw =", np.round(g_mse.numpy(), 4), "  dE_H/dw =", np.round(g_ce.numpy(), 4))

# a saturated, wrong unit: a = -6 for a sample of class 1
a = rb.tensor([-6.0], dtype=np.float64, requires_grad=True)
(d_mse,) = rb.autograd.grad(0.5 * ((a.sigmoid() - 1.0) ** 2).sum(), a)
(d_ce,) = rb.autograd.grad(F.binary_cross_entropy_with_logits(a, rb.tensor([1.0])), a)
print(f"at a = -6 (y = 1): dE_MSE/da = {d_mse.item():.5f}, dE_H/da = {d_ce.item():.5f}")
assert abs(d_mse.item()) < 0.01 < abs(d_ce.item())

# %% [markdown]
# Both criteria trained by gradient descent on the same data, from the same start:
# cross-entropy gets the saturated samples right sooner.

# %%
X2 = np.vstack([rng.normal([2, 2], 1.0, (100, 2)), rng.normal([-2, -2], 1.0, (100, 2))])
t2 = np.r_[np.ones(100), np.zeros(100)]
curves = {}
for name, criterion in {
    "MSE": lambda z, t: 0.5 * ((z.sigmoid() - t) ** 2).mean(),
    "cross-entropy": lambda z, t: F.binary_cross_entropy_with_logits(z, t),
}.items():
    w = rb.tensor([-4.0, -4.0, 4.0], dtype=np.float64, requires_grad=True)  # badly wrong start
    sgd = optim.SGD([w], lr=0.5)
    accuracy = []
    for _ in range(60):
        sgd.zero_grad()
        z = rb.tensor(np.hstack([np.ones((200, 1)), X2])) @ w
        criterion(z, rb.tensor(t2)).backward()
        sgd.step()
        accuracy.append(float(((z.detach().numpy() > 0) == (t2 > 0.5)).mean()))
    curves[name] = accuracy
fig = viz.plot_loss_curve({"loss": curves["MSE"]}, title="training accuracy per step")
fig.axes[0].lines[0].set_label("MSE")
fig.axes[0].plot(np.arange(1, 61), curves["cross-entropy"], marker=".", label="cross-entropy")
fig.axes[0].set_ylabel("accuracy")
fig.axes[0].set_xlabel("gradient step")
fig.axes[0].legend()
first = {k: next((i + 1 for i, a in enumerate(v) if a > 0.95), None) for k, v in curves.items()}
print("first step with accuracy > 95 % (None: not in 60 steps):", first)
assert first["cross-entropy"] is not None and (first["MSE"] or 61) > first["cross-entropy"]
fig

# %% [markdown]
# ## Other activation functions: tanh, ReLU, leaky ReLU
#
# tanh maps to (−1, 1) and is zero-centred; ReLU is max(0, a) (cheap, but a unit can "die"
# at 0); leaky ReLU keeps a small slope for a < 0.

# %%
a = np.linspace(-3, 3, 601)
fig = viz._figure(9, 3)
for ax, (name, fn) in zip(
    fig.subplots(1, 3),
    {"tanh": rb.tanh, "ReLU": F.relu, "leaky ReLU (0.1)": lambda x: F.leaky_relu(x, 0.1)}.items(),
):
    at = rb.tensor(a, dtype=np.float64, requires_grad=True)
    out = fn(at)
    (d,) = rb.autograd.grad(out.sum(), at)
    ax.plot(a, out.detach().numpy(), label="g(a)")
    ax.plot(a, d.numpy(), "--", label="g'(a)")
    ax.set(title=name, xlabel="a")
    ax.grid(alpha=0.3)
    ax.legend()
assert np.allclose(np.tanh(a), rb.tanh(rb.tensor(a)).numpy())
fig

# %% [markdown]
# ## Multiple outputs and softmax
#
# K output nodes y = g(Wx); sigmoid outputs need not sum to 1, softmax outputs
# y_k = exp(a_k) / Σ_ℓ exp(a_ℓ) do: they lie in [0, 1], sum to 1, are differentiable and
# approximate P(C_k|x).

# %%
A = rng.normal(size=(5, 4)) * 3
sig = rb.tensor(A).sigmoid().numpy()
soft = F.softmax(rb.tensor(A), dim=1).numpy()
print("row sums, sigmoid:", np.round(sig.sum(1), 3))
print("row sums, softmax:", np.round(soft.sum(1), 3))
assert np.allclose(soft.sum(1), 1) and (soft >= 0).all() and not np.allclose(sig.sum(1), 1)
assert np.allclose(soft, np.exp(A) / np.exp(A).sum(1, keepdims=True))

X_iris, y_iris = rb.data.load_iris()
X_iris = (X_iris - X_iris.mean(0)) / X_iris.std(0)
single = nn.Linear(4, 3)  # a single-layer network with K = 3 softmax outputs
rb.fit(
    single,
    X_iris,
    y_iris,
    loss=nn.CrossEntropyLoss(),
    optimizer=optim.SGD(single.parameters(), lr=0.5),
    epochs=100,
    batch_size=None,
    verbose=0,
)
with rb.no_grad():
    p_iris = F.softmax(single(rb.tensor(X_iris)), dim=1).numpy()
print(f"iris, single layer + softmax: training accuracy {(p_iris.argmax(1) == y_iris).mean():.3f}")
assert (p_iris.argmax(1) == y_iris).mean() > 0.9

# %% [markdown]
# ## Two-layer error backpropagation (slides "Error back propagation")
#
# With b_j = Σ_i w_ji^(1) x_i, z_j = h(b_j), a_k = Σ_j w_kj^(2) z_j, ŷ_k = g(a_k) and
# E = ½ Σ_k (ŷ_k − y_k)²:
#
# δ_k^(2) = ∂E/∂a_k = (ŷ_k − y_k) g'(a_k),   ∂E/∂w_kj^(2) = δ_k^(2) z_j,
#
# ∂E/∂w_ji^(1) = (Σ_k δ_k^(2) w_kj^(2)) h'(b_j) x_i.
#
# The deltas by hand (sigmoid g and h) equal autograd's gradients:

# %%
x = rng.normal(size=3)
y_t = np.array([1.0, 0.0])
W1, W2 = rng.normal(size=(4, 3)), rng.normal(size=(2, 4))
sig_np = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
b = W1 @ x
z = sig_np(b)
a = W2 @ z
y_hat = sig_np(a)
delta2 = (y_hat - y_t) * y_hat * (1 - y_hat)
delta1 = (W2.T @ delta2) * z * (1 - z)
by_hand = {"W2": np.outer(delta2, z), "W1": np.outer(delta1, x)}

two = nn.Sequential(
    nn.Linear(3, 4, bias=False), nn.Sigmoid(), nn.Linear(4, 2, bias=False), nn.Sigmoid()
).double()
two.load_state_dict({"0.weight": W1, "2.weight": W2})
E = 0.5 * ((two(rb.tensor(x[None])) - rb.tensor(y_t[None])) ** 2).sum()
E.backward()
print("delta2 =", np.round(delta2, 4), " delta1 =", np.round(delta1, 4))
assert np.allclose(two[2].weight.grad.numpy(), by_hand["W2"])
assert np.allclose(two[0].weight.grad.numpy(), by_hand["W1"])

# %% [markdown]
# ## Computation graph and automatic differentiation (slides "Computation graph")
#
# The two-layer network with a softmax output and cross-entropy loss, written as the
# deck's chain of simple operations f1 … f6:
#
# x2 = W1 x, x3 = x2 + w10, x4 = σ(x3), x5 = W2 x4, x6 = x5 + w20, L = −log softmax(x6)_c.
#
# The forward pass records the graph; the backward pass walks it from L to the leaves,
# applying the chain rule ∂L/∂W1 = ∂L/∂x6 · ∂x6/∂x5 · ∂x5/∂x4 · ∂x4/∂x3 · ∂x3/∂W1.

# %%
W1 = rb.tensor(rng.normal(size=(4, 3)), dtype=np.float64, requires_grad=True)
w10 = rb.tensor(rng.normal(size=(4, 1)), dtype=np.float64, requires_grad=True)
W2 = rb.tensor(rng.normal(size=(3, 4)), dtype=np.float64, requires_grad=True)
w20 = rb.tensor(rng.normal(size=(3, 1)), dtype=np.float64, requires_grad=True)
xin = rb.tensor(rng.normal(size=(3, 1)), dtype=np.float64)
c = 2  # the true class
x2 = W1 @ xin
x3 = x2 + w10
x4 = x3.sigmoid()
x5 = W2 @ x4
x6 = x5 + w20
x6.retain_grad()
L = -F.log_softmax(x6, dim=0)[c, 0]
L.backward()
graph = viz.computation_graph(L, {"W1": W1, "w10": w10, "W2": W2, "w20": w20})
ops = [node.name for node in graph.nodes if node.kind == "op"]
print("ops from L back to the leaves:", ops)
leaves = sorted(node.name for node in graph.nodes if node.kind == "leaf")
assert leaves == ["W1", "W2", "w10", "w20"]
assert ops.count("MatMulBackward0") == 2 and ops.count("AddBackward0") == 2
assert "SigmoidBackward0" in ops and "LogSoftmaxBackward0" in ops


viz.plot_computation_graph(
    L,
    {"W1": W1, "w10": w10, "W2": W2, "w20": w20},
    title="L = -log softmax(W2 σ(W1 x + w10) + w20)_c",
)

# %% [markdown]
# ## The softmax + cross-entropy gradient is ŷ − y
#
# L = −log ŷ_c = log Σ_j e^{a_j} − a_c, so ∂L/∂a_i = ŷ_i − 1[i = c]: the error signal at the
# output is the prediction minus the one-hot target.

# %%
y_onehot = np.eye(3)[:, [c]]
y_hat = F.softmax(x6, dim=0).detach().numpy()
print(
    "dL/dx6 =",
    np.round(x6.grad.numpy().ravel(), 4),
    " y_hat - y =",
    np.round((y_hat - y_onehot).ravel(), 4),
)
assert np.allclose(x6.grad.numpy(), y_hat - y_onehot)

# and by finite differences on the whole chain, for W1
eps, W1n = 1e-6, W1.detach().numpy().astype(np.float64)


def loss_of(W):
    h = 1 / (1 + np.exp(-(W @ xin.numpy() + w10.numpy())))
    s = W2.numpy() @ h + w20.numpy()
    return float(np.log(np.exp(s).sum()) - s[c, 0])


numeric = np.zeros_like(W1n)
for i in np.ndindex(W1n.shape):
    step = np.zeros_like(W1n)
    step[i] = eps
    numeric[i] = (loss_of(W1n + step) - loss_of(W1n - step)) / (2 * eps)
assert np.allclose(W1.grad.numpy(), numeric, atol=1e-4)
print("dL/dW1 by backprop equals central differences")
