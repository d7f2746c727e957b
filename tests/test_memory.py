"""rosenblatt._memory: malloc is tuned when training starts (the first optimizer or
backward), not at ``import rosenblatt``, and ``ROSENBLATT_MALLOC=0`` leaves it alone."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from rosenblatt import _memory

# Counts the calls of keep_freed_memory: none at import or in inference, one when training
# starts (argv[1]: "optimizer" makes one, "backward" calls backward first), none after.
PROGRAM = """
import sys
import rosenblatt as rb
from rosenblatt import _memory

calls = []
real = _memory.keep_freed_memory
_memory.keep_freed_memory = lambda: calls.append(real())
print(len(calls), _memory._tried)
x = rb.tensor([1.0, 2.0], requires_grad=True)
with rb.no_grad():
    rb.nn.Linear(2, 1)(x)  # a model's inference is not training
print(len(calls))
if sys.argv[1] == "optimizer":
    rb.optim.SGD([x], lr=0.1)
else:
    (x * x).sum().backward()
print(len(calls))
rb.optim.Adam([x])
(x * x).sum().backward()
print(len(calls), calls)
"""


@pytest.mark.parametrize("start", ["optimizer", "backward"])
def test_import_leaves_malloc_alone_and_training_tunes_it_once(start):
    env = {k: v for k, v in os.environ.items() if k != "ROSENBLATT_MALLOC"}
    out = subprocess.run(
        [sys.executable, "-c", PROGRAM, start], capture_output=True, text=True, env=env, check=True
    ).stdout.split("\n")
    applied = sys.platform.startswith("linux") and _memory.keep_freed_memory()
    assert out[:4] == ["0 False", "0", "1", f"1 [{applied}]"]


def test_rosenblatt_malloc_0_leaves_malloc_untouched(monkeypatch):
    monkeypatch.setenv("ROSENBLATT_MALLOC", "0")
    assert _memory.keep_freed_memory() is False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_on_glibc_the_tuning_is_applied(monkeypatch):
    monkeypatch.delenv("ROSENBLATT_MALLOC", raising=False)
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").mallopt  # noqa: B018
    except (OSError, AttributeError):
        pytest.skip("not glibc")
    assert _memory.keep_freed_memory() is True
