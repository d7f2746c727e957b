"""Elementwise microbenchmark: one activation pass, NumPy vs rosenblatt's kernel vs torch.

The issue's example: relu on a 2048 x 100 float32 array, ``np.maximum(a, 0, out=a)`` vs
torch's relu, 2 threads each; also tanh, sigmoid, relu's backward (g * (y > 0)), bias +
relu on a GEMM output, and one Adam step on a 784 x 256 weight. Every library writes into
a preallocated output where it can (torch: ``out=``), so allocation is not timed.
Reported: the median (``--best``: the fastest) of 2 000 calls after 200 warm-up calls, in
microseconds.

Run: ``python benchmarks/bench_elementwise.py [--calls 2000]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from common import THREADS, limit_threads, machine  # noqa: E402


def timed(fn: Callable[[], object], calls: int) -> float:
    """Microseconds per call: the median, or the fastest call with ``--best`` (on a machine
    other jobs keep busy, the fastest call is the one that ran undisturbed)."""
    for _ in range(200):
        fn()
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return (min(times) if BEST else statistics.median(times)) * 1e6


BEST = False


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--best", action="store_true", help="fastest call instead of the median")
    args = ap.parse_args()
    global BEST
    BEST = args.best
    limit_threads()
    import torch

    from rosenblatt import kernels
    from rosenblatt.kernels import activation as A
    from rosenblatt.kernels import optim as O

    kernels.set_num_threads(THREADS)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2048, 100)).astype(np.float32)
    b = rng.standard_normal(100).astype(np.float32)
    out = np.empty_like(a)
    g = rng.standard_normal(a.shape).astype(np.float32)
    ta, tb, tout, tg = (torch.from_numpy(v) for v in (a, b, out, g))
    zero = np.float32(0)

    def kernel(act: int) -> Callable[[], object]:
        return lambda: A.act_forward(a, act, zero, out=out)

    rows: list[tuple[str, Callable, Callable, Callable]] = [
        ("relu", lambda: np.maximum(a, 0, out=out), kernel(A.RELU),
         lambda: torch.clamp_min(ta, 0, out=tout)),  # relu with out=
        ("tanh", lambda: np.tanh(a, out=out), kernel(A.TANH), lambda: torch.tanh(ta, out=tout)),
        ("sigmoid", lambda: A.act_forward_reference(a, A.SIGMOID), kernel(A.SIGMOID),
         lambda: torch.sigmoid(ta, out=tout)),
        ("relu backward g*(y>0)", lambda: np.multiply(g, a > 0, out=out),
         lambda: A.act_backward(g, a, A.RELU),
         lambda: torch.ops.aten.threshold_backward(tg, ta, 0)),
        ("bias + relu (in place)", lambda: A.bias_act_reference(out, b, A.RELU),
         lambda: A.bias_act(out, b, A.RELU), lambda: torch.relu_(tout.add_(tb))),
    ]  # fmt: skip
    w = rng.standard_normal((256, 784)).astype(np.float32) * 0.01
    gw = rng.standard_normal(w.shape).astype(np.float32)
    m, v, w2, m2, v2 = (np.zeros_like(w) for _ in range(5))
    tw = torch.nn.Parameter(torch.from_numpy(w.copy()))
    tw.grad = torch.from_numpy(gw)
    topt = torch.optim.Adam([tw], lr=1e-3)
    adam = (1, 1e-3, 0.9, 0.999, 1e-8, 0.0, False, False)
    rows.append(
        ("Adam step 784x256", lambda: O.adam_reference(w2, gw, m2, v2, None, *adam),
         lambda: O.adam(w, gw, m, v, None, *adam), topt.step)
    )  # fmt: skip
    stat = "fastest" if BEST else "median"
    print(f"Machine: {machine()}; {stat} of {args.calls} calls, microseconds.")
    print("| operation (2048 x 100 float32) | NumPy | rosenblatt kernel | torch | kernel / NumPy "
          "| kernel / torch |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for name, np_fn, k_fn, t_fn in rows:
        t_np, t_k, t_t = (timed(f, args.calls) for f in (np_fn, k_fn, t_fn))
        print(f"| {name} | {t_np:.1f} | {t_k:.1f} | {t_t:.1f} | {t_k / t_np:.2f}x "
              f"| {t_k / t_t:.2f}x |")  # fmt: skip


if __name__ == "__main__":
    main()
