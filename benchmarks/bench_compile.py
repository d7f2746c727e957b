"""What the compiled kernels cost before they pay: import time, first-step compile, demo.

Every measurement runs in a fresh process. "cold": numba's cache directory is new and
empty (``NUMBA_CACHE_DIR`` set to a temporary directory), so every kernel a step uses is
compiled; "warm": the same directory again, so every kernel is loaded from disk;
``ROSENBLATT_JIT=0``: the NumPy references, nothing compiled.

- ``import rosenblatt`` (numba is imported only when a kernel first runs);
- the first training step of three models -- MLP 784-256-128-10 with cross-entropy and
  Adam (activation, loss and optimizer kernels), LeNet-5 with SGD momentum (conv and pool
  kernels), LSTM 32-128 with Adam (recurrent kernels) -- against a later step;
- ``rosenblatt train`` (``make demo``: the default recipe), wall time.

Run: ``python benchmarks/bench_compile.py [--runs 3]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STEP = r"""
import os, time, numpy as np
clock = time.process_time if os.environ.get("BENCH_CLOCK") == "cpu" else time.perf_counter
t0 = clock()
import rosenblatt as rb
from rosenblatt import nn, optim
t_import = clock() - t0
rng = np.random.default_rng(0)
def mlp():
    m = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                      nn.Linear(128, 10))
    x = rb.from_numpy(rng.standard_normal((128, 784)).astype(np.float32))
    y = rb.from_numpy(rng.integers(0, 10, 128))
    return m, optim.Adam(m.parameters()), nn.CrossEntropyLoss(), x, y
def lenet():
    m = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                      nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 10))
    x = rb.from_numpy(rng.standard_normal((64, 1, 28, 28)).astype(np.float32))
    y = rb.from_numpy(rng.integers(0, 10, 64))
    return m, optim.SGD(m.parameters(), lr=0.01, momentum=0.9), nn.CrossEntropyLoss(), x, y
class Lstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm, self.head = nn.LSTM(32, 128, batch_first=True), nn.Linear(128, 1)
    def forward(self, x):
        return self.head(self.lstm(x)[0][:, -1])
def lstm():
    m = Lstm()
    x = rb.from_numpy(rng.standard_normal((64, 50, 32)).astype(np.float32))
    y = rb.from_numpy(rng.standard_normal((64, 1)).astype(np.float32))
    return m, optim.Adam(m.parameters()), nn.MSELoss(), x, y
out = [t_import]
for make in (mlp, lenet, lstm):
    m, opt, loss_fn, x, y = make()
    times = []
    for _ in range(3):
        t0 = clock()
        opt.zero_grad()
        loss_fn(m(x), y).backward()
        opt.step()
        times.append(clock() - t0)
    out += [times[0], min(times[1:])]
print(" ".join(f"{v:.4f}" for v in out))
"""


def _seconds(env: dict[str, str], args: list[str], cwd: str | None = None) -> tuple[float, str]:
    """Time of a command in a fresh process -- wall time, or with ``--cpu`` its CPU time
    (user + system, which a machine other jobs keep busy inflates much less) -- and its
    output."""
    t0, c0 = time.perf_counter(), _child_cpu()
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, check=True)
    return (_child_cpu() - c0 if CPU else time.perf_counter() - t0), done.stdout


CPU = False


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _measure(label: str, runs: int) -> tuple[float, list[float], float]:
    """Median import time, step times and demo time for one cache state."""
    py, cli = sys.executable, str(Path(sys.executable).with_name("rosenblatt"))
    steps, demos, imports = [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, ROSENBLATT_NUM_THREADS="2", OMP_NUM_THREADS="2")
            if CPU:
                env["BENCH_CLOCK"] = "cpu"
            if label == "ROSENBLATT_JIT=0":
                env["ROSENBLATT_JIT"] = "0"
            step_env = dict(env, NUMBA_CACHE_DIR=os.path.join(tmp, "steps"))
            demo_env = dict(env, NUMBA_CACHE_DIR=os.path.join(tmp, "demo"))
            if label == "warm":  # fill both caches first
                _seconds(step_env, [py, "-c", STEP])
                _seconds(demo_env, [cli, "train"], cwd=tmp)
            imports.append(_seconds(env, [py, "-c", "import rosenblatt"])[0])
            steps.append([float(v) for v in _seconds(step_env, [py, "-c", STEP])[1].split()])
            demos.append(_seconds(demo_env, [cli, "train"], cwd=tmp)[0])
    return (
        statistics.median(imports),
        [statistics.median(col) for col in zip(*steps)],
        statistics.median(demos),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cpu", action="store_true", help="CPU time of the processes, not wall")
    args = ap.parse_args()
    global CPU
    CPU = args.cpu
    print(f"Medians of {args.runs} fresh processes, {'CPU' if CPU else 'wall'} time.")
    print("| numba cache | import rosenblatt | MLP step: first / later | LeNet-5 | LSTM "
          "| rosenblatt train (make demo) |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for label in ("cold", "warm", "ROSENBLATT_JIT=0"):
        imp, med, demo = _measure(label, args.runs)
        print(f"| {label} | {imp:.2f} s | {med[1]:.2f} / {med[2]:.3f} s | {med[3]:.2f} / "
              f"{med[4]:.3f} s | {med[5]:.2f} / {med[6]:.3f} s | {demo:.1f} s |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
