"""The blitz "Training a classifier" loop on 8x8 digits: running loss, torch.max accuracy.

Idioms of the CIFAR-10 tutorial of the 60-minute blitz: ``nn.MaxPool2d(2, 2)`` used twice,
``torch.flatten(x, 1)``, ``nn.CrossEntropyLoss`` with ``optim.SGD(momentum=0.9)``,
``for i, data in enumerate(trainloader, 0): inputs, labels = data``, ``running_loss +=
loss.item()`` printed every few batches, ``torch.save(net.state_dict(), PATH)`` then
``net.load_state_dict(torch.load(PATH, weights_only=True))``,
``_, predicted = torch.max(outputs.data, 1)``, ``total += labels.size(0)``, ``correct +=
(predicted == labels).sum().item()``, per-class counts with ``classes[label]`` (a 0-d tensor
used as an index).
"""

import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from sklearn.datasets import load_digits

rng = np.random.default_rng(0)
digits = load_digits()
images = ((digits.images / 16.0 - 0.5) / 0.5).astype(np.float32)[:, None, :, :]
order = rng.permutation(len(images))
images, labels = images[order], digits.target[order].astype(np.int64)
trainset = torch.utils.data.TensorDataset(torch.tensor(images[:800]), torch.tensor(labels[:800]))
testset = torch.utils.data.TensorDataset(
    torch.tensor(images[800:1200]), torch.tensor(labels[800:1200])
)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=20, shuffle=False, num_workers=0)
testloader = torch.utils.data.DataLoader(testset, batch_size=20, shuffle=False, num_workers=0)
classes = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 3, padding=1)
        self.fc1 = nn.Linear(16 * 2 * 2, 32)
        self.fc2 = nn.Linear(32, 24)
        self.fc3 = nn.Linear(24, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


net = Net()
with torch.no_grad():
    for name, p in net.named_parameters():
        fan_in = int(np.prod(p.shape[1:])) if name.endswith("weight") else 10
        p.copy_(
            torch.from_numpy(
                rng.normal(0.0, 1.0 / np.sqrt(fan_in), tuple(p.shape)).astype(np.float32)
            )
        )

criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)

for epoch in range(3):
    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        inputs, labels = data
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        if i % 10 == 9:
            print(f"[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 10:.3f}")
            running_loss = 0.0
print("Finished Training")

with tempfile.TemporaryDirectory() as tmp:
    PATH = os.path.join(tmp, "digits_net.pth")
    torch.save(net.state_dict(), PATH)
    net = Net()
    net.load_state_dict(torch.load(PATH, weights_only=True))

dataiter = iter(testloader)
images, labels = next(dataiter)
outputs = net(images)
_, predicted = torch.max(outputs, 1)
print("GroundTruth: ", " ".join(f"{classes[labels[j]]:5s}" for j in range(4)))
print("Predicted: ", " ".join(f"{classes[predicted[j]]:5s}" for j in range(4)))

correct = 0
total = 0
with torch.no_grad():
    for data in testloader:
        images, labels = data
        outputs = net(images)
        _, predicted = torch.max(outputs.data, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()
print(f"Accuracy of the network on the {total} test images: {100 * correct // total} %")

correct_pred = {classname: 0 for classname in classes}
total_pred = {classname: 0 for classname in classes}
with torch.no_grad():
    for data in testloader:
        images, labels = data
        outputs = net(images)
        _, predictions = torch.max(outputs, 1)
        for label, prediction in zip(labels, predictions):
            if label == prediction:
                correct_pred[classes[label]] += 1
            total_pred[classes[label]] += 1
for classname, correct_count in correct_pred.items():
    print(f"Accuracy for class: {classname:5s} is {correct_count} of {total_pred[classname]}")
