"""Bad input is never "a bug in rosenblatt" (issue 15, item 2): every case the issue found
exits 2 with one line naming the problem, nothing else on stderr; a full disk keeps the
trained model somewhere and says where."""

from __future__ import annotations

import errno
import json
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import safetensors.numpy
from _cli_helpers import _ENV, one_error_line, run_cli

import rosenblatt as rb
from rosenblatt import cli, io, nn
from rosenblatt.recipe import predict


def main(capsys, *argv):
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def bad(capsys, *argv) -> str:
    code, _, err = main(capsys, *argv)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, (code, err)
    assert lines[0].startswith("rosenblatt: error: ") and "Traceback" not in err
    return lines[0]


@pytest.fixture
def trained(tmp_path, capsys, recipe_file, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    code, _, err = main(capsys, "train", recipe_file, "--out", "run", "-q", "--epochs", "3")
    assert code == 0, err
    return tmp_path / "run" / "model.safetensors"


def _variant(trained: Path, path: Path, model: nn.Module | None = None, arch=None, **meta):
    """The trained file with its architecture (and weights) or metadata replaced."""
    with open(trained, "rb") as f:
        header = json.loads(f.read(int.from_bytes(f.read(8), "little")))
    metadata = dict(header["__metadata__"])
    del metadata["rosenblatt.sha256"]  # hand-edited: without a checksum, loaded unverified
    tensors = safetensors.numpy.load_file(str(trained))
    if model is not None:
        arch = io.module_config(model)
        tensors = {k: np.asarray(v) for k, v in model.state_dict().items()}
    if arch is not None:
        metadata["rosenblatt.architecture"] = json.dumps(arch)
        tensors = tensors if model is not None else {}
    user = json.loads(metadata["rosenblatt.metadata"])
    user.update(meta)
    metadata["rosenblatt.metadata"] = json.dumps(user)
    safetensors.numpy.save_file(tensors, str(path), metadata=metadata)
    return path


HOSTILE_MODELS = {
    "args [5]": ({"arch": {"type": "Sequential", "args": [5], "kwargs": {}}}, "cannot build"),
    "no parameters": ({"model": nn.Sequential(nn.ReLU(), nn.Tanh())}, "3 output"),
    "RNN first": ({"model": nn.Sequential(nn.RNN(3, 2))}, "is a tuple"),
    "LSTM alone": ({"model": nn.LSTM(3, 2)}, "is a tuple"),
    "a loss as a layer": ({"model": nn.Sequential(nn.CrossEntropyLoss())}, "loss function"),
    "a loss as the model": ({"model": nn.MSELoss()}, "loss function"),
    "target a list": ({"target": ["label", "a"]}, "metadata.target must be a column name"),
    "target a number": ({"target": 5}, "metadata.target must be a column name"),
    "wrong output width": ({"model": nn.Sequential(nn.Linear(3, 5))}, "5 output"),
}


@pytest.mark.parametrize("case", HOSTILE_MODELS)
@pytest.mark.parametrize("command", ["evaluate", "predict"])
def test_hostile_model_files_exit_2(capsys, tmp_path, trained, labelled_csv, case, command):
    kwargs, match = HOSTILE_MODELS[case]
    path = _variant(trained, tmp_path / "hostile.safetensors", **kwargs)
    assert match in bad(capsys, command, path, "--data", labelled_csv)


def test_hostile_model_files_print_one_line_and_no_warnings(tmp_path, trained, labelled_csv):
    """In a fresh process, where Python would print any warning to stderr."""
    for i, case in enumerate(("no parameters", "RNN first", "a loss as a layer")):
        kwargs, match = HOSTILE_MODELS[case]
        path = _variant(trained, tmp_path / f"h{i}.safetensors", **kwargs)
        assert match in one_error_line(
            run_cli("predict", path, "--data", labelled_csv, cwd=tmp_path)
        )


# ============================================================================ recipes
RECIPES = {
    "layers beyond memory": (
        '[data]\nsource = "moons"\n[model]\nlayers = [1000000, 1000000]\n',
        r"model.layers = \[1000000, 1000000\] \(1,000,006,000,002 parameters for 2 inputs\) "
        "needs about 24 TB of memory",
    ),
    "n_samples = 10**12": (
        '[data]\nsource = "moons"\noptions = {n_samples = 1000000000000}\n',
        r"make_moons\(n_samples=1000000000000\) needs about 64 TB of memory",
    ),
    "deeply nested TOML": (
        '[data]\nsource = "moons"\n[model]\nlayers = ' + "[" * 5000 + "]" * 5000 + "\n",
        "nested too deeply",
    ),
    "deeply nested tables": (
        "a = " + "{b = " * 3000 + "1" + "}" * 3000 + "\n",
        "nested too deeply",
    ),
    "epochs = 2**63 - 1": (
        '[data]\nsource = "moons"\n[training]\nepochs = 9223372036854775807\n',
        "training.epochs must be at most 1,000,000, got 9223372036854775807",
    ),
    "batch_size = 2.5": (
        '[data]\nsource = "moons"\n[training]\nbatch_size = 2.5\n',
        'training.batch_size must be an integer >= 1 or "full", got 2.5',
    ),
}


@pytest.mark.parametrize("case", RECIPES)
def test_hostile_recipes_exit_2_before_training(capsys, tmp_path, monkeypatch, case):
    monkeypatch.chdir(tmp_path)
    text, match = RECIPES[case]
    (tmp_path / "r.toml").write_text(text)
    assert re.search(match, bad(capsys, "train", "r.toml", "--out", "run", "-q"))
    assert not (tmp_path / "run").exists()  # nothing started, nothing left


def test_epochs_on_the_command_line_are_bounded_too(capsys, tmp_path, monkeypatch, recipe_file):
    monkeypatch.chdir(tmp_path)
    line = bad(capsys, "train", recipe_file, "--epochs", str(2**63 - 1))
    assert "--epochs must be at most 1,000,000" in line


def test_a_value_beyond_float32_is_named_by_its_file_line(capsys, tmp_path, monkeypatch):
    """1e39 is finite in float64 and inf in float32: refused when the CSV is read, at the
    line of the file (not the row of a split), before any training."""
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(40, 2)), columns=["a", "b"])
    df["y"] = (df["a"] > 0).astype(int)
    df.loc[17, "b"] = 1e39  # data row 17 is line 19 of the file (header = line 1)
    df.to_csv("d.csv", index=False)
    (tmp_path / "r.toml").write_text('[data]\nsource = "d.csv"\ntarget = "y"\n')
    line = bad(capsys, "train", "r.toml", "--out", "run", "-q")
    assert "beyond float32's range" in line and "['b'] at lines [19]" in line
    assert not (tmp_path / "run").exists()
    df.loc[17, "b"] = 0.0
    df.loc[5, "y"] = 0
    df["y"] = df["y"].astype(float)
    df.loc[5, "y"] = -2e39  # a regression target likewise
    df.to_csv("d.csv", index=False)
    assert "at lines [7]" in bad(capsys, "train", "r.toml", "--out", "run", "-q")


