"""mpiexec -n P python ddp_loop.py OUT_DIR: a PyTorch-style loop (DistributedSampler,
DataLoader, DistributedDataParallel, gradient accumulation with no_sync). Each rank starts
from different weights (DDP must broadcast rank 0's) and saves its final state to
OUT_DIR/rank{r}.npz."""

import json
import sys
from pathlib import Path

import numpy as np

import rosenblatt as rb
import rosenblatt.distributed as dist
from rosenblatt import nn
from rosenblatt.nn.parallel import DistributedDataParallel as DDP
from rosenblatt.utils.data import DataLoader, DistributedSampler, TensorDataset

N, BATCH, EPOCHS = 24, 2, 2


def mlp():
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).double()


def data():
    rng = np.random.default_rng(7)
    return rng.standard_normal((N, 5)), rng.integers(0, 3, N)


if __name__ == "__main__":
    out = Path(sys.argv[1])
    dist.init_process_group("mpi")
    rank = dist.get_rank()
    rb.manual_seed(rank)
    model = mlp()
    ddp = DDP(model)
    opt = rb.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    X, y = data()
    ds = TensorDataset(rb.tensor(X), rb.tensor(y))
    sampler = DistributedSampler(ds, seed=3)
    loader = DataLoader(ds, batch_size=BATCH, sampler=sampler)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(EPOCHS):
        sampler.set_epoch(epoch)
        for i, (xb, yb) in enumerate(loader):
            if i % 2 == 0:  # first micro-batch: accumulate locally
                with ddp.no_sync():
                    (loss_fn(ddp(xb), yb) / 2).backward()
            else:  # second: its backward averages the accumulated sum over the ranks
                (loss_fn(ddp(xb), yb) / 2).backward()
                opt.step()
                opt.zero_grad()
    np.savez(out / f"rank{rank}.npz", **{k: np.array(v) for k, v in model.state_dict().items()})
    (out / f"keys{rank}.json").write_text(json.dumps(list(ddp.state_dict())))
