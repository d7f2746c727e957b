"""Save a general checkpoint mid-training, load it into fresh objects, resume, match a straight run.

Idioms of the recipe "Saving and loading a general checkpoint": a dict with ``epoch``,
``model_state_dict``, ``optimizer_state_dict`` and ``loss`` written by ``torch.save`` (here
into a temporary directory), then ``torch.load(PATH, weights_only=True)``,
``model.load_state_dict(checkpoint['model_state_dict'])``,
``optimizer.load_state_dict(checkpoint['optimizer_state_dict'])``, ``model.train()`` and
training resumed; Adam's per-parameter state must survive the round trip, so the resumed run
equals an uninterrupted one. Also ``model.state_dict()`` / ``optimizer.state_dict()`` printed
as the recipe's "What is a state_dict?" part does.
"""

import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

rng = np.random.default_rng(0)
X = rng.standard_normal((120, 6)).astype(np.float32)
true_w = rng.standard_normal((6, 3))
Y = np.argmax(X @ true_w + 0.3 * rng.standard_normal((120, 3)), axis=1)
inputs, labels = torch.from_numpy(X), torch.from_numpy(Y)
initial = {
    "fc1.weight": rng.standard_normal((8, 6)).astype(np.float32) * 0.4,
    "fc1.bias": np.zeros(8, np.float32),
    "fc2.weight": rng.standard_normal((3, 8)).astype(np.float32) * 0.4,
    "fc2.bias": np.zeros(3, np.float32),
}


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(6, 8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def fresh():
    net = Net()
    net.load_state_dict({k: torch.tensor(v) for k, v in initial.items()})
    return net, optim.Adam(net.parameters(), lr=0.01)


def train(net, optimizer, first_epoch, last_epoch, tag):
    for epoch in range(first_epoch, last_epoch):
        for i in range(0, 120, 30):
            optimizer.zero_grad()
            loss = F.cross_entropy(net(inputs[i : i + 30]), labels[i : i + 30])
            loss.backward()
            optimizer.step()
        print(tag, "epoch", epoch, "loss", loss.item())
    return loss


net, optimizer = fresh()
print("Model's state_dict:")
for param_tensor in net.state_dict():
    print(param_tensor, "\t", tuple(net.state_dict()[param_tensor].size()))
print("Optimizer's state_dict keys:", sorted(optimizer.state_dict().keys()))
print("lr", optimizer.state_dict()["param_groups"][0]["lr"])

train(net, optimizer, 0, 6, "straight")
straight = {k: v.clone() for k, v in net.state_dict().items()}

net, optimizer = fresh()
EPOCH = 3
loss = train(net, optimizer, 0, EPOCH, "first half")
with tempfile.TemporaryDirectory() as tmp:
    PATH = os.path.join(tmp, "model.pt")
    torch.save(
        {
            "epoch": EPOCH,
            "model_state_dict": net.state_dict(),
            "optimizer_state_dict": optimizer.state_dict(),
            "loss": loss.detach(),
        },
        PATH,
    )
    model = Net()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    checkpoint = torch.load(PATH, weights_only=True)

model.load_state_dict(checkpoint["model_state_dict"])
optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
epoch = checkpoint["epoch"]
loss = checkpoint["loss"]
print("loaded epoch", epoch, "loss", float(loss))
print("state entries", len(optimizer.state_dict()["state"]))
model.train()
train(model, optimizer, epoch, 6, "resumed")
for name, value in model.state_dict().items():
    diff = (value - straight[name]).abs().max().item()
    print(name, "max difference to the straight run", diff, value.sum().item())

model.eval()
with torch.no_grad():
    accuracy = (model(inputs).argmax(dim=1) == labels).float().mean().item()
print("accuracy", accuracy)