def test_hostile_recipes_print_one_line_and_no_warnings(tmp_path):
    for i, case in enumerate(("layers beyond memory", "deeply nested TOML", "epochs = 2**63 - 1")):
        (tmp_path / f"r{i}.toml").write_text(RECIPES[case][0])
        one_error_line(run_cli("train", f"r{i}.toml", "-q", cwd=tmp_path))


# ============================================================================ full disk
def test_a_full_disk_keeps_the_model_elsewhere_and_says_where(
    capsys, tmp_path, monkeypatch, recipe_file, labelled_csv
):
    """No room in the run folder: the trained model goes to the temporary folder, complete
    with its preprocessing, and the one error line says where."""
    monkeypatch.chdir(tmp_path)
    elsewhere = tmp_path / "tmp"
    elsewhere.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(elsewhere))
    real = io.atomic_write

    def full(path, data):  # the disk fills up as the trained model is saved
        if Path(path).resolve() == (tmp_path / "run" / "model.safetensors").resolve():
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, data)

    monkeypatch.setattr(io, "atomic_write", full)
    line = bad(capsys, "train", recipe_file, "--out", "run", "-q", "--epochs", "3")
    assert "cannot write run/model.safetensors: No space left on device" in line
    (kept,) = elsewhere.iterdir()
    assert f"the trained model is kept in {kept}" in line
    model = rb.load(kept)
    X = pd.read_csv(labelled_csv)[["a", "b", "c"]].to_numpy(np.float32)
    assert set(predict(model, X, model.preprocessing)) <= {"no", "yes"}
    assert not (tmp_path / "run" / "model.safetensors").exists()


def _limit_file_size(limit: int):
    def set_limit() -> None:  # Python ignores SIGXFSZ: a write beyond the limit is EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return set_limit


def _run_limited(limit: int, *args, cwd: Path):
    cmd = [sys.executable, "-m", "rosenblatt", *map(str, args)]
    # the JIT kernels would write their cache files too: the NumPy references do not
    # (and matplotlib keeps its font cache where it is)
    import matplotlib

    env = {**_ENV, "TMPDIR": str(cwd), "HOME": str(cwd), "ROSENBLATT_JIT": "0",
           "MPLCONFIGDIR": matplotlib.get_configdir()}  # fmt: skip
    return subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, env=env, timeout=300,
        preexec_fn=_limit_file_size(limit),
    )  # fmt: skip


def test_no_room_anywhere_says_where_the_model_would_have_gone(tmp_path, labelled_csv):
    """Every file is limited to 4 kB (``ulimit -f``): the history fits, the model (and the
    training state backed up after each epoch, which holds it) does not, here or anywhere
    else; one line names the file and says the model could not be kept."""
    (tmp_path / "r.toml").write_text(
        '[data]\nsource = "train.csv"\ntarget = "label"\n[model]\nlayers = [256]\n'
        "[training]\nepochs = 3\n"
    )
    r = _run_limited(4096, "train", "r.toml", "--out", "run", "-q", cwd=tmp_path)
    line = one_error_line(r)
    assert "training stopped: run/.backup/backup.safetensors: File too large" in line
    assert "could not be kept elsewhere either" in line


def test_no_room_during_training_exits_2(tmp_path, labelled_csv):
    """The history file cannot grow past its header: training stops with one line."""
    (tmp_path / "r.toml").write_text(
        '[data]\nsource = "train.csv"\ntarget = "label"\n[model]\nlayers = [64]\n'
        "[training]\nepochs = 30\n"
    )
    r = _run_limited(60, "train", "r.toml", "--out", "run", "-q", cwd=tmp_path)
    line = one_error_line(r)
    assert "training stopped:" in line and "File too large" in line
