"""Benchmark W3, LeNet-5: rosenblatt vs PyTorch CPU vs hand-written NumPy (im2col).

W3: conv 6@5x5 padding 2, ReLU, max-pool 2, conv 16@5x5, ReLU, max-pool 2, fc 400-120-84-10
(ReLU between), softmax cross-entropy, SGD lr 0.01 momentum 0.9, batch 64, 10 000 synthetic
float32 samples of 1x28x28, 1 epoch.

What limits rosenblatt here: the im2col copy, the col2im accumulation (one strided add per
kernel position), max-pooling and ReLU are single-threaded memory sweeps; the first layer's
skinny products ((6 x 26) @ (26 x 50176)) run in column blocks under OpenBLAS's small-matrix
limit (2-3x faster than one call, but single-threaded), so only the second layer's products
use the second thread. Convolution outputs are stored batch-innermost (C, H, W, N) so that
the sweeps run over long contiguous rows. Fresh multi-megabyte arrays used to cost a page fault
per 4 KiB page (about half of a step); ``rosenblatt._memory`` keeps freed memory for reuse.
The hand-written NumPy peer is a straightforward NCHW im2col.

Every peer starts from the same float32 weights and visits the same batches in the same
order (the final losses printed at the end agree); 2 threads per library; peers alternate
within each round; medians and paired ratios. Run:
``python benchmarks/bench_w3_lenet.py [--repeats 5] [--samples 10000]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

sys.path.insert(0, str(Path(__file__).parent))

from common import single_workload_main  # noqa: E402

LR, MOMENTUM, BATCH = 0.01, 0.9, 64
# (name, shape) of every parameter, in the order of the Sequential below
SHAPES = [
    ("0.weight", (6, 1, 5, 5)), ("0.bias", (6,)),
    ("3.weight", (16, 6, 5, 5)), ("3.bias", (16,)),
    ("7.weight", (120, 400)), ("7.bias", (120,)),
    ("9.weight", (84, 120)), ("9.bias", (84,)),
    ("11.weight", (10, 84)), ("11.bias", (10,)),
]  # fmt: skip


def make_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n images 1x28x28 (float32) with labels of a random linear teacher."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 1, 28, 28)).astype(np.float32)
    y = np.argmax(x.reshape(n, -1) @ rng.standard_normal((784, 10)), axis=1).astype(np.int64)
    return x, y


def init_params(seed: int = 1) -> dict[str, np.ndarray]:
    """PyTorch's default bounds U(-1/sqrt(fan_in), 1/sqrt(fan_in)), float32."""
    rng = np.random.default_rng(seed)
    params = {}
    for i in range(0, len(SHAPES), 2):
        (wn, ws), (bn, bs) = SHAPES[i], SHAPES[i + 1]
        bound = 1 / np.sqrt(np.prod(ws[1:]))
        params[wn] = rng.uniform(-bound, bound, ws).astype(np.float32)
        params[bn] = rng.uniform(-bound, bound, bs).astype(np.float32)
    return params


def lenet(nn):  # noqa: ANN001, ANN201  (the same layers in rosenblatt and torch)
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip


def train_rosenblatt(params, x, y, batches) -> float:  # noqa: ANN001
    import rosenblatt as rb
    from rosenblatt import nn, optim

    model = lenet(nn)
    model.load_state_dict(params)
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    for idx in batches:
        opt.zero_grad()
        loss = loss_fn(model(rb.from_numpy(x[idx])), rb.from_numpy(y[idx]))
        loss.backward()
        opt.step()
    return float(loss.item())


def train_torch(params, x, y, batches) -> float:  # noqa: ANN001
    import torch

    model = lenet(torch.nn)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in params.items()})
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    for idx in batches:
        i = torch.from_numpy(idx)
        opt.zero_grad()
        loss = loss_fn(model(tx[i]), ty[i])
        loss.backward()
        opt.step()
    return float(loss.item())


# ---------------------------------------------------------------------- hand-written NumPy
def conv_forward(x, w, b, pad):  # noqa: ANN001, ANN201
    """im2col + one GEMM; returns y (N, O, OH, OW) and the columns for backward."""
    n, c, h, wd = x.shape
    o, _, k, _ = w.shape
    if pad:
        xp = np.zeros((n, c, h + 2 * pad, wd + 2 * pad), dtype=x.dtype)
        xp[:, :, pad:-pad, pad:-pad] = x
    else:
        xp = x
    oh, ow = xp.shape[2] - k + 1, xp.shape[3] - k + 1
    cols = sliding_window_view(xp, (k, k), axis=(2, 3)).transpose(1, 4, 5, 0, 2, 3)
    cols = cols.reshape(c * k * k, n * oh * ow)
    y = w.reshape(o, -1) @ cols
    y += b[:, None]
    return y.reshape(o, n, oh, ow).transpose(1, 0, 2, 3), cols


