"""rosenblatt's MLPClassifier vs scikit-learn's MLPClassifier: time and accuracy.

Both estimators get the same architecture, solver (Adam, lr 1e-3), L2 alpha, batch size and
number of epochs: the stopping rule is switched off (tol=0, n_iter_no_change > epochs), and
each fit is checked to have run exactly that many epochs. rosenblatt computes in float32;
scikit-learn is timed on float64 input (its default) and on float32 input (which it keeps).
Fits of the peers alternate, and the speed-up is the median of the paired ratios
(scikit-learn time / rosenblatt time measured in the same round). Accuracy is on a held-out
test set (25 %). Target: speed-up >= 2 at equal or better accuracy.

A third peer, "rb.fit (nn.Sequential)", is the same network built by hand,
``nn.Sequential(nn.Linear(d, 100), nn.ReLU(), nn.Linear(100, k))`` with the same
initialisation, trained by ``rb.fit`` with Adam, the same batches, epochs and L2 penalty
(l2 = alpha / 2, convention "sklearn"): the engine's fast path without the estimator
around it. Target: within 10 % of rosenblatt's MLPClassifier.

Workloads
  digits     1 797 x 64, 10 classes, hidden (100,), relu, 50 epochs
  synthetic  100 000 x 50 (make_classification, 5 classes), hidden (100,), relu, 10 epochs

Run: python benchmarks/bench_mlp_sklearn.py [--repeats 3] [--scale 1.0] [--only digits]
(``--scale 0.1`` shrinks the synthetic problem and the epochs, for a quick check). Both
libraries get BENCH_THREADS BLAS threads (default 2); on a busy machine use
BENCH_THREADS=1: small matrix products with spinning BLAS threads on shared cores take
10-100 times longer and swamp the comparison.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import rosenblatt as rb  # noqa: E402
from rosenblatt import nn, optim  # noqa: E402
from rosenblatt.models import MLPClassifier  # noqa: E402

THREADS = int(os.environ.get("BENCH_THREADS", "2"))


def workloads(scale: float) -> dict[str, dict]:
    X, y = load_digits(return_X_y=True)
    n = max(int(100_000 * scale), 2_000)
    Xs, ys = make_classification(
        n, 50, n_informative=30, n_redundant=10, n_classes=5, class_sep=1.5, random_state=0
    )
    return {
        "digits": dict(data=(X, y), hidden=(100,), epochs=max(int(50 * min(1, scale * 5)), 5)),
        "synthetic": dict(data=(Xs, ys), hidden=(100,), epochs=max(int(10 * scale), 2)),
    }


def make_fits(X_train, y_train, hidden, epochs) -> dict[str, Callable[[], object]]:
    common = dict(
        hidden_layer_sizes=hidden,
        activation="relu",
        solver="adam",
        alpha=1e-4,
        batch_size=200,
        learning_rate_init=1e-3,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        shuffle=True,
        random_state=0,
    )
    X64, X32 = X_train.astype(np.float64), X_train.astype(np.float32)
    return {
        "rosenblatt": lambda: MLPClassifier(**common).fit(X32, y_train),
        "rb.fit (nn.Sequential)": lambda: fit_sequential(X32, y_train, hidden, epochs),
        "sklearn-f64": lambda: SklearnMLP(**common).fit(X64, y_train),
        "sklearn-f32": lambda: SklearnMLP(**common).fit(X32, y_train),
    }


class Sequential:
    """A user's network trained by rb.fit, with what the comparison reads (n_iter_, score)."""

    def __init__(self, model: nn.Sequential, epochs: int) -> None:
        self.model, self.n_iter_ = model.eval(), epochs

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        with rb.no_grad():
            return float(np.mean(self.model(rb.tensor(X)).numpy().argmax(axis=1) == y))


def fit_sequential(X: np.ndarray, y: np.ndarray, hidden: tuple, epochs: int) -> Sequential:
    """The MLPClassifier's network and training, written as a PyTorch user writes them."""
    init = MLPClassifier(hidden, max_iter=1, random_state=0)  # the same initial weights
    init._rng = np.random.default_rng(0)
    sizes = [X.shape[1], *hidden, len(np.unique(y))]
    layers: list[nn.Module] = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    with rb.random.use_generator(init._rng):
        model.load_state_dict(init._build(sizes[0], sizes[-1]).state_dict())
    rb.fit(model, X, y, optimizer=optim.Adam(model.parameters(), lr=1e-3), epochs=epochs,
           batch_size=200, l2=1e-4 / 2, convention="sklearn", verbose=0,
           generator=np.random.default_rng(0))  # fmt: skip
    return Sequential(model, epochs)


def run(name: str, spec: dict, repeats: int) -> list[str]:
    X, y = spec["data"]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    fits = make_fits(X_train, y_train, spec["hidden"], spec["epochs"])
    times: dict[str, list[float]] = {k: [] for k in fits}
    accuracy: dict[str, float] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for r in range(repeats + 1):  # round 0 warms up (imports, BLAS buffers)
            order = list(fits) if r % 2 == 0 else list(reversed(fits))
            for peer in order:
                t0 = time.perf_counter()
                model = fits[peer]()
                elapsed = time.perf_counter() - t0
                assert model.n_iter_ == spec["epochs"], (peer, model.n_iter_)
                if r > 0:
                    times[peer].append(elapsed)
                accuracy[peer] = float(model.score(X_test.astype(np.float32), y_test))
    rows = []
    ours = times["rosenblatt"]
    shape = f"{len(X_train)}x{X.shape[1]}, {spec['epochs']} epochs"
    for peer in ("sklearn-f64", "sklearn-f32", "rb.fit (nn.Sequential)"):
        speedup = [b / a for a, b in zip(ours, times[peer])]
        rows.append(
            f"| {name} ({shape}) | {peer} | {statistics.median(ours):.3f} s | "
            f"{statistics.median(times[peer]):.3f} s | **{statistics.median(speedup):.2f}x** "
            f"({min(speedup):.2f}-{max(speedup):.2f}) | {accuracy['rosenblatt']:.4f} | "
            f"{accuracy[peer]:.4f} |"
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--only", default="", help="comma-separated workload names")
    args = parser.parse_args(argv)
    threadpool_limits(THREADS)
    print(
        f"# MLPClassifier: rosenblatt vs scikit-learn ({platform.machine()}, "
        f"{os.cpu_count()} cores, {THREADS} BLAS threads, scale {args.scale})"
    )
    print()
    print("| workload | peer | rosenblatt | peer | speed-up (peer/rb) | acc rb | acc peer |")
    print("|---|---|---|---|---|---|---|")
    for name, spec in workloads(args.scale).items():
        if args.only and name not in args.only.split(","):
            continue
        for row in run(name, spec, args.repeats):
            print(row, flush=True)


if __name__ == "__main__":
    main()
