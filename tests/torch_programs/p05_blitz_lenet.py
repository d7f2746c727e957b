"""The 60-minute blitz LeNet: define, inspect, backward with a gradient, update by hand.

Idioms of "Neural Networks" in the 60-minute blitz: a ``Net(nn.Module)`` with
``nn.Conv2d(1, 6, 5)``, ``F.max_pool2d(F.relu(self.conv1(x)), (2, 2))`` and
``x.view(-1, self.num_flat_features(x))`` with ``x.size()[1:]``; ``list(net.parameters())``
and ``params[0].size()``; ``net.zero_grad(); out.backward(grad)``; ``nn.MSELoss`` against a
target reshaped with ``view(1, -1)``; ``loss.grad_fn`` and ``next_functions``;
``net.conv1.bias.grad`` before and after ``backward``; the manual rule
``f.data.sub_(f.grad.data * learning_rate)``; then ``optim.SGD`` in the training loop.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

rng = np.random.default_rng(0)


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, self.num_flat_features(x))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

    def num_flat_features(self, x):
        size = x.size()[1:]
        num_features = 1
        for s in size:
            num_features *= s
        return num_features


net = Net()
state = {}
for name, tensor in net.state_dict().items():
    fan_in = int(np.prod(tensor.shape[1:])) if tensor.dim() > 1 else 10
    state[name] = torch.tensor(
        rng.uniform(-1, 1, tuple(tensor.shape)).astype(np.float32) / np.sqrt(fan_in)
    )
net.load_state_dict(state)
print("state_dict keys", len(state))

params = list(net.parameters())
print(len(params))
print(params[0].size())
print(sum(p.numel() for p in params))

input = torch.tensor(rng.standard_normal((1, 1, 32, 32)).astype(np.float32))
out = net(input)
print("out", out.detach().numpy().ravel().tolist())

print("conv1.bias.grad before backward", net.conv1.bias.grad)
net.zero_grad()
out.backward(torch.tensor(rng.standard_normal((1, 10)).astype(np.float32)))
print("conv1.bias.grad after backward", net.conv1.bias.grad.tolist())

output = net(input)
target = torch.tensor(rng.standard_normal(10).astype(np.float32))
target = target.view(1, -1)
criterion = nn.MSELoss()
loss = criterion(output, target)
print("loss", loss.item())
print("has grad_fn", loss.grad_fn is not None)
print("next function exists", loss.grad_fn.next_functions[0][0] is not None)

net.zero_grad()
print("conv1.bias.grad after zero_grad", net.conv1.bias.grad)
loss.backward()
print("conv1.bias.grad after backward", net.conv1.bias.grad.tolist())

learning_rate = 0.01
for f in net.parameters():
    f.data.sub_(f.grad.data * learning_rate)
print("loss after manual step", criterion(net(input), target).item())

optimizer = optim.SGD(net.parameters(), lr=0.01)
batch = torch.tensor(rng.standard_normal((4, 1, 32, 32)).astype(np.float32))
targets = torch.tensor(rng.standard_normal((4, 10)).astype(np.float32))
for step in range(5):
    optimizer.zero_grad()
    output = net(batch)
    loss = criterion(output, targets)
    loss.backward()
    optimizer.step()
    print("step", step, loss.item())
print("fc3.bias", net.fc3.bias.detach().numpy().tolist())
