"""The mpiexec scripts' modules (workloads, ...) are importable by the tests, which use them
as single-process oracles."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "scripts"))
