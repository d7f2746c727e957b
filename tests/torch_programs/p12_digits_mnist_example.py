"""pytorch/examples' MNIST script shape on 8x8 digits: argparse, Adadelta, StepLR, nll_loss.

Idioms of examples/mnist/main.py: ``argparse`` settings, ``use_cuda = not args.no_cuda and
torch.cuda.is_available()``, ``torch.device("cuda" if use_cuda else "cpu")``, loader kwargs
dicts, a ``Net`` with two ``nn.Conv2d(…, 3, 1)``, ``nn.Dropout``, ``F.max_pool2d(x, 2)``,
``torch.flatten(x, 1)`` and ``F.log_softmax(x, dim=1)``; ``train()`` printing
``'Train Epoch: {} [{}/{} ({:.0f}%)]\\tLoss: {:.6f}'``; ``test()`` summing
``F.nll_loss(output, target, reduction='sum').item()`` and counting
``pred.eq(target.view_as(pred)).sum().item()`` with ``argmax(dim=1, keepdim=True)``;
``optim.Adadelta(lr=1.0)`` with ``StepLR(step_size=1, gamma=0.7)``.

Dropout draws from the library's own random stream, so the compared run trains with
``--dropout 0``; the dropout layer's train/eval behaviour is checked separately with
properties that hold for any stream.
"""

import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from sklearn.datasets import load_digits
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self, p1=0.25, p2=0.5):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(p1)
        self.dropout2 = nn.Dropout(p2)
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def train(args, model, device, train_loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print(
                "Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}".format(
                    epoch,
                    batch_idx * len(data),
                    len(train_loader.dataset),
                    100.0 * batch_idx / len(train_loader),
                    loss.item(),
                )
            )


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    print(
        "\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n".format(
            test_loss, correct, len(test_loader.dataset), 100.0 * correct / len(test_loader.dataset)
        )
    )


def main():
    parser = argparse.ArgumentParser(description="digits example")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--test-batch-size", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--gamma", type=float, default=0.7)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--no-cuda", action="store_true", default=False)
    parser.add_argument("--log-interval", type=int, default=10)
    args = parser.parse_args()
    use_cuda = not args.no_cuda and torch.cuda.is_available()
    device = torch.device("cuda" if use_cuda else "cpu")

    rng = np.random.default_rng(0)
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None]
    images = (images - images.mean()) / images.std()
    order = rng.permutation(len(images))
    images, targets = images[order], digits.target[order]
    dataset1 = TensorDataset(torch.tensor(images[:800]), torch.tensor(targets[:800]))
    dataset2 = TensorDataset(torch.tensor(images[800:1400]), torch.tensor(targets[800:1400]))
    train_kwargs = {"batch_size": args.batch_size}
    test_kwargs = {"batch_size": args.test_batch_size}
    if use_cuda:
        cuda_kwargs = {"num_workers": 1, "pin_memory": True}
        train_kwargs.update(cuda_kwargs)
        test_kwargs.update(cuda_kwargs)
    train_loader = DataLoader(dataset1, **train_kwargs)
    test_loader = DataLoader(dataset2, **test_kwargs)

    model = Net(args.dropout, args.dropout).to(device)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.15))
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)
    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch)
        test(model, device, test_loader)
        scheduler.step()
        print("lr now", scheduler.get_last_lr()[0], optimizer.param_groups[0]["lr"])

    drop = nn.Dropout(0.5)
    ones = torch.ones(1000)
    out = drop(ones)
    print("train-mode dropout keeps 0 or 2:", bool(((out == 0) | (out == 2)).all()))
    print("some dropped:", bool((out == 0).any()), "some kept:", bool((out == 2).any()))
    drop.eval()
    print("eval-mode dropout is identity:", torch.equal(drop(ones), ones))
    model.dropout1.p = 0.5
    model.dropout2.p = 0.5
    test(model, device, test_loader)


if __name__ == "__main__":
    main()
