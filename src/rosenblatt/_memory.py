"""Keep freed memory in the process for reuse (glibc malloc tuning, Linux only).

By default glibc hands every large freed block (>= 128 KiB, raised dynamically) back to the
operating system and trims the heap eagerly. A training step allocates and frees many
megabyte-sized NumPy arrays (im2col columns, activations, gradients), so each new array
then costs one page fault per 4 KiB page when it is first written -- for LeNet-5 on a batch
of 64 about 3 000 faults per step, as much time as all its convolutions together. PyTorch
avoids this with its caching allocator; here we ask malloc to keep blocks below 32 MiB in
the heap and to trim only above 256 MiB of free memory, so the next step reuses them.

This changes the whole process's malloc, so ``import rosenblatt`` does not do it: training
does. Creating an optimizer and the first ``backward()`` call :func:`keep_freed_memory_once`
(``rb.fit``, the CLI's ``train`` and hand-written loops make an optimizer before their first
step, so even that step's arrays are reused; a loop without one starts at ``backward()``).
Later calls test one flag. Set the environment variable ``ROSENBLATT_MALLOC=0`` to leave
malloc untouched.
"""

from __future__ import annotations

import os
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

_tried = False  # keep_freed_memory_once has run


def keep_freed_memory(mmap_threshold: int = 32 << 20, trim_threshold: int = 256 << 20) -> bool:
    """Tune glibc's malloc as described above; returns whether it was applied."""
    if os.environ.get("ROSENBLATT_MALLOC", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc (e.g. musl)
        return False
    ok = mallopt(_M_MMAP_THRESHOLD, mmap_threshold) and mallopt(_M_TRIM_THRESHOLD, trim_threshold)
    return bool(ok)


def keep_freed_memory_once() -> None:
    """:func:`keep_freed_memory` on the first call of the process; nothing after it."""
    global _tried
    if not _tried:
        _tried = True
        keep_freed_memory()
