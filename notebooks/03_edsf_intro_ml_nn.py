# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · Introduction to machine learning and neural networks (EDSF)
#
# Follows the **EDSF deck "Introduction to ML and Neural Networks"** (deck `002`): the
# perceptron algorithm, logistic regression on the student-exam example, the 2-2-1
# "Concrete example" of backpropagation with every number, the universal approximation
# slides, vanishing gradients and ReLU, autoencoders for fraud detection (thresholds, ROC),
# a denoising autoencoder, VAE and GAN, LeNet, LSTM, LDA/QDA and the adversarial example
# x + ε·sign(∇ₓJ). Each cell asserts what it shows.

# %%
import os
import warnings
from decimal import Decimal

import numpy as np
from IPython.display import display
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis as SkLDA
from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis as SkQDA
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.preprocessing import MinMaxScaler

import rosenblatt as rb
import rosenblatt.nn.functional as F
from rosenblatt import models, nn, optim, viz
from rosenblatt.demos.lessons import deep_mlp, fgsm_accuracy, perceptron_run

QUICK = os.environ.get("ROSENBLATT_QUICK") == "1"  # shorter training in the test suite
warnings.filterwarnings("ignore", category=models._base.ConvergenceWarning)
_ = rb.manual_seed(0)


def printed(value: float, shown: str) -> str:
    """``value`` rounded to the digits of ``shown`` must equal the deck's ``shown``."""
    decimals = -Decimal(shown).as_tuple().exponent
    assert round(float(value), decimals) == float(shown), f"{value!r} does not print as {shown}"
    return f"{float(value):.{decimals}f}"


# %% [markdown]
# ## The perceptron algorithm (Rosenblatt 1958)
#
# Initialise all weights to 0; for each example with t ≠ sign(wᵀx) update
# w ← w + η t x; repeat until every example is classified correctly. On linearly separable
# data it converges (the perceptron convergence theorem).

# %%
rng = np.random.default_rng(1)
X_p = np.vstack([rng.normal([0.7, 0.7], 0.5, (20, 2)), rng.normal([-0.7, -0.7], 0.5, (20, 2))])
t_p = np.r_[np.ones(20), -np.ones(20)]
run = perceptron_run(X_p, t_p, eta=1.0, max_epochs=100)
print(f"converged: {run.converged} after {len(run.updates)} updates, epochs {run.errors_per_epoch}")
assert run.converged
viz.plot_perceptron_run(run, max_panels=7)

# %% [markdown]
# ## Logistic regression: the student exam
#
# p(passed) = σ(w0 + w1·hours studied + w2·hours slept), fitted by minimising the
# cross-entropy E(w) = −Σ t log f + (1 − t) log(1 − f), whose gradient is
# ∇E = Σ_j [f(x_j) − t_j] x_j*. The deck's data live in its notebook, so we draw students
# from known weights.

# %%
rng = np.random.default_rng(0)
hours = np.column_stack([rng.uniform(0, 10, 300), rng.uniform(3, 10, 300)])
true_w = np.array([-9.0, 0.9, 0.6])
passed = (rng.random(300) < 1 / (1 + np.exp(-(true_w[0] + hours @ true_w[1:])))).astype(int)

exam = models.LogisticRegression(penalty=None, solver="newton", tol=1e-10).fit(hours, passed)
reference = SkLogisticRegression(C=np.inf, tol=1e-10, max_iter=1000).fit(hours, passed)
w = np.r_[exam.intercept_, exam.coef_[0]]
print("w (rosenblatt) =", np.round(w, 4))
print("w (sklearn)    =", np.round(np.r_[reference.intercept_, reference.coef_[0]], 4))
assert np.allclose(w, np.r_[reference.intercept_, reference.coef_[0]], atol=1e-4)

