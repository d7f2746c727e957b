"""rb.save / rb.load of what PyTorch programs save: state_dicts, optimizer state, checkpoint
dicts, tensors, lists -- the same structure back as torch.save/torch.load give, never pickled.

torch is the oracle: each structure is built twice from the same NumPy data, once with torch
tensors (round-tripped by torch.save/torch.load) and once with rosenblatt tensors
(round-tripped by rb.save/rb.load), and the two results must have the same container types,
keys, dtypes, shapes, requires_grad and values.
"""

from __future__ import annotations

import io as stdio
import json
import math
import pickle
import struct
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import safetensors.numpy
import safetensors.torch
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rosenblatt as rb
from rosenblatt import nn, optim

_RNG = np.random.default_rng(0)
W = _RNG.normal(size=(3, 2)).astype(np.float32)
B = _RNG.normal(size=3).astype(np.float32)
M64 = _RNG.normal(size=4)
MASK = np.array([True, False, True])
COUNT = np.array(7, np.int64)  # a 0-d int64 tensor, as BatchNorm's num_batches_tracked


def _structures(lib: Any) -> dict[str, Callable[[], Any]]:
    """The same structures, built with ``lib`` = torch or rosenblatt."""

    def T(a: np.ndarray) -> Any:  # noqa: N802
        return lib.from_numpy(np.array(a))

    def state_dict() -> OrderedDict:
        return OrderedDict(
            [
                ("0.weight", T(W)),
                ("0.bias", T(B)),
                ("1.running_mean", T(M64)),
                ("1.num_batches_tracked", T(COUNT)),
                ("mask", T(MASK)),
            ]
        )

    def optimizer_state() -> dict:
        return {
            "state": {
                0: {"step": T(np.array(3.0, np.float32)), "exp_avg": T(W), "exp_avg_sq": T(W**2)},
                1: {"step": T(np.array(3.0, np.float32)), "exp_avg": T(B), "exp_avg_sq": T(B**2)},
            },
            "param_groups": [
                {
                    "lr": 1e-3,
                    "betas": (0.9, 0.999),
                    "eps": 1e-8,
                    "weight_decay": 0,
                    "amsgrad": False,
                    "foreach": None,
                    "name": "body",
                    "params": [0, 1],
                }
            ],
        }

    def shared() -> list:
        t = T(W)
        return [t, t, {"again": t}]

    return {
        "state_dict": state_dict,
        "optimizer_state_dict": optimizer_state,
        "checkpoint": lambda: {
            "epoch": 5,
            "model_state_dict": state_dict(),
            "optimizer_state_dict": optimizer_state(),
            "loss": 0.3,
            "history": [0.9, 0.5, float("inf")],
            "config": {"hidden": (64, 32), "activation": "relu", "note": None},
        },
        "tensor": lambda: T(W),
        "0-d float64 tensor": lambda: T(np.array(2.5)),
        "int64 tensor": lambda: T(np.arange(6, dtype=np.int64).reshape(2, 3)),
        "bool tensor": lambda: T(MASK),
        "empty tensor": lambda: T(np.zeros((0, 3), np.float32)),
        "list of tensors": lambda: [T(W), T(B), T(COUNT)],
        "tuple of tensors": lambda: (T(W), (T(B), 3), []),
        "requires_grad": lambda: [T(W).requires_grad_(True), T(B)],
        "parameter": lambda: lib.nn.Parameter(T(W)),
        "numpy": lambda: {
            "x": np.arange(6).reshape(2, 3),
            "f32": np.float32(0.5),
            "i64": np.int64(-7),
            "flag": np.bool_(True),
            "f64": np.float64(0.1),
        },
        "keys": lambda: {
            3: "int",
            "3": "str",
            2.5: "float",
            (1, "a"): "tuple",
            None: "none",
            True: "bool",
            "é\ud800": T(B),  # not UTF-8: the safetensors name is escaped, the key kept
        },
        "empty containers": lambda: {"d": {}, "o": OrderedDict(), "l": [], "t": ()},
        "numbers": lambda: {
            "nan": float("nan"),
            "-inf": float("-inf"),
            "big": 2**70,
            "-0.0": -0.0,
            "tiny": 5e-324,
            "text": "é\n\u2603",
        },
        "shared tensor": shared,
    }


