"""``rb.fit(..., distributed=True)``: the one training loop, data-parallel over MPI ranks.

Every rank runs ``fit`` on the same data with the same arguments. Each global batch of B
samples (the same batches, in the same shuffled order, as one process would use) is cut into
P contiguous shards, n_r = floor((r+1) B / P) - floor(r B / P) samples for rank r, and

    J_r = (P n_r / B) * loss(model(x_r), t_r)        (loss averaged over the shard)

is what rank r differentiates. DistributedDataParallel averages the gradients over the ranks,

    (1/P) sum_r dJ_r/dw = sum_r (n_r / B) dloss_r/dw = d/dw (1/B) sum_i loss_i,

the gradient of the global batch, also when B is not a multiple of P (an uneven last batch;
a rank whose shard is empty contributes zero). So P ranks take exactly the steps of one
process with batch size B; the learning rate is not rescaled. The batch loss that callbacks
and the progress bar see, sum_r (n_r / B) loss_r, travels in the same allreduce as the
gradients; the epoch's metrics and validation sums are added over the ranks once per epoch.

Only rank 0 prints progress and writes files (checkpoints, backups, CSV logs); every rank
keeps the same History and the same weights.
"""

from __future__ import annotations

import traceback
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import distributed as dist
from ..distributed.collectives import sum_over_ranks

__all__ = ["DataParallel", "from_rank0", "main_process", "wanted"]


def wanted(distributed: bool | None) -> bool:
    """Whether ``fit(distributed=...)`` trains data-parallel: True or False as asked; None:
    when the process group has (or, under mpiexec, will have) more than one rank."""
    if distributed is not None:
        return bool(distributed)
    if dist.is_initialized():
        return dist.get_world_size() > 1
    if not dist.launched_by_mpiexec():
        return False
    size = dist.process_group._launched_size()
    return size is None or size > 1


def main_process() -> bool:
    """Join the MPI job when started by mpiexec with more than one rank; whether this
    process is the one that prints and writes (rank 0, or a process on its own)."""
    if wanted(None) and not dist.is_initialized():
        dist.init_process_group("mpi")
    return not dist.is_initialized() or dist.get_rank() == 0


def from_rank0(make: Callable[[], Any]) -> Any:
    """``make()`` on rank 0 only (a run folder, a timestamp); every rank gets its result,
    or raises its exception, so no rank is left waiting when rank 0 fails."""
    if not dist.is_initialized() or dist.get_world_size() == 1:
        return make()
    box: list[Any] = [None]
    if dist.get_rank() == 0:
        try:
            box[0] = ("ok", make())
        except Exception as e:  # re-raised on every rank below
            box[0] = ("error", e)
    dist.broadcast_object_list(box, src=0)
    kind, value = box[0]
    if kind == "error":
        raise value
    return value


