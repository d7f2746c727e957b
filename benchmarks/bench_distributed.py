"""Data-parallel training (DistributedDataParallel over MPI): time per step on 1 and 2 ranks
for W1 and W5 of bench_core, the allreduce's share of a step, and a compute-vs-network
model that predicts the scaling efficiency at 8, 64 and 512 ranks.

Each rank runs the workload of ``bench_core.make_workloads()`` (same data, initial weights
and global batches as there) on its shard of every global batch, with one BLAS thread per
rank; DDP averages the gradients with one allreduce of a flat buffer per step. Run:
``python benchmarks/bench_distributed.py [--steps 60] [--rounds 3] [--only W1,W5]`` (it
starts the ranks with the venv's ``mpiexec``, from ``pip install "rosenblatt[mpi]"``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from bench_core import make_workloads  # noqa: E402
from common import batch_order, init_mlp  # noqa: E402

# Networks of the written model: bandwidth beta (bytes/s) and per-message latency alpha (s).
NETWORKS = {"10 Gbit/s Ethernet": (10e9 / 8, 25e-6), "100 Gbit/s InfiniBand": (100e9 / 8, 2e-6)}


# ---------------------------------------------------------------------- one rank (under mpiexec)
def build(w, params):
    """The workload's MLP with bench_core's initial weights, its loss and optimizer."""
    import rosenblatt as rb
    from rosenblatt import nn, optim

    layers: list = []
    for i, (W, b) in enumerate(params):
        lin = nn.Linear(W.shape[1], W.shape[0])
        np.asarray(lin.weight)[...] = W
        np.asarray(lin.bias)[...] = b
        layers.append(lin)
        if i < len(params) - 1:
            layers.append(nn.ReLU() if w.activation == "relu" else nn.Tanh())
    model = nn.Sequential(*layers)
    loss = {"ce": nn.CrossEntropyLoss(), "mse": nn.MSELoss()}[w.loss]
    opt_cls = optim.Adam if w.optimizer == "adam" else optim.SGD
    return rb, model, loss, opt_cls


def worker(name: str, steps: int, warmup: int, out: str) -> None:
    from threadpoolctl import threadpool_limits

    import rosenblatt.distributed as dist
    from rosenblatt.distributed.collectives import reduce_array
    from rosenblatt.nn.parallel import DistributedDataParallel
    from rosenblatt.tensor import Tensor

    threadpool_limits(int(os.environ.get("BENCH_THREADS", "1")))
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    w = make_workloads()[name]
    rb, model, loss_fn, opt_cls = build(w, init_mlp(w.sizes, seed=1))
    ddp = DistributedDataParallel(model)
    opt = opt_cls(ddp.parameters(), lr=w.lr)
    batches = batch_order(len(w.X), w.batch_size, w.epochs, seed=2)
    reduce_seconds: list[float] = []
    reduce = ddp.reduce_gradients

    def timed_reduce() -> None:
        t0 = time.perf_counter()
        reduce()
        reduce_seconds.append(time.perf_counter() - t0)

    ddp.reduce_gradients = timed_reduce  # type: ignore[method-assign]
    step_seconds = []
    for i, idx in enumerate(batches[: warmup + steps]):
        part = idx[rank * len(idx) // world : (rank + 1) * len(idx) // world]
        x, t = Tensor._make(w.X[part], None), Tensor._make(w.Y[part], None)
        if i == warmup:
            dist.barrier()
            reduce_seconds.clear()
        t0 = time.perf_counter()
        opt.zero_grad()
        loss_fn(ddp(x), t).backward()
        opt.step()
        step_seconds.append(time.perf_counter() - t0)
    n_params = sum(int(np.prod(p.shape)) for p in model.parameters())
    probe = {}
    for label, size in (("latency", 1), ("gradient", n_params)):  # the allreduce alone
        buf = np.zeros(size + len(list(model.parameters())) + 1, np.float32)
        times = []
        for _ in range(30):
            dist.barrier()
            t0 = time.perf_counter()
            reduce_array(buf) if world > 1 else buf.copy()
            times.append(time.perf_counter() - t0)
        probe[label] = statistics.median(times[5:])
    if rank == 0:
        result = {
            "step": statistics.median(step_seconds[warmup:]),
            "allreduce": statistics.median(reduce_seconds),
            "params": n_params,
            "local_batch": len(batches[0]) // world,
            "probe": probe,
        }
        Path(out).write_text(json.dumps(result))


# ---------------------------------------------------------------------- driver and model
def run(name: str, ranks: int, steps: int, threads: int) -> dict:
    mpiexec = Path(sys.executable).with_name("mpiexec")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [str(mpiexec), "-n", str(ranks), sys.executable, __file__, "--worker", name,
               "--steps", str(steps), "--json", str(out)]  # fmt: skip
        env = {**os.environ, "BENCH_THREADS": str(threads)}
        subprocess.run(cmd, check=True, env=env)
        return json.loads(out.read_text())


def allreduce_model(params: int, ranks: int, beta: float, alpha: float, tree: bool) -> float:
    """Seconds of one allreduce of ``params`` float32 values (S bytes) over P ranks: the
    reduce-scatter and the allgather each move (P-1)/P of S per rank, each in m message
    rounds, m = ceil(log2 P) for tree-like schedules (``tree``) or P - 1 for pairwise
    exchange / ring: T = 2 (P-1)/P * S / beta + 2 m alpha."""
    rounds = math.ceil(math.log2(ranks)) if tree else ranks - 1
    return 2 * (ranks - 1) / ranks * 4.0 * params / beta + 2 * rounds * alpha


def machine_lines() -> list[str]:
    import threadpoolctl

    cpu = platform.processor() or platform.machine()
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
    except OSError:
        pass
    simd = np.show_config(mode="dicts").get("SIMD Extensions", {})
    blas = [f"{i['internal_api']} {i['version']} ({i.get('architecture', '?')})"
            for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]  # fmt: skip
    mpich = Path(sys.executable).with_name("mpichversion")
    mpi = subprocess.run([str(mpich)], capture_output=True, text=True).stdout.split("\n")[0]
    return [
        f"CPU: {cpu}, {os.cpu_count()} cores (lscpu); NumPy SIMD: baseline "
        f"{'/'.join(simd.get('baseline', []))}, found {'/'.join(simd.get('found', []))}",
        f"BLAS: {', '.join(blas)}; numpy {np.__version__}; {' '.join(mpi.split())}; "
        f"load average {os.getloadavg()[0]:.1f}",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--only", default="W1,W5")
    ap.add_argument("--rounds", type=int, default=3, help="runs per configuration (median)")
    ap.add_argument("--worker")
    ap.add_argument("--json")
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.steps, warmup=5, out=args.json)
        return
    rows = ["| workload | ranks x BLAS threads | local batch | ms / step: median (best) "
            "| allreduce in step, ms | its share | allreduce alone, ms "
            "| speed-up vs 1 x 1: median (best) |",
            "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    base = {}
    configs = ((1, 1), (2, 1), (1, 2))
    for name in args.only.split(","):
        runs: dict[tuple[int, int], list[dict]] = {c: [] for c in configs}
        for i in range(args.rounds):  # configurations alternate, so a busy neighbour hits all
            for c in configs if i % 2 == 0 else configs[::-1]:
                runs[c].append(run(name, c[0], args.steps, c[1]))
        for (ranks, threads), rs in runs.items():
            r = dict(rs[0])
            for key in ("step", "allreduce"):
                r[key] = statistics.median(x[key] for x in rs)
            r["step_min"] = min(x["step"] for x in rs)  # the least disturbed round
            r["probe"] = {k: statistics.median(x["probe"][k] for x in rs) for k in r["probe"]}
            if (ranks, threads) == (1, 1):
                base[name] = r
            alone = f"{1e3 * r['probe']['gradient']:.3f}" if ranks > 1 else "-"
            in_step = f"{1e3 * r['allreduce']:.3f}" if ranks > 1 else "-"
            share = f"{100 * r['allreduce'] / r['step']:.0f} %" if ranks > 1 else "-"
            rows.append(
                f"| {name} | {ranks} x {threads} | {r['local_batch']} | {1e3 * r['step']:.2f} "
                f"({1e3 * r['step_min']:.2f}) | {in_step} | {share} | {alone} "
                f"| {base[name]['step'] / r['step']:.2f}x "
                f"({base[name]['step_min'] / r['step_min']:.2f}x) |"
            )
            if ranks == 2:
                base[name]["probe2"] = r["probe"]
            print(rows[-1], flush=True)
    print("\n".join(machine_lines()))
    print("\n".join(rows))
    w1 = base.get("W1")
    if w1 is None:
        return
    compute = w1["step_min"]  # one rank, one core, batch 128: a step's compute (best round)
    print(f"\nModel for W1 (weak scaling: 128 samples per rank, global batch 128 P); "
          f"T_compute = {1e3 * compute:.2f} ms on one core (best of the rounds), "
          f"{w1['params']} float32 gradients = {4e-6 * w1['params']:.2f} MB")  # fmt: skip
    print("| network | P | T_allreduce, log2 P rounds | efficiency | T_allreduce, P - 1 rounds "
          "| efficiency |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for net, (beta, alpha) in NETWORKS.items():
        for ranks in (8, 64, 512):
            t = [allreduce_model(w1["params"], ranks, beta, alpha, tree) for tree in (1, 0)]
            e = [100 * compute / (compute + x) for x in t]
            print(f"| {net} | {ranks} | {1e3 * t[0]:.3f} ms | {e[0]:.0f} % "
                  f"| {1e3 * t[1]:.3f} ms | {e[1]:.0f} % |")  # fmt: skip
    if "probe2" in w1:
        p = w1["probe2"]
        print(f"\nHere (2 ranks, shared memory): allreduce of 1 value {1e6 * p['latency']:.0f} us, "
              f"of the gradient {1e3 * p['gradient']:.3f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
