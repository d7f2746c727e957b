"""Shared benchmark harness: same data, same initial weights, same batch order for every peer.

Peers run alternately (rosenblatt, PyTorch, NumPy, rosenblatt, ...) so that a noisy
neighbour slows all of them alike; we report medians of the times and the median of the
paired ratios (ratio of the times measured in the same round).

Each peer runs in a process of its own (``run_rounds_isolated``; a fresh one every round,
see ``FRESH``), with a pause between peers: in one process, the idle threads of one library keep spinning after its round --
OpenBLAS's workers for up to ~0.1 s, torch's OpenMP workers -- and take the cores the next
peer's threads want (measured: hand-NumPy W1 rounds varied 1.03-1.78 s next to torch in one
process, while torch's stayed flat). In its own process a peer's library is the only one
with threads, and only that library is limited to ``THREADS``. ``--in-process`` keeps the
old single-process harness for comparison.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
#: "wall" (default) or "cpu": the process's CPU time (all its threads), which a busy
#: machine inflates much less than wall time -- meaningful with BENCH_THREADS=1, where no
#: thread waits or spins (isolated peers only)
CLOCK = os.environ.get("BENCH_CLOCK", "wall")
#: a new process for every peer in every round (default; ``BENCH_FRESH=0``: one process per
#: peer for all rounds). A process's speed is a draw: the same rosenblatt W5 run timed 0.30-
#: 0.33 s in most processes and 0.58-0.62 s in others (measured 2026-12-03, 5 runs per
#: process, identical code and data; micro-benchmarks of its kernels and GEMMs inside the slow
#: processes were as fast as in the fast ones), so one process per peer made a whole table
#: hang on one draw. With a process per round the median is over draws.
FRESH = os.environ.get("BENCH_FRESH", "1") != "0"


def limit_threads(n: int = THREADS, torch: bool = True) -> None:
    """Give every library the same number of threads (BLAS for NumPy, OpenMP for torch,
    rosenblatt's kernels); ``torch=False`` leaves torch unimported (and threadless)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(n)
    os.environ.setdefault("ROSENBLATT_NUM_THREADS", str(n))
    if torch:
        import torch as _torch

        _torch.set_num_threads(n)


def use_source(src: str) -> None:
    """Import rosenblatt from ``src`` (a ``src`` folder of another checkout) in this process,
    ahead of the installed (editable) one."""
    import sys

    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
    sys.path.insert(0, src)


def _worker(
    conn: Any, build: Callable[..., Callable[[], float]], args: tuple, peer: str, src: str | None
) -> None:
    """A peer's process: build its trainer, run it once (warm-up), then time one run per
    request and send back (seconds, final loss)."""
    if src:
        use_source(src)
    limit_threads(torch=peer == "torch")
    run = build(*args)
    conn.send(("ready", run()))
    clock = time.process_time if CLOCK == "cpu" else time.perf_counter
    while conn.recv() == "run":
        t0 = clock()
        loss = run()
        conn.send((clock() - t0, loss))


def run_rounds_isolated(
    peers: dict[str, tuple[Callable[..., Callable[[], float]], tuple]],
    repeats: int,
    gap: float = 0.3,
    sources: dict[str, str] | None = None,
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Time each peer ``repeats`` times, each in its own process (a fresh one every round
    unless ``BENCH_FRESH=0``, see FRESH), alternating peers within a round and pausing
    ``gap`` seconds between runs (idle threads go to sleep).

    ``peers[name] = (build, args)``: ``build(*args)`` (a module-level function, run in the
    peer's process) returns the trainer, a function that trains and returns the final loss.
    ``sources[name]``: that peer imports rosenblatt from this folder (``--baseline``: the
    same trainer on an older checkout, timed in the same rounds). Returns the times per
    peer and each peer's final loss.
    """
    if not FRESH:
        return _rounds_in_processes(peers, repeats, gap, sources)
    times: dict[str, list[float]] = {name: [] for name in peers}
    finals: dict[str, float] = {}
    for r in range(repeats):
        order = dict(reversed(peers.items())) if r % 2 else peers
        got, finals = _rounds_in_processes(order, 1, gap, sources)
        for name, t in got.items():
            times[name] += t
    return times, finals


def _rounds_in_processes(
    peers: dict[str, tuple[Callable[..., Callable[[], float]], tuple]],
    repeats: int,
    gap: float,
    sources: dict[str, str] | None,
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """``repeats`` alternating rounds in one process per peer (started, warmed up, stopped)."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    conns, procs, finals = {}, [], {}
    for name, (build, args) in peers.items():
        parent, child = ctx.Pipe()
        src = (sources or {}).get(name)
        proc = ctx.Process(target=_worker, args=(child, build, args, name, src), daemon=True)
        proc.start()
        conns[name] = parent
        procs.append(proc)
    for name, conn in conns.items():  # setup and warm-up, one peer after the other
        tag, finals[name] = conn.recv()
    times: dict[str, list[float]] = {name: [] for name in peers}
    try:
        for r in range(repeats):
            names = list(peers)
            if r % 2:
                names.reverse()
            for name in names:
                time.sleep(gap)
                conns[name].send("run")
                seconds, _ = conns[name].recv()
                times[name].append(seconds)
    finally:
        for conn in conns.values():
            conn.send("stop")
        for proc in procs:
            proc.join(timeout=10)
    return times, finals


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


def cpu_model() -> str:
    """The CPU's model name and the widest SIMD it has (Linux: /proc/cpuinfo)."""
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
    except OSError:
        return platform.processor() or platform.machine()
    name = next((ln.split(":", 1)[1].strip() for ln in info.splitlines()
                 if ln.startswith("model name")), platform.machine())  # fmt: skip
    flags = next((ln.split(":", 1)[1].split() for ln in info.splitlines()
                  if ln.startswith("flags")), [])  # fmt: skip
    simd = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "SSE"
    return f"{name} ({simd})"


def blas() -> str:
    """NumPy's BLAS and the kernel it chose (threadpoolctl)."""
    from threadpoolctl import threadpool_info

    libs = [lib for lib in threadpool_info() if lib.get("user_api") == "blas"]
    libs.sort(key=lambda lib: "numpy" not in lib.get("filepath", ""))  # NumPy's own first
    for lib in libs:
        return f"{lib.get('internal_api')} {lib.get('version')} ({lib.get('architecture')})"
    return "unknown BLAS"


def machine() -> str:
    import torch

    clock = "CPU time (BENCH_CLOCK=cpu)" if CLOCK == "cpu" else "wall time"
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, {THREADS} threads per library, {clock}, "
        f"numpy {np.__version__} with {blas()}, torch {torch.__version__} "
        f"({torch.backends.cpu.get_cpu_capability()})"
    )


def _single_trainer(
    make_data: Callable[[int], tuple[np.ndarray, np.ndarray]],
    init_params: Callable[[], object],
    batch_size: int,
    samples: int,
    trainer: Callable[..., float],
) -> Callable[[], float]:
    """The trainer of one peer on the workload's data, weights and batch order."""
    x, y = make_data(samples)
    params = init_params()
    batches = batch_order(len(x), batch_size, 1, seed=2)
    return lambda: trainer(params, x, y, batches)


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
    ap.add_argument("--in-process", action="store_true", help="all peers in one process")
    ap.add_argument("--baseline", help="a src folder of another rosenblatt: peer 'before'")
    args = ap.parse_args()
    spec = (make_data, init_params, batch_size, args.samples)
    sources = {}
    if args.baseline:
        trainers = {**trainers, "before": trainers["rosenblatt"]}
        sources["before"] = os.path.abspath(args.baseline)
    if args.in_process:
        limit_threads()
        peers = {name: _single_trainer(*spec, f) for name, f in trainers.items()}
        finals = {k: fn() for k, fn in peers.items()}
        times = run_rounds(peers, args.repeats)
        how = "one process"
    else:
        specs = {name: (_single_trainer, (*spec, f)) for name, f in trainers.items()}
        times, finals = run_rounds_isolated(specs, args.repeats, sources=sources)
        how = "one process per peer"
    finals = ", ".join(f"{k} {v:.{digits}f}" for k, v in finals.items())
    print(f"Machine: {machine()}; {args.repeats} repeats, peers alternated, {how}.")
    print("\n".join(HEADER + summarize(label.format(n=args.samples), times)))
    print(f"\n{workload} final loss: {finals}")
