"""A variational autoencoder on 8x8 digits in the shape of pytorch/examples' vae/main.py.

Idioms: ``fc1, fc21, fc22, fc3, fc4`` layers, ``encode`` returning ``mu, logvar``,
``reparameterize`` with ``std = torch.exp(0.5*logvar)`` and ``eps = torch.randn_like(std)``,
``decode`` ending in ``torch.sigmoid``, ``x.view(-1, 64)``, the loss
``F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction='sum')`` plus
``-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())``, ``train_loss += loss.item()``,
``'====> Epoch: {} Average loss: {:.4f}'``, a test pass under ``torch.no_grad()``, and
sampling by decoding latent codes.

The noise eps is drawn with NumPy and passed in for the compared run (the two libraries have
different random streams); ``torch.randn_like`` is exercised on its own at the end.
"""

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

LATENT = 4
rng = np.random.default_rng(0)
digits = load_digits()
X = (digits.data / 16.0).astype(np.float32)[rng.permutation(len(digits.data))]
train_loader = DataLoader(TensorDataset(torch.from_numpy(X[:600])), batch_size=50, shuffle=False)
test_loader = DataLoader(TensorDataset(torch.from_numpy(X[600:800])), batch_size=100)


class VAE(nn.Module):
    def __init__(self):
        super(VAE, self).__init__()
        self.fc1 = nn.Linear(64, 32)
        self.fc21 = nn.Linear(32, LATENT)
        self.fc22 = nn.Linear(32, LATENT)
        self.fc3 = nn.Linear(LATENT, 32)
        self.fc4 = nn.Linear(32, 64)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar, eps=None):
        std = torch.exp(0.5 * logvar)
        if eps is None:
            eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x, eps=None):
        mu, logvar = self.encode(x.view(-1, 64))
        z = self.reparameterize(mu, logvar, eps)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction="sum")
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


model = VAE()
with torch.no_grad():
    for name, p in model.named_parameters():
        scale = 1.0 / np.sqrt(p.shape[-1]) if name.endswith("weight") else 0.05
        p.copy_(torch.from_numpy(rng.normal(0.0, scale, tuple(p.shape)).astype(np.float32)))
optimizer = optim.Adam(model.parameters(), lr=1e-2)


def train(epoch):
    model.train()
    train_loss = 0
    for batch_idx, (data,) in enumerate(train_loader):
        optimizer.zero_grad()
        eps = torch.from_numpy(rng.standard_normal((len(data), LATENT)).astype(np.float32))
        recon_batch, mu, logvar = model(data, eps)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
        if batch_idx % 4 == 0:
            print(
                "Train Epoch: {} [{}/{}]\tLoss: {:.6f}".format(
                    epoch, batch_idx * len(data), len(train_loader.dataset), loss.item() / len(data)
                )
            )
    print(
        "====> Epoch: {} Average loss: {:.4f}".format(epoch, train_loss / len(train_loader.dataset))
    )


def test(epoch):
    model.eval()
    test_loss = 0
    with torch.no_grad():
        for (data,) in test_loader:
            mu, logvar = model.encode(data)
            recon = model.decode(mu)
            test_loss += loss_function(recon, data, mu, logvar).item()
    print("====> Test set loss: {:.4f}".format(test_loss / len(test_loader.dataset)))


for epoch in range(1, 4):
    train(epoch)
    test(epoch)

with torch.no_grad():
    sample = torch.from_numpy(rng.standard_normal((3, LATENT)).astype(np.float32))
    sample = model.decode(sample)
    print("samples", sample.view(3, 8, 8).sum(dim=(1, 2)).tolist())
    mu, logvar = model.encode(torch.from_numpy(X[:2]))
    z = model.reparameterize(mu, logvar)
    print("randn_like sample shape", tuple(z.shape), "finite", bool(torch.isfinite(z).all()))