# the gradient formula, checked against autograd at the fitted weights (where it is ~0)
wt = rb.tensor(w + 0.1, dtype=np.float64, requires_grad=True)
Xs = np.hstack([np.ones((300, 1)), hours])
f = (rb.tensor(Xs) @ wt).sigmoid()
E = F.binary_cross_entropy(f, rb.tensor(passed.astype(float)), reduction="sum")
E.backward()
assert np.allclose(wt.grad.numpy(), Xs.T @ (f.detach().numpy() - passed))
print("p(passed) for 6 h studied, 8 h slept:", round(float(exam.predict_proba([[6, 8]])[0, 1]), 3))
viz.plot_decision_boundary(
    exam, hours, passed, title="Student exam", class_names=["failed", "passed"]
)

# %% [markdown]
# ## The "Concrete example": one backpropagation step of a 2-2-1 sigmoid network
#
# W = [[0.1, 0.2], [0.3, 0.4]], b = (0.5, 0.5), W' = (0.5, 0.6), b' = 0.5, x = (0.2, 0.3),
# target t = 0, loss ℓ = (y − t)², one gradient step with η = 1. The graph backward walks:

# %%
concrete = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid()).double()
concrete.load_state_dict(
    {
        "0.weight": np.array([[0.1, 0.2], [0.3, 0.4]]),
        "0.bias": np.array([0.5, 0.5]),
        "2.weight": np.array([[0.5, 0.6]]),
        "2.bias": np.array([0.5]),
    }
)
x = rb.tensor([[0.2, 0.3]], dtype=np.float64)
s1 = concrete[0](x)
x1 = s1.sigmoid()
s2 = concrete[2](x1)
y = s2.sigmoid()
loss = ((y - 0.0) ** 2).sum()
loss.backward()
viz.plot_computation_graph(loss, concrete, show_grad=True, title="Concrete example: the graph")

# %%
g = {k: p.grad.numpy() for k, p in concrete.named_parameters()}
print(
    "forward:  s1 =",
    printed(s1.numpy()[0, 0], "0.58"),
    printed(s1.numpy()[0, 1], "0.68"),
    " x1 =",
    printed(x1.numpy()[0, 0], "0.64"),
    printed(x1.numpy()[0, 1], "0.66"),
    " s2 =",
    printed(s2.item(), "1.22"),
    " y =",
    printed(y.item(), "0.77"),
    " loss =",
    printed(loss.item(), "0.60"),
)
print(
    "dl/dW' =",
    printed(g["2.weight"][0, 0], "0.17"),
    printed(g["2.weight"][0, 1], "0.18"),
    " dl/db' =",
    printed(g["2.bias"][0], "0.27"),
)
print(
    "dl/dW  =",
    [
        [printed(g["0.weight"][i, j], s) for j, s in enumerate(row)]
        for i, row in enumerate([["0.0063", "0.0094"], ["0.0073", "0.011"]])
    ],
    " dl/db =",
    printed(g["0.bias"][0], "0.031"),
    printed(g["0.bias"][1], "0.036"),
)
with rb.no_grad():
    for p in concrete.parameters():
        p -= 1.0 * p.grad  # w <- w - eta dl/dw, eta = 1
    y_new = concrete(x).item()
W, b = concrete[0].weight.numpy(), concrete[0].bias.numpy()
print(
    "updated: W =",
    [
        [printed(W[i, j], s) for j, s in enumerate(row)]
        for i, row in enumerate([["0.094", "0.19"], ["0.29", "0.39"]])
    ],
    " b =",
    printed(b[0], "0.47"),
    printed(b[1], "0.46"),
    " W' =",
    printed(concrete[2].weight.numpy()[0, 0], "0.33"),
    printed(concrete[2].weight.numpy()[0, 1], "0.42"),
    " b' =",
    printed(concrete[2].bias.item(), "0.23"),
)
print(f"New output value y = {printed(y_new, '0.67')}, closer to the target t = 0")

# %% [markdown]
# ## Universal approximation with ReLUs
#
# A single hidden layer f(x) = Σ_i w_i ReLU(x + b_i): with 1, 2, 3, 6 and 13 units, each
# unit adds one kink; the fit follows the target ever more closely.

