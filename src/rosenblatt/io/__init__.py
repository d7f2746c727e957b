"""Saving and loading: safetensors files, nothing pickled, nothing evaluated.

``rb.save(obj, f)`` / ``rb.load(f)`` take what PyTorch programs give ``torch.save`` /
``torch.load``, and write ONE safetensors file (a path, written atomically, or an open
binary file such as ``io.BytesIO``). Two kinds of file:

Objects (state_dicts, optimizer state_dicts, checkpoint dicts, tensors, lists ...)
    Every tensor and NumPy array is a safetensors tensor, named by its path in the object
    (``model_state_dict.0.weight``, ``optimizer_state_dict.state.0.exp_avg``; a flat
    state_dict keeps its own keys, so ``safetensors.torch.load_file`` reads it as a
    PyTorch state_dict). ``__metadata__`` holds the rest as JSON:

    ================================  ====================================================
    key                               value
    ================================  ====================================================
    ``format``                        "pt"
    ``rosenblatt.kind``               "object"
    ``rosenblatt.version``            the library version that wrote the file
    ``rosenblatt.format_version``     "1" (the structure description below)
    ``rosenblatt.structure``          the object, described as one JSON node
    ================================  ====================================================

    A node is a JSON null, bool, int, float or string standing for itself, or an object
    with ONE key, a type tag, that records what JSON cannot say::

        {"dict": [[key, value], ...]}      dict (keys are nodes: str, int, float, tuple ...)
        {"odict": [[key, value], ...]}     collections.OrderedDict
        {"list": [...]}, {"tuple": [...]}  list, tuple
        {"tensor": [name, requires_grad]}  rosenblatt Tensor (the safetensors tensor name)
        {"parameter": [name, requires_grad]}   nn.Parameter
        {"ndarray": name}                  NumPy array
        {"number": [dtype, value]}         NumPy scalar (np.float32(0.5))
        {"float": "nan"}                   nan, inf, -inf
        {"dtype": "int64"}, {"device": "cpu"}
        {"module": {"architecture": ..., "state": {state_dict key: name}}}  a model inside

    Dtypes (int64, bool, float16/32/64, ...), shapes (0-d too) and values come from the
    safetensors tensors themselves. A tensor that appears twice is stored once and comes
    back as one object, as with ``torch.load``.

Models (``rb.save(model, path, preprocessing=pre, classes=..., metadata={...})``)
    The weights, ``model.state_dict()`` under PyTorch's key names (``0.weight``), and in
    ``__metadata__``:

    =============================  ========================================================
    key                            value
    =============================  ========================================================
    ``format``                     "pt" (PyTorch's layout of the weights)
    ``rosenblatt.kind``            "model" (``save_state`` files say "state")
    ``rosenblatt.version``         the library version that wrote the file
    ``rosenblatt.architecture``    {"type": "Sequential", "args": [...], "kwargs": {...}}
    ``rosenblatt.preprocessing``   ``Preprocessor.to_dict()`` or null
    ``rosenblatt.classes``         the class labels (list) or null
    ``rosenblatt.metadata``        free JSON object (recipe, metrics, ...)
    =============================  ========================================================

    ``rb.load(path)`` rebuilds the architecture, loads the weights (keeping their dtype,
    float32 or float64) and returns the model in eval mode, with three attributes added:
    ``model.preprocessing`` (a ``Preprocessor`` or None), ``model.classes`` (list or None)
    and ``model.metadata`` (dict). ``load_checkpoint(path)`` returns the same as a
    ``Checkpoint``; ``load_model(path)`` the model, refusing any other kind of file.

Estimators (``rb.save(estimator, path)``: a scikit-learn estimator of ``rosenblatt.models``)
    An object file of ``rosenblatt.kind`` "estimator" whose structure is the estimator's
    description (class name, ``get_params()``, fitted attributes; see
    ``rosenblatt.io.estimators``); ``rb.load`` rebuilds the estimator from the whitelist
    of rosenblatt.models' estimator classes, its predictions identical to the saved one's.

A safetensors file without rosenblatt metadata (``safetensors.torch.save_file``) and a
``save_state`` file load as an OrderedDict of Tensors. A PyTorch ``.pt`` file (a zip archive
holding ``data.pkl``, or the legacy pickle) is refused with a ValueError that says how to
convert it: rosenblatt never unpickles, because unpickling runs code.

Architecture
------------
Every ``nn.Module`` remembers the arguments its constructor was called with
(``module._init_args``, recorded by ``nn.Module.__new__`` for this package); the
architecture is that call, recursively::

    {"type": "Linear", "args": [64, 10], "kwargs": {}}

Sequential and ModuleList record their current children (so ``append`` is kept). Argument
values must be JSON values; tuples, dicts, NumPy dtypes and child modules are written as
``{"__tuple__": [...]}``, ``{"__dict__": {...}}``, ``{"__dtype__": "float64"}`` and
``{"__module__": {...}}``. Anything else is refused at save time with a clear error.
Loading looks each type name up in a whitelist: the Module classes of ``rosenblatt.nn``
plus those added with ``register_module(cls)`` (``rosenblatt.models`` registers its own;
register your own Module subclasses before saving and before loading). No name is ever
imported, evaluated or unpickled.

Safety
------
Files are written atomically (``atomic_write``: a temporary file in the same directory,
fsync, ``os.replace``), so a crash never leaves a half-written file. Reading validates the
whole file before the weights are touched: the header length, the JSON header (no
duplicate keys), each tensor's dtype, shape and byte range, and that the byte ranges tile
the data section exactly -- a truncated file, a wrong header, trailing bytes, bad JSON, an
unknown layer type, a missing or mis-shaped weight raise ValueError (OSError for a file
that cannot be read). A structure description is walked with bounds: at most 64 levels of
nesting and a million nodes, only the tags above, every tensor name it refers to present
and every tensor of the file referred to. What an architecture may ask for is bounded by
the file itself: at most 2 MiB of architecture JSON (refused before it is parsed) and
10 000 modules; weights and buffers of at most 4 x the file's tensor bytes (+1 MiB),
counted layer by layer while it is built; rosenblatt's own layers are built without
initialising the weights the file's tensors then replace (``np.empty``: untouched pages),
so a few hundred bytes asking for a Linear(30000, 30000) are refused in milliseconds
without using memory.

State files
-----------
``save_state(path, arrays, meta)`` / ``load_state(path) -> (arrays, meta)`` store a dict of
arrays plus a JSON object (e.g. optimizer state, epoch, ``rng.bit_generator.state``) with
the same atomic write and validation; ``rb.callbacks.BackupAndRestore`` uses them.

The package, one job per module:

``files``             atomic writes, stale temporaries, a path or an open binary file
``safetensors_file``  the safetensors format: validated reading, writing, the checksum
``architecture``      a Module <-> its constructor call as JSON; the class whitelist
``checkpoint``        model files: weights + architecture + preprocessing -> Checkpoint
``structure``         object files: the typed JSON structure of any torch.save-able object
``save_load``         ``rb.save`` / ``rb.load``: which kind of file, both ways
``state``             ``save_state`` / ``load_state`` (training state)
``estimators``        scikit-learn estimators of rosenblatt.models <-> their description
"""

from __future__ import annotations

from .architecture import _REGISTERED as _REGISTERED  # tests unregister their classes
from .architecture import build_module, module_config, register_module
from .checkpoint import Checkpoint, load_checkpoint
from .files import FileLike as FileLike
from .files import PathLike as PathLike
from .files import atomic_path, atomic_write, remove_stale_temporaries
from .safetensors_file import read_safetensors
from .save_load import load, load_model, save
from .state import load_state, save_state

__all__ = [
    "Checkpoint",
    "atomic_path",
    "atomic_write",
    "build_module",
    "load",
    "load_checkpoint",
    "load_model",
    "load_state",
    "module_config",
    "read_safetensors",
    "register_module",
    "remove_stale_temporaries",
    "save",
    "save_state",
]
