"""rosenblatt.distributed without mpiexec: a group of one, the same program still runs; the
errors that name what is missing; DDP and SyncBatchNorm against plain training and torch."""

from __future__ import annotations

import gc
import sys

import numpy as np
import pytest
import torch
from workloads import state, train

import rosenblatt as rb
import rosenblatt.distributed as dist
from rosenblatt import autograd, nn
from rosenblatt.nn.parallel import DistributedDataParallel as DDP
from rosenblatt.ops.normalization import batch_norm
from rosenblatt.train.data_parallel import wanted

MPI_VARS = ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE",
            "MV2_COMM_WORLD_RANK", "MV2_COMM_WORLD_SIZE", "PMIX_RANK", "MPI_LOCALRANKID",
            "OMPI_COMM_WORLD_LOCAL_RANK", "MV2_COMM_WORLD_LOCAL_RANK")  # fmt: skip


@pytest.fixture(autouse=True)
def alone(monkeypatch):
    """Not under mpiexec, no process group before or after the test."""
    for v in MPI_VARS:
        monkeypatch.delenv(v, raising=False)
    if dist.is_initialized():
        dist.destroy_process_group()
    yield
    if dist.is_initialized():
        dist.destroy_process_group()


def test_a_group_of_one_leaves_data_as_they_are():
    with pytest.raises(ValueError, match="has not been initialized"):  # torch's error
        dist.get_rank()
    assert dist.is_available() and not dist.is_initialized() and not dist.launched_by_mpiexec()
    dist.init_process_group("mpi")
    assert (dist.get_rank(), dist.get_world_size()) == (0, 1)
    x = rb.tensor([1.5, -2.0, 3.0], dtype=np.float64)
    for op in dist.ReduceOp:
        dist.all_reduce(x, op=op) if op.name[0] != "B" else None
    assert dist.all_reduce(x, async_op=True).wait()
    dist.broadcast(x, src=0)
    out = [rb.zeros(3, dtype=np.float64)]
    dist.all_gather(out, x)
    dist.barrier()
    objs = [None]
    dist.all_gather_object(objs, {"a": 1})
    np.testing.assert_array_equal(np.asarray(x), [1.5, -2.0, 3.0])
    np.testing.assert_array_equal(np.asarray(out[0]), [1.5, -2.0, 3.0])
    assert objs == [{"a": 1}]
    dist.destroy_process_group()
    assert not dist.is_initialized()


def test_init_errors():
    dist.init_process_group("gloo")  # torch CPU programs ask for gloo: MPI underneath
    with pytest.raises(RuntimeError, match="twice"):
        dist.init_process_group()
    dist.destroy_process_group()
    with pytest.raises(ValueError, match="nccl"):
        dist.init_process_group("nccl")
    with pytest.raises(RuntimeError, match="mpiexec -n 4 python"):
        dist.init_process_group(world_size=4, rank=0)
    assert not dist.is_initialized()


def test_missing_mpi4py_names_the_extra(monkeypatch):
    monkeypatch.setenv("PMI_RANK", "0")
    monkeypatch.setenv("PMI_SIZE", "2")
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import mpi4py now raises ImportError
    assert dist.launched_by_mpiexec()
    with pytest.raises(RuntimeError, match=r'pip install "rosenblatt\[mpi\]"'):
        dist.init_process_group("mpi")
    assert not dist.is_initialized()


@pytest.mark.parametrize(
    "env, expected", [({}, False), ({"PMI_RANK": "0", "PMI_SIZE": "1"}, False),
                      ({"PMI_RANK": "1", "PMI_SIZE": "4"}, True),
                      ({"OMPI_COMM_WORLD_RANK": "0", "OMPI_COMM_WORLD_SIZE": "2"}, True)],
)  # fmt: skip
def test_fit_goes_parallel_by_itself_only_under_mpiexec(monkeypatch, env, expected):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert wanted(None) is expected
    assert wanted(True) and not wanted(False)


def mlp():
    rb.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2)).double()


