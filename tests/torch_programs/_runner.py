"""Run PyTorch-style programs one after another in this process (see test_torch_programs).

``python _runner.py a.py b.py ...`` runs each file as ``__main__`` in a fresh namespace and
its own working folder, captures what it prints, and writes one JSON line at the end:
{file name: {"returncode", "stdout", "stderr"}}. The libraries are imported once for all.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import runpy
import sys
import traceback
from pathlib import Path


def main(paths: list[str]) -> None:
    reports = {}
    home = Path.cwd()
    real_stdout = sys.stdout
    for path in map(Path, paths):
        folder = home / path.stem
        folder.mkdir(exist_ok=True)
        out, err = io.StringIO(), io.StringIO()
        code = 0
        os.chdir(folder)
        sys.argv = [str(path)]  # as if started alone (programs parse their arguments)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                runpy.run_path(str(path), run_name="__main__")
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException:  # noqa: BLE001  (report every failure of the program)
            err.write(traceback.format_exc())
            code = 1
        finally:
            os.chdir(home)
        reports[path.name] = {
            "returncode": code,
            "stdout": out.getvalue(),
            "stderr": err.getvalue(),
        }
    real_stdout.write(json.dumps(reports) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
