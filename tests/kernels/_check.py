"""Kernel tests call both compiled versions (``.serial`` and ``.parallel``) of a kernel
directly, so they test the kernels whatever ``ROSENBLATT_JIT`` says; numba compiles each
kernel once per process (and reuses its disk cache across runs)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")


def assert_same(kernel_out: np.ndarray, reference: np.ndarray) -> None:
    """Bit for bit: same values, NaNs in the same places, same signs of zero."""
    assert kernel_out.shape == reference.shape and kernel_out.dtype == reference.dtype
    np.testing.assert_array_equal(kernel_out, reference)
    assert np.array_equal(np.signbit(kernel_out), np.signbit(reference))


def assert_close(kernel_out: np.ndarray, reference: np.ndarray, tol: float = 1e-6) -> None:
    """Within ``tol`` (absolute and relative): kernels that compute exp/tanh themselves."""
    assert kernel_out.shape == reference.shape and kernel_out.dtype == reference.dtype
    np.testing.assert_allclose(kernel_out, reference, rtol=tol, atol=tol)


VERSIONS = ["serial", "parallel"]