NAMES = list(_structures(rb))


def _dtype_name(t: Any) -> str:
    if isinstance(t, torch.Tensor):
        return str(t.dtype).removeprefix("torch.")
    return np.dtype(t.dtype).name


def assert_same(ours: Any, theirs: Any, path: str = "obj") -> None:
    """rosenblatt's loaded structure == torch's loaded structure, types and all."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, rb.Tensor), f"{path}: {type(ours)}"
        assert isinstance(ours, nn.Parameter) == isinstance(theirs, torch.nn.Parameter), path
        assert _dtype_name(ours) == _dtype_name(theirs), path
        assert tuple(ours.shape) == tuple(theirs.shape), path
        assert ours.requires_grad == theirs.requires_grad, path
        np.testing.assert_array_equal(np.asarray(ours), theirs.detach().numpy(), err_msg=path)
        return
    assert type(ours) is type(theirs), f"{path}: {type(ours)} vs {type(theirs)}"
    if isinstance(theirs, np.ndarray):
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, path
        np.testing.assert_array_equal(ours, theirs, err_msg=path)
    elif isinstance(theirs, dict):
        assert [(type(k), k) for k in ours] == [(type(k), k) for k in theirs], path
        for k in theirs:
            assert_same(ours[k], theirs[k], f"{path}[{k!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs), path
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, f"{path}[{i}]")
    elif isinstance(theirs, (float, np.floating)) and math.isnan(theirs):
        assert math.isnan(ours), path
    elif isinstance(theirs, float):
        assert ours == theirs and math.copysign(1, ours) == math.copysign(1, theirs), path
    else:
        assert ours == theirs, path


def _torch_round_trip(obj: Any) -> Any:
    buffer = stdio.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=False)


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_gives_what_torch_gives(tmp_path: Path, name: str) -> None:
    path = tmp_path / "obj.safetensors"
    rb.save(_structures(rb)[name](), path)
    assert_same(rb.load(path), _torch_round_trip(_structures(torch)[name]()))


def test_a_tensor_saved_twice_comes_back_as_one_object(tmp_path: Path) -> None:
    rb.save(_structures(rb)["shared tensor"](), tmp_path / "s.safetensors")
    got = rb.load(tmp_path / "s.safetensors")
    assert got[0] is got[1] is got[2]["again"]
    assert list(safetensors.numpy.load_file(tmp_path / "s.safetensors")) == ["0"]  # stored once
    theirs = _torch_round_trip(_structures(torch)["shared tensor"]())
    assert theirs[0] is theirs[1] is theirs[2]["again"]


def test_loaded_tensors_are_writable_and_independent(tmp_path: Path) -> None:
    sd = _structures(rb)["state_dict"]()
    rb.save(sd, tmp_path / "sd.safetensors")
    got = rb.load(tmp_path / "sd.safetensors")
    got["0.weight"].add_(1.0)
    np.testing.assert_array_equal(np.asarray(sd["0.weight"]), W)  # the saved one untouched


# ----------------------------------------------------------------------------- state_dicts


def _nets() -> tuple[nn.Module, torch.nn.Module]:
    rb.manual_seed(1)
    ours = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 3))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.Tanh(), torch.nn.Linear(8, 3)
    )
    return ours, theirs


X = np.random.default_rng(2).normal(size=(5, 4)).astype(np.float32)


def _out(model: Any) -> np.ndarray:
    model.eval()
    if isinstance(model, torch.nn.Module):
        with torch.no_grad():
            return model(torch.from_numpy(X)).numpy()
    with rb.no_grad():
        return np.asarray(model(rb.tensor(X)))


def test_state_dict_round_trip_and_pytorch_reads_it(tmp_path: Path) -> None:
    ours, theirs = _nets()
    path = tmp_path / "weights.safetensors"
    rb.save(ours.state_dict(), path)
    loaded = rb.load(path)
    assert isinstance(loaded, OrderedDict) and list(loaded) == list(ours.state_dict())
    rb.manual_seed(9)
    fresh = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 3))
    fresh.load_state_dict(loaded)
    np.testing.assert_array_equal(_out(fresh), _out(ours))
    # a flat state_dict keeps its keys as the safetensors names: PyTorch loads it directly
    theirs.load_state_dict(safetensors.torch.load_file(path))
    np.testing.assert_allclose(_out(theirs), _out(ours), rtol=1e-5, atol=1e-6)


def test_a_pytorch_safetensors_state_dict_loads_as_tensors(tmp_path: Path) -> None:
    ours, theirs = _nets()
    path = tmp_path / "from_torch.safetensors"
    safetensors.torch.save_file(theirs.state_dict(), str(path))
    sd = rb.load(path)
    assert isinstance(sd, OrderedDict) and set(sd) == set(theirs.state_dict())
    assert all(isinstance(v, rb.Tensor) and not v.requires_grad for v in sd.values())
    assert sd["1.num_batches_tracked"].dtype == np.int64 and sd["1.num_batches_tracked"].shape == ()
    ours.load_state_dict(sd)
    np.testing.assert_allclose(_out(ours), _out(theirs), rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- resume


def _step(model: nn.Module, opt: Any, k: int) -> float:
    rng = np.random.default_rng(100 + k)
    x = rb.tensor(rng.normal(size=(16, 4)).astype(np.float32))
    y = rb.tensor(rng.integers(0, 3, 16), dtype=np.int64)
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss.item()


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda p: optim.Adam(p, lr=0.01, betas=(0.8, 0.99)),
        lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    ],
    ids=["Adam", "SGD-momentum"],
)
def test_checkpoint_resume_gives_the_same_next_steps(
    tmp_path: Path, make_optimizer: Callable
) -> None:
    def net() -> nn.Module:
        return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))

    rb.manual_seed(0)
    model = net()
    opt = make_optimizer(model.parameters())
    losses = [_step(model, opt, k) for k in range(3)]
    path = tmp_path / "checkpoint.safetensors"
    rb.save(
        {
            "epoch": 3,
            "model_state_dict": model.state_dict(),
            "optimizer_state_dict": opt.state_dict(),
            "loss": losses[-1],
        },
        path,
    )
    want = [_step(model, opt, k) for k in range(3, 6)]

    rb.manual_seed(42)  # other initial weights: everything must come from the file
    model2 = net()
    opt2 = make_optimizer(model2.parameters())
    checkpoint = rb.load(path, map_location="cpu", weights_only=True)
    model2.load_state_dict(checkpoint["model_state_dict"])
    opt2.load_state_dict(checkpoint["optimizer_state_dict"])
    assert checkpoint["epoch"] == 3 and checkpoint["loss"] == losses[-1]
    group = checkpoint["optimizer_state_dict"]["param_groups"][0]
    assert group["params"] == [0, 1, 2, 3]
    assert set(checkpoint["optimizer_state_dict"]["state"]) == {0, 1, 2, 3}  # int keys
    assert [_step(model2, opt2, k) for k in range(3, 6)] == want
    for a, b in zip(model.parameters(), model2.parameters()):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_whole_models_alone_and_inside_a_checkpoint(tmp_path: Path) -> None:
    model, _ = _nets()
    model.train()
    model(rb.tensor(X))  # running statistics away from their initial values
    buffer = stdio.BytesIO()
    rb.save({"model": model, "epoch": 2}, buffer)
    buffer.seek(0)
    got = rb.load(buffer)
    assert got["epoch"] == 2 and isinstance(got["model"], nn.Sequential)
    np.testing.assert_array_equal(_out(got["model"]), _out(model))
    rb.save(model, tmp_path / "model.safetensors")  # the model file of rb.save(model, path)
    np.testing.assert_array_equal(_out(rb.load(tmp_path / "model.safetensors")), _out(model))
    with open(tmp_path / "model.safetensors", "rb") as f:
        np.testing.assert_array_equal(_out(rb.load(f)), _out(model))


# ----------------------------------------------------------------------------- files


def test_file_objects_and_paths(tmp_path: Path) -> None:
    obj = _structures(rb)["checkpoint"]()
    want = _torch_round_trip(_structures(torch)["checkpoint"]())
    with open(tmp_path / "ckpt.pt", "wb") as f:
        rb.save(obj, f)
    with open(tmp_path / "ckpt.pt", "rb") as f:
        assert_same(rb.load(f), want)
    rb.save(obj, str(tmp_path / "str.pt"))
    assert_same(rb.load(str(tmp_path / "str.pt")), want)
    buffer = stdio.BytesIO()
    rb.save(obj, buffer)
    assert_same(rb.load(stdio.BytesIO(buffer.getvalue())), want)
    with open(tmp_path / "ckpt.pt") as text, pytest.raises(TypeError, match="binary mode"):
        rb.load(text)
    with pytest.raises(TypeError, match="path or an open binary file"):
        rb.save(obj, 42)


@pytest.mark.parametrize(
    "map_location",
    [None, "cpu", rb.device("cpu"), {"cuda:0": "cpu"}, lambda storage, loc: storage],
    ids=["None", "str", "device", "dict", "callable"],
)
def test_map_location_to_the_cpu(tmp_path: Path, map_location: Any) -> None:
    rb.save(_structures(rb)["checkpoint"](), tmp_path / "c.pt")
    got = rb.load(tmp_path / "c.pt", map_location=map_location)
    want = _torch_round_trip(_structures(torch)["checkpoint"]())
    assert_same(got, want)
    assert got["model_state_dict"]["0.weight"].device == rb.device("cpu")


@pytest.mark.parametrize(
    "map_location",
    ["cuda", "cuda:1", rb.device("cuda", 0), {"cpu": "cuda:0"}, lambda s, loc: s.cuda()],
)
def test_map_location_to_cuda_is_a_clear_error(tmp_path: Path, map_location: Any) -> None:
    rb.save({"w": rb.ones(2)}, tmp_path / "c.pt")
    with pytest.raises(RuntimeError, match="not available|CUDA|cuda"):
        rb.load(tmp_path / "c.pt", map_location=map_location)


def test_failed_save_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "c.safetensors"
    with pytest.raises(TypeError, match=r"cannot save a\.b: builtins\.object"):
        rb.save({"a": {"b": object()}}, path)
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError, match="nested deeper"):
        rb.save(loop, path)
    with pytest.raises(ValueError, match="complex128 is not supported"):
        rb.save({"z": np.zeros(2, complex)}, path)
    with pytest.raises(TypeError, match=r"dict key of type list|dict key"):
        rb.save({frozenset(): 1}, path)
    with pytest.raises(TypeError, match="state_dict"):
        rb.save({"model": torch.nn.Linear(2, 2)}, path)
    with pytest.raises(TypeError, match="describe a model"):
        rb.save({"a": 1}, path, metadata={"x": 1})
    assert list(tmp_path.iterdir()) == []


def test_torch_tensors_are_converted(tmp_path: Path) -> None:
    """rb.save(torch.load(...)) converts a PyTorch checkpoint to a safe file."""
    theirs = _structures(torch)
    obj = {
        "ckpt": theirs["checkpoint"](),
        "p": theirs["parameter"](),
        "g": theirs["requires_grad"](),
    }
    rb.save(obj, tmp_path / "converted.safetensors")
    assert_same(rb.load(tmp_path / "converted.safetensors"), _torch_round_trip(obj))


# ----------------------------------------------------------------------------- .pt files


@pytest.mark.parametrize("zipped", [True, False], ids=["zip", "legacy"])
def test_a_pytorch_pt_file_says_what_it_is(tmp_path: Path, zipped: bool) -> None:
    path = tmp_path / "model.pt"
    torch.save(
        {"model_state_dict": torch.nn.Linear(2, 3).state_dict(), "epoch": 1},
        path,
        _use_new_zipfile_serialization=zipped,
    )
    with pytest.raises(ValueError) as info:
        rb.load(path)
    message = str(info.value)
    assert str(path) in message and "PyTorch file written by torch.save" in message
    assert "torch.load" in message and "safetensors.torch.save_file" in message
    assert "rosenblatt.save" in message and "header length" not in message
    with open(path, "rb") as f, pytest.raises(ValueError, match="PyTorch file"):
        rb.load(f)


def test_pickles_and_zips_are_named(tmp_path: Path) -> None:
    path = tmp_path / "thing.pkl"
    path.write_bytes(pickle.dumps({"a": 1}, protocol=4))
    with pytest.raises(ValueError, match="Python pickle"):
        rb.load(path)
    np.savez(tmp_path / "arrays.npz", a=np.ones(2))
    with pytest.raises(ValueError, match="zip archive"):
        rb.load(tmp_path / "arrays.npz")


# ----------------------------------------------------------------------------- hostile files


def _object_file(path: Path, structure: Any, tensors: dict | None = None, **meta: str) -> Path:
    metadata = {
        "rosenblatt.kind": "object",
        "rosenblatt.format_version": "1",
        "rosenblatt.structure": structure if isinstance(structure, str) else json.dumps(structure),
    }
    metadata.update(meta)
    safetensors.numpy.save_file(
        {"w": np.ones(2, np.float32)} if tensors is None else tensors, str(path), metadata=metadata
    )
    return path


def _nested(depth: int) -> Any:
    node: Any = 0
    for _ in range(depth):
        node = {"list": [node]}
    return node


W_REF = {"tensor": ["w", False]}


@pytest.mark.parametrize(
    "structure,match",
    [
        ({"list": [W_REF, {"__reduce__": ["os.system", "echo pwned"]}]}, "unexpected value"),
        ({"list": [W_REF, {"tensor": ["w", False], "x": 1}]}, "unexpected value"),
        (
            {
                "list": [
                    W_REF,
                    {
                        "module": {
                            "architecture": {"type": "os.system", "args": ["ls"], "kwargs": {}},
                            "state": {},
                        }
                    },
                ]
            },
            "unknown module type 'os.system'",
        ),
        ({"list": [W_REF, _nested(200)]}, "deeper than 64"),
        ({"list": [W_REF] + [0] * 1_000_001}, "more than 1000000 values"),
        ({"tensor": ["nope", False]}, "does not hold"),
        ({"list": []}, r"does not refer to the file's tensors \['w'\]"),
        ({"tensor": "w"}, "malformed tensor"),
        ({"tensor": ["w", 1]}, "malformed tensor"),
        ({"list": [W_REF, {"ndarray": "w"}]}, "twice in different ways"),
        ({"list": [W_REF, {"dict": [[{"list": []}, 1]]}]}, "unexpected dict key"),
        ({"list": [W_REF, {"dict": [[{"tuple": [{"list": []}]}, 1]]}]}, "unexpected dict key"),
        ({"list": [W_REF, {"dict": [["a", 1], ["a", 2]]}]}, "repeats the dict key 'a'"),
        ({"list": [W_REF, {"dict": [["a"]]}]}, r"not a \[key, value\]"),
        ({"list": [W_REF, {"dict": {"a": 1}}]}, "not a JSON list"),
        ({"list": [W_REF, {"dtype": "object"}]}, "unsupported dtype"),
        ({"list": [W_REF, {"number": ["object", 1]}]}, "malformed NumPy number"),
        ({"list": [W_REF, {"number": ["int8", 1000]}]}, "out of range"),
        ({"list": [W_REF, {"number": ["int8", "1"]}]}, "not a number"),
        ({"list": [W_REF, {"float": "1e999"}]}, "malformed float"),
        ({"list": [W_REF, {"device": "gpu"}]}, "unknown device"),
        ('{"list": [NaN]}', "not valid JSON"),
        ("{not json", "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "not valid JSON|nested"),
    ],
)
def test_hostile_structures(tmp_path: Path, structure: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        rb.load(_object_file(tmp_path / "h.safetensors", structure))


def test_impossible_tensors_and_unknown_versions(tmp_path: Path) -> None:
    ints = {"i": np.arange(3)}
    with pytest.raises(ValueError, match="impossible tensor 'i'"):
        rb.load(_object_file(tmp_path / "a", {"tensor": ["i", True]}, ints))
    with pytest.raises(ValueError, match='format version "2"'):
        rb.load(_object_file(tmp_path / "b", W_REF, **{"rosenblatt.format_version": "2"}))
    path = tmp_path / "c"
    safetensors.numpy.save_file({}, str(path), metadata={"rosenblatt.kind": "object"})
    with pytest.raises(ValueError, match="format version"):
        rb.load(path)
    safetensors.numpy.save_file(
        {}, str(path), metadata={"rosenblatt.kind": "object", "rosenblatt.format_version": "1"}
    )
    with pytest.raises(ValueError, match="no structure description"):
        rb.load(path)
    safetensors.numpy.save_file({}, str(path), metadata={"rosenblatt.kind": "weird"})
    with pytest.raises(ValueError, match='unknown rosenblatt.kind "weird"'):
        rb.load(path)


def test_a_good_handmade_file_loads(tmp_path: Path) -> None:
    structure = {"odict": [[{"tuple": [1, {"float": "inf"}]}, {"parameter": ["w", True]}]]}
    got = rb.load(_object_file(tmp_path / "ok", structure))
    ((key, value),) = got.items()
    assert isinstance(got, OrderedDict) and key == (1, math.inf)
    assert isinstance(value, nn.Parameter) and value.requires_grad


_FUZZ_ORIGINAL: list[bytes] = []


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pos=st.integers(0, 10_000), byte=st.integers(0, 255), cut=st.booleans())
def test_damaged_object_files_raise_only_value_or_os_errors(
    tmp_path: Path, pos: int, byte: int, cut: bool
) -> None:
    if not _FUZZ_ORIGINAL:
        buffer = stdio.BytesIO()
        rb.save({k: v() for k, v in _structures(rb).items() if k != "numbers"}, buffer)
        _FUZZ_ORIGINAL.append(buffer.getvalue())
    raw = bytearray(_FUZZ_ORIGINAL[0])
    (n,) = struct.unpack("<Q", raw[:8])
    pos %= min(len(raw), 8 + n + 64)  # mostly the header, where the structure lives
    if cut:
        raw = raw[:pos]
    else:
        raw[pos] = byte
    try:
        got = rb.load(stdio.BytesIO(bytes(raw)))
    except (ValueError, OSError):
        return
    assert isinstance(got, dict)  # a byte changed inside a value or the data: still a dict


def test_a_converted_pytorch_checkpoint_resumes_here(tmp_path: Path) -> None:
    """A torch checkpoint (Adam), converted by rb.save, continues on rosenblatt as on torch."""
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    ours = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(16, 4)).astype(np.float32), rng.integers(0, 3, 16)

    def torch_step(opt: torch.optim.Optimizer) -> None:
        opt.zero_grad()
        torch.nn.functional.cross_entropy(
            theirs(torch.from_numpy(x)), torch.from_numpy(y)
        ).backward()
        opt.step()

    theirs.train()
    opt = torch.optim.Adam(theirs.parameters(), lr=0.01)
    torch_step(opt)
    checkpoint = {"model": theirs.state_dict(), "optimizer": opt.state_dict(), "epoch": 1}
    rb.save(_torch_round_trip(checkpoint), tmp_path / "converted.safetensors")
    torch_step(opt)

    ours.train()
    ours_opt = optim.Adam(ours.parameters(), lr=0.01)
    loaded = rb.load(tmp_path / "converted.safetensors")
    ours.load_state_dict(loaded["model"])
    ours_opt.load_state_dict(loaded["optimizer"])
    ours_opt.zero_grad()
    nn.functional.cross_entropy(ours(rb.tensor(x)), rb.tensor(y, dtype=np.int64)).backward()
    ours_opt.step()
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(
            np.asarray(ours.state_dict()[k]), v.numpy(), rtol=1e-5, atol=1e-6, err_msg=k
        )


def test_the_cli_refuses_files_that_are_not_models(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """`rosenblatt evaluate/predict` need a model: a state_dict or .pt file is bad input."""
    from rosenblatt.cli import main

    (tmp_path / "data.csv").write_text("a,b,label\n1,2,0\n")
    rb.save(nn.Linear(2, 2).state_dict(), tmp_path / "weights.safetensors")
    torch.save(torch.nn.Linear(2, 2).state_dict(), tmp_path / "weights.pt")
    for name, match in [
        ("weights.safetensors", "not a rosenblatt model"),
        ("weights.pt", "PyTorch"),
    ]:
        status = main(["evaluate", str(tmp_path / name), "--data", str(tmp_path / "data.csv")])
        error = capsys.readouterr().err.strip().splitlines()
        assert status == 2 and len(error) == 1 and match in error[0], error
