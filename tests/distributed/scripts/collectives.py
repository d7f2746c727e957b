"""mpiexec -n P python collectives.py OUT_DIR: every rank runs each collective on data that
depend on its rank (x_r = default_rng(r).standard_normal(n)) and saves what it got."""

import sys
from pathlib import Path

import numpy as np

import rosenblatt as rb
import rosenblatt.distributed as dist

out = Path(sys.argv[1])
dist.init_process_group("mpi")
r, p = dist.get_rank(), dist.get_world_size()
res = {}
for n in (5, 40_000):  # below and above the gather-and-add size: both algorithms
    x = np.random.default_rng(r).standard_normal(n)
    for op in ("SUM", "AVG", "PRODUCT", "MIN", "MAX"):
        t = rb.tensor(x)
        dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
        res[f"{op}{n}"] = np.array(t)
    t = rb.tensor(x)
    dist.all_reduce(t, async_op=True).wait()
    res[f"async{n}"] = np.array(t)
    view = np.array(x)[::2]  # a non-contiguous array, reduced in place
    dist.all_reduce(view)
    res[f"strided{n}"] = view.copy()
bits = np.array([1 << r, 3], dtype=np.int64)
dist.all_reduce(bits, op=dist.ReduceOp.BOR)
res["BOR"] = bits
b = rb.tensor(np.full(3, float(r)))
dist.broadcast(b, src=p - 1)
res["broadcast"] = np.array(b)
parts = [rb.zeros(2, dtype=np.float64) for _ in range(p)]
dist.all_gather(parts, rb.tensor([float(r), 10.0 * r]))
res["all_gather"] = np.stack([np.array(t) for t in parts])
objs = [None] * p
dist.all_gather_object(objs, {"rank": r})
res["objects"] = np.array([o["rank"] for o in objs])
shared = [f"from {r}"]
dist.broadcast_object_list(shared, src=1)
res["object_broadcast"] = np.array(shared[0] == "from 1")
dist.barrier()
np.savez(out / f"rank{r}.npz", **res)
