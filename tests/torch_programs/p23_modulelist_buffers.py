"""Containers and buffers: nn.ModuleList, nn.ModuleDict, nn.ParameterList, register_buffer.

Idioms of the torch.nn.Module documentation: ``self.linears = nn.ModuleList([nn.Linear(10,
10) for i in range(3)])`` iterated with ``enumerate`` and indexed (``self.linears[i // 2]``),
``nn.ModuleDict`` chosen by key, ``nn.ParameterList([nn.Parameter(...) ...])``,
``self.register_buffer('running_mean', torch.zeros(n))`` updated in place in ``forward``
during training (``self.running_mean.mul_(1 - m).add_(m * batch_mean)``), buffers in
``state_dict`` but not in ``parameters()``, ``named_modules()``, ``children()``,
``modules()``, ``named_buffers()``, and ``load_state_dict`` restoring the buffer.
"""

import numpy as np
import torch
import torch.nn as nn


class Stack(nn.Module):
    def __init__(self, width=6, momentum=0.1):
        super().__init__()
        self.linears = nn.ModuleList([nn.Linear(width, width) for i in range(3)])
        self.activations = nn.ModuleDict({"tanh": nn.Tanh(), "relu": nn.ReLU()})
        self.scales = nn.ParameterList([nn.Parameter(torch.ones(width)) for i in range(2)])
        self.head = nn.Linear(width, 1)
        self.momentum = momentum
        self.register_buffer("running_mean", torch.zeros(width))
        self.register_buffer("steps", torch.tensor(0))

    def forward(self, x, act="tanh"):
        if self.training:
            with torch.no_grad():
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * x.mean(0))
                self.steps += 1
        x = x - self.running_mean
        for i, l in enumerate(self.linears):
            x = self.linears[i // 2](x) + l(x)
            x = self.activations[act](x)
        for s in self.scales:
            x = x * s
        return self.head(x)


model = Stack()
print("parameters", len(list(model.parameters())), "state entries", len(model.state_dict()))
print("state_dict keys", list(model.state_dict().keys()))
print("buffers", [name for name, _ in model.named_buffers()])
print("children", len(list(model.children())), "modules", len(list(model.modules())))
print("named_modules", [name for name, _ in model.named_modules()])

rng = np.random.default_rng(0)
with torch.no_grad():
    for name, p in model.named_parameters():
        p.copy_(torch.from_numpy(rng.normal(0.0, 0.4, tuple(p.shape)).astype(np.float32)))
X = torch.tensor(rng.standard_normal((32, 6)).astype(np.float32) + 0.5)
y = torch.tensor(rng.standard_normal((32, 1)).astype(np.float32))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
loss_fn = nn.MSELoss()
model.train()
for step in range(8):
    act = "tanh" if step % 2 == 0 else "relu"
    optimizer.zero_grad()
    loss = loss_fn(model(X[step * 4 : step * 4 + 16], act), y[step * 4 : step * 4 + 16])
    loss.backward()
    optimizer.step()
    print("step", step, act, loss.item())
print("running_mean", model.running_mean.tolist(), "steps", model.steps.item())
print("buffer has no grad", model.running_mean.requires_grad, model.running_mean.grad is None)

saved = {k: v.clone() for k, v in model.state_dict().items()}
model.eval()
with torch.no_grad():
    before = model(X).sum().item()
model.running_mean.zero_()
model.load_state_dict(saved)
with torch.no_grad():
    after = model(X).sum().item()
print("eval output", before, after, "steps unchanged in eval", model.steps.item())
