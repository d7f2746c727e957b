"""The process group: which MPI job this process belongs to, its rank and its size.

One process per rank, started by ``mpiexec`` (MPICH, Open MPI, Intel MPI, MVAPICH): each
runs the same program on its part of the data. :func:`init_process_group` joins the job
through mpi4py's ``COMM_WORLD``; a process that was not started by ``mpiexec`` forms a
group of its own (world size 1, rank 0) without touching MPI, so the same program runs on a
laptop without MPI installed.

A collective waits for every rank. If one rank dies, hangs or never reaches the same
collective, the others would wait for ever; a watchdog thread therefore stops the whole job
(``MPI_Abort``) with a message naming the rank and the collective once a collective has
waited longer than the timeout (``init_process_group(timeout=...)``, or the environment
variable ``ROSENBLATT_DIST_TIMEOUT`` in seconds; 1800 s by default, as torch). An uncaught
exception on any rank stops the job the same way instead of leaving the others waiting.
"""

from __future__ import annotations

import datetime
import os
import sys
import threading
import time
from typing import Any

__all__ = [
    "DistBackendError",
    "destroy_process_group",
    "get_backend",
    "get_rank",
    "get_world_size",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_mpi_available",
    "launched_by_mpiexec",
]

# Variables that an MPI launcher sets in every process it starts.
_RANK_VARS = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "MV2_COMM_WORLD_RANK", "PMIX_RANK")
_SIZE_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")
_LOCAL_VARS = ("MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK", "MV2_COMM_WORLD_LOCAL_RANK")
_DEFAULT_TIMEOUT = 1800.0
_EXTRA = 'pip install "rosenblatt[mpi]"  (mpi4py and the mpich wheel, which brings mpiexec)'


class DistBackendError(RuntimeError):
    """A collective could not complete (torch.distributed's name for backend failures)."""


class _Group:
    """The default process group: the MPI communicator (None for a single process)."""

    def __init__(self, comm: Any, timeout: float) -> None:
        self.comm = comm
        self.rank = 0 if comm is None else comm.Get_rank()
        self.size = 1 if comm is None else comm.Get_size()
        self.timeout = timeout
        self.watchdog = _Watchdog(self) if self.size > 1 else None


_group: _Group | None = None


def launched_by_mpiexec() -> bool:
    """Whether an MPI launcher (``mpiexec``, ``mpirun``, ``srun --mpi``) started this process."""
    return any(v in os.environ for v in (*_RANK_VARS, *_LOCAL_VARS))


def _launched_size() -> int | None:
    """The world size the launcher announces, or None when it does not say."""
    for v in _SIZE_VARS:
        if os.environ.get(v, "").isdigit():
            return int(os.environ[v])
    return None


def is_mpi_available() -> bool:
    """Whether mpi4py (and so an MPI library) can be imported."""
    import importlib.util

    return importlib.util.find_spec("mpi4py") is not None


def is_available() -> bool:
    """Always True: the package works, on one process when MPI is not there."""
    return True


def is_initialized() -> bool:
    """Whether :func:`init_process_group` has been called (and not destroyed since)."""
    return _group is not None


