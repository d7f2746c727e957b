"""Helpers for the tests that start several ranks with ``mpiexec`` (from the mpich wheel of
the ``rosenblatt[mpi]`` extra, installed next to the venv's python)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPTS = Path(__file__).parent / "scripts"


def _mpiexec() -> str | None:
    beside = Path(sys.executable).with_name("mpiexec")
    return str(beside) if beside.exists() else shutil.which("mpiexec")


MPIEXEC = _mpiexec()
needs_mpi = pytest.mark.skipif(
    MPIEXEC is None, reason='mpiexec not found: pip install "rosenblatt[mpi]"'
)


def mpirun(
    n: int,
    *argv: str,
    timeout: float = 60,
    env: dict | None = None,
    check: bool = True,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess:
    """``mpiexec -n n python argv...`` (or a console command when argv[0] is not a .py
    file); fails the test with its output if it exits non-zero (``check``)."""
    first = argv[0]
    cmd = [sys.executable, *argv] if first.endswith(".py") else [
        str(Path(sys.executable).with_name(first)), *argv[1:]]  # fmt: skip
    full_env = {**os.environ, "ROSENBLATT_DIST_TIMEOUT": "60", "OMP_NUM_THREADS": "1",
                "OPENBLAS_NUM_THREADS": "1", **(env or {})}  # fmt: skip
    assert MPIEXEC is not None
    proc = subprocess.run(
        [MPIEXEC, "-n", str(n), *cmd], capture_output=True, text=True, timeout=timeout,
        env=full_env, cwd=cwd,
    )  # fmt: skip
    if check and proc.returncode != 0:
        pytest.fail(f"mpiexec -n {n} {' '.join(argv)} exited {proc.returncode}:\n"
                    f"{proc.stdout}\n{proc.stderr}")  # fmt: skip
    return proc


def load_ranks(out: Path, n: int) -> tuple[list[dict], list[dict]]:
    """The state_dicts and histories that fit_workload.py saved for ranks 0 ... n-1."""
    states = [dict(np.load(out / f"rank{r}.npz")) for r in range(n)]
    histories = [json.loads((out / f"history{r}.json").read_text()) for r in range(n)]
    return states, histories