def conv_backward(g, x_shape, w, cols, pad, need_x):  # noqa: ANN001, ANN201
    n, c, h, wd = x_shape
    o, _, k, _ = w.shape
    oh, ow = g.shape[2:]
    g2 = g.transpose(1, 0, 2, 3).reshape(o, -1)
    gw = (g2 @ cols.T).reshape(w.shape)
    gb = g2.sum(axis=1)
    if not need_x:
        return None, gw, gb
    gcols = (w.reshape(o, -1).T @ g2).reshape(c, k, k, n, oh, ow)
    gxp = np.zeros((c, n, h + 2 * pad, wd + 2 * pad), dtype=g.dtype)
    for i in range(k):
        for j in range(k):
            gxp[:, :, i : i + oh, j : j + ow] += gcols[:, i, j]
    gx = gxp[:, :, pad : pad + h, pad : pad + wd].transpose(1, 0, 2, 3)
    return gx, gw, gb


def pool_forward(x):  # noqa: ANN001, ANN201
    n, c, h, w = x.shape
    y = x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))
    return y


def pool_backward(g, x, y):  # noqa: ANN001, ANN201
    up = np.repeat(np.repeat(y, 2, axis=2), 2, axis=3)
    return np.repeat(np.repeat(g, 2, axis=2), 2, axis=3) * (x == up)


def train_numpy(params, x, y, batches) -> float:  # noqa: ANN001
    p = {k: v.copy() for k, v in params.items()}
    vel = {k: None for k in p}
    for idx in batches:
        xb, yb = x[idx], y[idx]
        n = len(idx)
        # forward
        z1, cols1 = conv_forward(xb, p["0.weight"], p["0.bias"], 2)
        a1 = np.maximum(z1, 0)
        p1 = pool_forward(a1)
        z2, cols2 = conv_forward(p1, p["3.weight"], p["3.bias"], 0)
        a2 = np.maximum(z2, 0)
        p2 = pool_forward(a2)
        f0 = p2.reshape(n, -1)
        f1 = np.maximum(f0 @ p["7.weight"].T + p["7.bias"], 0)
        f2 = np.maximum(f1 @ p["9.weight"].T + p["9.bias"], 0)
        logits = f2 @ p["11.weight"].T + p["11.bias"]
        z = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(z)
        prob = e / e.sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(prob[np.arange(n), yb]))
        # backward
        g = prob
        g[np.arange(n), yb] -= 1
        g /= n
        grads = {"11.weight": g.T @ f2, "11.bias": g.sum(0)}
        g = (g @ p["11.weight"]) * (f2 > 0)
        grads["9.weight"], grads["9.bias"] = g.T @ f1, g.sum(0)
        g = (g @ p["9.weight"]) * (f1 > 0)
        grads["7.weight"], grads["7.bias"] = g.T @ f0, g.sum(0)
        g = (g @ p["7.weight"]).reshape(p2.shape)
        g = pool_backward(g, a2, p2) * (z2 > 0)
        g, grads["3.weight"], grads["3.bias"] = conv_backward(
            g, p1.shape, p["3.weight"], cols2, 0, True
        )
        g = pool_backward(g, a1, p1) * (z1 > 0)
        _, grads["0.weight"], grads["0.bias"] = conv_backward(
            g, xb.shape, p["0.weight"], cols1, 2, False
        )
        # SGD with momentum (torch's rule: b = momentum b + g; w -= lr b)
        for k, gk in grads.items():
            if vel[k] is None:
                vel[k] = gk.astype(np.float32)
            else:
                vel[k] *= MOMENTUM
                vel[k] += gk
            p[k] -= LR * vel[k]
    return float(loss)


def main() -> None:
    single_workload_main(
        "W3",
        "W3 LeNet-5 ({n} samples)",
        10_000,
        make_data,
        init_params,
        BATCH,
        {"rosenblatt": train_rosenblatt, "torch": train_torch, "numpy": train_numpy},
        __doc__.splitlines()[0],
        digits=5,
    )


if __name__ == "__main__":
    main()
