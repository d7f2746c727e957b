"""Benchmark W4, LSTM regression: rosenblatt vs PyTorch CPU vs hand-written NumPy.

W4: LSTM input 32, hidden 128, sequences of 50 steps, batch 64, 5 000 synthetic float32
sequences; the last hidden state goes through Linear(128, 1); MSE loss; Adam lr 1e-3;
1 epoch.

What limits rosenblatt here: per step one GEMM W [h; x; 1] (4H x (H+I+1) by N, ~10 MFLOP) and
in backward one GEMM W_hh^T dz plus one final GEMM for all weight gradients -- the GEMMs are
about three quarters of the time and scale with BLAS threads. The rest is ~15 single-threaded
NumPy elementwise passes per step (float32 tanh, the gate products), each a separate sweep
over memory with ~1 us of call overhead; PyTorch fuses them into one kernel. The hand-written
NumPy peer is the straightforward version (two GEMMs per step, sigmoid via exp).

Every peer starts from the same float32 weights and visits the same batches in the same
order (the final losses printed at the end agree); 2 threads per library; peers alternate
within each round; medians and paired ratios. Run:
``python benchmarks/bench_w4_lstm.py [--repeats 5] [--samples 5000]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from common import single_workload_main  # noqa: E402

INPUT, HIDDEN, STEPS, BATCH, LR = 32, 128, 50, 64, 1e-3


def make_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n sequences (n, 50, 32) and a target that needs memory: a weighted sum over time."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, STEPS, INPUT)).astype(np.float32)
    w = rng.standard_normal(INPUT) / np.sqrt(INPUT)
    y = np.tanh(x[:, ::5] @ w).mean(axis=1, keepdims=True).astype(np.float32)
    return x, y


def init_params(seed: int = 1) -> dict[str, np.ndarray]:
    """PyTorch's default U(-1/sqrt(hidden), 1/sqrt(hidden)) for the LSTM and the head, float32."""
    rng = np.random.default_rng(seed)
    shapes = {
        "lstm.weight_ih_l0": (4 * HIDDEN, INPUT),
        "lstm.weight_hh_l0": (4 * HIDDEN, HIDDEN),
        "lstm.bias_ih_l0": (4 * HIDDEN,),
        "lstm.bias_hh_l0": (4 * HIDDEN,),
        "head.weight": (1, HIDDEN),
        "head.bias": (1,),
    }
    bound = 1 / np.sqrt(HIDDEN)
    return {k: rng.uniform(-bound, bound, s).astype(np.float32) for k, s in shapes.items()}


def train_rosenblatt(params, x, y, batches) -> float:  # noqa: ANN001
    import rosenblatt as rb
    from rosenblatt import nn, optim

    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(INPUT, HIDDEN, batch_first=True)
            self.head = nn.Linear(HIDDEN, 1)

        def forward(self, x):  # noqa: ANN001, ANN202
            out, _ = self.lstm(x)
            return self.head(out[:, -1])

    model = Model()
    model.load_state_dict(params)
    loss_fn = nn.MSELoss()
    opt = optim.Adam(model.parameters(), lr=LR)
    for idx in batches:
        opt.zero_grad()
        loss = loss_fn(model(rb.from_numpy(x[idx])), rb.from_numpy(y[idx]))
        loss.backward()
        opt.step()
    return float(loss.item())


def train_torch(params, x, y, batches) -> float:  # noqa: ANN001
    import torch

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = torch.nn.LSTM(INPUT, HIDDEN, batch_first=True)
            self.head = torch.nn.Linear(HIDDEN, 1)

        def forward(self, x):  # noqa: ANN001, ANN202
            out, _ = self.lstm(x)
            return self.head(out[:, -1])

    model = Model()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in params.items()})
    loss_fn = torch.nn.MSELoss()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    for idx in batches:
        i = torch.from_numpy(idx)
        opt.zero_grad()
        loss = loss_fn(model(tx[i]), ty[i])
        loss.backward()
        opt.step()
    return float(loss.item())


# ---------------------------------------------------------------------- hand-written NumPy
def sigmoid(z):  # noqa: ANN001, ANN201
    return 1 / (1 + np.exp(-z))


def train_numpy(params, x, y, batches) -> float:  # noqa: ANN001
    """A straightforward NumPy LSTM: one fused 4-gate GEMM per step, BPTT, Adam by hand."""
    p = {k: v.copy() for k, v in params.items()}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(a) for k, a in p.items()}
    b1, b2, eps = 0.9, 0.999, 1e-8
    H = HIDDEN
    for step, idx in enumerate(batches, start=1):
        xb, yb = x[idx].transpose(1, 0, 2), y[idx]  # (T, N, I)
        steps, n, _ = xb.shape
        w_ih, w_hh = p["lstm.weight_ih_l0"], p["lstm.weight_hh_l0"]
        bias = p["lstm.bias_ih_l0"] + p["lstm.bias_hh_l0"]
        h = np.zeros((n, H), np.float32)
        c = np.zeros((n, H), np.float32)
        cache = []
        for t in range(steps):
            z = xb[t] @ w_ih.T + h @ w_hh.T + bias
            i, f = sigmoid(z[:, :H]), sigmoid(z[:, H : 2 * H])
            g, o = np.tanh(z[:, 2 * H : 3 * H]), sigmoid(z[:, 3 * H :])
            c_prev, h_prev = c, h
            c = f * c_prev + i * g
            tc = np.tanh(c)
            h = o * tc
            cache.append((h_prev, c_prev, i, f, g, o, tc))
        pred = h @ p["head.weight"].T + p["head.bias"]
        diff = pred - yb
        loss = float(np.mean(diff**2))
        d_pred = 2 * diff / diff.size
        grads = {"head.weight": d_pred.T @ h, "head.bias": d_pred.sum(0)}
        dh = d_pred @ p["head.weight"]
        dc = np.zeros_like(c)
        g_ih, g_hh, g_b = np.zeros_like(w_ih), np.zeros_like(w_hh), np.zeros_like(bias)
        for t in range(steps - 1, -1, -1):
            h_prev, c_prev, i, f, g, o, tc = cache[t]
            do = dh * tc
            dc = dc + dh * o * (1 - tc**2)
            di, df, dg = dc * g, dc * c_prev, dc * i
            dz = np.concatenate(
                [di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)], axis=1
            )
            g_ih += dz.T @ xb[t]
            g_hh += dz.T @ h_prev
            g_b += dz.sum(0)
            dh = dz @ w_hh
            dc = dc * f
        grads.update(
            {
                "lstm.weight_ih_l0": g_ih,
                "lstm.weight_hh_l0": g_hh,
                "lstm.bias_ih_l0": g_b,
                "lstm.bias_hh_l0": g_b,
            }  # fmt: skip
        )
        for k, gk in grads.items():  # Adam (torch's defaults)
            m[k] = b1 * m[k] + (1 - b1) * gk
            v[k] = b2 * v[k] + (1 - b2) * gk * gk
            m_hat = m[k] / (1 - b1**step)
            v_hat = v[k] / (1 - b2**step)
            p[k] -= (LR * m_hat / (np.sqrt(v_hat) + eps)).astype(np.float32)
    return loss


def main() -> None:
    single_workload_main(
        "W4",
        "W4 LSTM ({n} sequences)",
        5_000,
        make_data,
        init_params,
        BATCH,
        {"rosenblatt": train_rosenblatt, "torch": train_torch, "numpy": train_numpy},
        __doc__.splitlines()[0],
        digits=6,
    )


if __name__ == "__main__":
    main()
