"""An undercomplete autoencoder on digits, used for anomaly scores, as the blog tutorials do.

Idioms of the common "autoencoder in PyTorch" tutorials: an ``Autoencoder(nn.Module)`` with
``self.encoder = nn.Sequential(...)`` and ``self.decoder = nn.Sequential(..., nn.Sigmoid())``,
``criterion = nn.MSELoss()``, ``optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-5)``,
``for data in loader: img, _ = data`` with the labels ignored, ``loss.item()`` summed per
epoch, reconstruction error per sample ``((recon - x) ** 2).mean(dim=1)`` under
``torch.no_grad()`` to score anomalies (digits the model never saw), and the encoder alone used
as a feature extractor.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from sklearn.datasets import load_digits
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(0)
digits = load_digits()
X = (digits.data / 16.0).astype(np.float32)
normal = X[digits.target != 7]
anomalous = X[digits.target == 7]
normal = normal[rng.permutation(len(normal))]
train = torch.from_numpy(normal[:700])
held_out = torch.from_numpy(normal[700:900])
outliers = torch.from_numpy(anomalous[:200])
loader = DataLoader(TensorDataset(train, torch.zeros(len(train))), batch_size=35)


class Autoencoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(64, 24), nn.ReLU(True), nn.Linear(24, 6))
        self.decoder = nn.Sequential(
            nn.Linear(6, 24), nn.ReLU(True), nn.Linear(24, 64), nn.Sigmoid()
        )

    def forward(self, x):
        x = self.encoder(x)
        x = self.decoder(x)
        return x


model = Autoencoder()
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, nn.Linear):
            bound = np.sqrt(6.0 / (m.in_features + m.out_features))
            m.weight.copy_(
                torch.from_numpy(
                    rng.uniform(-bound, bound, (m.out_features, m.in_features)).astype(np.float32)
                )
            )
            m.bias.fill_(0.0)
criterion = nn.MSELoss()
optimizer = optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-5)

num_epochs = 6
for epoch in range(num_epochs):
    total = 0.0
    for data in loader:
        img, _ = data
        output = model(img)
        loss = criterion(output, img)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    print("epoch [{}/{}], loss:{:.6f}".format(epoch + 1, num_epochs, total / len(loader)))

model.eval()
with torch.no_grad():
    score_normal = ((model(held_out) - held_out) ** 2).mean(dim=1)
    score_outlier = ((model(outliers) - outliers) ** 2).mean(dim=1)
    codes = model.encoder(held_out)
print("mean score, unseen normal digits:", score_normal.mean().item())
print("mean score, sevens:", score_outlier.mean().item())
print("code shape", tuple(codes.shape), "code norm", codes.norm().item())
