"""The machinery behind the kernels: one switch, lazy numba, threads, flat views.

A kernel is written once, as a plain Python loop over arrays (``prange`` marks the loop
that threads share), and decorated with :func:`kernel`. Nothing is compiled and numba is
not even imported until a kernel of that family (module) is first called; then
:func:`_materialize` imports numba, swaps the module's placeholders for numba's objects
(``prange``, the helpers marked with :func:`helper`, the bit casts) and makes two compiled
versions of every kernel: ``k.parallel`` (``@njit(parallel=True)``, threads share the
``prange`` loop) and ``k.serial`` (the same loop on one thread, for arrays too small to be
worth waking the threads). Compiled code is cached on disk (``cache=True``): next to the
source when its ``__pycache__`` is writable, else in the user's cache directory
(``~/.cache/numba``, or ``NUMBA_CACHE_DIR``), else not at all.

Both versions release the GIL (``nogil``): Python threads of the user (a DataLoader's, a
second model) run while a kernel computes.

Floating point: no ``fastmath`` (no reassociation, no fused multiply-add), so a kernel that
does the reference's operations in the reference's order gives the same bits;
``error_model="numpy"`` (a division by zero gives inf/nan as in NumPy, instead of raising),
which also lets loops with a division vectorise.

Threads: kernels use ``get_num_threads()`` threads -- ``rb.set_num_threads(n)``, else the
environment (``ROSENBLATT_NUM_THREADS``, ``NUMBA_NUM_THREADS``, ``OMP_NUM_THREADS``), else
every core. Numba's ``workqueue`` threading layer is chosen unless ``NUMBA_THREADING_LAYER``
says otherwise: its idle threads sleep, where OpenMP's spin for a while after every kernel
and steal the core that the next BLAS call wants (measured: a GEMM + ReLU loop ran several
times slower with OpenMP's spinning threads on a 2-core machine). Only the thread that
launched the first parallel kernel launches parallel kernels (the workqueue layer is not
re-entrant); other threads run the serial version.
"""

from __future__ import annotations

import os
import sys
import threading
import types
from collections.abc import Callable
from typing import Any

import numpy as np

_OFF = {"0", "false", "no", "off"}

#: ``ROSENBLATT_JIT=0`` (read once, at import) selects the NumPy reference of every kernel.
JIT: bool = os.environ.get("ROSENBLATT_JIT", "1").strip().lower() not in _OFF

#: work (elements touched) from which a kernel runs on several threads. Waking the
#: workqueue's sleeping threads costs ~30 us (measured on a shared 2-core VM: a parallel
#: relu over 2048 x 100 floats took 27-41 us, the serial one 18 us), so only large arrays
#: (im2col of a convolution layer, ~4 MB) gain from the second thread.
PARALLEL_MIN = 1 << 20
#: below this many elements one NumPy call costs less than preparing a kernel call
SMALL = 2048


# ---------------------------------------------------------------------- placeholders
def prange(*args: int) -> range:
    """``range`` in plain Python; numba's ``prange`` (a loop split over threads) once compiled."""
    return range(*args)


def f32_as_i32(x: Any) -> Any:
    """The bits of a float32 as an int32 (an LLVM bitcast once compiled)."""
    return np.float32(x).view(np.int32)


def i32_as_f32(x: Any) -> Any:
    """The float32 whose bits are the int32 ``x`` (an LLVM bitcast once compiled)."""
    return np.int32(x).view(np.float32)


_HELPERS: dict[Callable, dict[str, Any]] = {}
_COMPILED_HELPERS: dict[Callable, Any] = {}
_KERNELS: dict[str, list[Kernel]] = {}
_DONE: set[str] = set()
_LOCK = threading.RLock()
_numba: Any = None


def helper(fn: Callable) -> Callable:
    """Mark a scalar function called from kernels: compiled inline into its callers."""
    _HELPERS[fn] = {"inline": "always", "error_model": "numpy"}
    return fn


