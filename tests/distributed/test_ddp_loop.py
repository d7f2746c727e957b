"""A PyTorch-style DistributedDataParallel loop under mpiexec, and DistributedSampler's
shares across real ranks."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch.utils.data as tud
from _mpi import SCRIPTS, mpirun, needs_mpi

import rosenblatt as rb
from rosenblatt import nn
from rosenblatt.utils.data import DistributedSampler

pytestmark = needs_mpi


@pytest.mark.parametrize("ranks", [2, 3])
def test_ddp_loop_with_no_sync_equals_one_process(tmp_path, ranks):
    """Oracle: one process that, per optimizer step, differentiates
    (1/P) sum_r (loss(micro-batch 1 of r) + loss(micro-batch 2 of r)) / 2 -- the average
    DDP forms -- over the very indices each rank's sampler yields."""
    mpirun(ranks, str(SCRIPTS / "ddp_loop.py"), str(tmp_path))
    import ddp_loop as L

    rb.manual_seed(0)  # rank 0's initial weights, which DDP broadcast to every rank
    model = L.mlp()
    opt = rb.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    X, y = L.data()
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(L.EPOCHS):
        shares = []
        for r in range(ranks):
            s = DistributedSampler(range(L.N), num_replicas=ranks, rank=r, seed=3)
            s.set_epoch(epoch)
            shares.append(list(s))
        m = len(shares[0])
        for start in range(0, m, 2 * L.BATCH):
            loss = 0
            for share in shares:
                for mb in (
                    share[start : start + L.BATCH],
                    share[start + L.BATCH : start + 2 * L.BATCH],
                ):
                    loss = loss + loss_fn(model(rb.tensor(X[mb])), rb.tensor(y[mb])) / 2
            opt.zero_grad()
            (loss / ranks).backward()
            opt.step()
    expected = {k: np.array(v) for k, v in model.state_dict().items()}
    for r in range(ranks):
        got = dict(np.load(tmp_path / f"rank{r}.npz"))
        for k, v in expected.items():
            np.testing.assert_allclose(got[k], v, rtol=0, atol=1e-12, err_msg=k)
        keys = json.loads((tmp_path / f"keys{r}.json").read_text())
        assert keys == [f"module.{k}" for k in expected]  # torch's DDP state_dict keys


@pytest.mark.parametrize("ranks, n", [(2, 10), (3, 12), (3, 10)])
def test_distributed_sampler_shares_cover_the_data(tmp_path, ranks, n):
    mpirun(ranks, str(SCRIPTS / "sampler_indices.py"), str(tmp_path), str(n))
    got = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(ranks)]
    for key in got[0]:
        shuffle, drop_last, epoch = key.split("-")
        shares = [g[key] for g in got]
        every = sorted(i for share in shares for i in share)
        assert len({len(s) for s in shares}) == 1  # same number of steps on every rank
        if n % ranks == 0:  # every sample exactly once per epoch
            assert every == list(range(n))
        elif drop_last == "True":  # disjoint, the tail dropped
            assert len(set(every)) == len(every) == (n // ranks) * ranks
        else:  # every sample, the padding repeats the first ones of the order
            assert set(every) == set(range(n)) and len(every) == -(-n // ranks) * ranks
        if shuffle == "False":  # PyTorch's own sampler is the oracle for the order
            for r, share in enumerate(shares):
                ref = tud.DistributedSampler(
                    range(n),
                    num_replicas=ranks,
                    rank=r,
                    shuffle=False,
                    drop_last=drop_last == "True",
                )
                assert share == list(ref)
    a, b = [g["True-False-0"] for g in got], [g["True-False-1"] for g in got]
    assert a != b  # set_epoch reshuffles
