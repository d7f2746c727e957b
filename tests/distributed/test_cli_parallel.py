"""`mpiexec -n 2 rosenblatt train recipe.toml` trains data-parallel and writes ONE run folder
with what a single-process `rosenblatt train` writes (oracle: that run, in float64)."""

from __future__ import annotations

import json

import numpy as np
from _mpi import mpirun, needs_mpi

import rosenblatt as rb
from rosenblatt import cli

pytestmark = needs_mpi

RECIPE = """\
name = "parallel"
[data]
source = "iris"
test_split = 0.2
seed = 3
[model]
layers = [8]
activation = "tanh"
dtype = "float64"
[optimizer]
name = "adam"
lr = 0.02
[training]
epochs = 6
batch_size = 25
validation_split = 0.1
"""


def test_mpiexec_rosenblatt_train_writes_one_run_equal_to_one_process(tmp_path):
    recipe = tmp_path / "parallel.toml"
    recipe.write_text(RECIPE)
    work = tmp_path / "work"
    work.mkdir()
    proc = mpirun(2, "rosenblatt", "train", str(recipe), cwd=work, timeout=120)
    runs = list((work / "runs").iterdir())
    assert len(runs) == 1, runs  # rank 0 made the folder; rank 1 used it
    assert proc.stdout.count("run saved in") == 1  # only rank 0 prints
    parallel = runs[0]
    single = tmp_path / "single"
    assert cli.main(["train", str(recipe), "--out", str(single), "--quiet"]) == 0
    assert sorted(p.name for p in parallel.iterdir()) == sorted(p.name for p in single.iterdir())
    a, b = rb.load(parallel / "model.safetensors"), rb.load(single / "model.safetensors")
    for k, v in b.state_dict().items():
        np.testing.assert_allclose(np.asarray(a.state_dict()[k]), np.asarray(v), atol=1e-10)
    ma = json.loads((parallel / "metrics.json").read_text())
    mb = json.loads((single / "metrics.json").read_text())
    ma.pop("training_time_s"), mb.pop("training_time_s")
    assert ma == mb
    # one row per epoch, written once (by rank 0), the same numbers as one process's
    ha = np.genfromtxt(parallel / "history.csv", delimiter=",", names=True)
    hb = np.genfromtxt(single / "history.csv", delimiter=",", names=True)
    assert ha.dtype.names == hb.dtype.names and len(ha) == len(hb) == 6
    for name in hb.dtype.names:
        np.testing.assert_allclose(ha[name], hb[name], rtol=1e-10, err_msg=name)
