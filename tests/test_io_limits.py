"""Loading a model file costs what the file holds: hostile architectures are refused before
memory or time is spent on them (issue 15, item 1).

Memory is measured in a fresh process (``resource.getrusage``'s peak resident set size),
so the numbers are those the operating system sees, not an estimate.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy

import rosenblatt as rb
from rosenblatt import io, nn


def _model_file(path: Path, arch, tensors: dict | None = None) -> Path:
    text = arch if isinstance(arch, str) else json.dumps(arch)
    meta = {"rosenblatt.kind": "model", "rosenblatt.architecture": text}
    safetensors.numpy.save_file(tensors or {}, str(path), metadata=meta)
    return path


def _linear(n_in: int, n_out: int) -> dict:
    return {"type": "Linear", "args": [n_in, n_out], "kwargs": {}}


_PEAK = textwrap.dedent(
    """
    import resource, sys, time
    import rosenblatt as rb
    def peak():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    before, start = peak(), time.perf_counter()
    try:
        rb.load(sys.argv[1])
        outcome = "loaded"
    except (ValueError, OSError) as e:
        outcome = "refused: " + str(e)
    print(peak() - before, time.perf_counter() - start)
    print(outcome)
    """
)


def _load_in_fresh_process(path: Path) -> tuple[int, float, str]:
    """(extra peak RSS in bytes, seconds, outcome) of ``rb.load(path)`` in a new process."""
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, str(path)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    numbers, outcome = out.stdout.strip().split("\n", 1)
    extra, seconds = numbers.split()
    return int(extra), float(seconds), outcome


def test_a_huge_layer_without_weights_costs_no_memory(tmp_path: Path) -> None:
    """The 565-byte file of the issue, scaled down: Linear(8000, 8000) asks for 256 MB of
    float32 weights (and 512 MB of float64 random numbers to initialise them) but the file
    holds none. The loader compares against the file's tensors before using memory."""
    path = _model_file(tmp_path / "huge.safetensors", _linear(8000, 8000))
    assert path.stat().st_size < 600
    extra, seconds, outcome = _load_in_fresh_process(path)
    assert outcome.startswith("refused: ") and "asks for" in outcome, outcome
    assert extra < 32 * 2**20, f"peak memory grew by {extra / 2**20:.0f} MiB"
    assert seconds < 5


def test_weights_about_to_be_overwritten_are_not_initialised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.LSTM(4, 5), nn.Conv2d(1, 2, 3))
    path = tmp_path / "m.safetensors"
    rb.save(model, path)

    def forbidden(self) -> None:
        raise AssertionError(f"{type(self).__name__}.reset_parameters ran while loading")

    for cls in (nn.Linear, nn.BatchNorm1d, nn.LSTM, nn.Conv2d):
        monkeypatch.setattr(cls, "reset_parameters", forbidden)
    loaded = rb.load(path)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(loaded.state_dict()[k], v)
    with pytest.raises(ValueError, match="reset_parameters ran"):
        io.build_module(io.module_config(model))  # a fresh model is still initialised


def test_a_user_module_is_built_as_its_constructor_says(tmp_path: Path) -> None:
    """Registered classes of the user's own may create weights in reset_parameters: they are
    built normally (and still counted against the file's bytes)."""

    class Scale(nn.Module):
        def __init__(self, n: int) -> None:
            super().__init__()
            self.n = n
            self.reset_parameters()

        def reset_parameters(self) -> None:
            self.weight = nn.Parameter(np.ones(self.n, np.float32))

    io.register_module(Scale, "TestLimitsScale")
    try:
        model = Scale(3)
        model.weight.data[...] = 2.0
        rb.save(model, tmp_path / "s.safetensors")
        np.testing.assert_array_equal(rb.load(tmp_path / "s.safetensors").weight.numpy(), 2.0)
    finally:
        io._REGISTERED.pop("TestLimitsScale")


def test_layers_beyond_the_files_bytes_are_refused(tmp_path: Path) -> None:
    """A small layer with its weights, then one the file has no bytes for."""
    arch = {
        "type": "Sequential",
        "args": [{"__module__": _linear(2, 3)}, {"__module__": _linear(3000, 3000)}],
        "kwargs": {},
    }
    tensors = {"0.weight": np.zeros((3, 2), np.float32), "0.bias": np.zeros(3, np.float32)}
    with pytest.raises(ValueError, match=r"asks for .* the file holds 36 bytes of tensors"):
        rb.load(_model_file(tmp_path / "m.safetensors", arch, tensors))


def test_float64_architecture_of_float16_weights_still_loads(tmp_path: Path) -> None:
    """The allowance is wide enough for any legitimate file: the widest dtype the
    architecture can build (float64) for the narrowest the file can hold (float16)."""
    arch = {"type": "Linear", "args": [40, 30], "kwargs": {"dtype": {"__dtype__": "float64"}}}
    tensors = {"weight": np.ones((30, 40), np.float16), "bias": np.ones(30, np.float16)}
    model = rb.load(_model_file(tmp_path / "m.safetensors", arch, tensors))
    assert model.weight.dtype == np.float16


def test_a_million_identity_layers_are_refused_quickly(tmp_path: Path) -> None:
    """The issue's 74 MB header took 22 s to build; refused without building or parsing."""
    one = '{"__module__": {"type": "Identity", "args": [], "kwargs": {}}}'
    text = '{"type": "Sequential", "args": [' + ", ".join([one] * 10**6) + '], "kwargs": {}}'
    path = _model_file(tmp_path / "deep.safetensors", text)
    start = time.perf_counter()
    with pytest.raises(ValueError, match="architecture"):
        rb.load(path)
    assert time.perf_counter() - start < 3


def test_too_many_modules_are_refused(tmp_path: Path) -> None:
    """Fewer bytes than the text limit, more modules than any real network has."""
    one = {"__module__": {"type": "Identity", "args": [], "kwargs": {}}}
    arch = {"type": "Sequential", "args": [one] * 20_000, "kwargs": {}}
    start = time.perf_counter()
    with pytest.raises(ValueError, match="more than 10000 modules"):
        rb.load(_model_file(tmp_path / "many.safetensors", arch))
    assert time.perf_counter() - start < 3
    with pytest.raises(ValueError, match="more than 10000 modules"):  # and never saved
        rb.save(nn.Sequential(*[nn.Identity() for _ in range(10_001)]), tmp_path / "x")


def test_a_buffer_filled_by_its_constructor_is_refused_before(tmp_path: Path) -> None:
    """BatchNorm1d(10**8) fills its running variance with ones in its constructor (400 MB
    touched): its size is checked against the file before it is built."""
    arch = {"type": "BatchNorm1d", "args": [10**8], "kwargs": {}}
    extra, seconds, outcome = _load_in_fresh_process(_model_file(tmp_path / "bn", arch))
    assert "asks for a size of 100,000,000" in outcome
    assert extra < 32 * 2**20 and seconds < 5
