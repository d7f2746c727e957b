"""Weight initialisation with net.apply(init_weights), nn.init functions, gradient clipping.

Idioms of the forum answer everyone copies, ``def init_weights(m): if isinstance(m,
nn.Linear): torch.nn.init.xavier_uniform_(m.weight); m.bias.data.fill_(0.01)`` with
``net.apply(init_weights)`` (visiting children before their parent, in registration order),
``nn.init.kaiming_normal_``, ``nn.init.constant_``, ``nn.init.zeros_``,
``nn.init.calculate_gain``; and of training loops that clip with
``nn.utils.clip_grad_norm_(model.parameters(), max_norm)`` (reading the returned total norm)
and ``nn.utils.clip_grad_value_``.

The init functions draw from each library's own stream, so only stream-independent
properties are printed (bounds, constants, visiting order); the weights are then set from
NumPy for the compared training run.
"""

import numpy as np
import torch
import torch.nn as nn

visited = []


def init_weights(m):
    visited.append(type(m).__name__)
    if isinstance(m, nn.Linear):
        torch.nn.init.xavier_uniform_(m.weight)
        m.bias.data.fill_(0.01)


net = nn.Sequential(
    nn.Linear(6, 20),
    nn.ReLU(),
    nn.Sequential(nn.Linear(20, 20), nn.Tanh()),
    nn.Linear(20, 3),
)
net.apply(init_weights)
print("visit order", visited)
print("visit index of the first Sequential", visited.index("Sequential"), len(visited))
bound = (6.0 / (6 + 20)) ** 0.5
print(
    "xavier within bound",
    bool((net[0].weight.abs() <= bound).all()),
    "bias",
    net[0].bias.tolist()[:3],
)

w = torch.empty(30, 40)
nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
print("kaiming std close", abs(w.std().item() - (2.0 / 30) ** 0.5) < 0.05)
nn.init.constant_(w, 0.3)
print("constant", w.mean().item(), w.std().item())
nn.init.zeros_(w)
print("zeros", w.abs().sum().item())
print(
    "gains",
    nn.init.calculate_gain("relu"),
    nn.init.calculate_gain("tanh"),
    nn.init.calculate_gain("leaky_relu", 0.2),
)

rng = np.random.default_rng(0)
with torch.no_grad():
    for p in net.parameters():
        p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32)))
X = torch.tensor(rng.standard_normal((40, 6)).astype(np.float32))
y = torch.tensor(rng.integers(0, 3, 40))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
for step in range(6):
    optimizer.zero_grad()
    loss = criterion(net(X), y)
    loss.backward()
    total_norm = nn.utils.clip_grad_norm_(net.parameters(), max_norm=1.0)
    clipped = torch.sqrt(sum((p.grad**2).sum() for p in net.parameters()))
    optimizer.step()
    print(
        "step", step, "loss", loss.item(), "norm before", float(total_norm), "after", clipped.item()
    )

optimizer.zero_grad()
criterion(net(X), y).backward()
nn.utils.clip_grad_value_(net.parameters(), clip_value=0.05)
print("max |grad| after clip_grad_value_", max(p.grad.abs().max().item() for p in net.parameters()))