class Kernel:
    """A loop compiled twice on first use: ``.parallel`` (threads share the ``prange``
    loop) and ``.serial``. ``.py`` is the plain Python function (runs, slowly, uncompiled).
    Call through :func:`launch`, which picks the version for the amount of work."""

    parallel: Any  # set by _materialize (until then __getattr__ compiles)
    serial: Any

    def __init__(self, fn: Callable) -> None:
        self.py = fn
        self.module = fn.__module__
        self.__name__ = fn.__name__
        self.__doc__ = fn.__doc__

    def __getattr__(self, name: str) -> Any:  # only reached before the first compile
        if name in ("parallel", "serial"):
            _materialize(self.module)
            return self.__dict__[name]
        raise AttributeError(name)

    def __repr__(self) -> str:
        return f"<kernel {self.module}.{self.__name__}>"


def kernel(fn: Callable) -> Kernel:
    """Register ``fn`` (a loop over arrays) as a kernel of its module; see the module doc."""
    k = Kernel(fn)
    _KERNELS.setdefault(fn.__module__, []).append(k)
    return k


# ---------------------------------------------------------------------- compiling
def _import_numba() -> Any:
    global _numba
    if _numba is None:
        import numba

        if "NUMBA_THREADING_LAYER" not in os.environ:
            numba.config.THREADING_LAYER = "workqueue"  # type: ignore[attr-defined]
        _stamp_shared_sources()
        _numba = numba
    return _numba


_HERE = os.path.dirname(os.path.abspath(__file__))


def _source_hash(path: str) -> str:
    import hashlib

    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _stamp_shared_sources() -> None:
    """Make a cached kernel stale when a file it compiles in changes, not only its own.

    Numba checks only the source file of the cached function; a kernel also compiles in
    the helpers of ``_math.py`` and the bit casts of this file. Cache locators of our own
    (tried before numba's, for files of this package only) add those files' hashes to the
    stamp. Numba's private API: if it moves, the cache keeps numba's own rule.
    """
    try:
        from numba.core import caching

        impl = caching.CacheImpl
        bases = (
            caching.UserProvidedCacheLocator,  # NUMBA_CACHE_DIR, when set
            caching.InTreeCacheLocator,
            caching.UserWideCacheLocator,
        )
    except (ImportError, AttributeError):
        return
    shared = tuple(_source_hash(os.path.join(_HERE, name)) for name in ("_jit.py", "_math.py"))

    def stamp(self: Any) -> Any:
        return (super(type(self), self).get_source_stamp(), shared)

    def from_function(cls: Any, py_func: Any, py_file: str) -> Any:
        if os.path.dirname(os.path.abspath(py_file)) != _HERE:
            return None
        return super(cls, cls).from_function(py_func, py_file)

    ours = [
        type(
            "Rosenblatt" + base.__name__,
            (base,),
            {"get_source_stamp": stamp, "from_function": classmethod(from_function)},
        )
        for base in bases
    ]
    if not any(c.__name__.startswith("Rosenblatt") for c in impl._locator_classes):
        impl._locator_classes[0:0] = ours  # type: ignore[assignment]


def _bitcasts(numba: Any) -> dict[Callable, Any]:
    """LLVM bitcasts float32 <-> int32 (numba has no scalar ``view``)."""
    from llvmlite import ir  # type: ignore[import-untyped]
    from numba import types
    from numba.extending import intrinsic

    @intrinsic
    def f32_as_i32_(typingctx: Any, x: Any) -> Any:
        def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
            return builder.bitcast(args[0], ir.IntType(32))

        return types.int32(types.float32), codegen

    @intrinsic
    def i32_as_f32_(typingctx: Any, x: Any) -> Any:
        def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
            return builder.bitcast(args[0], ir.FloatType())

        return types.float32(types.int32), codegen

    return {f32_as_i32: f32_as_i32_, i32_as_f32: i32_as_f32_}


_SWAPS: dict[Callable, Any] = {}


def _njit(fn: Callable, **options: Any) -> Any:
    """numba.njit with the disk cache, or without it where no cache directory is writable."""
    numba = _import_numba()
    try:
        return numba.njit(cache=True, **options)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(**options)(fn)


_SWAPPED: set[str] = set()


