"""Shared test setup: the op harness is importable from every test folder, seeds are fixed."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent / "ops"))  # `from harness import check_op`

import rosenblatt as rb  # noqa: E402

torch.set_num_threads(1)  # tests are small; the machine is shared


@pytest.fixture(autouse=True)
def _seed() -> None:
    """Every test starts from the same global seed (rosenblatt and torch)."""
    rb.manual_seed(0)
    torch.manual_seed(0)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
