"""Collectives on Tensors (and NumPy arrays), in place, with torch.distributed's names.

Reproducible sums. Floating-point addition is not associative, and an MPI library chooses
its allreduce algorithm (and so the order of the additions) from the message size and the
number of ranks. A sum here is therefore always formed in rank order,

    total = (...((x_0 + x_1) + x_2) + ...) + x_{P-1},

by one rank per element, and the finished sums are then shared:

1. reduce-scatter: the buffer is cut into P chunks and chunk r of every rank is sent to
   rank r (one ``Alltoall``); rank r adds its P pieces in rank order;
2. allgather: every rank receives the P summed chunks (one ``Allgather``).

That is the bandwidth-optimal allreduce (each rank sends and receives 2 (P-1)/P of the
buffer, as a ring allreduce does), but with a fixed summation order: the result is the same
bits on every rank, in every run, whatever MPI is underneath. Buffers below 64 KiB (a loss
value, batch-norm sums) skip step 1: every rank gathers all P buffers and adds them in rank
order itself, one latency instead of two. MIN, MAX and the bitwise operations are exact, so
they use MPI's own allreduce.

With one process every collective returns at once and leaves the data as they are.
"""

from __future__ import annotations

import enum
import pickle
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import process_group as _pg

__all__ = [
    "ReduceOp",
    "Work",
    "all_gather",
    "all_gather_object",
    "all_reduce",
    "barrier",
    "broadcast",
    "broadcast_object_list",
]

_SMALL_BYTES = 1 << 16  # below this (times the world size) a sum is gathered whole


class ReduceOp(enum.Enum):
    """How ``all_reduce`` combines the ranks' values (torch.distributed.ReduceOp)."""

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    BAND = "band"
    BOR = "bor"
    BXOR = "bxor"


_ORDERED = (ReduceOp.SUM, ReduceOp.AVG, ReduceOp.PRODUCT)


class Work:
    """The handle of an ``async_op=True`` collective: ``wait()`` finishes it."""

    def __init__(self, request: Any = None, finish: Callable[[], None] | None = None,
                 what: str = "") -> None:  # fmt: skip
        self._request, self._finish, self._what, self._done = request, finish, what, False

    def is_completed(self) -> bool:
        return self._done or (self._request is not None and self._request.Test())

    def wait(self, timeout: Any = None) -> bool:
        if not self._done:
            if self._request is not None:
                _blocking(self._what, self._request.Wait)
            if self._finish is not None:
                self._finish()
            self._done = True
        return True


def _group() -> _pg._Group:
    return _pg._default_group()


