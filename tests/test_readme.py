"""The README's Python examples run as written (and say what they claim)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_the_quick_start_blocks():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_block_runs(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(BLOCKS[index], f"README.md block {index}", "exec"), namespace)
    if "x" in namespace and index == 0:  # the gradient of sum(x^2) is 2x
        np.testing.assert_array_equal(namespace["x"].grad, [[2.0, 4.0]])
    if "history" in namespace:
        history = namespace["history"].history
        assert len(history["loss"]) == len(history["val_accuracy"]) >= 1
        assert (tmp_path / "digits.safetensors").exists()
