"""The quickstart: Dataset -> DataLoader -> model on a device -> train()/test() -> save/load.

Idioms of the "Quickstart" tutorial: ``device = "cuda" if torch.cuda.is_available() else
"cpu"``, a ``NeuralNetwork`` with ``nn.Flatten`` and ``nn.Sequential`` moved with
``.to(device)``, ``train(dataloader, model, loss_fn, optimizer)`` with ``size =
len(dataloader.dataset)``, ``model.train()``, ``for batch, (X, y) in enumerate(dataloader)``,
``X.to(device)``; ``test()`` with ``model.eval()``, ``torch.no_grad()``, ``correct +=
(pred.argmax(1) == y).type(torch.float).sum().item()``; saving the state_dict to
"model.pth", loading it into a new model and predicting ``classes[pred[0].argmax(0)]``.
"""

import os
import tempfile

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(0)
digits = load_digits()
images = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
order = rng.permutation(len(images))
images, targets = images[order], digits.target[order]
training_data = TensorDataset(torch.from_numpy(images[:1000]), torch.from_numpy(targets[:1000]))
test_data = TensorDataset(torch.from_numpy(images[1000:1400]), torch.from_numpy(targets[1000:1400]))

batch_size = 64
train_dataloader = DataLoader(training_data, batch_size=batch_size)
test_dataloader = DataLoader(test_data, batch_size=batch_size)
for X, y in test_dataloader:
    print(f"Shape of X [N, C, H, W]: {X.shape}")
    print(f"Shape of y: {y.shape} {y.dtype}")
    break

device = "cuda" if torch.cuda.is_available() else "cpu"
print(f"Using {device} device")


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(8 * 8, 32),
            nn.ReLU(),
            nn.Linear(32, 32),
            nn.ReLU(),
            nn.Linear(32, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


model = NeuralNetwork().to(device)
with torch.no_grad():
    for param in model.parameters():
        param.copy_(
            torch.from_numpy(rng.standard_normal(tuple(param.shape)).astype(np.float32) * 0.2)
        )

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)


def train(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if batch % 5 == 0:
            loss, current = loss.item(), (batch + 1) * len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test(dataloader, model, loss_fn):
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100 * correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")


epochs = 3
for t in range(epochs):
    print(f"Epoch {t + 1}\n-------------------------------")
    train(train_dataloader, model, loss_fn, optimizer)
    test(test_dataloader, model, loss_fn)
print("Done!")

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "model.pth")
    torch.save(model.state_dict(), path)
    print("Saved PyTorch Model State to model.pth")
    model = NeuralNetwork().to(device)
    model.load_state_dict(torch.load(path, weights_only=True))

classes = [str(k) for k in range(10)]
model.eval()
x, y = test_data[0][0], test_data[0][1]
with torch.no_grad():
    x = x.to(device)
    pred = model(x)
    predicted, actual = classes[pred[0].argmax(0)], classes[y]
    print(f'Predicted: "{predicted}", Actual: "{actual}"')