def _blocking(what: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run one blocking MPI call under the watchdog (see process_group)."""
    dog = _group().watchdog
    if dog is None:
        return call(*args, **kwargs)
    dog.enter(what)
    try:
        return call(*args, **kwargs)
    finally:
        dog.leave()


def _array(tensor: Any) -> np.ndarray:
    """The array behind a Tensor (no copy) or an ndarray itself."""
    return tensor if isinstance(tensor, np.ndarray) else np.asarray(tensor)


def _combine(parts: np.ndarray, op: ReduceOp) -> np.ndarray:
    """parts[0] (+ or *) parts[1] (+ or *) ... in rank order, one row per rank."""
    acc = parts[0].copy()
    for p in parts[1:]:
        if op is ReduceOp.PRODUCT:
            acc *= p
        else:
            acc += p
    return acc


def _ordered(flat: np.ndarray, op: ReduceOp, g: _pg._Group) -> np.ndarray:
    """The rank-ordered SUM or PRODUCT of a contiguous 1-D buffer over all ranks (new array)."""
    p, n = g.size, flat.size
    if flat.nbytes * p <= _SMALL_BYTES or n < p:
        parts = np.empty((p, n), flat.dtype)
        _blocking("all_reduce (allgather)", g.comm.Allgather, flat, parts)
        return _combine(parts, op)
    k = -(-n // p)  # chunk length; the buffer is padded to p * k
    padded = np.zeros(p * k, flat.dtype)
    padded[:n] = flat
    pieces = np.empty((p, k), flat.dtype)  # pieces[r] = chunk number `rank` of rank r
    _blocking("all_reduce (reduce-scatter)", g.comm.Alltoall, padded, pieces)
    mine = _combine(pieces, op)
    _blocking("all_reduce (allgather)", g.comm.Allgather, mine, padded)
    return padded[:n]


def reduce_array(array: np.ndarray, op: ReduceOp = ReduceOp.SUM) -> np.ndarray:
    """``op`` over all ranks of a NumPy array, returned as a new array (the input is kept).

    The building block of ``all_reduce``, SyncBatchNorm and DistributedDataParallel; sums
    are formed in rank order (see the module docstring).
    """
    g = _group()
    a = np.ascontiguousarray(array)
    if g.size == 1:
        return a.copy()
    if op in _ORDERED:
        out = _ordered(a.reshape(-1), op, g).reshape(a.shape)
        if op is ReduceOp.AVG:
            out = out / g.size if out.dtype.kind == "f" else out // g.size
        return out
    mpi = _pg._mpi()
    mpi_op = {
        ReduceOp.MIN: mpi.MIN,
        ReduceOp.MAX: mpi.MAX,
        ReduceOp.BAND: mpi.BAND,
        ReduceOp.BOR: mpi.BOR,
        ReduceOp.BXOR: mpi.BXOR,
    }[op]
    out = a.copy()
    _blocking(f"all_reduce ({op.name})", g.comm.Allreduce, mpi.IN_PLACE, out, op=mpi_op)
    return out


def all_reduce(
    tensor: Any, op: ReduceOp = ReduceOp.SUM, group: Any = None, async_op: bool = False
) -> Work | None:
    """Combine ``tensor`` over all ranks, in place: afterwards every rank holds
    op(x_0, ..., x_{P-1}) (SUM: x_0 + ... + x_{P-1} in rank order; AVG: that sum / P).

    Parameters
    ----------
    tensor : Tensor or ndarray
        Same shape and dtype on every rank; overwritten with the result.
    op : ReduceOp
    async_op : bool
        Return a :class:`Work` at once; the result is in ``tensor`` after ``work.wait()``.
        (The asynchronous form gathers every rank's buffer: meant for small ones.)

    Returns
    -------
    Work or None

    Examples
    --------
    >>> import numpy as np, rosenblatt as rb, rosenblatt.distributed as dist
    >>> dist.init_process_group()
    >>> t = rb.tensor([1.0, 2.0])
    >>> dist.all_reduce(t, op=dist.ReduceOp.SUM)   # one process: the sum of one term
    >>> t
    tensor([1., 2.])
    >>> dist.destroy_process_group()
    """
    if not isinstance(op, ReduceOp):
        raise TypeError(f"all_reduce: op must be a dist.ReduceOp, got {op!r}")
    arr, g = _array(tensor), _group()
    if not async_op:
        if g.size > 1:
            arr[...] = reduce_array(arr, op)
        return None
    if g.size == 1 or op not in _ORDERED:  # exact ops are quick: done before returning
        all_reduce(tensor, op)
        return Work()
    flat = np.ascontiguousarray(arr).reshape(-1)
    parts = np.empty((g.size, flat.size), flat.dtype)
    request = g.comm.Iallgather(flat, parts)

    def finish() -> None:
        out = _combine(parts, op)
        arr[...] = (out / g.size if op is ReduceOp.AVG else out).reshape(arr.shape)

    return Work(request, finish, "all_reduce (async)")


def broadcast(tensor: Any, src: int = 0, group: Any = None, async_op: bool = False) -> Work | None:
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every other rank, in place."""
    arr, g = _array(tensor), _group()
    if not 0 <= src < g.size:
        raise ValueError(f"broadcast: src={src} is not a rank of a group of {g.size}")
    if g.size > 1:
        buf = arr if arr.flags.c_contiguous else np.ascontiguousarray(arr)
        _blocking(f"broadcast (from rank {src})", g.comm.Bcast, buf, root=src)
        if buf is not arr:
            arr[...] = buf
    return Work() if async_op else None


def all_gather(
    tensor_list: list[Any], tensor: Any, group: Any = None, async_op: bool = False
) -> Work | None:
    """Fill ``tensor_list[r]`` with rank r's ``tensor`` on every rank (same shape everywhere)."""
    arr, g = _array(tensor), _group()
    if len(tensor_list) != g.size:
        raise ValueError(
            f"all_gather: tensor_list has {len(tensor_list)} entries, the group {g.size} ranks"
        )
    outs = [_array(t) for t in tensor_list]
    for r, o in enumerate(outs):
        if o.shape != arr.shape:
            raise ValueError(
                f"all_gather: tensor_list[{r}] has shape {o.shape}, the tensor {arr.shape}"
            )
    if g.size == 1:
        outs[0][...] = arr
    else:
        parts = np.empty((g.size, *arr.shape), arr.dtype)
        _blocking("all_gather", g.comm.Allgather, np.ascontiguousarray(arr), parts)
        for o, part in zip(outs, parts):
            o[...] = part
    return Work() if async_op else None


def barrier(group: Any = None, async_op: bool = False, device_ids: Any = None) -> Work | None:
    """Wait until every rank has reached this point."""
    g = _group()
    if g.size > 1:
        _blocking("barrier", g.comm.Barrier)
    return Work() if async_op else None


# ---------------------------------------------------------------------- Python objects
def _to_bytes(obj: Any) -> np.ndarray:
    return np.frombuffer(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL), dtype=np.uint8)


def broadcast_object_list(object_list: list[Any], src: int = 0, group: Any = None,
                          device: Any = None) -> None:  # fmt: skip
    """Replace ``object_list``'s items on every rank by those of rank ``src`` (pickled
    in memory between the ranks of this job; nothing is written to disk)."""
    g = _group()
    if g.size == 1:
        return
    data = _to_bytes(list(object_list)) if g.rank == src else np.empty(0, np.uint8)
    size = np.array([data.size], dtype=np.int64)
    broadcast(size, src)
    if g.rank != src:
        data = np.empty(int(size[0]), np.uint8)
    broadcast(data, src)
    object_list[:] = pickle.loads(data.tobytes())


def all_gather_object(object_list: list[Any], obj: Any, group: Any = None) -> None:
    """``object_list[r]`` = rank r's ``obj`` on every rank (pickled in memory)."""
    g = _group()
    if len(object_list) != g.size:
        raise ValueError(
            f"all_gather_object: object_list has {len(object_list)} entries, "
            f"the group {g.size} ranks"
        )
    if g.size == 1:
        object_list[0] = obj
        return
    data = _to_bytes(obj)
    sizes = [np.zeros(1, np.int64) for _ in range(g.size)]
    all_gather(sizes, np.array([data.size], dtype=np.int64))
    longest = int(max(s[0] for s in sizes))
    padded = np.zeros(longest, np.uint8)
    padded[: data.size] = data
    parts = [np.empty(longest, np.uint8) for _ in range(g.size)]
    all_gather(parts, padded)
    for r in range(g.size):
        object_list[r] = pickle.loads(parts[r][: int(sizes[r][0])].tobytes())


def sum_over_ranks(arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Several small arrays summed over all ranks with ONE collective (rank order)."""
    flat = np.concatenate([np.asarray(a, dtype=np.float64).reshape(-1) for a in arrays])
    total = reduce_array(flat)
    out, start = [], 0
    for a in arrays:
        size = np.size(a)
        out.append(total[start : start + size].reshape(np.shape(a)))
        start += size
    return out
