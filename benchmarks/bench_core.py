"""Core-engine benchmarks W1, W2, W5: rosenblatt vs PyTorch CPU vs hand-written NumPy.

W1: MLP 784-256-128-10 ReLU, softmax cross-entropy, Adam lr 1e-3, batch 128,
    60 000 synthetic float32 samples, 1 epoch.
W2: MLP 2-16-16-1 tanh, BCE (with logits), SGD lr 0.1, batch 32, 1 000 two-moons samples,
    100 epochs.
W5: autoencoder 30-100-100-15-100-100-30 (ReLU, linear output), MSE, Adam lr 1e-3,
    batch 2048, 142 000 x 30 min-max-scaled samples, 1 epoch.

Every peer starts from the same float32 weights and visits the same batches in the same
order. Run: ``python benchmarks/bench_core.py [--repeats 5] [--only W1,W2]``.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from common import (  # noqa: E402
    HEADER,
    batch_order,
    init_mlp,
    limit_threads,
    machine,
    run_rounds,
    run_rounds_isolated,
    summarize,
)
from hand_numpy import train_hand  # noqa: E402


@dataclass
class Workload:
    name: str
    sizes: list[int]
    activation: str
    loss: str
    optimizer: str
    lr: float
    batch_size: int
    epochs: int
    X: np.ndarray
    Y: np.ndarray


def make_workloads() -> dict[str, Workload]:
    rng = np.random.default_rng(0)
    # W1: synthetic MNIST-sized classification problem (a random linear teacher)
    X1 = rng.standard_normal((60_000, 784)).astype(np.float32)
    Y1 = np.argmax(X1 @ rng.standard_normal((784, 10)).astype(np.float32), axis=1).astype(np.int64)
    # W2: two moons
    from sklearn.datasets import make_moons

    X2, y2 = make_moons(1000, noise=0.2, random_state=0)
    X2 = X2.astype(np.float32)
    Y2 = y2.astype(np.float32).reshape(-1, 1)
    # W5: credit-card-fraud-like table, min-max scaled to [0, 1]
    X5 = rng.standard_normal((142_000, 30)).astype(np.float32)
    X5 = (X5 - X5.min(0)) / (X5.max(0) - X5.min(0))
    return {
        "W1": Workload("W1", [784, 256, 128, 10], "relu", "ce", "adam", 1e-3, 128, 1, X1, Y1),
        "W2": Workload("W2", [2, 16, 16, 1], "tanh", "bce", "sgd", 0.1, 32, 100, X2, Y2),
        "W5": Workload(
            "W5", [30, 100, 100, 15, 100, 100, 30], "relu", "mse", "adam", 1e-3, 2048, 1, X5, X5
        ),
    }


def train_rosenblatt(w: Workload, params, batches) -> float:
    import rosenblatt as rb
    from rosenblatt import nn, optim

    layers: list = []
    for i, (W, b) in enumerate(params):
        lin = nn.Linear(W.shape[1], W.shape[0])
        lin.weight.data[...] = W
        lin.bias.data[...] = b
        layers.append(lin)
        if i < len(params) - 1:
            layers.append(nn.ReLU() if w.activation == "relu" else nn.Tanh())
    model = nn.Sequential(*layers)
    loss_fn = {"ce": nn.CrossEntropyLoss(), "bce": nn.BCEWithLogitsLoss(), "mse": nn.MSELoss()}[
        w.loss
    ]
    if w.optimizer == "adam":
        opt = optim.Adam(model.parameters(), lr=w.lr)
    else:
        opt = optim.SGD(model.parameters(), lr=w.lr)
    X, Y = w.X, w.Y
    loss = None
    for idx in batches:
        xb, yb = rb.from_numpy(X[idx]), rb.from_numpy(Y[idx])  # labels stay int64
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
    return float(loss.item())


def train_torch(w: Workload, params, batches) -> float:
    import torch
    from torch import nn

    layers: list = []
    for i, (W, b) in enumerate(params):
        lin = nn.Linear(W.shape[1], W.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
        if i < len(params) - 1:
            layers.append(nn.ReLU() if w.activation == "relu" else nn.Tanh())
    model = nn.Sequential(*layers)
    loss_fn = {"ce": nn.CrossEntropyLoss(), "bce": nn.BCEWithLogitsLoss(), "mse": nn.MSELoss()}[
        w.loss
    ]
    if w.optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=w.lr)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=w.lr)
    X, Y = torch.from_numpy(w.X), torch.from_numpy(w.Y)
    loss = None
    for idx in batches:
        i = torch.from_numpy(idx)
        xb, yb = X[i], Y[i]
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
    return float(loss.item())


def train_numpy(w: Workload, params, batches) -> float:
    loss, _ = train_hand(params, w.X, w.Y, batches, w.activation, w.loss, w.optimizer, w.lr)
    return loss


TRAINERS = {"rosenblatt": train_rosenblatt, "torch": train_torch, "numpy": train_numpy}


def build_peer(name: str, peer: str):  # noqa: ANN201
    """The trainer of ``peer`` on workload ``name`` (run in the peer's own process)."""
    w = make_workloads()[name]
    params = init_mlp(w.sizes, seed=1)
    batches = batch_order(len(w.X), w.batch_size, w.epochs, seed=2)
    train = train_rosenblatt if peer == "before" else TRAINERS[peer]
    return lambda: train(w, params, batches)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--only", default="W1,W2,W5")
    ap.add_argument("--in-process", action="store_true", help="all peers in one process")
    ap.add_argument("--baseline", help="a src folder of another rosenblatt: peer 'before'")
    args = ap.parse_args()
    trainers = dict(TRAINERS)
    sources = {}
    if args.baseline:
        trainers["before"] = train_rosenblatt
        sources["before"] = os.path.abspath(args.baseline)
    rows = list(HEADER)
    finals = []
    workloads = None
    for name in args.only.split(","):
        if args.in_process:
            if workloads is None:
                limit_threads()
                workloads = make_workloads()
            w = workloads[name]
            params = init_mlp(w.sizes, seed=1)
            batches = batch_order(len(w.X), w.batch_size, w.epochs, seed=2)
            peers = {
                k: (lambda f=f, w=w, p=params, b=batches: f(w, p, b)) for k, f in TRAINERS.items()
            }
            last = {k: fn() for k, fn in peers.items()}
            times = run_rounds(peers, args.repeats)
        else:
            specs = {k: (build_peer, (name, k)) for k in trainers}
            times, last = run_rounds_isolated(specs, args.repeats, sources=sources)
        finals.append(f"{name} final loss: " + ", ".join(f"{k} {v:.5f}" for k, v in last.items()))
        rows += summarize(name, times)
        print("\n".join(rows[-2:]), flush=True)
    how = "one process" if args.in_process else "one process per peer"
    print()
    print(f"Machine: {machine()}; {args.repeats} repeats, peers alternated, {how}.")
    print("\n".join(rows))
    print()
    print("\n".join(finals))


if __name__ == "__main__":
    main()
