"""Shared benchmark harness: same data, same initial weights, same batch order for every peer.

Peers run alternately (rosenblatt, PyTorch, NumPy, rosenblatt, ...) so that a noisy
neighbour slows all of them alike; we report medians of the times and the median of the
paired ratios (ratio of the times measured in the same round).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence

import numpy as np

THREADS = int(os.environ.get("BENCH_THREADS", "2"))


def limit_threads(n: int = THREADS) -> None:
    """Give every library the same number of threads (BLAS for NumPy, OpenMP for torch)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(n)
    import torch

    torch.set_num_threads(n)


def init_mlp(sizes: Sequence[int], seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """PyTorch-style initial weights U(-1/sqrt(in), 1/sqrt(in)), W of shape (out, in), float32."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        w = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
        b = rng.uniform(-bound, bound, fan_out).astype(np.float32)
        params.append((w, b))
    return params


def batch_order(n: int, batch_size: int, epochs: int, seed: int = 0) -> list[np.ndarray]:
    """Index arrays of every batch of every epoch (a fresh permutation per epoch)."""
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(epochs):
        perm = rng.permutation(n)
        batches.extend(perm[i : i + batch_size] for i in range(0, n, batch_size))
    return batches


def run_rounds(peers: dict[str, Callable[[], float]], repeats: int) -> dict[str, list[float]]:
    """Time each peer ``repeats`` times, alternating peers within each round."""
    for fn in peers.values():  # warm-up (imports, BLAS buffers, allocator)
        fn()
    times: dict[str, list[float]] = {name: [] for name in peers}
    for r in range(repeats):
        names = list(peers)
        if r % 2:
            names.reverse()
        for name in names:
            t0 = time.perf_counter()
            peers[name]()
            times[name].append(time.perf_counter() - t0)
    return times


def summarize(workload: str, times: dict[str, list[float]], ref: str = "rosenblatt") -> list[str]:
    """Markdown rows: median seconds per peer and paired ratios of ``ref`` to each other peer."""
    rows = []
    med = {k: statistics.median(v) for k, v in times.items()}
    for other in times:
        if other == ref:
            continue
        ratios = [a / b for a, b in zip(times[ref], times[other])]
        rows.append(
            f"| {workload} | {ref} / {other} | {med[ref]:.3f} s | {med[other]:.3f} s | "
            f"**{statistics.median(ratios):.2f}x** | {min(ratios):.2f}-{max(ratios):.2f} |"
        )
    return rows


HEADER = [
    "| workload | ratio | rosenblatt median | peer median | median paired ratio | range |",
    "|---|---|---|---|---|---|",
]


def machine() -> str:
    import torch

    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{THREADS} threads per library, numpy {np.__version__}, torch {torch.__version__}"
    )


def single_workload_main(
    workload: str,
    label: str,
    default_samples: int,
    make_data: Callable[[int], tuple[np.ndarray, np.ndarray]],
    init_params: Callable[[], object],
    batch_size: int,
    trainers: dict[str, Callable[..., float]],
    description: str,
    digits: int = 5,
) -> None:
    """Command line of a one-workload benchmark (``--repeats``, ``--samples``).

    Every trainer gets the same data, initial parameters and batch order; ``label`` is
    formatted with ``n`` (the number of samples) for the table.
    """
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--samples", type=int, default=default_samples)
    args = ap.parse_args()
    limit_threads()
    x, y = make_data(args.samples)
    params = init_params()
    batches = batch_order(len(x), batch_size, 1, seed=2)
    peers = {name: (lambda f=f: f(params, x, y, batches)) for name, f in trainers.items()}
    finals = ", ".join(f"{k} {fn():.{digits}f}" for k, fn in peers.items())
    times = run_rounds(peers, args.repeats)
    print(f"Machine: {machine()}; {args.repeats} repeats, peers alternated.")
    print("\n".join(HEADER + summarize(label.format(n=args.samples), times)))
    print(f"\n{workload} final loss: {finals}")