def _twin(fn: Callable, suffix: str) -> Callable:
    """A copy of ``fn`` under another qualified name. Numba's disk cache keys a function by
    its qualified name and argument types only, not by its compile options: the serial and
    the parallel version of one loop would share one cache entry, and whichever was
    compiled first would be loaded for both."""
    twin = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__)
    twin.__qualname__ = f"{fn.__qualname__}_{suffix}"
    twin.__module__ = fn.__module__
    twin.__doc__ = fn.__doc__
    return twin


def _swap_globals(namespace: dict[str, Any]) -> None:
    """Replace placeholders in a module's globals by their compiled counterparts (numba
    compiles lazily: a helper's dispatcher exists before its module is swapped)."""
    if namespace["__name__"] in _SWAPPED:
        return
    _SWAPPED.add(namespace["__name__"])
    numba = _import_numba()
    if not _SWAPS:
        _SWAPS.update(_bitcasts(numba))
        _SWAPS[prange] = numba.prange
    for name, value in list(namespace.items()):
        if not callable(value):
            continue
        try:
            swap = _SWAPS.get(value)
        except TypeError:  # unhashable
            continue
        if swap is not None:
            namespace[name] = swap
        elif value in _HELPERS:
            compiled = _COMPILED_HELPERS.get(value)
            if compiled is None:
                _swap_globals(value.__globals__)  # the helper's own module first
                compiled = _COMPILED_HELPERS[value] = _njit(value, **_HELPERS[value])
            namespace[name] = compiled


def _materialize(module: str) -> None:
    """Import numba and give every kernel of ``module`` its two compiled versions."""
    with _LOCK:
        if module in _DONE:
            return
        _swap_globals(sys.modules[module].__dict__)
        for k in _KERNELS.get(module, []):
            k.parallel = _njit(k.py, parallel=True, error_model="numpy", nogil=True)
            k.serial = _njit(_twin(k.py, "serial"), error_model="numpy", nogil=True)
        _DONE.add(module)
        set_num_threads(get_num_threads())


# ---------------------------------------------------------------------- threads
_threads: int | None = None
_launcher: int | None = None


def _env_threads() -> int | None:
    for var in ("ROSENBLATT_NUM_THREADS", "NUMBA_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(var, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    return None


def get_num_threads() -> int:
    """Threads a parallel kernel uses (see the module docstring)."""
    if _threads is not None:
        return _threads
    return _env_threads() or os.cpu_count() or 1


def set_num_threads(n: int) -> None:
    """Let parallel kernels use ``n`` threads (at most numba's pool size, every core)."""
    global _threads
    _threads = max(int(n), 1)
    if _numba is not None:
        _numba.set_num_threads(min(_threads, _numba.config.NUMBA_NUM_THREADS))


def launch(k: Kernel, work: int, *args: Any) -> Any:
    """Run kernel ``k`` on ``args``: the parallel version when ``work`` (elements touched)
    reaches :data:`PARALLEL_MIN` and more than one thread is allowed, else the serial one."""
    global _launcher
    if work < PARALLEL_MIN:
        return k.serial(*args)
    if get_num_threads() > 1:
        me = threading.get_ident()
        if _launcher is None:
            _launcher = me
        if _launcher == me:
            return k.parallel(*args)
    return k.serial(*args)


# ---------------------------------------------------------------------- arrays
def flat(a: np.ndarray) -> np.ndarray | None:
    """``a`` as a 1-D view in memory order, or None when its elements are not one dense
    block (a strided slice). Two arrays of the same shape and strides line up element for
    element in their flat views, whatever their axis order (conv outputs are stored CHWN)."""
    if a.flags.c_contiguous:
        return a.reshape(-1)
    if a.flags.f_contiguous:
        return a.T.reshape(-1)
    r = a.ravel(order="K")
    return r if np.may_share_memory(r, a) else None


def usable(*arrays: Any) -> bool:
    """Kernels on: every argument is an ndarray of float32 or float64 (Tensors in a double
    backward, integer or float16 arrays take the NumPy reference)."""
    if not JIT:
        return False
    for a in arrays:
        if type(a) is not np.ndarray or a.dtype.char not in "fd":
            return False
    return True
