"""Generative models of the course on small data: RBM features of binarised digits (as
inputs of a logistic regression), a VAE that samples new digits, and a GAN that learns a
ring of 2-D Gaussians. Run: python examples/generative_digits.py [--png out.png]"""

import argparse

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from rosenblatt.models import GAN, RBM, VAE

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--png", help="save a figure of the results to this file")
args = parser.parse_args()

digits = load_digits()
X = digits.data / 16  # [0, 1]
X_train, X_test, y_train, y_test = train_test_split(X, digits.target, random_state=0)

# --- RBM: unsupervised features, then a linear classifier on P(h = 1 | v)
rbm = RBM(n_components=100, learning_rate=0.06, n_iter=20, random_state=0)
clf = make_pipeline(rbm, LogisticRegression(max_iter=2000)).fit(X_train > 0.5, y_train)
raw = LogisticRegression(max_iter=2000).fit(X_train > 0.5, y_train)
print("RBM (100 hidden, CD-1, 20 epochs)")
print(
    f"  pseudo-likelihood per epoch: {rbm.pseudo_likelihood_curve_[0]:.2f} -> "
    f"{rbm.pseudo_likelihood_curve_[-1]:.2f}"
)
print(
    f"  test accuracy: logistic regression on pixels {raw.score(X_test > 0.5, y_test):.3f}, "
    f"on RBM features {clf.score(X_test > 0.5, y_test):.3f}"
)

# --- VAE: a 2-D latent space of the digits, and new digits from z ~ N(0, I)
vae = VAE(
    latent_dim=2, hidden_layer_sizes=(128,), learning_rate_init=3e-3, max_iter=60, random_state=0
).fit(X_train)
recon = vae.inverse_transform(vae.transform(X_test))
print("VAE (64-128-2-128-64, Bernoulli decoder)")
print(
    f"  negative ELBO per sample: {vae.loss_curve_[0]:.2f} -> {vae.loss_curve_[-1]:.2f}; "
    f"test ELBO {vae.score(X_test):.2f}"
)
print(
    f"  test reconstruction MSE {np.mean((recon - X_test) ** 2):.4f} "
    f"(mean image {np.mean((X_train.mean(0) - X_test) ** 2):.4f})"
)
samples = vae.sample(10)

# --- GAN: eight Gaussians on a ring
rng = np.random.default_rng(0)
angles = rng.integers(0, 8, 2000) * np.pi / 4
ring = np.column_stack([2 * np.cos(angles), 2 * np.sin(angles)]) + 0.1 * rng.normal(size=(2000, 2))
gan = GAN(
    latent_dim=2,
    generator_hidden=(64, 64),
    discriminator_hidden=(64, 64),
    learning_rate_init=1e-3,
    batch_size=100,
    max_iter=100,
    random_state=0,
).fit(ring)
fake = gan.sample(2000)
radius = np.linalg.norm(fake, axis=1)
print("GAN (2-64-64-2 generator, 2-64-64-1 discriminator) on a ring of 8 Gaussians")
print(
    f"  final losses: D {gan.discriminator_loss_curve_[-1]:.3f} (2 ln 2 = 1.386), "
    f"G {gan.generator_loss_curve_[-1]:.3f} (ln 2 = 0.693)"
)
print(f"  radius of the samples: mean {radius.mean():.2f} (data 2.00), std {radius.std():.2f}")

if args.png:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    axes[0].imshow(
        rbm.components_[:16].reshape(4, 4, 8, 8).transpose(0, 2, 1, 3).reshape(32, 32), cmap="gray"
    )
    axes[0].set_title("RBM: 16 hidden units' weights")
    axes[1].imshow(samples.reshape(2, 5, 8, 8).transpose(0, 2, 1, 3).reshape(16, 40), cmap="gray")
    axes[1].set_title("VAE: samples from z ~ N(0, I)")
    axes[2].scatter(*ring.T, s=2, label="data")
    axes[2].scatter(*fake.T, s=2, label="GAN")
    axes[2].legend()
    axes[2].set_aspect("equal")
    axes[2].set_title("GAN on a ring of Gaussians")
    for ax in axes[:2]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(args.png, dpi=100)
    print(f"saved {args.png}")