def _mpi() -> Any:
    """mpi4py's MPI module (importing it initialises MPI), or a clear error naming the extra."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise RuntimeError(
            f"rosenblatt.distributed needs mpi4py and an MPI library for more than one "
            f"process, and mpi4py cannot be imported ({e}). Install them with: {_EXTRA}"
        ) from e
    return MPI


def _seconds(timeout: Any) -> float:
    if timeout is None:
        return float(os.environ.get("ROSENBLATT_DIST_TIMEOUT", _DEFAULT_TIMEOUT))
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    return float(timeout)


def init_process_group(
    backend: str | None = "mpi",
    init_method: str | None = None,
    timeout: datetime.timedelta | float | None = None,
    world_size: int = -1,
    rank: int = -1,
    store: Any = None,
    group_name: str = "",
    pg_options: Any = None,
    device_id: Any = None,
) -> None:
    """Join the MPI job this process was started in (torch.distributed's name).

    Under ``mpiexec -n P`` every process gets rank 0 ... P-1 of ``MPI.COMM_WORLD``. A process
    started without ``mpiexec`` forms a single-process group (world size 1, rank 0) and
    every collective becomes the identity, so the same program runs without MPI.

    Parameters
    ----------
    backend : {"mpi", "gloo"}
        Both mean MPI through mpi4py ("gloo" is accepted so that torch CPU programs run
        unchanged). GPU backends ("nccl") are refused.
    init_method, store, group_name, pg_options, device_id
        Accepted for torch compatibility and ignored: ``mpiexec`` does the rendezvous.
    timeout : datetime.timedelta or float (seconds), optional
        How long a collective may wait for the other ranks before the job is stopped with
        an error (default ``ROSENBLATT_DIST_TIMEOUT`` or 1800 s).
    world_size, rank : int
        If given (not -1), checked against what ``mpiexec`` started.

    Raises
    ------
    RuntimeError
        Called twice; a world size above 1 asked for without ``mpiexec``; mpi4py missing
        under ``mpiexec`` (the message names the extra ``rosenblatt[mpi]``).
    ValueError
        An unknown backend, or ``world_size``/``rank`` that disagree with ``mpiexec``.

    Examples
    --------
    >>> import rosenblatt.distributed as dist
    >>> dist.init_process_group("mpi")     # python script.py: a group of one
    >>> dist.get_rank(), dist.get_world_size()
    (0, 1)
    >>> dist.destroy_process_group()
    """
    global _group
    if _group is not None:
        raise RuntimeError("trying to initialize the default process group twice!")
    name = (backend or "mpi").lower()
    if name not in ("mpi", "gloo"):
        raise ValueError(
            f"backend {backend!r} is not available: rosenblatt runs on CPUs through MPI; "
            "use init_process_group('mpi') (or 'gloo')"
        )
    seconds = _seconds(timeout)
    if not launched_by_mpiexec():
        if world_size not in (-1, 1) or rank not in (-1, 0):
            hint = "" if is_mpi_available() else f" Install MPI first: {_EXTRA}."
            raise RuntimeError(
                f"init_process_group(world_size={world_size}, rank={rank}): this process was "
                f"not started by mpiexec, so it is a group of one. Start the ranks with "
                f"'mpiexec -n {max(world_size, 2)} python your_script.py'.{hint}"
            )
        _group = _Group(None, seconds)
        return
    comm = _mpi().COMM_WORLD
    if world_size not in (-1, comm.Get_size()) or rank not in (-1, comm.Get_rank()):
        raise ValueError(
            f"init_process_group(world_size={world_size}, rank={rank}) disagrees with mpiexec, "
            f"which started this process as rank {comm.Get_rank()} of {comm.Get_size()}"
        )
    _group = _Group(comm, seconds)
    if _group.size > 1:
        _install_abort_on_error()


def destroy_process_group(group: Any = None) -> None:
    """Leave the process group (MPI itself is finalised when the process exits)."""
    global _group
    if _group is not None and _group.watchdog is not None:
        _group.watchdog.stop()
    _group = None
    if getattr(sys.excepthook, "_rosenblatt_abort", False):
        sys.excepthook = sys.excepthook.__wrapped__  # type: ignore[attr-defined]


def _default_group() -> _Group:
    if _group is None:
        raise ValueError(
            "Default process group has not been initialized, please make sure to call "
            "init_process_group."
        )
    return _group


def get_backend(group: Any = None) -> str:
    """The backend of the process group: always "mpi"."""
    _default_group()
    return "mpi"


def get_rank(group: Any = None) -> int:
    """This process's rank, 0 ... world size - 1."""
    return _default_group().rank


def get_world_size(group: Any = None) -> int:
    """The number of processes (ranks) in the job."""
    return _default_group().size


# ---------------------------------------------------------------------- stopping a broken job
def _abort(message: str) -> None:
    """Print ``message`` and stop every rank of the job (mpiexec then exits non-zero)."""
    g = _group
    sys.stderr.write(message.rstrip() + "\n")
    sys.stderr.flush()
    if g is not None and g.comm is not None:
        # MPI_Abort makes mpiexec kill every rank at once, and output still in the pipe to
        # mpiexec's proxy can be lost with them (seen: 1 run in 4 printed nothing): give it
        # a moment to forward the message above first
        time.sleep(0.5)
        g.comm.Abort(1)
    os._exit(1)  # pragma: no cover - Abort does not return


def _install_abort_on_error() -> None:
    """An uncaught exception on one rank stops all ranks (as ``python -m mpi4py`` does),
    instead of leaving the others waiting in their next collective."""
    previous = sys.excepthook

    def hook(exc_type: Any, exc: Any, tb: Any) -> None:
        previous(exc_type, exc, tb)
        g = _group
        where = "" if g is None else f"rank {g.rank} of {g.size}: "
        _abort(f"rosenblatt.distributed: {where}stopping all ranks after the error above")

    hook._rosenblatt_abort = True  # type: ignore[attr-defined]
    hook.__wrapped__ = previous  # type: ignore[attr-defined]
    sys.excepthook = hook


class _Watchdog:
    """A daemon thread that stops the job when one collective waits longer than the timeout.

    ``enter(what)`` / ``leave()`` bracket every blocking collective (two attribute writes:
    nothing measurable per call); the thread wakes a few times per timeout period and aborts
    if the same collective is still running past its deadline. mpi4py releases the GIL while
    MPI waits, so the thread runs while the main thread is blocked inside MPI.
    """

    def __init__(self, group: _Group) -> None:
        self.group = group
        self.what: str | None = None
        self.started = 0.0
        self.count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rb-dist-watchdog", daemon=True)
        self._thread.start()

    def enter(self, what: str) -> None:
        self.started = time.monotonic()
        self.count += 1
        self.what = what

    def leave(self) -> None:
        self.what = None

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        timeout = self.group.timeout
        period = min(max(timeout / 4, 0.05), 5.0)
        while not self._stop.wait(period):
            what, count, started = self.what, self.count, self.started
            if what is None or time.monotonic() - started < timeout:
                continue
            if self.what == what and self.count == count:
                g = self.group
                _abort(
                    f"rosenblatt.distributed: rank {g.rank} of {g.size} waited more than "
                    f"{timeout:g} s in {what}: another rank has died, hangs, or did not reach "
                    f"the same collective (an error on that rank, a different number of "
                    f"batches). Stopping all ranks. (Set the limit with "
                    f"init_process_group(timeout=...) or ROSENBLATT_DIST_TIMEOUT.)"
                )
