"""Shared test setup: the op harness is importable from every test folder, seeds are fixed."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent / "ops"))  # `from harness import check_op`

import rosenblatt as rb  # noqa: E402

# Tests use small arrays: one BLAS thread is as fast, and several threads spinning on a
# shared 2-core machine make a 300x200 QR take seconds instead of 10 ms.
torch.set_num_threads(1)
_BLAS_LIMIT = threadpool_limits(limits=1)


@pytest.fixture(autouse=True)
def _seed() -> None:
    """Every test starts from the same global seed (rosenblatt and torch)."""
    rb.manual_seed(0)
    torch.manual_seed(0)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
