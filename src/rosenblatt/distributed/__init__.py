"""``rosenblatt.distributed``: data-parallel training on MPI, with torch.distributed's names.

One process per rank, started by ``mpiexec``; each holds the same model and works on its
part of every global batch; gradients are averaged by one allreduce per step
(``rosenblatt.nn.parallel.DistributedDataParallel``) before the normal optimizer step.

    mpiexec -n 4 python train.py

    import rosenblatt.distributed as dist
    dist.init_process_group("mpi")          # joins the mpiexec job; alone: world size 1
    rank, world = dist.get_rank(), dist.get_world_size()
    dist.all_reduce(t, op=dist.ReduceOp.SUM)   # in place, the same bits on every rank

MPI comes from the optional extra ``pip install "rosenblatt[mpi]"`` (mpi4py and the mpich
wheel, which brings ``mpiexec``). Without it, or without ``mpiexec``, a program runs as a
group of one and every collective leaves its data as they are.
"""

from .collectives import (
    ReduceOp,
    Work,
    all_gather,
    all_gather_object,
    all_reduce,
    barrier,
    broadcast,
    broadcast_object_list,
)
from .process_group import (
    DistBackendError,
    destroy_process_group,
    get_backend,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
    is_mpi_available,
    launched_by_mpiexec,
)

__all__ = [
    "DistBackendError",
    "ReduceOp",
    "Work",
    "all_gather",
    "all_gather_object",
    "all_reduce",
    "barrier",
    "broadcast",
    "broadcast_object_list",
    "destroy_process_group",
    "get_backend",
    "get_rank",
    "get_world_size",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_mpi_available",
    "launched_by_mpiexec",
]
