"""Reductions that return (values, indices), one-hot targets, adaptive pooling and Adadelta.

Idioms seen across tutorials: ``values, indices = x.max(1)``, ``x.max(dim=1).indices``,
``torch.max(outputs, 1)[1]``, ``x.min(0)``, ``torch.argmax(x, dim=1, keepdim=True)``,
``x.max()`` of the whole tensor, ``F.one_hot(labels, num_classes)`` turned to float for an MSE
target, ``nn.AdaptiveAvgPool2d((1, 1))`` and ``nn.AdaptiveAvgPool2d(2)`` after convolutions on
inputs of different sizes, and ``optim.Adadelta``.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

rng = np.random.default_rng(0)
x = torch.tensor(rng.standard_normal((4, 5)).astype(np.float32))
values, indices = x.max(1)
print("max(1)", values.tolist(), indices.tolist())
print(
    "max(dim=1).indices",
    x.max(dim=1).indices.tolist(),
    "torch.max(x, 1)[1]",
    torch.max(x, 1)[1].tolist(),
)
mins = x.min(0)
print("min(0)", mins.values.tolist(), mins.indices.tolist(), mins[0].tolist())
print("argmax keepdim", tuple(torch.argmax(x, dim=1, keepdim=True).shape), "max()", x.max().item())
print("max keepdim", tuple(x.max(1, keepdim=True)[0].shape))

labels = torch.tensor([0, 2, 1, 3, 2])
one_hot = F.one_hot(labels, num_classes=4)
print("one_hot", one_hot.tolist(), one_hot.dtype == torch.int64)
print("one_hot inferred classes", tuple(F.one_hot(labels).shape))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 6, 3)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.pool2 = nn.AdaptiveAvgPool2d(2)
        self.fc = nn.Linear(6 + 6 * 4, 3)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        a = torch.flatten(self.pool(x), 1)
        b = torch.flatten(self.pool2(x), 1)
        return self.fc(torch.cat([a, b], dim=1))


net = Net()
with torch.no_grad():
    for p in net.parameters():
        p.copy_(torch.from_numpy(rng.normal(0.0, 0.3, tuple(p.shape)).astype(np.float32)))
for size in (6, 8, 10):
    out = net(torch.ones(2, 1, size, size))
    print("input", size, "output", tuple(out.shape), out.sum().item())

images = torch.tensor(rng.standard_normal((24, 1, 8, 8)).astype(np.float32))
targets = torch.tensor(rng.integers(0, 3, 24))
optimizer = optim.Adadelta(net.parameters(), lr=1.0, rho=0.9)
for step in range(8):
    optimizer.zero_grad()
    logits = net(images)
    loss = F.mse_loss(logits.softmax(dim=1), F.one_hot(targets, 3).float())
    loss.backward()
    optimizer.step()
    predicted = torch.max(logits, 1)[1]
    print("step", step, loss.item(), "correct", (predicted == targets).sum().item())
