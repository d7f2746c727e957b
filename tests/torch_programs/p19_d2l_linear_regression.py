"""Linear regression from scratch and then concisely, in the style of d2l.ai chapter 3.

Idioms of "Linear Regression Implementation from Scratch" and "Concise Implementation":
``synthetic_data(w, b, num_examples)`` returning ``X, y.reshape((-1, 1))`` with noise from
``torch.normal(0, std, y.shape)`` added by ``y +=``, a ``data_iter`` generator that yields
``features[batch_indices]`` for a ``torch.tensor`` of indices, ``linreg``,
``squared_loss``, ``sgd(params, lr, batch_size)`` doing ``param -= lr * param.grad /
batch_size; param.grad.zero_()`` under ``torch.no_grad()``, ``l.sum().backward()``, the
``f'epoch {epoch + 1}, loss {float(train_l.mean()):f}'`` report; then ``from torch.utils
import data``, ``data.TensorDataset(*data_arrays)``, ``nn.Sequential(nn.Linear(2, 1))``,
``net[0].weight.data.normal_(0, 0.01)``, ``net[0].bias.data.fill_(0)``, ``nn.MSELoss()`` and
``torch.optim.SGD``, printing a 0-d tensor with ``{l:f}``.

For equal runs the features and the observation noise come from NumPy (``torch.normal`` is
called with standard deviation 0), the shuffling order is a NumPy permutation; ``normal_`` is overwritten right after it is called.
"""

import numpy as np
import torch
from torch import nn
from torch.utils import data

rng = np.random.default_rng(0)


def synthetic_data(w, b, num_examples, noise=0.0):
    X = torch.tensor(rng.standard_normal((num_examples, len(w))).astype(np.float32))
    y = torch.matmul(X, w) + b
    y += torch.normal(0, noise, y.shape)
    return X, y.reshape((-1, 1))


true_w = torch.tensor([2, -3.4])
true_b = 4.2
features, labels = synthetic_data(true_w, true_b, 1000)
labels += torch.from_numpy(rng.normal(0, 0.01, (1000, 1)).astype(np.float32))
print("features:", features[0].tolist(), "\nlabel:", labels[0].tolist())


def data_iter(batch_size, features, labels):
    num_examples = len(features)
    indices = list(rng.permutation(num_examples))
    for i in range(0, num_examples, batch_size):
        batch_indices = torch.tensor(indices[i : min(i + batch_size, num_examples)])
        yield features[batch_indices], labels[batch_indices]


batch_size = 10
for X, y in data_iter(batch_size, features, labels):
    print("first batch", tuple(X.shape), tuple(y.shape))
    break

w = torch.tensor(rng.normal(0, 0.01, size=(2, 1)).astype(np.float32), requires_grad=True)
b = torch.zeros(1, requires_grad=True)


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


lr = 0.03
num_epochs = 3
net = linreg
loss = squared_loss
for epoch in range(num_epochs):
    for X, y in data_iter(batch_size, features, labels):
        l = loss(net(X, w, b), y)
        l.sum().backward()
        sgd([w, b], lr, batch_size)
    with torch.no_grad():
        train_l = loss(net(features, w, b), labels)
        print(f"epoch {epoch + 1}, loss {float(train_l.mean()):f}")
print(f"error in estimating w: {(true_w - w.reshape(true_w.shape)).tolist()}")
print(f"error in estimating b: {true_b - b.item()}")


def load_array(data_arrays, batch_size, is_train=True):
    dataset = data.TensorDataset(*data_arrays)
    return data.DataLoader(dataset, batch_size, shuffle=is_train)


order = torch.from_numpy(rng.permutation(1000))
data_iter = load_array((features[order], labels[order]), batch_size, is_train=False)
print("first batch", [tuple(t.shape) for t in next(iter(data_iter))])
net = nn.Sequential(nn.Linear(2, 1))
net[0].weight.data.normal_(0, 0.01)
net[0].bias.data.fill_(0)
print("bias filled", net[0].bias.data.tolist())
net[0].weight.data.copy_(torch.tensor(rng.normal(0, 0.01, (1, 2)).astype(np.float32)))
loss = nn.MSELoss()
trainer = torch.optim.SGD(net.parameters(), lr=0.03)
for epoch in range(num_epochs):
    for X, y in data_iter:
        l = loss(net(X), y)
        trainer.zero_grad()
        l.backward()
        trainer.step()
    l = loss(net(features), labels)
    print(f"epoch {epoch + 1}, loss {l:f}")
w = net[0].weight.data
print("error in estimating w:", (true_w - w.reshape(true_w.shape)).tolist())
b = net[0].bias.data
print("error in estimating b:", (true_b - b).tolist())
