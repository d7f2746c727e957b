"""The safetensors format: reading a file with every byte validated (``read_safetensors``),
writing one (header, tensors, rosenblatt's metadata keys and checksum), strict JSON, and
recognising PyTorch's pickled ``.pt`` files to refuse them with a way to convert them.

A file is an 8-byte little-endian header length, a JSON header (tensor name -> dtype, shape,
data_offsets, plus ``__metadata__``: str -> str) and the tensor bytes, which the offsets
must tile exactly. rosenblatt adds ``rosenblatt.sha256`` to the metadata, the checksum of
the contents, verified on every read.
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
import zipfile
from collections.abc import Mapping
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np

from ..tensor import Tensor
from .files import FileLike, _open_bytes, _write_bytes

_KIND, _VERSION = "rosenblatt.kind", "rosenblatt.version"
_ARCH, _PRE = "rosenblatt.architecture", "rosenblatt.preprocessing"
_CLASSES, _META, _STATE = "rosenblatt.classes", "rosenblatt.metadata", "rosenblatt.state"
_FORMAT, _STRUCTURE = "rosenblatt.format_version", "rosenblatt.structure"
_SHA = "rosenblatt.sha256"  # of the contents (see _checksum), verified on every read
_FORMAT_VERSION = "1"  # of the structure description; a reader refuses newer ones
_MAX_HEADER = 100 * 1024 * 1024  # safetensors' own limit on the JSON header
# safetensors dtype -> bytes per element (the dtypes NumPy can hold)
_ITEMSIZE = {
    "BOOL": 1, "U8": 1, "I8": 1, "I16": 2, "U16": 2, "F16": 2,
    "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8,
}  # fmt: skip
_DTYPE_NAMES = {"bool", "uint8", "int8", "int16", "uint16", "float16"} | {
    "int32", "uint32", "float32", "int64", "uint64", "float64",
}  # fmt: skip


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _json_loads(text: str, what: str, strict: bool = True) -> Any:
    try:
        return json.loads(
            text,
            object_pairs_hook=_reject_duplicates,
            parse_constant=_reject_constant if strict else None,
        )
    except (ValueError, RecursionError) as e:
        raise ValueError(f"{what} is not valid JSON: {e}") from e


def _is_index(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _check_layout(header: dict[str, Any], data_len: int, where: str) -> None:
    """Each tensor's dtype/shape/offsets are consistent and the ranges tile the data exactly."""
    ranges = []
    for key, info in header.items():
        if key == "__metadata__":
            continue
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise ValueError(f"{where}: malformed header entry for tensor {key!r}")
        dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in _ITEMSIZE:
            raise ValueError(f"{where}: tensor {key!r} has unsupported dtype {dtype!r}")
        if not isinstance(shape, list) or not all(_is_index(s) for s in shape):
            raise ValueError(f"{where}: tensor {key!r} has a malformed shape {_short(shape)}")
        if (
            not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(_is_index(o) for o in offsets)
            or offsets[0] > offsets[1]
        ):
            raise ValueError(
                f"{where}: tensor {key!r} has malformed data_offsets {_short(offsets)}"
            )
        nbytes = math.prod(shape) * _ITEMSIZE[dtype]
        if offsets[1] - offsets[0] != nbytes:
            raise ValueError(
                f"{where}: tensor {key!r} of shape {tuple(shape)} and dtype {dtype} needs "
                f"{nbytes} bytes, its data_offsets span {offsets[1] - offsets[0]}"
            )
        ranges.append((offsets[0], offsets[1], key))
    ranges.sort()
    pos = 0
    for begin, end, key in ranges:
        if begin != pos:
            problem = "overlaps the previous one" if begin < pos else "leaves a gap before it"
            raise ValueError(f"{where}: the data of tensor {key!r} {problem}")
        pos = end
    if pos > data_len:
        raise ValueError(
            f"{where}: the file is truncated: its header describes {pos} bytes of tensor data, "
            f"the file holds {data_len}"
        )
    if pos < data_len:
        raise ValueError(
            f"{where}: {data_len - pos} unexpected trailing bytes after the tensor data"
        )


def read_safetensors(f: FileLike) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Read and fully validate a safetensors file: (arrays by key, ``__metadata__``).

    ``f`` is a path or an open binary file. The arrays come in the header's order.

    Raises
    ------
    FileNotFoundError, OSError
        The file cannot be read.
    ValueError
        Anything malformed: too short, a header length beyond the file, a header that is
        not a JSON object (or has duplicate keys), a bad dtype/shape/offset, data that does
        not exactly fill the rest of the file (truncated or trailing bytes). A PyTorch
        ``.pt`` file or a pickle is named as such, with how to convert it.
    """
    raw, where = _open_bytes(f)
    try:
        header = _read_header(raw, where)
    except ValueError as e:
        foreign = _foreign_format(raw, where)
        if foreign is None:
            raise
        raise ValueError(foreign) from e
    meta = header.get("__metadata__", {})
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise ValueError(f"{where}: __metadata__ must map strings to strings")
    (n,) = struct.unpack("<Q", raw[:8])
    _check_layout(header, len(raw) - 8 - n, where)
    import safetensors.numpy

    try:
        arrays = safetensors.numpy.load(raw)
    except Exception as e:  # SafetensorError and friends
        raise ValueError(f"{where}: safetensors cannot read it: {e}") from e
    expected = [k for k in header if k != "__metadata__"]
    if set(arrays) != set(expected):
        raise ValueError(f"{where}: the tensors read do not match the header")
    if _SHA in meta and meta[_SHA] != _checksum(arrays, meta):
        raise ValueError(
            f"{where}: its checksum does not match its contents: the file was changed or "
            "damaged after it was written (a flipped bit, an incomplete copy); use a good copy"
        )
    return {k: arrays[k] for k in expected}, dict(meta)


def _checksum(arrays: Mapping[str, np.ndarray], meta: Mapping[str, str]) -> str:
    """SHA-256 of a file's contents: every metadata entry but the checksum itself, and every
    tensor's name, dtype, shape and little-endian bytes, in sorted order."""
    h = hashlib.sha256()
    for key in sorted(k for k in meta if k != _SHA):
        h.update(json.dumps([key, meta[key]]).encode("utf-8"))
    for name in sorted(arrays):
        arr = np.ascontiguousarray(arrays[name])
        if arr.dtype.byteorder == ">":
            arr = arr.astype(arr.dtype.newbyteorder("<"))
        h.update(json.dumps([name, arr.dtype.name, list(arr.shape)]).encode("utf-8"))
        h.update(arr.reshape(-1).view(np.uint8).data if arr.size else b"")
    return "sha256:" + h.hexdigest()


