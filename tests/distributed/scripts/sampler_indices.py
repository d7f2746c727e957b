"""mpiexec -n P python sampler_indices.py OUT_DIR N: every rank writes the indices its
DistributedSampler (world size and rank from the process group) gives in epochs 0 and 1,
with and without shuffling and drop_last."""

import json
import sys
from pathlib import Path

import rosenblatt.distributed as dist
from rosenblatt.utils.data import DistributedSampler

out, n = Path(sys.argv[1]), int(sys.argv[2])
dist.init_process_group("mpi")
result = {}
for shuffle in (True, False):
    for drop_last in (True, False):
        sampler = DistributedSampler(range(n), shuffle=shuffle, seed=5, drop_last=drop_last)
        for epoch in (0, 1):
            sampler.set_epoch(epoch)
            result[f"{shuffle}-{drop_last}-{epoch}"] = [int(i) for i in sampler]
(out / f"rank{dist.get_rank()}.json").write_text(json.dumps(result))
