"""`rosenblatt demo optimizers`: the table, the plot and the CSV, on a short run."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import sklearn.datasets  # noqa: F401  (imported at collection: the demo's data come from it)

from rosenblatt.demos import optimizers as demo
from rosenblatt.demos.optimizers import OPTIMIZERS, optimizers_demo


def test_optimizers_demo_prints_the_table_and_writes_the_csv(tmp_path, monkeypatch):
    plotted = []
    monkeypatch.setattr(demo, "_plot", lambda results, path: plotted.append(path))
    lines = []
    results = optimizers_demo(tmp_path / "out", iterations=4, out=lines.append)
    assert plotted == [tmp_path / "out" / "optimizers.png"]
    assert set(results) == {"logistic regression", "MLP 2-8-1"}
    names = ["GD", "momentum", "RMSProp", "Adam", "LBFGS", "Newton", "GA"]
    assert list(OPTIMIZERS) == names
    text = "\n".join(lines)
    for name in names:
        assert f"\n{name} " in text
    for runs in results.values():
        assert list(runs) == names
        for name, r in runs.items():
            assert len(r["losses"]) == len(r["times"]) == 5
            assert r["iterations"] == 4 and 0.0 <= r["accuracy"] <= 1.0
            assert np.all(np.diff(r["times"]) >= 0)
        for name in ("LBFGS", "Newton", "GA"):  # line searches and elitism never go up
            assert np.all(np.diff(runs[name]["losses"]) <= 1e-12), name
        assert runs["GA"]["evals"] == 4 * 50  # one generation of 50 per iteration
        assert runs["GD"]["evals"] == 4
    logistic = results["logistic regression"]
    assert logistic["Newton"]["loss"] <= min(logistic[n]["loss"] for n in names[:4])
    with open(tmp_path / "out" / "optimizers.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 * len(names)
    assert float(rows[0]["loss"]) == results["logistic regression"]["GD"]["loss"]


@pytest.mark.slow
def test_optimizers_demo_saves_the_plot(tmp_path):
    optimizers_demo(tmp_path, iterations=3, out=lambda line: None)
    png = (tmp_path / "optimizers.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_iterations():
    with pytest.raises(ValueError, match="iterations"):
        optimizers_demo("unused", iterations=0)
