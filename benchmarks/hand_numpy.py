"""The NumPy floor: an MLP trained with hand-written forward and backward passes.

No graph, no abstraction: the fastest straightforward NumPy a person would write. Used by
the benchmarks as the reference for what NumPy itself costs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class HandMLP:
    """y = W_k f(... f(W_1 x + b_1)) + b_k with f in {relu, tanh}; loss ce | bce | mse."""

    def __init__(self, params: Sequence[tuple[np.ndarray, np.ndarray]], activation: str, loss: str):
        self.W = [w.copy() for w, _ in params]
        self.b = [b.copy() for _, b in params]
        self.activation, self.loss = activation, loss

    def step_grads(self, x: np.ndarray, t: np.ndarray) -> tuple[float, list, list]:
        acts = [x]
        a = x
        last = len(self.W) - 1
        for i, (w, b) in enumerate(zip(self.W, self.b)):
            z = a @ w.T
            z += b
            if i < last:
                if self.activation == "relu":
                    np.maximum(z, 0, out=z)
                else:
                    np.tanh(z, out=z)
            a = z
            acts.append(a)
        n = x.shape[0]
        if self.loss == "ce":
            z = a - a.max(axis=1, keepdims=True)
            e = np.exp(z)
            s = e.sum(axis=1, keepdims=True)
            rows = np.arange(n)
            loss = float(np.mean(np.log(s[:, 0]) - z[rows, t]))
            g = e / s
            g[rows, t] -= 1
            g /= n
        elif self.loss == "bce":
            loss = float(np.mean(np.maximum(a, 0) - a * t + np.log1p(np.exp(-np.abs(a)))))
            g = (1 / (1 + np.exp(-a)) - t) / n
        else:
            d = a - t
            loss = float(np.mean(d * d))
            g = d * (2.0 / d.size)
        gW, gb = [None] * len(self.W), [None] * len(self.W)
        for i in range(last, -1, -1):
            gW[i] = g.T @ acts[i]
            gb[i] = g.sum(axis=0)
            if i > 0:
                g = g @ self.W[i]
                a_prev = acts[i]
                if self.activation == "relu":
                    g *= a_prev > 0
                else:
                    g *= 1 - a_prev * a_prev
        return loss, gW, gb


def train_hand(
    params: Sequence[tuple[np.ndarray, np.ndarray]],
    X: np.ndarray,
    Y: np.ndarray,
    batches: Sequence[np.ndarray],
    activation: str,
    loss: str,
    optimizer: str,
    lr: float,
) -> tuple[float, HandMLP]:
    """Train with SGD (w -= lr g) or Adam (torch's defaults), in place."""
    net = HandMLP(params, activation, loss)
    tensors = net.W + net.b
    if optimizer == "adam":
        b1, b2, eps = 0.9, 0.999, 1e-8
        m = [np.zeros_like(p) for p in tensors]
        v = [np.zeros_like(p) for p in tensors]
    loss_value = 0.0
    for step, idx in enumerate(batches, start=1):
        loss_value, gW, gb = net.step_grads(X[idx], Y[idx])
        grads = gW + gb
        if optimizer == "sgd":
            for p, g in zip(tensors, grads):
                p -= lr * g
            continue
        bc1, bc2 = 1 - b1**step, 1 - b2**step
        step_size = lr / bc1
        for p, g, mi, vi in zip(tensors, grads, m, v):
            mi *= b1
            mi += (1 - b1) * g
            vi *= b2
            vi += (1 - b2) * (g * g)
            denom = np.sqrt(vi / bc2)
            denom += eps
            p -= step_size * (mi / denom)
    return loss_value, net