class DataParallel:
    """This rank's side of a data-parallel ``fit``: its shards, the DDP wrapper, the sums."""

    def __init__(self, model: Any, loss: Any) -> None:
        from ..nn.parallel import DistributedDataParallel

        if not dist.is_initialized():
            dist.init_process_group("mpi")
        self.rank, self.world = dist.get_rank(), dist.get_world_size()
        self.net = DistributedDataParallel(model, broadcast_buffers=False)
        plain = [m for m in model.modules() if hasattr(m, "running_mean")]
        plain = [m for m in plain if type(m).__name__ != "SyncBatchNorm"]
        if plain and self.world > 1:
            warnings.warn(
                f"{type(plain[0]).__name__} normalises each rank's shard with that shard's "
                "statistics, unlike one process on the whole batch; convert the model with "
                "nn.SyncBatchNorm.convert_sync_batchnorm(model) first",
                RuntimeWarning,
                stacklevel=3,
            )
        self.summed = getattr(loss, "reduction", "mean") == "sum"

    def part(self, n: int) -> slice:
        """This rank's contiguous share of n samples: [floor(r n / P), floor((r+1) n / P))."""
        return slice(self.rank * n // self.world, (self.rank + 1) * n // self.world)

    def eval_shard(self, x: Any, t: Any, own_batch: bool) -> tuple[Any, Any, int]:
        """This rank's shard of an evaluation chunk and the weight w of its loss value in
        the epoch's sum: w = n_r (loss averaged over the shard), or the chunk's length for
        a summed loss, as one process weighs the chunk's value. A DataLoader's batch
        (``own_batch``: already this rank's) is kept whole."""
        if own_batch:
            return x, t, len(x)
        part = self.part(len(x))
        return x[part], t[part], len(x) if self.summed else len(x[part])

    def same_order(self, order: np.ndarray) -> np.ndarray:
        """Rank 0's shuffle of the epoch, so that every rank cuts the same global batches."""
        order = np.ascontiguousarray(order, dtype=np.int64)
        dist.broadcast(order, src=0)
        return order

    def loss(self, loss_fn: Any, out: Any, t: Any, batch: int) -> Any:
        """J_r = (P n_r / B) loss_r to differentiate (P loss_r for a summed loss); the
        weighted value (n_r / B) loss_r rides along in the gradients' allreduce."""
        n = len(out)
        if n == 0:  # an empty shard of a short last batch: zero gradient, still in the allreduce
            self.net._carry = 0.0
            return out.sum() * 0.0
        loss = loss_fn(out, t)
        weight = 1.0 if self.summed else n / batch
        self.net._carry = weight * float(np.asarray(loss))
        return loss * (weight * self.world)

    def batch_value(self) -> float:
        """The global batch's loss sum_r (n_r / B) loss_r, known after backward."""
        return float(self.net._carried)

    def merge(self, metrics: list[Any], *numbers: float) -> list[float]:
        """Add ``numbers`` and every metric's running sums over the ranks, in one allreduce;
        returns the summed numbers."""
        fields = [(m, name) for m in metrics for name in m.sums]
        values = [getattr(m, name) for m, name in fields]
        summed = sum_over_ranks([*(np.asarray(v, dtype=np.float64) for v in numbers), *values])
        for (m, name), was, new in zip(fields, values, summed[len(numbers) :]):
            setattr(m, name, type(was)(new) if isinstance(was, (int, float)) else new)
        return [float(v) for v in summed[: len(numbers)]]

    def run(self, loop: Any, shared: tuple[type[BaseException], ...]) -> Any:
        """``loop.run()``; an error on this rank other than the ``shared`` ones (which every
        rank raises at the same step) stops the whole job with its traceback instead of
        leaving the other ranks waiting in their next allreduce."""
        try:
            return loop.run()
        except shared:
            raise
        except BaseException:
            if self.world == 1:
                raise
            traceback.print_exc()
            dist.process_group._abort(
                f"rosenblatt.fit: rank {self.rank} of {self.world} failed (above); "
                "stopping all ranks"
            )
            raise  # pragma: no cover - _abort does not return

    def check_start(self, initial_epoch: int) -> None:
        """Every rank must resume from the same epoch (BackupAndRestore reads one file)."""
        lo = np.array([initial_epoch], dtype=np.int64)
        hi = lo.copy()
        dist.all_reduce(lo, dist.ReduceOp.MIN)
        dist.all_reduce(hi, dist.ReduceOp.MAX)
        if lo[0] != hi[0]:
            raise RuntimeError(
                f"rank {self.rank} resumes at epoch {initial_epoch + 1}, another rank at "
                f"epoch {(lo[0] if hi[0] == initial_epoch else hi[0]) + 1}: the ranks do not "
                "see the same BackupAndRestore folder. Put backup_dir on a filesystem that "
                "every rank shares."
            )

    def close(self) -> None:
        """Stop averaging gradients after backward (the model is the user's again)."""
        self.net._remove_hook()