# %%
target = lambda x: x * np.sin(x)  # noqa: E731
fig = viz.plot_universal_approximation(target, (-4.0, 4.0))
rms = fig.axes[5].get_lines()[0].get_ydata()
print("RMS error for n = 1, 2, 3, 6, 13:", np.round(rms, 3))
assert np.all(np.diff(rms) <= 1e-12) and rms[-1] < 0.05
fig

# %% [markdown]
# ## Vanishing gradients (Glorot & Bengio 2010) and ReLU
#
# 0 ≤ σ'(x) ≤ 0.25, so in a deep sigmoid network each layer shrinks the backpropagated
# gradient: the first layers barely learn. ReLU (f' = 1 where active) with Glorot or He
# initialisation keeps the gradients the same size in every layer.

# %%
xs = rb.linspace(-6, 6, 1201, dtype=np.float64, requires_grad=True)
(ds,) = rb.autograd.grad(xs.sigmoid().sum(), xs)
print("max sigma'(x) =", ds.numpy().max())
assert np.isclose(ds.numpy().max(), 0.25)

X_m, y_m = rb.data.make_moons(256, noise=0.1, random_state=0)
nets = {
    "sigmoid, default init": deep_mlp(8, 32, "sigmoid", "default"),
    "sigmoid, Glorot": deep_mlp(8, 32, "sigmoid", "glorot"),
    "ReLU, Glorot": deep_mlp(8, 32, "relu", "glorot"),
    "ReLU, He": deep_mlp(8, 32, "relu", "he"),
}
fig = viz.plot_gradient_flow(nets, X_m, y_m, nn.CrossEntropyLoss(), title="8 layers, 32 units")
ratio = {}
for line in fig.axes[-1].get_lines():
    rms = line.get_ydata()
    ratio[line.get_label()] = rms[0] / rms[-1]
print({k: f"{v:.1e}" for k, v in ratio.items()}, "(RMS of dJ/dW, first layer / last layer)")
assert ratio["sigmoid, default init"] < 1e-3 and ratio["ReLU, He"] > 0.05
fig

# %% [markdown]
# Leaky ReLU, max(αx, x), keeps a small gradient α where ReLU's is 0 (no "dead" units):

# %%
z = rb.tensor([-2.0, -0.5, 0.5, 2.0], dtype=np.float64, requires_grad=True)
(d_relu,) = rb.autograd.grad(F.relu(z).sum(), z)
(d_leaky,) = rb.autograd.grad(F.leaky_relu(z, 0.01).sum(), z)
print("ReLU' =", d_relu.numpy(), " LeakyReLU' =", d_leaky.numpy())
assert d_relu.numpy().tolist() == [0, 0, 1, 1] and d_leaky.numpy().tolist() == [0.01, 0.01, 1, 1]

# %% [markdown]
# ## Autoencoder for credit-card fraud detection
#
# Train an autoencoder on normal transactions only (MinMax-scaled); a transaction whose
# reconstruction error d(x) exceeds a threshold is flagged. Lowering the threshold catches
# more frauds (TPR) at the price of more false alarms (FPR): the ROC curve. The real data
# (Kaggle/ULB) is not shipped, so we draw a credit-card-like table: normal transactions
# near a low-dimensional subspace, frauds off it.

# %%
rng = np.random.default_rng(0)
n, n_fraud = 6000, 60
mixing = rng.normal(size=(4, 28)) / 2
V = rng.normal(size=(n, 4)) @ mixing + 0.1 * rng.normal(size=(n, 28))
fraud = np.zeros(n, dtype=int)
fraud[:n_fraud] = 1
V[:n_fraud] += rng.standard_t(3, size=(n_fraud, 28))
normal_idx = rng.permutation(np.arange(n_fraud, n))
train, test = normal_idx[:3000], np.r_[normal_idx[3000:], np.arange(n_fraud)]
scaler = MinMaxScaler().fit(V[train])
detector = models.AutoencoderAnomalyDetector(
    hidden_layer_sizes=(16, 4),
    batch_size=256,
    max_iter=15 if QUICK else 60,
    learning_rate_init=1e-2,
    random_state=0,
).fit(scaler.transform(V[train]))
X_test, y_test = scaler.transform(V[test]), fraud[test]
fpr, tpr, thresholds, auc = detector.roc(X_test, y_test)
for q in (0.90, 0.99):
    threshold = float(np.quantile(detector.reconstruction_error(X_test[y_test == 0]), q))
    f_rate, t_rate = detector.rates_at(threshold, X_test, y_test)
    print(f"threshold d > {threshold:.4f}: FPR {f_rate:.1%} (normal -> fraud), TPR {t_rate:.1%}")