def _read_header(raw: bytes, where: str) -> dict[str, Any]:
    """The JSON header of safetensors bytes (a ValueError for anything else)."""
    if len(raw) < 8:
        raise ValueError(
            f"{where} is not a safetensors file: {len(raw)} bytes, too short for the 8-byte "
            "header length"
        )
    (n,) = struct.unpack("<Q", raw[:8])
    if n > _MAX_HEADER or 8 + n > len(raw):
        raise ValueError(
            f"{where} is truncated or not a safetensors file: header length {n} does not fit "
            f"in the file's {len(raw)} bytes"
        )
    try:
        text = raw[8 : 8 + n].decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"{where}: the header is not UTF-8 text") from e
    if not text.startswith("{"):
        raise ValueError(f"{where}: the header is not a JSON object")
    header = _json_loads(text, f"{where}: the header")
    if not isinstance(header, dict):
        raise ValueError(f"{where}: the header is not a JSON object")
    return header


# the pickle torch.save writes first in its legacy (non-zip) format: the magic number
_TORCH_LEGACY_MAGIC = b"\x80\x02\x8a\x0a" + (0x1950A86A20F9469CFC6C).to_bytes(10, "little")


def _how_to_convert(where: str) -> str:
    """The commands that turn the PyTorch file ``where`` (quoted) into a safetensors file."""
    source = where if where.startswith(("'", '"')) else "'model.pt'"
    target = repr(str(Path(source[1:-1]).with_suffix(".safetensors")))
    return (
        "Convert it once, with PyTorch itself (plain `import torch`; only a file you trust): "
        f"`obj = torch.load({source}, map_location='cpu')` (a whole model also needs "
        "weights_only=False; then take obj = obj.state_dict()), then "
        f"`rosenblatt.save(obj, {target})` (any state_dict or checkpoint dict: torch tensors "
        f"are converted) or `safetensors.torch.save_file(obj, {target})` (a flat "
        f"state_dict); then rb.load({target})."
    )


def _foreign_format(raw: bytes, where: str) -> str | None:
    """What a file that is not safetensors is, when it is something recognisable."""
    if raw.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(BytesIO(raw)) as z:
                names = z.namelist()
        except Exception:  # not a readable zip after all: the safetensors error stands
            return None
        if any(name == "data.pkl" or name.endswith("/data.pkl") for name in names):
            return (
                f"{where} is a PyTorch file written by torch.save (a zip archive holding a "
                "pickle, data.pkl), not a safetensors file. rosenblatt never unpickles: "
                f"unpickling can run any code. {_how_to_convert(where)}"
            )
        return f"{where} is a zip archive (e.g. NumPy .npz), not a safetensors file"
    if raw.startswith(_TORCH_LEGACY_MAGIC):
        return (
            f"{where} is a PyTorch file written by torch.save in its legacy format (a "
            "pickle), not a safetensors file. rosenblatt never unpickles: unpickling can run "
            f"any code. {_how_to_convert(where)}"
        )
    if len(raw) >= 2 and raw[0] == 0x80 and 2 <= raw[1] <= 5:
        return (
            f"{where} is a Python pickle (pickle.dump, joblib, or torch.save), not a "
            "safetensors file; rosenblatt never unpickles: unpickling can run any code. "
            "Save the arrays with rb.save or safetensors instead."
        )
    return None


def _safetensors_bytes(arrays: Mapping[str, Any], meta: dict[str, str]) -> bytes:
    """The file's bytes; rosenblatt's files carry the checksum of their contents."""
    import safetensors.numpy

    tensors = {}
    for k, v in arrays.items():
        if not isinstance(k, str):
            raise ValueError(f"tensor names must be strings, got {k!r}")
        arr = _savable_array(np.asarray(v._data if isinstance(v, Tensor) else v), repr(k))
        tensors[k] = arr
    if _KIND in meta:
        meta = {**meta, _SHA: _checksum(tensors, meta)}
    return safetensors.numpy.save(tensors, metadata=meta)


def _savable_array(arr: np.ndarray, what: str) -> np.ndarray:
    """C-contiguous, native byte order, one of the dtypes safetensors and NumPy share."""
    if arr.dtype.name not in _DTYPE_NAMES:
        raise ValueError(f"cannot save tensor {what}: dtype {arr.dtype} is not supported")
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return np.array(arr, order="C") if not arr.flags.c_contiguous else arr  # keeps 0-d


def _write_safetensors(path: FileLike, arrays: Mapping[str, Any], meta: dict[str, str]) -> None:
    _write_bytes(path, _safetensors_bytes(arrays, meta))
