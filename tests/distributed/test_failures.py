"""A rank that dies or hangs stops the whole job with a clear message (no hang), and the
run resumes from rank 0's last backup to the weights of an uninterrupted run."""

from __future__ import annotations

import json
import time

import numpy as np
from _mpi import SCRIPTS, mpirun, needs_mpi
from workloads import state, train

pytestmark = needs_mpi
SCRIPT = str(SCRIPTS / "crash_fit.py")


def test_killed_rank_stops_the_job_and_the_run_resumes(tmp_path):
    start = time.monotonic()
    proc = mpirun(2, SCRIPT, str(tmp_path), "kill", "3", check=False, timeout=60)
    assert proc.returncode != 0
    assert time.monotonic() - start < 30
    assert "KILLED" in proc.stdout + proc.stderr or "Killed" in proc.stdout + proc.stderr
    assert (tmp_path / "backup" / "backup.safetensors").exists()
    assert not (tmp_path / "rank0.npz").exists()  # rank 0 did not finish either

    mpirun(2, SCRIPT, str(tmp_path), "none", "-1")
    model, _ = train("mlp", distributed=False, epochs=6)
    for r in range(2):
        assert json.loads((tmp_path / f"resumed{r}.json").read_text()) == 3
        got = dict(np.load(tmp_path / f"rank{r}.npz"))
        for k, v in state(model).items():
            np.testing.assert_allclose(got[k], v, rtol=0, atol=1e-10, err_msg=k)
    # only rank 0 writes the log: one row per resumed epoch (3, 4, 5) plus the header
    assert len((tmp_path / "history-none.csv").read_text().splitlines()) == 1 + 3


def test_hung_rank_makes_the_others_stop_after_the_timeout(tmp_path):
    start = time.monotonic()
    proc = mpirun(2, SCRIPT, str(tmp_path), "stop", "1", check=False, timeout=60,
                  env={"ROSENBLATT_DIST_TIMEOUT": "3"})  # fmt: skip
    took = time.monotonic() - start
    assert proc.returncode != 0
    assert 3 <= took < 40
    assert "rank 0 of 2 waited more than 3 s in all_reduce" in proc.stderr


def test_an_error_on_one_rank_stops_every_rank(tmp_path):
    script = tmp_path / "fail.py"
    script.write_text(
        "import rosenblatt.distributed as dist\n"
        "dist.init_process_group()\n"
        "if dist.get_rank() == 1:\n"
        "    raise ValueError('bad shard on rank 1')\n"
        "dist.barrier()  # rank 0 would wait here for ever\n"
    )
    start = time.monotonic()
    proc = mpirun(2, str(script), check=False, timeout=60)
    assert proc.returncode != 0 and time.monotonic() - start < 30
    assert "ValueError: bad shard on rank 1" in proc.stderr
    assert "rank 1 of 2: stopping all ranks after the error above" in proc.stderr


def test_a_failing_rank_inside_fit_stops_every_rank_even_if_the_error_is_caught(tmp_path):
    """A program (like the CLI) that catches the error and exits normally would leave the
    other ranks waiting in their allreduce; fit stops the job instead."""
    script = tmp_path / "fail_in_fit.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(SCRIPTS)!r})\n"
        "import rosenblatt.distributed as dist\n"
        "from rosenblatt.callbacks import Callback\n"
        "from workloads import train\n"
        "class Fail(Callback):\n"
        "    def on_batch_end(self, batch, logs=None):\n"
        "        if dist.get_rank() == 1 and batch == 1:\n"
        "            raise OSError('disk full on rank 1')\n"
        "try:\n"
        "    train('mlp', distributed=True, callbacks=[Fail()])\n"
        "except OSError:\n"
        "    sys.exit(3)\n"
    )
    start = time.monotonic()
    proc = mpirun(2, str(script), check=False, timeout=60)
    assert proc.returncode != 0 and time.monotonic() - start < 30
    assert "OSError: disk full on rank 1" in proc.stderr
    assert "rosenblatt.fit: rank 1 of 2 failed (above); stopping all ranks" in proc.stderr
