"""A GAN learning a 1-D Gaussian, written as the DCGAN tutorial writes its training loop.

Idioms of the DCGAN tutorial and the popular "GAN in 50 lines" posts: generator and
discriminator as ``nn.Sequential`` (``nn.LeakyReLU(0.2)``, ``nn.Sigmoid``), ``nn.BCELoss``,
``real_label = 1.``, ``label = torch.full((b_size,), real_label, dtype=torch.float)``,
``label.fill_(fake_label)``, ``netD(fake.detach()).view(-1)``, ``errD = errD_real +
errD_fake``, ``D_x = output.mean().item()``, two ``optim.Adam(..., betas=(0.5, 0.999))``,
``netD.zero_grad()`` / ``netG.zero_grad()`` and the generator step against real labels.

Real samples and noise come from NumPy so that both libraries see the same numbers.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

rng = np.random.default_rng(0)
nz = 2
b_size = 64
netG = nn.Sequential(nn.Linear(nz, 16), nn.ReLU(), nn.Linear(16, 1))
netD = nn.Sequential(nn.Linear(1, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1), nn.Sigmoid())
for net in (netG, netD):
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.from_numpy(rng.normal(0.0, 0.5, tuple(p.shape)).astype(np.float32)))

criterion = nn.BCELoss()
real_label = 1.0
fake_label = 0.0
optimizerD = optim.Adam(netD.parameters(), lr=0.01, betas=(0.5, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=0.01, betas=(0.5, 0.999))
fixed_noise = torch.from_numpy(rng.standard_normal((500, nz)).astype(np.float32))

G_losses = []
D_losses = []
for i in range(150):
    real_cpu = torch.from_numpy(rng.normal(3.0, 0.5, (b_size, 1)).astype(np.float32))
    noise = torch.from_numpy(rng.standard_normal((b_size, nz)).astype(np.float32))

    netD.zero_grad()
    label = torch.full((b_size,), real_label, dtype=torch.float)
    output = netD(real_cpu).view(-1)
    errD_real = criterion(output, label)
    errD_real.backward()
    D_x = output.mean().item()

    fake = netG(noise)
    label.fill_(fake_label)
    output = netD(fake.detach()).view(-1)
    errD_fake = criterion(output, label)
    errD_fake.backward()
    D_G_z1 = output.mean().item()
    errD = errD_real + errD_fake
    optimizerD.step()

    netG.zero_grad()
    label.fill_(real_label)
    output = netD(fake).view(-1)
    errG = criterion(output, label)
    errG.backward()
    D_G_z2 = output.mean().item()
    optimizerG.step()

    G_losses.append(errG.item())
    D_losses.append(errD.item())
    if i % 25 == 0:
        print(
            "[%d/%d]\tLoss_D: %.4f\tLoss_G: %.4f\tD(x): %.4f\tD(G(z)): %.4f / %.4f"
            % (i, 150, errD.item(), errG.item(), D_x, D_G_z1, D_G_z2)
        )

with torch.no_grad():
    samples = netG(fixed_noise).detach()
print("generated mean", samples.mean().item(), "std", samples.std().item())
print("loss means", float(np.mean(G_losses)), float(np.mean(D_losses)))
