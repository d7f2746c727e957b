"""mpiexec -n P python crash_fit.py OUT_DIR HOW EPOCH: fit the "mlp" workload for 6 epochs
with BackupAndRestore(OUT_DIR/backup) and a CSVLogger; with HOW = "kill" (SIGKILL) or
"stop" (SIGSTOP: a hung rank) the last rank does that to itself at batch 1 of epoch EPOCH
-- after rank 0 has backed up epoch EPOCH - 1. HOW = "none" runs (or resumes) to the end
and saves rank r's weights to OUT_DIR/rank{r}.npz."""

import json
import os
import signal
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from workloads import state, train  # noqa: E402

import rosenblatt.distributed as dist  # noqa: E402
from rosenblatt.callbacks import BackupAndRestore, Callback, CSVLogger  # noqa: E402

out, how, at = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])


class Fail(Callback):
    def __init__(self) -> None:
        self.epoch = -1

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_batch_begin(self, batch, logs=None):
        last = dist.get_world_size() - 1
        if how != "none" and self.epoch == at and batch == 1 and dist.get_rank() == last:
            os.kill(os.getpid(), signal.SIGKILL if how == "kill" else signal.SIGSTOP)


backup = BackupAndRestore(out / "backup", delete_checkpoint=False)
csv = CSVLogger(out / f"history-{how}.csv")
model, history = train("mlp", distributed=True, epochs=6, callbacks=[Fail(), csv, backup])
rank = dist.get_rank()
np.savez(out / f"rank{rank}.npz", **state(model))
(out / f"resumed{rank}.json").write_text(json.dumps(backup.resumed_epoch))
