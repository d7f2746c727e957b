"""Fit sin(x) + x²/10 with torch.nn: a Sequential updated by hand, then an optimizer, then a Module.

Idioms of the polynomial nn/optim/custom-module tutorials: ``x.unsqueeze(-1).pow(p)``,
``torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))``,
``MSELoss(reduction="sum")``, ``model.zero_grad()`` and the manual step
``for param in model.parameters(): param -= lr * param.grad``; ``torch.optim.RMSprop``; a
custom Module holding scalar ``torch.nn.Parameter`` s, and a dynamic graph whose depth is
chosen in Python at each step.
"""

import math

import numpy as np
import torch

rng = np.random.default_rng(0)
x = torch.linspace(-math.pi, math.pi, 200)
y = torch.sin(x) + 0.1 * x**2  # an even part too: no coefficient is driven to exactly 0
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
print("features shape:", tuple(xx.shape))

w0 = rng.standard_normal((1, 3)).astype(np.float32) * 0.1
b0 = rng.standard_normal(1).astype(np.float32) * 0.1

# 1. nn.Sequential, manual update.
model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
model.load_state_dict({"0.weight": torch.tensor(w0), "0.bias": torch.tensor(b0)})
loss_fn = torch.nn.MSELoss(reduction="sum")
learning_rate = 1e-5
for t in range(300):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 60 == 59:
        print("manual", t, loss.item())
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad
linear_layer = model[0]
print(
    f"Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x"
    f" + {linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3"
)

# 2. The same model trained by torch.optim.RMSprop.
model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
model.load_state_dict({"0.weight": torch.tensor(w0), "0.bias": torch.tensor(b0)})
optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
for t in range(200):
    loss = loss_fn(model(xx), y)
    if t % 40 == 39:
        print("rmsprop", t, loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print("rmsprop weight:", model[0].weight.detach().numpy().ravel().tolist())


# 3. A custom Module with scalar Parameters and a dynamic depth.
class DynamicPolynomial(torch.nn.Module):
    def __init__(self, start):
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(float(start[0])))
        self.b = torch.nn.Parameter(torch.tensor(float(start[1])))
        self.c = torch.nn.Parameter(torch.tensor(float(start[2])))
        self.d = torch.nn.Parameter(torch.tensor(float(start[3])))
        self.e = torch.nn.Parameter(torch.tensor(0.0))

    def forward(self, x, extra_degrees):
        y = self.a + self.b * x + self.c * x**2 + self.d * x**3
        for exp in range(4, 4 + extra_degrees):
            y = y + self.e * x**exp
        return y

    def string(self):
        return (
            f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2"
            f" + {self.d.item()} x^3 + {self.e.item()} x^4 ? + {self.e.item()} x^5 ?"
        )


depth_rng = np.random.default_rng(1)
model = DynamicPolynomial(rng.standard_normal(4) * 0.1)
criterion = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=1e-7, momentum=0.9)
for t in range(200):
    y_pred = model(x, int(depth_rng.integers(0, 3)))
    loss = criterion(y_pred, y)
    if t % 40 == 39:
        print("dynamic", t, loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"Result: {model.string()}")
print("parameters:", len(list(model.parameters())))
