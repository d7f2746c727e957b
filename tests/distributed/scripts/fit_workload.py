"""mpiexec -n P python fit_workload.py NAME OUT_DIR [plain]: rb.fit(distributed=True) on a
workload (with "plain": batch norm left unconverted); every rank saves its final state_dict
and history to OUT_DIR/rank{r}.npz."""

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from workloads import state, train  # noqa: E402

import rosenblatt.distributed as dist  # noqa: E402

name, out = sys.argv[1], Path(sys.argv[2])
model, history = train(name, distributed=True, sync_bn="plain" not in sys.argv)
rank = dist.get_rank()
np.savez(out / f"rank{rank}.npz", **state(model))
(out / f"history{rank}.json").write_text(json.dumps(history.history))
