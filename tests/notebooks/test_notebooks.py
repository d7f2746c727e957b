"""The notebooks are tests: each one executes top to bottom in a fresh kernel (a cell that
raises fails it, and the notebooks assert the decks' numbers themselves), its outputs carry
the numbers the decks print, its figures display as images with no matplotlib magic, and
every committed .ipynb is exactly what ``make notebooks`` generates from its .py source.

Training is shortened with ROSENBLATT_QUICK=1 (the default here); run the full length with
``ROSENBLATT_QUICK=0 make test-all``.
"""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("jupytext")
pytest.importorskip("ipykernel")

FOLDER = Path(__file__).resolve().parents[2] / "notebooks"
_spec = importlib.util.spec_from_file_location("notebook_sync", FOLDER / "sync.py")
sync = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sync)

# Text each notebook's outputs must contain: the numbers the decks print.
EXPECTED = {
    "01_perceptrons_to_mlp": [
        "converged after 3 updates in 4 epochs: w = [-0.5 1 1]",  # the OR example
        "w after each update: [[0.5, 1.0, 1.0], [0.0, 1.0, 1.0], [-0.5, 1.0, 1.0]]",
        "MLP 2-4-2 on XOR: [0, 1, 1, 0]",
    ],
    "02_optimization": [
        "J'(3) = 7.0, J''(3) = 4.0, Newton step to w = 1.25",
        "zero init, after training: hidden weight rows all equal: True",
    ],
    "03_edsf_intro_ml_nn": [  # the Concrete example, to the printed digits
        "forward:  s1 = 0.58 0.68  x1 = 0.64 0.66  s2 = 1.22  y = 0.77  loss = 0.60",
        "dl/dW' = 0.17 0.18  dl/db' = 0.27",
        "dl/dW  = [['0.0063', '0.0094'], ['0.0073', '0.011']]  dl/db = 0.031 0.036",
        "updated: W = [['0.094', '0.19'], ['0.29', '0.39']]  b = 0.47 0.46  W' = 0.33 0.42",
        "New output value y = 0.67, closer to the target t = 0",
        "max sigma'(x) = 0.25",
    ],
    "04_edinburgh_backprop": [
        "row sums, softmax: [1. 1. 1. 1. 1.]",
        "dL/dW1 by backprop equals central differences",
        "ops from L back to the leaves: ['NegBackward0', 'GetItemBackward0', "
        "'LogSoftmaxBackward0', 'AddBackward0', 'MatMulBackward0', 'SigmoidBackward0', "
        "'AddBackward0', 'MatMulBackward0']",  # the deck's f6 ... f1
    ],
    "05_kit_regression_to_recipe": [
        "every derivative of the table equals autograd's",
        "0.2 x 0.15 x 0.22 x 0.09 = 0.000594",  # the deck's vanishing product
        "scaled features:   20 iterations",
    ],
}
SLOW: set[str] = set()  # notebooks that take too long for the default suite
QUICK = os.environ.get("ROSENBLATT_QUICK", "1") == "1"
# seconds per notebook: each takes 5-20 s in quick mode on 2 cores (05, the longest, about
# 110 s at full length)
TIME_LIMIT = {name: 120.0 if QUICK else 600.0 for name in EXPECTED}


def _names() -> list[str]:
    return [p.stem for p in sync.sources(FOLDER)]


def test_every_notebook_has_expectations():
    assert _names() == sorted(EXPECTED)


@pytest.mark.parametrize("name", _names())
def test_ipynb_is_generated_from_its_source(name):
    source = FOLDER / f"{name}.py"
    committed = (FOLDER / f"{name}.ipynb").read_text(encoding="utf-8")
    assert committed == sync.render(source), f"{name}.ipynb is stale: run `make notebooks`"


def test_the_sync_check_sees_a_stale_notebook(tmp_path, monkeypatch):
    source = FOLDER / _names()[0]
    (tmp_path / source.with_suffix(".py").name).write_text(
        source.with_suffix(".py").read_text(encoding="utf-8") + "\n# %%\nx = 1\n", encoding="utf-8"
    )
    (tmp_path / source.with_suffix(".ipynb").name).write_text(
        source.with_suffix(".ipynb").read_text(encoding="utf-8"), encoding="utf-8"
    )
    monkeypatch.setattr(sync, "HERE", tmp_path)
    monkeypatch.setattr(sync, "sources", lambda folder=tmp_path: sorted(tmp_path.glob("*.py")))
    assert sync.main(["--check"]) == 1
    assert sync.main([]) == 0 and sync.main(["--check"]) == 0


def _texts(notebook) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                parts.append(output["text"])
            elif "data" in output:
                parts.append(output["data"].get("text/plain", ""))
    return "\n".join(parts)


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in _names()],
)
def test_notebook_executes_and_shows_the_decks_numbers(name, monkeypatch):
    monkeypatch.setenv("ROSENBLATT_QUICK", "1" if QUICK else "0")
    monkeypatch.setenv("MPLBACKEND", "agg")  # no inline backend: figures must show by themselves
    notebook = nbformat.read(FOLDER / f"{name}.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=TIME_LIMIT[name],
        kernel_name="python3",
        resources={"metadata": {"path": str(FOLDER)}},
    )
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError, naming the cell, if one fails
    elapsed = time.perf_counter() - start
    assert elapsed < TIME_LIMIT[name], f"{name} took {elapsed:.0f} s"
    text = _texts(notebook)
    for expected in EXPECTED[name]:
        assert expected in text, f"{name}: no output shows {expected!r}"
    images = [
        o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    assert images, f"{name}: no figure was displayed"
