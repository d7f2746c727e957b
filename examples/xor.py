"""XOR with a 2-2-1 sigmoid network trained by backpropagation (Matteucci deck: XOR is not
linearly separable, one hidden layer solves it). Run: python examples/xor.py"""

import numpy as np

import rosenblatt as rb
from rosenblatt import nn

rb.manual_seed(0)
X = rb.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
t = rb.tensor([[0.0], [1.0], [1.0], [0.0]])

model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
loss_fn = nn.BCEWithLogitsLoss()
params = list(model.parameters())
lr = 0.5
for epoch in range(2001):
    loss = loss_fn(model(X), t)
    for p in params:
        p.grad = None
    loss.backward()
    with rb.no_grad():
        for p in params:
            p.data -= lr * p.grad
    if epoch % 500 == 0:
        print(f"epoch {epoch:5d}  loss {loss.item():.5f}")

with rb.no_grad():
    prob = model(X).sigmoid().numpy().ravel()
print("inputs      target  output")
for x, target, p in zip(X.numpy(), t.numpy().ravel(), prob):
    print(f"{x}   {target:.0f}       {p:.3f}")
accuracy = np.mean((prob > 0.5) == (t.numpy().ravel() > 0.5))
print(f"accuracy {accuracy:.2f}")