print(f"AUC = {auc:.3f}")
assert auc > 0.9
viz.plot_roc_curve(y_test, detector.reconstruction_error(X_test), title="Fraud detection ROC")

# %% [markdown]
# ## Denoising autoencoder
#
# Trained to reconstruct the clean input from a corrupted one, x̃ = x + noise, it learns to
# remove the noise. On the 8×8 digits:

# %%
X_d, y_d = rb.data.load_digits()
X_d = X_d / 16.0
dae = models.Autoencoder(
    hidden_layer_sizes=(48,),
    noise=0.3,
    output_activation="sigmoid",
    max_iter=20 if QUICK else 100,
    batch_size=64,
    learning_rate_init=3e-3,
    random_state=0,
).fit(X_d[:1200])
noisy = np.clip(X_d[1200:] + 0.3 * np.random.default_rng(1).normal(size=X_d[1200:].shape), 0, 1)
cleaned = dae.reconstruct(noisy)
err_noisy = np.mean((noisy - X_d[1200:]) ** 2)
err_clean = np.mean((cleaned - X_d[1200:]) ** 2)
print(f"MSE to the clean digits: noisy {err_noisy:.4f}, denoised {err_clean:.4f}")
assert err_clean < err_noisy
fig = viz._figure(8, 2.4)
for i, ax in enumerate(fig.subplots(2, 8).ravel()):
    ax.imshow((noisy if i < 8 else cleaned)[i % 8].reshape(8, 8), cmap="gray_r")
    ax.set_axis_off()
fig.suptitle("top: noisy test digits, bottom: denoised")
fig

# %% [markdown]
# ## Variational autoencoder and generative adversarial network
#
# The VAE maximises the evidence lower bound: reconstruction + KL(q(z|x) ‖ N(0, I)), with
# z = μ + σ ⊙ ε (the reparametrisation trick); new digits come from decoding z ~ N(0, I).
# The GAN trains a generator against a discriminator; on a 1-D Gaussian the generated
# samples move to the data's mean and spread.

# %%
vae = models.VAE(
    latent_dim=2, hidden_layer_sizes=(64,), max_iter=5 if QUICK else 40, random_state=0
).fit(X_d)
samples = vae.sample(16)
assert samples.shape == (16, 64) and samples.min() >= 0 and samples.max() <= 1
fig = viz._figure(8, 2.2)
for ax, image in zip(fig.subplots(2, 8).ravel(), samples):
    ax.imshow(image.reshape(8, 8), cmap="gray_r")
    ax.set_axis_off()
fig.suptitle("VAE: decoded z ~ N(0, I)")
display(fig)

data_1d = np.random.default_rng(0).normal(3.0, 0.5, size=(2000, 1))
gan = models.GAN(latent_dim=2, max_iter=30 if QUICK else 200, batch_size=128, random_state=0).fit(
    data_1d
)
fake = gan.sample(2000)
print(
    f"data mean {data_1d.mean():.2f} sd {data_1d.std():.2f};"
    f" GAN samples mean {fake.mean():.2f} sd {fake.std():.2f}"
)
assert abs(fake.mean() - 3.0) < 0.5

# %% [markdown]
# ## Convolutional network (LeNet-5's pattern) and LSTM on the digits
#
# Convolution + pooling twice, then fully connected layers; an LSTM reads an image row by
# row (x_t = row t) and classifies from its last hidden state.

