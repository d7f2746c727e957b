"""Fused, multi-threaded kernels of the hot paths, each beside its NumPy reference.

One module per family: ``activation`` (bias + activation, activation derivative times the
incoming gradient), ``recurrent`` (the LSTM step's gate block and its backward), ``conv``
(im2col, col2im, pooling), ``optim`` (Adam/AdamW, RMSprop, SGD updates in one pass),
``loss`` (softmax cross-entropy). In each, a kernel ``name`` has

- ``name_reference``: the formula as the course writes it, in NumPy (and the path taken
  with ``ROSENBLATT_JIT=0``, for float64 where the kernel is float32-only, for Tensors in a
  double backward, and wherever an array is not a dense float32/float64 block);
- a loop compiled by numba (``@njit(parallel=True, cache=True)``), whose docstring names
  the same formula;
- ``name``: what the ops call, choosing between the two.

A test holds every kernel equal to its reference: bit for bit where both do the same
arithmetic in the same order, within 1e-6 where the kernel computes exp/tanh itself
(``_math``). See ``_jit`` for compiling, caching and threads.
"""

from ._jit import JIT, get_num_threads, set_num_threads

__all__ = ["JIT", "get_num_threads", "set_num_threads"]
