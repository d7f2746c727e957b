"""W1 against the machine's fp32 GEMM peak: where the time of a training step goes.

Measures, with the threads every benchmark uses (2 unless ``BENCH_THREADS``):

- the fp32 GEMM peak: the best of several ``np.matmul`` of two 2048 x 2048 float32
  matrices (NumPy's BLAS) and ``torch.mm`` of the same (torch's BLAS), in GFLOP/s
  (2·m·n·k floating-point operations per product);
- the GEMM floor of a W1 step: the nine products one Adam step of the 784-256-128-10 MLP
  on a batch of 128 does (three forward, three weight gradients, two input gradients; the
  first layer's input gradient is not needed), timed alone, back to back;
- a W1 step of rosenblatt (the same loop as ``bench_core.py``: nn.Sequential, CrossEntropyLoss,
  Adam), timed over one epoch.

FLOPs per step: 2·128·(784·256 + 256·128 + 128·10) forward, as many for the weight
gradients, 2·128·(256·128 + 128·10) for the input gradients. The step's share of the
peak is FLOPs / time / peak; the rest of the step is the difference between the step and
its GEMM floor (elementwise work, the graph, the optimizer). Run:
``python benchmarks/bench_gemm_peak.py [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from common import batch_order, init_mlp, limit_threads, machine  # noqa: E402

SIZES = [784, 256, 128, 10]
BATCH = 128


def step_flops(sizes: list[int] = SIZES, batch: int = BATCH) -> int:
    """FLOPs of one training step's products: 2·b·Σ(n_in·n_out) forward and weight
    gradients, input gradients for every layer but the first."""
    pairs = list(zip(sizes[:-1], sizes[1:]))
    forward = sum(2 * batch * a * b for a, b in pairs)
    input_grads = sum(2 * batch * a * b for a, b in pairs[1:])
    return 2 * forward + input_grads


def best_time(fn, repeats: int, inner: int) -> float:  # noqa: ANN001
    """Best seconds per call of ``fn`` over ``repeats`` rounds of ``inner`` calls."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        best = min(best, (time.perf_counter() - t0) / inner)
    return best


def gemm_peak(repeats: int) -> tuple[float, float]:
    """GFLOP/s of a 2048³ float32 product: NumPy's BLAS, torch's."""
    import torch

    n = 2048
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(np.float32)
    b = rng.standard_normal((n, n)).astype(np.float32)
    out = np.empty((n, n), np.float32)
    flops = 2 * n**3
    t_np = best_time(lambda: np.matmul(a, b, out=out), repeats, 3)
    ta, tb, tout = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(out)
    t_torch = best_time(lambda: torch.mm(ta, tb, out=tout), repeats, 3)
    return flops / t_np / 1e9, flops / t_torch / 1e9


def gemm_floor(repeats: int) -> float:
    """Seconds of the nine products of one W1 step, NumPy's BLAS, back to back."""
    rng = np.random.default_rng(0)
    W = [rng.standard_normal((o, i)).astype(np.float32) for i, o in zip(SIZES[:-1], SIZES[1:])]
    acts = [rng.standard_normal((BATCH, s)).astype(np.float32) for s in SIZES]

    def step() -> None:
        for k, w in enumerate(W):  # forward: x·Wᵀ
            acts[k] @ w.T
        for k in reversed(range(len(W))):  # backward: dW = gᵀ·x, dx = g·W
            g = acts[k + 1]
            g.T @ acts[k]
            if k > 0:
                g @ W[k]

    return best_time(step, repeats, 200)


def w1_step(repeats: int) -> float:
    """Seconds per step of rosenblatt on W1 (median of ``repeats`` epochs)."""
    from bench_core import make_workloads, train_rosenblatt

    w = make_workloads()["W1"]
    params = init_mlp(w.sizes, seed=1)
    batches = batch_order(len(w.X), w.batch_size, w.epochs, seed=2)
    times = []
    for _ in range(repeats + 1):
        t0 = time.perf_counter()
        train_rosenblatt(w, params, batches)
        times.append((time.perf_counter() - t0) / len(batches))
    return statistics.median(times[1:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    limit_threads()
    peak_np, peak_torch = gemm_peak(args.repeats)
    floor = gemm_floor(args.repeats)
    step = w1_step(args.repeats)
    flops = step_flops()
    peak = max(peak_np, peak_torch)
    print(f"Machine: {machine()}")
    print("| quantity | value |")
    print("|---|---|")
    print(f"| fp32 GEMM peak, NumPy's BLAS (2048³) | {peak_np:.0f} GFLOP/s |")
    print(f"| fp32 GEMM peak, torch (2048³) | {peak_torch:.0f} GFLOP/s |")
    print(f"| W1 step FLOPs (products) | {flops / 1e6:.1f} MFLOP |")
    print(f"| W1 GEMM floor per step (NumPy's BLAS) | {floor * 1e3:.3f} ms |")
    print(f"| W1 rosenblatt step | {step * 1e3:.3f} ms |")
    print(f"| W1 rosenblatt rate | {flops / step / 1e9:.0f} GFLOP/s |")
    print(f"| W1 share of the peak (best of the two) | **{flops / step / 1e9 / peak:.0%}** |")
    print(f"| W1 GEMM floor share of the peak | {flops / floor / 1e9 / peak:.0%} |")
    print(
        f"| step time outside the products | {(step - floor) * 1e3:.3f} ms ({1 - floor / step:.0%}) |"
    )


if __name__ == "__main__":
    main()