# %%
idx = np.random.default_rng(0).permutation(len(X_d))
tr, te = idx[:1400], idx[1400:]
images = X_d.reshape(-1, 1, 8, 8).astype(np.float32)
lenet = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(2),  # 6@4x4
    nn.Conv2d(6, 16, kernel_size=3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(2),  # 16@2x2
    nn.Flatten(),
    nn.Linear(16 * 2 * 2, 32),
    nn.ReLU(),
    nn.Linear(32, 10),
)
rb.fit(
    lenet,
    images[tr],
    y_d[tr],
    loss=nn.CrossEntropyLoss(),
    optimizer=optim.Adam(lenet.parameters(), lr=5e-3),
    epochs=4 if QUICK else 15,
    batch_size=32,
    verbose=0,
)
with rb.no_grad():
    acc_cnn = float((lenet(rb.tensor(images[te])).numpy().argmax(1) == y_d[te]).mean())


class RowLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 32, batch_first=True)
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


lstm = RowLSTM()
rows = X_d.reshape(-1, 8, 8).astype(np.float32)
rb.fit(
    lstm,
    rows[tr],
    y_d[tr],
    loss=nn.CrossEntropyLoss(),
    optimizer=optim.Adam(lstm.parameters(), lr=1e-2),
    epochs=4 if QUICK else 15,
    batch_size=32,
    verbose=0,
)
with rb.no_grad():
    acc_lstm = float((lstm(rb.tensor(rows[te])).numpy().argmax(1) == y_d[te]).mean())
print(f"test accuracy: CNN {acc_cnn:.3f}, LSTM {acc_lstm:.3f}")
assert acc_cnn > 0.8 and acc_lstm > 0.7

# %% [markdown]
# ## LDA and QDA (backup slides): Gaussian classes, shared or own covariance
#
# rosenblatt's discriminant analysis predicts what scikit-learn's does.

# %%
X_w, y_w = rb.data.load_wine()
for ours, theirs in [
    (models.LinearDiscriminantAnalysis(), SkLDA()),
    (models.QuadraticDiscriminantAnalysis(), SkQDA()),
]:
    ours.fit(X_w, y_w)
    theirs.fit(X_w, y_w)
    agree = float(np.mean(ours.predict(X_w) == theirs.predict(X_w)))
    name = type(ours).__name__
    print(f"{name}: training accuracy {ours.score(X_w, y_w):.3f}, agrees with sklearn {agree:.0%}")
    assert agree == 1.0
    assert np.allclose(ours.predict_proba(X_w), theirs.predict_proba(X_w), atol=1e-6)

# %% [markdown]
# ## The adversarial example: x + ε·sign(∇ₓJ(θ, x, y))
#
# The panda that becomes a gibbon: a perturbation of at most ε per pixel, in the direction
# that raises the loss fastest, fools a classifier that was right. Here an MLP on the
# digits; the accuracy falls as ε grows.

# %%
mlp = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
rb.fit(
    mlp,
    X_d[tr],
    y_d[tr],
    loss=nn.CrossEntropyLoss(),
    optimizer=optim.Adam(mlp.parameters(), lr=1e-2),
    epochs=10 if QUICK else 30,
    batch_size=32,
    verbose=0,
)
epsilons = [0.0, 0.05, 0.1, 0.15, 0.2]
accuracy = fgsm_accuracy(mlp, X_d[te], y_d[te], epsilons, clip=(0.0, 1.0))
print("accuracy at eps =", epsilons, ":", np.round(accuracy, 3))
assert accuracy[0] > 0.9 and accuracy[-1] < accuracy[0] - 0.3
viz.plot_adversarial(
    mlp,
    X_d[te[0]],
    y_d[te[0]],
    0.15,
    image_shape=(8, 8),
    epsilons=epsilons,
    X_test=X_d[te],
    y_test=y_d[te],
    clip=(0.0, 1.0),
)