def test_ddp_alone_trains_as_the_bare_model_and_keys_carry_the_module_prefix():
    dist.init_process_group()
    X = np.random.default_rng(0).standard_normal((8, 4))
    models = [mlp(), DDP(mlp())]
    for m in models:
        opt = rb.optim.Adam(m.parameters(), lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            (m(rb.tensor(X)) ** 2).mean().backward()
            opt.step()
    bare, wrapped = models[0].state_dict(), models[1].state_dict()
    assert list(wrapped) == [f"module.{k}" for k in bare]
    for k, v in bare.items():
        np.testing.assert_array_equal(wrapped[f"module.{k}"], v)
    assert models[1].module is not None and isinstance(models[1].module, nn.Sequential)


def test_ddp_averages_only_after_its_own_forward_and_outside_no_sync(monkeypatch):
    dist.init_process_group()
    ddp = DDP(mlp())
    calls = []
    monkeypatch.setattr(ddp, "reduce_gradients", lambda: calls.append(1))
    x = rb.ones(3, 4, dtype=np.float64)
    ddp(x).sum().backward()
    assert calls == [1]
    with ddp.no_sync():
        ddp(x).sum().backward()
    assert calls == [1]
    ddp.module(x).sum().backward()  # not through the wrapper: no averaging (as torch)
    assert calls == [1]
    ddp(x).sum().backward()
    assert calls == [1, 1]
    hooks = len(autograd._post_backward_hooks)
    monkeypatch.undo()
    del ddp
    gc.collect()
    assert len(autograd._post_backward_hooks) == hooks - 1  # the hook goes with the wrapper


def test_ddp_keeps_none_for_parameters_no_rank_used():
    dist.init_process_group()

    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            self.used, self.unused = nn.Linear(3, 1).double(), nn.Linear(3, 1).double()

        def forward(self, x):
            return self.used(x)

    ddp = DDP(Branchy())
    ddp(rb.ones(2, 3, dtype=np.float64)).sum().backward()
    assert ddp.module.used.weight.grad is not None
    assert ddp.module.unused.weight.grad is None  # optimizers skip it, as in one process


def test_ddp_needs_a_process_group():
    with pytest.raises(ValueError, match="init_process_group"):
        DDP(mlp())


def test_fit_distributed_alone_equals_fit():
    hooks = len(autograd._post_backward_hooks)
    a, ha = train("mlp", distributed=False)
    b, hb = train("mlp", distributed=True)  # initialises a group of one
    assert dist.get_world_size() == 1
    for k, v in state(a).items():
        np.testing.assert_array_equal(state(b)[k], v)
    assert ha.history == hb.history
    assert len(autograd._post_backward_hooks) == hooks  # fit removed its DDP hook


# ---------------------------------------------------------------------- SyncBatchNorm
def test_convert_sync_batchnorm_as_torch():
    ours = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Sequential(nn.BatchNorm1d(2)))
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2),
                                 torch.nn.Sequential(torch.nn.BatchNorm1d(2)))  # fmt: skip
    weight = ours[1].weight
    ours = nn.SyncBatchNorm.convert_sync_batchnorm(ours)
    theirs = torch.nn.SyncBatchNorm.convert_sync_batchnorm(theirs)
    names = [(n, type(m).__name__) for n, m in ours.named_modules()]
    assert names == [(n, type(m).__name__) for n, m in theirs.named_modules()]
    assert ours[1].weight is weight  # the parameters are shared, not copied
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_sync_batchnorm_alone_is_torch_batchnorm():
    """Oracle: torch.nn.BatchNorm2d (torch's SyncBatchNorm needs a process group) in
    training, including the running statistics, then in evaluation."""
    dist.init_process_group()
    rng = np.random.default_rng(1)
    ours = nn.SyncBatchNorm(3, momentum=0.3).double()
    theirs = torch.nn.BatchNorm2d(3, momentum=0.3).double()
    for step in range(2):
        x = rng.standard_normal((4, 3, 5, 5)) * 2 + 1
        g = rng.standard_normal((4, 3, 5, 5))
        a, b = rb.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ours(a).backward(g)
        theirs(b).backward(torch.tensor(g))
        np.testing.assert_allclose(np.asarray(a.grad), b.grad.numpy(), atol=1e-12)
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(np.asarray(ours.state_dict()[k]), v.numpy(), atol=1e-12)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(
        np.asarray(ours(rb.tensor(x))), theirs(torch.tensor(x)).detach().numpy(), atol=1e-12
    )


def test_batch_norm_from_summed_moments_is_torch_batchnorm():
    """The SyncBatchNorm path (statistics from S1, S2, M; backward sums passed through
    ``reduce``) with one rank's identity ``reduce``, against torch in float64."""
    rng = np.random.default_rng(2)
    x, g = rng.standard_normal((6, 3, 4)) + 3, rng.standard_normal((6, 3, 4))
    w, bias = rng.random(3) + 0.5, rng.standard_normal(3)
    seen = []

    def reduce(a):
        seen.append(a.shape)
        return a.copy()

    xs, ws, bs = (rb.tensor(v, requires_grad=True) for v in (x, w, bias))
    mean, var = rb.zeros(3, dtype=np.float64), rb.ones(3, dtype=np.float64)
    batch_norm(xs, mean, var, ws, bs, True, 0.1, 1e-5, reduce=reduce).backward(g)
    xt, wt, bt = (torch.tensor(v, requires_grad=True) for v in (x, w, bias))
    mt, vt = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    torch.nn.functional.batch_norm(xt, mt, vt, wt, bt, True, 0.1, 1e-5).backward(torch.tensor(g))
    assert seen == [(7,), (2, 3)]  # one reduce forward (S1, S2, M), one backward
    for ours, theirs in ((xs.grad, xt.grad), (ws.grad, wt.grad), (bs.grad, bt.grad),
                         (mean, mt), (var, vt)):  # fmt: skip
        np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), atol=1e-12)
