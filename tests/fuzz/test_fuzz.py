"""The fuzz campaigns of issue 15 (see ``_campaigns.py``): hostile model files, recipes and CSV
files each end in a clean error or a correct result -- 100 % of them -- with bounded peak
memory and no case longer than a few seconds. A small sample runs with ``make test``; the
slow tests (``make test-all``) run a few minutes of each.

Each campaign runs in a fresh process (its memory measured by the operating system) and
reports every case as JSON; a failing case is named with its seed and index, so
``python tests/fuzz/_campaigns.py CAMPAIGN --seed S --cases N`` reproduces it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
MiB = 1 << 20
MAX_SECONDS = 5.0  # "no run longer than a few seconds" (a busy 2-core machine)


def _campaign(tmp_path: Path, name: str, cases: int, seed: int) -> list[dict]:
    report = tmp_path / f"{name}.json"
    env_cmd = [sys.executable, str(HERE / "_campaigns.py"), name, "--cases", str(cases),
               "--seed", str(seed), "--json", str(report)]  # fmt: skip
    out = subprocess.run(env_cmd, capture_output=True, text=True, timeout=3600)
    assert report.exists(), out.stderr[-3000:]
    results = json.loads(report.read_text())["results"]
    bugs = [r for r in results if r["outcome"] == "bug"]
    assert not bugs, "\n\n".join(
        f"case {r['case']} ({r['name']}, seed {seed}):\n{r['detail']}\ninput: {r.get('input')}"
        for r in bugs[:3]
    )
    assert len(results) == cases
    slow = [r for r in results if r["seconds"] > MAX_SECONDS]
    assert not slow, [(r["name"], round(r["seconds"], 1)) for r in slow[:5]]
    return results


def _memory_bounded(results: list[dict], factor: int, floor: int) -> None:
    """Peak resident memory of each case <= factor x its input's size + floor."""
    over = [r for r in results if r["peak"] > factor * r["bytes"] + floor]
    assert not over, [(r["name"], r["bytes"], r["peak"] // MiB) for r in over[:5]]


# A model file's load may hold the file, its header and its tensors a few times over: 8x
# its size, plus 16 MiB for what Python builds (module objects, JSON) whatever the size.
MODEL_FACTOR, MODEL_FLOOR = 8, 16 * MiB
# A training run's memory is the network's and the data's, not the input file's: bounded
# by a constant for these small inputs (the recipes' networks have at most ~1e4 weights).
RUN_FLOOR = 128 * MiB


def test_hostile_model_files_sample(tmp_path) -> None:
    results = _campaign(tmp_path, "models", cases=150, seed=0)
    _memory_bounded(results, MODEL_FACTOR, MODEL_FLOOR)
    names = {r["name"]: r for r in results}
    assert names["linear-30000-no-weights"]["outcome"] == "error"  # 14 GB in the issue
    assert names["million-identity"]["outcome"] == "error"  # 22 s in the issue


def test_hostile_recipes_sample(tmp_path) -> None:
    _memory_bounded(_campaign(tmp_path, "recipes", cases=30, seed=0), 0, RUN_FLOOR)


def test_hostile_csv_files_sample(tmp_path) -> None:
    _memory_bounded(_campaign(tmp_path, "csvs", cases=30, seed=0), 0, RUN_FLOOR)


@pytest.mark.slow
def test_hostile_model_files(tmp_path) -> None:
    _memory_bounded(_campaign(tmp_path, "models", cases=3000, seed=1), MODEL_FACTOR, MODEL_FLOOR)


@pytest.mark.slow
def test_hostile_recipes(tmp_path) -> None:
    _memory_bounded(_campaign(tmp_path, "recipes", cases=250, seed=1), 0, RUN_FLOOR)


@pytest.mark.slow
def test_hostile_csv_files(tmp_path) -> None:
    _memory_bounded(_campaign(tmp_path, "csvs", cases=250, seed=1), 0, RUN_FLOOR)
