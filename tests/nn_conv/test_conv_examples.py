"""The LeNet-5 example reaches the issue's accuracy on scikit-learn's digits (slow)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load_example(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_lenet5_on_digits_reaches_0_985():
    assert load_example("lenet_digits").main() >= 0.985
