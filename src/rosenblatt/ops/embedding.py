"""Embedding lookup: the rows of a weight matrix picked by integer indices.

    y[..., :] = W[idx[...], :]                      W: (num_embeddings, embedding_dim)

The lookup is a product with a one-hot matrix, y = S W with S[k, v] = 1 if idx[k] == v, so
its gradient is the transposed product

    dL/dW = S^T dL/dy,   i.e.   dL/dW[v] = sum over the k with idx[k] == v of dL/dy[k],

computed with a sparse S (one nonzero per row): an index that repeats adds its gradients,
a row never picked gets zero. The row ``padding_idx`` gets no gradient at all (torch's
padding token: its embedding stays what it was, zeros by default).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse

from ..autograd import Function
from ..tensor import Tensor

__all__ = ["embedding_lookup"]


class Embedding(Function):
    """embedding: y = W[idx]; dL/dW = S^T dL/dy (S the one-hot matrix of idx), row
    ``padding_idx`` zeroed"""

    saves_inputs = False  # backward reads only the indices and W's shape

    def forward(self, weight, indices=None, padding_idx=None):
        self.shape, self.indices, self.padding_idx = weight.shape, indices, padding_idx
        return np.take(weight, indices, axis=0)

    def backward(self, g):
        rows = self.indices.reshape(-1)
        g2 = g.reshape(rows.size, self.shape[1])
        one_hot_t = scipy.sparse.csr_matrix(  # S^T: (num_embeddings, number of lookups)
            (np.ones(rows.size, g.dtype), (rows, np.arange(rows.size))),
            shape=(self.shape[0], rows.size),
        )
        gw = np.asarray(one_hot_t @ g2, dtype=g.dtype)
        if self.padding_idx is not None:
            gw[self.padding_idx] = 0
        return gw


def embedding_lookup(weight: Tensor, indices: np.ndarray, padding_idx: int | None = None) -> Any:
    """``weight[indices]`` with the embedding gradient (``indices`` checked by the caller)."""
    return Embedding.apply(weight, indices=indices, padding_idx=padding_idx)
