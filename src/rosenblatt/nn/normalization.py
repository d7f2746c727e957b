"""Batch normalization layers: BatchNorm1d on (N, C) or (N, C, L), BatchNorm2d on (N, C, H, W),
and SyncBatchNorm, whose statistics cover the global batch of a data-parallel job."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops.normalization import batch_norm
from ..tensor import Tensor, _as_dtype
from . import init
from .module import Module, Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "SyncBatchNorm"]


class _BatchNorm(Module):
    """y = gamma (x - mu) / sqrt(var + eps) + beta per channel (PyTorch's train/eval rules).

    Training: mu, var are the batch mean and biased variance; the running estimates are
    updated as running = (1 - momentum) running + momentum batch (unbiased variance), or as
    the cumulative average (factor 1/num_batches_tracked) when ``momentum=None``.
    Evaluation: running_mean and running_var are used (batch statistics again if
    ``track_running_stats=False``).

    Parameters
    ----------
    num_features : int
        C, the number of channels.
    eps : float
    momentum : float or None
    affine : bool
        Learn gamma (``weight``, initialised to 1) and beta (``bias``, initialised to 0).
    track_running_stats : bool
        Keep ``running_mean`` (0), ``running_var`` (1) and ``num_batches_tracked`` buffers.
    dtype : NumPy dtype, optional (float32)
    """

    _ndims: tuple[int, ...] = ()
    running_mean: Any  # buffers: Tensor, or None without track_running_stats
    running_var: Any
    num_batches_tracked: Any

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dt = _as_dtype(dtype) or np.dtype(np.float32)
        if affine:
            self.weight = Parameter(np.empty(self.num_features, dtype=dt))
            self.bias = Parameter(np.empty(self.num_features, dtype=dt))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer(
                "running_mean", Tensor._make(np.zeros(self.num_features, dt), None)
            )
            self.register_buffer("running_var", Tensor._make(np.ones(self.num_features, dt), None))
            self.register_buffer(
                "num_batches_tracked", Tensor._make(np.array(0, dtype=np.int64), None)
            )
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        x = input if isinstance(input, Tensor) else Tensor(input)
        if x.ndim not in self._ndims:
            dims = " or ".join(f"{d}D" for d in self._ndims)
            raise ValueError(f"{type(self).__name__}: expected {dims} input, got shape {x.shape}")
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}({self.num_features}): input has {x.shape[1]} channels "
                f"in dimension 1, expected {self.num_features} (input shape {x.shape})"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.data)
        use_batch = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return batch_norm(
            x,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch,
            factor,
            self.eps,
            reduce=self._sum_over_ranks() if use_batch else None,
        )

    def _sum_over_ranks(self) -> Any:
        """None: the statistics are this process's batch's (SyncBatchNorm overrides it)."""
        return None

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization over (N, C) or (N, C, L): statistics per channel C over N (and L).

    y = gamma (x - mu) / sqrt(var + eps) + beta; see the base class for the running estimates.
    """

    _ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization over (N, C, H, W): statistics per channel C over N, H and W.

    y = gamma (x - mu) / sqrt(var + eps) + beta; see the base class for the running estimates.
    """

    _ndims = (4,)


class SyncBatchNorm(_BatchNorm):
    """Batch normalization over the global batch of all ranks (data-parallel training).

    In training, per channel, over the M values of every rank's batch (one allreduce of
    the three sums, in rank order):

        S1 = sum x,  S2 = sum x^2,  M = count;  mu = S1 / M,  var = S2 / M - mu^2,
        y = gamma (x - mu) / sqrt(var + eps) + beta,

    and backward sums dL/dy and dL/dy x_hat over all ranks likewise (the fused formula of
    ``ops.normalization``). So P ranks with a shard each compute exactly what one process
    computes with BatchNorm on the whole batch. In evaluation, or with one process, it is
    BatchNorm. Takes (N, C), (N, C, L), (N, C, H, W) or (N, C, D, H, W).

    Parameters
    ----------
    num_features, eps, momentum, affine, track_running_stats, dtype
        As BatchNorm1d/2d.
    process_group
        Accepted for torch compatibility: the statistics run over all ranks.
    """

    _ndims = (2, 3, 4, 5)

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        process_group: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype)

    def _sum_over_ranks(self) -> Any:
        from .. import distributed as dist

        if dist.is_initialized() and dist.get_world_size() > 1:
            from ..distributed.collectives import reduce_array

            return reduce_array
        return None

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """Replace every BatchNorm layer in ``module`` by a SyncBatchNorm sharing its
        parameters and buffers (torch's function); returns the converted module (a new
        one if ``module`` itself is a BatchNorm)."""
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            sync = cls(
                module.num_features,
                module.eps,
                module.momentum,
                module.affine,
                module.track_running_stats,
                dtype=next((t.dtype for t in module.state_tensors().values()), None),
            )
            if module.affine:
                sync.weight, sync.bias = module.weight, module.bias
            if module.track_running_stats:
                sync.running_mean = module.running_mean
                sync.running_var = module.running_var
                sync.num_batches_tracked = module.num_batches_tracked
            sync.train(module.training)
            return sync
        for name, child in list(module.named_children()):
            converted = cls.convert_sync_batchnorm(child, process_group)
            if converted is not child:
                module.add_module(name, converted)
        return module
