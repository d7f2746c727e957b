"""Install what the job needs (issue 15, item 9): ``make demo`` installs the runtime only
(today's 1.6 GB of torch and dev tools are for the tests), ``make test`` adds the test
extras; both work on a clean clone (the slow test builds one)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _pip_installs(target: str, venv: Path) -> list[str]:
    """The ``pip install`` lines ``make TARGET`` would run for a venv that does not exist."""
    out = subprocess.run(
        ["make", "-n", target, f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return [line for line in out.stdout.splitlines() if "pip install" in line]


@needs_make
def test_make_demo_installs_the_runtime_only(tmp_path: Path) -> None:
    installs = _pip_installs("demo", tmp_path / "venv")
    assert installs[-1].endswith("pip install --quiet -e .")
    assert not any("[" in line for line in installs)  # no extras


@needs_make
@pytest.mark.parametrize("target", ["test", "test-all", "lint"])
def test_make_test_adds_the_test_extras(tmp_path: Path, target: str) -> None:
    (line,) = [x for x in _pip_installs(target, tmp_path / "venv") if "[" in x]
    extras = line.split("[", 1)[1].split("]", 1)[0].split(",")
    assert {"test", "dev"} <= set(extras)


def test_the_runtime_needs_neither_torch_nor_the_test_tools() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = " ".join(project["dependencies"]).lower()
    for heavy in ("torch", "pytest", "hypothesis", "ruff", "mypy", "onnx", "jupyter"):
        assert heavy not in runtime
    extras = project["optional-dependencies"]
    assert "torch==2.13.0" in extras["test"]  # the reference, with its exact pin
    assert any(d.startswith("onnxruntime") for d in extras["test"])
    assert any(d.startswith("onnx") for d in extras["onnx"])


@pytest.mark.slow
@needs_make
def test_make_demo_on_a_clean_clone(tmp_path: Path) -> None:
    """Clone the committed tree, ``make demo``: a venv with the runtime, a trained run, no
    torch. (Minutes: it installs the packages.)"""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    out = subprocess.run(
        ["make", "demo", f"PYTHON={sys.executable}"], cwd=clone, capture_output=True,
        text=True, timeout=1800,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "run saved in runs/digits-mlp-" in out.stdout
    listed = subprocess.run(
        [str(clone / ".venv/bin/python"), "-m", "pip", "list"], capture_output=True, text=True
    ).stdout.lower()
    assert "numpy" in listed and "torch" not in listed and "pytest" not in listed
