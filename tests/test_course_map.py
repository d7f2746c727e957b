"""README "Course map": every row names rosenblatt objects and files that exist, every deck
has its rows, and the pieces added for the decks (issue 16) are indexed."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
SECTION = README.split("## Course map", 1)[1].split("\n## ", 1)[0]
ROWS = [
    [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
    for line in SECTION.splitlines()
    if line.startswith("| 0")
]


def resolve(dotted: str):
    """``rb.a.b.c`` -> the object: the longest importable module, then attributes."""
    parts = ["rosenblatt", *dotted.split(".")[1:]]
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(dotted)


def names(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def test_every_deck_has_rows_and_every_row_three_cells():
    assert len(ROWS) >= 100
    for row in ROWS:
        assert len(row) == 3, row
        assert (
            any(
                n.startswith(("rb.", "examples/", "notebooks/", "tests/", "rosenblatt "))
                for n in names(row[2])
            )
            or "scikit-learn" in row[2]
        ), row
    assert {row[0] for row in ROWS} == {"000", "001", "002", "003", "004"}


@pytest.mark.parametrize(
    "name", sorted({n for row in ROWS for n in names(row[2]) if n.startswith("rb.")})
)
def test_every_rosenblatt_name_exists(name):
    assert resolve(name) is not None


@pytest.mark.parametrize(
    "path",
    sorted(
        {
            n
            for row in ROWS
            for n in names(row[2])
            if n.startswith(("examples/", "notebooks/", "tests/"))
        }
    ),
)
def test_every_file_exists(path):
    assert (ROOT / path).is_file(), path


@pytest.mark.parametrize(
    "name",
    [
        "rb.optim.ConjugateGradient",
        "rb.optim.DFP",
        "rb.optim.Broyden",
        "rb.optim.ASGD",
        "rb.optim.PreviousGradientMomentum",
        "rb.models.BoltzmannMachine",
        "rb.models.recursive.RecursiveNet",
        "rb.nn.ResNet",
        "rb.nn.RBF",
        "rb.nn.Abs",
        "rb.nn.functional.gaussian_nll_loss",
        "rb.likelihood.gaussian_mle",
        "rb.models.geometry.hyperplane",
        "rb.data.cifar10.load_cifar10",
        "rb.train.convergence.has_converged",
        "rb.models.FraudDetector",
    ],
)
def test_the_pieces_added_for_the_decks_are_indexed(name):
    assert f"`{name}`" in SECTION
