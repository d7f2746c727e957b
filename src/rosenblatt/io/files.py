"""Files: writing a path atomically (``atomic_write``, ``atomic_path``), removing the
temporaries a killed writer left (``remove_stale_temporaries``), and reading or writing
"a path or an open binary file" (``FileLike``) for the readers and writers of this package.

An atomic write goes to a temporary file in the same directory (``.NAME.PID.XXXXXXXX.tmp``),
is fsynced and then renamed over the target with ``os.replace``: a reader sees the old file
or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from io import TextIOBase
from pathlib import Path
from typing import IO, Any

PathLike = str | os.PathLike
FileLike = str | os.PathLike | IO[bytes]


def atomic_write(path: PathLike, data: bytes | str) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The bytes go to a temporary file in the same directory, are flushed to disk (fsync),
    and the temporary file is renamed over ``path`` (``os.replace``, atomic on POSIX and
    Windows). On any error the temporary file is removed and ``path`` is untouched; one left
    by a process that was killed is removed by the next write to ``path``.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())

    with atomic_path(path) as tmp:
        write(tmp)


@contextlib.contextmanager
def atomic_path(path: PathLike) -> Iterator[Path]:
    """A temporary path beside ``path`` (same extension) to write to; renamed over ``path``
    when the block succeeds, removed when it fails -- for writers that take a path, such as
    ``fig.savefig``::

        with atomic_path("loss_curve.png") as tmp:
            fig.savefig(tmp)

    Temporaries are named ``.NAME.PID.XXXXXXXX.tmpEXT``; those of processes that no longer
    run (killed mid-write) are removed first.
    """
    target = Path(path)
    directory = target.parent
    remove_stale_temporaries(directory, target.name)
    fd, name = tempfile.mkstemp(
        dir=directory, prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp" + target.suffix
    )
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError) and e.filename is None and e.errno is not None:
            raise OSError(e.errno, e.strerror, str(target)) from e  # say which file
        raise
    with contextlib.suppress(OSError, AttributeError):  # make the rename itself durable
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_temporaries(directory: PathLike, name: str | None = None) -> list[Path]:
    """Remove the temporary files of ``atomic_path`` (for ``name``, or for any file) in
    ``directory`` whose writing process no longer runs; returns what was removed. On
    systems without POSIX process ids nothing is removed."""
    if os.name != "posix":
        return []
    removed = []
    pattern = f".{glob.escape(name)}.*.tmp*" if name is not None else ".*.tmp*"
    for tmp in Path(directory).glob(pattern):
        m = _TEMPORARY.match(tmp.name)
        if m and (name is None or m["name"] == name) and not _alive(int(m["pid"])):
            with contextlib.suppress(OSError):
                tmp.unlink()
                removed.append(tmp)
    return removed


# .NAME.PID.XXXXXXXX.tmpEXT (mkstemp's 8 random characters have no dot)
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[A-Za-z0-9_]{8}\.tmp(\.[^.]*)?$")


def _name_of(f: Any) -> str:
    """How messages name a path or an open file."""
    if hasattr(f, "read") or hasattr(f, "write"):
        name = getattr(f, "name", None)
        return repr(name) if isinstance(name, (str, bytes)) else f"the {type(f).__name__} object"
    return repr(os.fspath(f)) if isinstance(f, (str, os.PathLike)) else repr(f)


def _open_bytes(f: FileLike) -> tuple[bytes, str]:
    """All bytes of a path or an open binary file, and how to name it in messages."""
    where = _name_of(f)
    if hasattr(f, "read"):
        if isinstance(f, TextIOBase):
            raise TypeError(f"{where} is open in text mode: open it in binary mode 'rb'")
        raw = f.read()
        if not isinstance(raw, (bytes, bytearray, memoryview)):
            raise TypeError(f"{where} gave {type(raw).__name__}: open it in binary mode 'rb'")
        return bytes(raw), where
    if not isinstance(f, (str, os.PathLike)):
        raise TypeError(f"expected a path or an open binary file, got {type(f).__name__}")
    if not Path(f).is_file():
        raise FileNotFoundError(f"no such file: {where}")
    return Path(f).read_bytes(), where


def _write_bytes(f: FileLike, raw: bytes) -> None:
    """Write to an open binary file as is, to a path atomically (``atomic_write``)."""
    if isinstance(f, TextIOBase):
        raise TypeError(f"{_name_of(f)} is open in text mode: open it in binary mode 'wb'")
    if hasattr(f, "write"):
        f.write(raw)
    elif isinstance(f, (str, os.PathLike)):
        from . import atomic_write  # the package's: a caller (a test of a full disk) may replace it

        atomic_write(f, raw)
    else:
        raise TypeError(f"expected a path or an open binary file, got {type(f).__name__}")
