"""A custom Dataset class, DataLoader batching of tuples and dicts, Subset and random_split.

Idioms of "Datasets & DataLoaders": ``class MyDataset(Dataset)`` with ``__init__``,
``__len__`` and ``__getitem__`` (returning a tuple in one dataset, a dict in another),
``DataLoader(ds, batch_size=..., shuffle=False, drop_last=True, num_workers=0)``,
``len(loader)``, ``next(iter(loader))``, default collation stacking samples (dicts batched
key by key), a ``transform`` callable applied per sample, ``Subset(ds, indices)``, and
``random_split(ds, [80, 20])`` (only its sizes and coverage are printed: the split order
comes from each library's own stream).
"""

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset, random_split


class PointsDataset(Dataset):
    def __init__(self, n, transform=None):
        rng = np.random.default_rng(0)
        self.points = rng.standard_normal((n, 2)).astype(np.float32)
        self.labels = (self.points[:, 0] * self.points[:, 1] > 0).astype(np.int64)
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        point = torch.from_numpy(self.points[idx])
        if self.transform:
            point = self.transform(point)
        return point, int(self.labels[idx])


class DictDataset(Dataset):
    def __init__(self, base):
        self.base = base

    def __len__(self):
        return len(self.base)

    def __getitem__(self, idx):
        point, label = self.base[idx]
        return {"point": point, "label": torch.tensor(label), "index": idx}


def scale(p):
    return p * 2.0


dataset = PointsDataset(100, transform=scale)
print("len", len(dataset), "item", dataset[3][0].tolist(), dataset[3][1])
loader = DataLoader(dataset, batch_size=32, shuffle=False, drop_last=True, num_workers=0)
print("batches with drop_last", len(loader))
points, labels = next(iter(loader))
print("batch shapes", tuple(points.shape), tuple(labels.shape), labels.dtype == torch.int64)
print(
    "kept last",
    len(DataLoader(dataset, batch_size=32)),
    [len(b[1]) for b in DataLoader(dataset, batch_size=32)],
)

batch = next(iter(DataLoader(DictDataset(dataset), batch_size=5)))
print("dict batch", sorted(batch.keys()), tuple(batch["point"].shape), batch["index"].tolist())

train_set = Subset(dataset, list(range(0, 80)))
val_set = Subset(dataset, list(range(80, 100)))
print("subset", len(train_set), len(val_set), val_set[0][1])
parts = random_split(dataset, [80, 20])
print("random_split sizes", [len(p) for p in parts])
print(
    "covers every index once",
    sorted(list(parts[0].indices) + list(parts[1].indices)) == list(range(100)),
)

rng = np.random.default_rng(1)
model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32)))
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
criterion = nn.CrossEntropyLoss()
train_loader = DataLoader(train_set, batch_size=16)
for epoch in range(5):
    total = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(yb)
    with torch.no_grad():
        correct = sum(
            (model(xb).argmax(1) == yb).sum().item() for xb, yb in DataLoader(val_set, batch_size=8)
        )
    print("epoch", epoch, total / len(train_set), "val correct", correct)
