"""rb.fit(distributed=True) under mpiexec equals one process on the same global batches.

Oracle: the same workload trained by ``rb.fit`` in this (single) process with plain
BatchNorm; float64, so every difference above 1e-10 is a bug (different batches, a wrong
shard weight for the uneven last batch, statistics of one rank's shard only...)."""

from __future__ import annotations

import numpy as np
import pytest
from _mpi import SCRIPTS, load_ranks, mpirun, needs_mpi
from workloads import state, train

import rosenblatt as rb

pytestmark = needs_mpi


@pytest.mark.parametrize(
    "name, ranks",
    [("mlp", 2), ("mlp", 3), ("mlp_sum", 3), ("cnn", 2), ("cnn", 3), ("lstm", 2), ("lstm", 3)],
)
def test_ranks_reach_the_single_process_weights(tmp_path, name, ranks):
    mpirun(ranks, str(SCRIPTS / "fit_workload.py"), name, str(tmp_path))
    states, histories = load_ranks(tmp_path, ranks)
    model, history = train(name, distributed=False)
    expected = state(model)
    for r in range(ranks):
        assert list(states[r]) == list(expected)
        for key, value in expected.items():
            np.testing.assert_allclose(states[r][key], value, rtol=0, atol=1e-10, err_msg=key)
            # the ranks hold the same bits: the averaged gradient is identical everywhere
            np.testing.assert_array_equal(states[r][key], states[0][key], err_msg=key)
        assert histories[r].keys() == history.history.keys()
        for key, values in history.history.items():
            np.testing.assert_allclose(histories[r][key], values, rtol=1e-10, err_msg=key)


def test_plain_batchnorm_warns_and_differs_from_one_process(tmp_path):
    """Without SyncBatchNorm each rank normalises its shard by the shard's statistics: fit
    says so, and the weights are not one process's (the test above shows SyncBatchNorm's
    are)."""
    proc = mpirun(2, str(SCRIPTS / "fit_workload.py"), "cnn", str(tmp_path), "plain")
    assert "nn.SyncBatchNorm.convert_sync_batchnorm(model)" in proc.stderr
    states, _ = load_ranks(tmp_path, 2)
    expected = state(train("cnn", distributed=False)[0])
    assert max(np.abs(states[0][k] - v).max() for k, v in expected.items()) > 1e-6


def test_fit_fed_by_a_distributed_dataloader(tmp_path):
    """Each of 2 ranks loads batches of 8 from its strided share (DistributedSampler, no
    shuffling): batch k of all ranks is samples 16k ... 16k + 15, so one process with
    batch_size=16 and no shuffling is the oracle."""
    mpirun(2, str(SCRIPTS / "fit_loader.py"), str(tmp_path))
    import fit_loader

    model, X, y, opt = fit_loader.problem()
    history = rb.fit(model, X, y, optimizer=opt, epochs=3, verbose=0, batch_size=16,
                     shuffle=False)  # fmt: skip
    states, histories = load_ranks(tmp_path, 2)
    for r in range(2):
        for k, v in state(model).items():
            np.testing.assert_allclose(states[r][k], v, rtol=0, atol=1e-10, err_msg=k)
        for key, values in history.history.items():
            np.testing.assert_allclose(histories[r][key], values, rtol=1e-10, err_msg=key)
