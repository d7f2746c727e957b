"""What the kernels cost a user before they pay, checked in fresh processes: ``import
rosenblatt`` does not import numba, ``ROSENBLATT_JIT=0`` never imports it, compiled kernels
go to the cache directory the environment names and are loaded from it by the next
process, and ``rb.set_num_threads`` sets the kernels' threads as well as BLAS's."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("numba")

_STEP = """
import json, sys
import numpy as np
import rosenblatt as rb
from rosenblatt import nn, optim
before = "numba" in sys.modules
rb.manual_seed(0)
x = rb.from_numpy(np.random.default_rng(0).standard_normal((64, 64)).astype(np.float32))
y = rb.from_numpy(np.arange(64) % 10)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = optim.Adam(model.parameters())
loss = nn.CrossEntropyLoss()(model(x), y)
loss.backward()
opt.step()
print(json.dumps({"numba_at_import": before, "numba_after_step": "numba" in sys.modules,
                  "loss": float(loss)}))
"""


def _run(code: str, **env: str) -> dict:
    full = {**os.environ, "ROSENBLATT_JIT": "1", **env}  # kernels on unless env says
    out = subprocess.run(
        [sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_does_not_import_numba_and_jit_off_never_does(tmp_path):
    on = _run(_STEP, NUMBA_CACHE_DIR=str(tmp_path))
    assert not on["numba_at_import"] and on["numba_after_step"]
    off = _run(_STEP, ROSENBLATT_JIT="0")
    assert not off["numba_at_import"] and not off["numba_after_step"]
    assert off["loss"] == pytest.approx(on["loss"], rel=1e-6)


def test_compiled_kernels_are_cached_where_the_environment_says(tmp_path):
    """NUMBA_CACHE_DIR (the writable directory for an install whose site-packages is
    read-only): the first process writes index and code files there, the second loads
    them instead of compiling (its files are not rewritten)."""
    cache = tmp_path / "numba-cache"
    _run(_STEP, NUMBA_CACHE_DIR=str(cache))
    files = sorted(p for p in cache.rglob("*") if p.is_file())
    assert any(p.suffix == ".nbi" for p in files) and any(p.suffix == ".nbc" for p in files)
    assert any("kernels" in str(p) for p in files)
    stamps = {p: p.stat().st_mtime_ns for p in files}
    _run(_STEP, NUMBA_CACHE_DIR=str(cache))
    assert {p: p.stat().st_mtime_ns for p in files} == stamps


_THREADS = """
import json
import numpy as np
import numba
import rosenblatt as rb
from rosenblatt.kernels import _jit
from rosenblatt.kernels import activation as A
rb.set_num_threads(1)
z = np.ones((2048, 1024), np.float32)
A.act_forward(z, A.RELU, out=z)  # compiles the activation kernels, then re-applies the setting
one = (_jit.get_num_threads(), numba.get_num_threads())
rb.set_num_threads(2)
print(json.dumps({"one": one, "two": (_jit.get_num_threads(), numba.get_num_threads())}))
"""


def test_set_num_threads_sets_the_kernels_threads(tmp_path):
    if (os.cpu_count() or 1) < 2:
        pytest.skip("needs two cores")
    got = _run(_THREADS, NUMBA_CACHE_DIR=str(tmp_path), NUMBA_NUM_THREADS="2")
    assert got == {"one": [1, 1], "two": [2, 2]}


def test_the_environment_sets_the_kernels_threads():
    code = "import json; from rosenblatt.kernels import _jit; print(_jit.get_num_threads())"
    full = {**os.environ, "ROSENBLATT_NUM_THREADS": "3", "ROSENBLATT_JIT": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True)
    assert json.loads(out.stdout) == 3, out.stderr


def test_every_kernel_releases_the_gil():
    """Both compiled versions of every kernel are nogil: a user's threads (a DataLoader's,
    a second training loop) run Python while a kernel computes."""
    import importlib

    from rosenblatt.kernels import _jit

    for name in ("activation", "conv", "loss", "optim", "recurrent"):
        importlib.import_module(f"rosenblatt.kernels.{name}")
    kernels = [k for ks in _jit._KERNELS.values() for k in ks]
    assert len(kernels) >= 10
    for k in kernels:
        for version in (k.serial, k.parallel):
            assert version.targetoptions.get("nogil") is True, k
