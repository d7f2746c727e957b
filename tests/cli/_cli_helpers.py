"""Running the command in a fresh process, and what a bad-input exit must look like."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# one BLAS thread in the child processes: fast on a shared machine, and no thread races
_ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def run_cli(*args: str, cwd: Path, timeout: float = 120, module: bool = True):
    """``python -m rosenblatt ARGS`` (or the console script) in a fresh process."""
    if module:
        cmd = [sys.executable, "-m", "rosenblatt", *map(str, args)]
    else:
        cmd = [str(Path(sys.executable).parent / "rosenblatt"), *map(str, args)]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=_ENV, timeout=timeout)


def one_error_line(result) -> str:
    """The single stderr line of a bad-input exit (status 2, no traceback)."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rosenblatt: error: ") and "Traceback" not in result.stderr
    return lines[0]
