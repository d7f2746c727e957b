"""mpiexec -n P python fit_loader.py OUT_DIR: rb.fit(distributed=True) fed by a DataLoader
over a DistributedSampler (each rank loads its own batches, PyTorch's way); every rank saves
its final state_dict and history to OUT_DIR."""

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from workloads import state  # noqa: E402

import rosenblatt as rb  # noqa: E402
import rosenblatt.distributed as dist  # noqa: E402
from rosenblatt import nn  # noqa: E402
from rosenblatt.utils.data import DataLoader, DistributedSampler, TensorDataset  # noqa: E402

N, PER_RANK_BATCH = 48, 8


def problem():
    rb.manual_seed(0)
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((N, 5)), rng.integers(0, 3, N)
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    return model, X, y, rb.optim.Adam(model.parameters(), lr=0.02)


if __name__ == "__main__":
    out = Path(sys.argv[1])
    dist.init_process_group()
    model, X, y, opt = problem()
    ds = TensorDataset(rb.tensor(X), rb.tensor(y))
    loader = DataLoader(
        ds, batch_size=PER_RANK_BATCH, sampler=DistributedSampler(ds, shuffle=False)
    )
    history = rb.fit(model, loader, optimizer=opt, epochs=3, verbose=0)
    rank = dist.get_rank()
    np.savez(out / f"rank{rank}.npz", **state(model))
    (out / f"history{rank}.json").write_text(json.dumps(history.history))
