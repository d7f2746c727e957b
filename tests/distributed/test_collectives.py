"""Collectives under mpiexec against NumPy on the same per-rank data (the oracle): sums
formed in rank order, bit for bit, on every rank, for small and large buffers."""

from __future__ import annotations

import numpy as np
import pytest
from _mpi import SCRIPTS, mpirun, needs_mpi

pytestmark = needs_mpi


def rank_order(parts, op):
    acc = parts[0].copy()
    for p in parts[1:]:
        acc = acc * p if op == "PRODUCT" else acc + p
    return acc


@pytest.mark.parametrize("ranks", [2, 3])
def test_collectives_against_numpy(tmp_path, ranks):
    mpirun(ranks, str(SCRIPTS / "collectives.py"), str(tmp_path))
    got = [dict(np.load(tmp_path / f"rank{r}.npz")) for r in range(ranks)]
    for n in (5, 40_000):
        xs = [np.random.default_rng(r).standard_normal(n) for r in range(ranks)]
        expected = {
            "SUM": rank_order(xs, "SUM"),
            "AVG": rank_order(xs, "SUM") / ranks,
            "PRODUCT": rank_order(xs, "PRODUCT"),
            "MIN": np.min(xs, axis=0),
            "MAX": np.max(xs, axis=0),
            "async": rank_order(xs, "SUM"),
            "strided": rank_order([x[::2] for x in xs], "SUM"),
        }
        for r in range(ranks):
            for op, value in expected.items():
                # the same bits as ((x_0 + x_1) + x_2): not merely close
                np.testing.assert_array_equal(
                    got[r][f"{op}{n}"], value, err_msg=f"{op} {n} rank {r}"
                )
    for r in range(ranks):
        assert got[r]["BOR"].tolist() == [(1 << ranks) - 1, 3]
        np.testing.assert_array_equal(got[r]["broadcast"], np.full(3, ranks - 1.0))
        np.testing.assert_array_equal(got[r]["all_gather"], [[q, 10.0 * q] for q in range(ranks)])
        assert got[r]["objects"].tolist() == list(range(ranks))
        assert bool(got[r]["object_broadcast"])
