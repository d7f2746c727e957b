"""``rosenblatt.nn.parallel``: data-parallel training, torch.nn.parallel's names.

DistributedDataParallel (Horovod's and ChainerMN's recipe, PyTorch's name): every rank holds
the same model and computes the gradient of the loss on its part of the global batch; after
backward the gradients are averaged over the P ranks,

    g = (1/P) (g_0 + g_1 + ... + g_{P-1}),

by ONE allreduce of a flat buffer holding every gradient, and then each rank takes the same
optimizer step, so the models stay identical. With equal shards of a global batch of B
samples and a loss averaged over the shard, g is exactly the gradient of the loss averaged
over the B samples: the same update as one process on the whole batch.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import autograd
from .. import distributed as dist
from ..autograd import is_grad_enabled
from ..distributed.collectives import reduce_array
from .module import Module

__all__ = ["DistributedDataParallel"]


class _FlatBuffer:
    """One contiguous array holding several tensors' values of one dtype (a "bucket").

    ``gather(arrays)`` copies them in; ``view(i)`` is tensor i's slice, shaped like it.
    """

    def __init__(self, shapes: list[tuple[int, ...]], dtype: np.dtype, extra: int = 0) -> None:
        sizes = [int(np.prod(s, dtype=np.int64)) for s in shapes]
        self.shapes, self.offsets = shapes, np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.size = int(self.offsets[-1])
        self.array = np.zeros(self.size + extra, dtype)

    def view(self, i: int) -> np.ndarray:
        return self.array[self.offsets[i] : self.offsets[i + 1]].reshape(self.shapes[i])


class DistributedDataParallel(Module):
    """Average the gradients of ``module`` over the ranks after every backward.

    At construction rank 0's parameters and buffers are broadcast to every rank, so all
    start from the same weights. After each ``loss.backward()`` of an output computed by
    this wrapper, the gradients of all ranks are averaged:
    g = (g_0 + ... + g_{P-1}) / P, summed in rank order (the same bits on every rank and in
    every run), by one allreduce over a flat buffer of all gradients of one dtype. Any
    optimizer then takes the same step on every rank.

    A parameter that got no gradient on a rank counts as zero there; one that got none on
    any rank keeps ``grad`` None (so optimizers skip it, as in one process).

    Parameters
    ----------
    module : Module
        The model; the same architecture on every rank.
    broadcast_buffers : bool
        Broadcast rank 0's buffers (batch-norm running statistics) before every forward in
        training, as torch.
    init_sync : bool
        Broadcast rank 0's parameters and buffers now.
    device_ids, output_device, dim, process_group, bucket_cap_mb, find_unused_parameters
        Accepted for torch compatibility (CPU only; one bucket; unused parameters are
        always handled).

    Attributes
    ----------
    module : Module
        The wrapped model (``state_dict`` keys of the wrapper carry the ``module.`` prefix).

    Notes
    -----
    With a loss averaged over each rank's samples, g is the gradient of the global batch
    only when the shards have equal size; for an uneven last batch multiply each rank's
    loss by n_rank * P / B (``rb.fit(distributed=True)`` does that).

    Examples
    --------
    >>> import rosenblatt as rb, rosenblatt.distributed as dist
    >>> from rosenblatt import nn
    >>> dist.init_process_group()          # under mpiexec: joins the job
    >>> model = nn.parallel.DistributedDataParallel(nn.Linear(3, 1))
    >>> loss = model(rb.ones(4, 3)).sum()
    >>> loss.backward()                    # gradients averaged over the ranks
    >>> sorted(model.state_dict())
    ['module.bias', 'module.weight']
    >>> dist.destroy_process_group()
    """

    def __init__(
        self,
        module: Module,
        device_ids: Any = None,
        output_device: Any = None,
        dim: int = 0,
        broadcast_buffers: bool = True,
        init_sync: bool = True,
        process_group: Any = None,
        bucket_cap_mb: Any = None,
        find_unused_parameters: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        if device_ids is not None and list(device_ids) != []:
            raise ValueError(
                "DistributedDataParallel: rosenblatt runs on CPUs; use device_ids=None"
            )
        if not dist.is_initialized():
            raise ValueError(
                "DistributedDataParallel: call rosenblatt.distributed.init_process_group() "
                "first (under mpiexec it joins the job; alone it makes a group of one)"
            )
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.require_backward_grad_sync = True
        self._params = [p for p in module.parameters() if p.requires_grad]
        self._ids = {id(p) for p in self._params}
        self._sync_next = False
        self._carry = self._carried = 0.0  # a number summed in the same allreduce (rb.fit)
        self._check_same_model()
        if init_sync:
            for t in [*module.parameters(), *module.buffers()]:
                dist.broadcast(t, src=0)
        self._buckets = self._make_buckets()
        ref = weakref.ref(self)

        def after_backward(leaves: list[Any]) -> None:
            ddp = ref()
            if ddp is not None:
                ddp._after_backward(leaves)

        self._hook = autograd.register_post_backward_hook(after_backward)
        weakref.finalize(self, self._hook.remove)

    # ------------------------------------------------------------------ set-up
    def _check_same_model(self) -> None:
        """Refuse models whose parameter names, shapes or dtypes differ between ranks."""
        mine = [(n, tuple(p.shape), str(p.dtype)) for n, p in self.module.named_parameters()]
        every: list[Any] = [None] * dist.get_world_size()
        dist.all_gather_object(every, mine)
        for r, theirs in enumerate(every):
            if theirs != every[0]:
                raise ValueError(
                    f"DistributedDataParallel: rank {r} holds a model different from rank 0's "
                    f"(parameters {theirs[:3]}... vs {every[0][:3]}...); build the same model "
                    "on every rank"
                )

    def _make_buckets(self) -> list[tuple[list[Any], _FlatBuffer]]:
        """One flat gradient buffer per dtype, with one extra slot per parameter counting
        the ranks on which it got a gradient, and one for ``_carry``."""
        by_dtype: dict[np.dtype, list[Any]] = {}
        for p in self._params:
            by_dtype.setdefault(np.dtype(p.dtype), []).append(p)
        return [
            (ps, _FlatBuffer([tuple(p.shape) for p in ps], dt, extra=len(ps) + 1))
            for dt, ps in by_dtype.items()
        ]

    # ------------------------------------------------------------------ forward / backward
    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """``module(*inputs)``; marks the next backward for averaging (unless ``no_sync``)."""
        if self.module.training and self.broadcast_buffers and dist.get_world_size() > 1:
            for b in self.module.buffers():
                dist.broadcast(b, src=0)
        self._sync_next = is_grad_enabled() and self.require_backward_grad_sync
        return self.module(*inputs, **kwargs)

    def _after_backward(self, leaves: list[Any]) -> None:
        if self._sync_next and any(id(t) in self._ids for t in leaves):
            self._sync_next = False
            self.reduce_gradients()

    def reduce_gradients(self) -> None:
        """Average every parameter's gradient over the ranks now (what backward triggers):
        g = (g_0 + ... + g_{P-1}) / P, one allreduce per dtype."""
        world = dist.get_world_size()
        self._carried = self._carry
        if world == 1:  # the average of one gradient: nothing to do
            return
        for k, (params, flat) in enumerate(self._buckets):
            counts = flat.array[flat.size : flat.size + len(params)]
            for i, p in enumerate(params):
                has = p.grad is not None
                flat.view(i)[...] = np.asarray(p.grad) if has else 0
                counts[i] = has
            flat.array[-1] = self._carry if k == 0 else 0
            total = reduce_array(flat.array)
            total[: flat.size] /= world
            flat.array[...] = total
            if k == 0:
                self._carried = float(total[-1])
            for i, p in enumerate(params):
                if counts[i] == 0:
                    continue
                if p.grad is None:
                    autograd._accumulate(p, flat.view(i).copy(), set())
                else:
                    np.asarray(p.grad)[...] = flat.view(i)

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Inside, forward/backward only accumulate local gradients (no communication); the
        first backward after it averages the accumulated sum (gradient accumulation)."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def _remove_hook(self) -> None:
        """Stop averaging after backward (``rb.fit`` calls it when training ends)."""
        self._hook.remove()

    def extra_repr(self) -> str:
        return f"world_size={dist.get_world_size()}"
