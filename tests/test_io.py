"""rb.save / rb.load: one safetensors file, exact round trip, and hostile files rejected."""

from __future__ import annotations

import json
import os
import struct
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy
import safetensors.torch
import sklearn.preprocessing  # noqa: F401  (a slow first import; done at collection)
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rosenblatt as rb
from rosenblatt import io, nn
from rosenblatt.preprocessing import Preprocessor


def _mlp() -> nn.Module:
    return nn.Sequential(
        nn.Linear(6, 16),
        nn.ReLU(),
        nn.Dropout(0.3),
        nn.Sequential(nn.Linear(16, 8), nn.Tanh(), nn.Dropout(p=0.1)),
        nn.Linear(8, 3),
    )


def _predict(model: nn.Module, X: np.ndarray) -> np.ndarray:
    model.eval()
    with rb.no_grad():
        return model(rb.tensor(X)).numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_identical_predictions(tmp_path: Path, dtype) -> None:
    model = _mlp().to(dtype)
    X = np.random.default_rng(0).normal(size=(20, 6)).astype(dtype)
    path = tmp_path / "m.safetensors"
    rb.save(model, path)
    loaded = rb.load(path)
    assert not loaded.training and all(not m.training for m in loaded.modules())
    assert repr(loaded) == repr(model)
    for k, v in model.state_dict().items():
        assert loaded.state_dict()[k].dtype == dtype
        np.testing.assert_array_equal(loaded.state_dict()[k], v)
    out = _predict(loaded, X)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, _predict(model, X))
    assert loaded.preprocessing is None and loaded.classes is None and loaded.metadata == {}


def test_weights_load_into_pytorch(tmp_path: Path) -> None:
    model = _mlp()
    path = tmp_path / "m.safetensors"
    rb.save(model, path)
    ref = torch.nn.Sequential(
        torch.nn.Linear(6, 16),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.3),
        torch.nn.Sequential(torch.nn.Linear(16, 8), torch.nn.Tanh(), torch.nn.Dropout(0.1)),
        torch.nn.Linear(8, 3),
    ).eval()
    ref.load_state_dict(safetensors.torch.load_file(path))  # strict: same keys and shapes
    X = np.random.default_rng(1).normal(size=(5, 6)).astype(np.float32)
    with torch.no_grad():
        want = ref(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(_predict(rb.load(path), X), want, rtol=1e-5, atol=1e-6)


def test_cnn_with_batchnorm_tuples_and_dtype_args(tmp_path: Path) -> None:
    model = nn.Sequential(
        nn.Conv2d(1, 4, kernel_size=(3, 3), padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * 4 * 4, 10, dtype=np.float32),
        nn.BatchNorm1d(10, momentum=None),
    )
    X = np.random.default_rng(2).normal(size=(8, 1, 8, 8)).astype(np.float32)
    model.train()
    model(rb.tensor(X))  # move the running statistics away from their initial values
    path = tmp_path / "cnn.safetensors"
    rb.save(model, path)
    arch = json.loads(safetensors.safe_open(path, "np").metadata()["rosenblatt.architecture"])
    conv = arch["args"][0]["__module__"]
    assert conv == {
        "type": "Conv2d",
        "args": [1, 4],
        "kwargs": {"kernel_size": {"__tuple__": [3, 3]}, "padding": 1},
    }
    assert arch["args"][5]["__module__"]["kwargs"] == {"dtype": {"__dtype__": "float32"}}
    loaded = rb.load(path)
    assert (
        loaded.state_dict()["1.num_batches_tracked"].dtype
        == model.state_dict()["1.num_batches_tracked"].dtype
    )
    np.testing.assert_array_equal(
        loaded.state_dict()["1.running_mean"], model.state_dict()["1.running_mean"]
    )
    np.testing.assert_array_equal(_predict(loaded, X), _predict(model, X))


class LSTMClassifier(nn.Module):
    """A user module: an LSTM over the sequence, a Linear on the last hidden state."""

    def __init__(self, n_in: int, hidden: int, n_out: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(n_in, hidden, batch_first=True)
        self.head = nn.Linear(hidden, n_out)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def test_user_module_needs_registration(tmp_path: Path) -> None:
    model = LSTMClassifier(3, 5, 2)
    path = tmp_path / "lstm.safetensors"
    with pytest.raises(ValueError, match="register_module"):
        rb.save(model, path)
    assert not path.exists()
    io.register_module(LSTMClassifier)
    io.register_module(LSTMClassifier)  # idempotent
    rb.save(model, path)
    X = np.random.default_rng(3).normal(size=(4, 7, 3)).astype(np.float32)
    np.testing.assert_array_equal(_predict(rb.load(path), X), _predict(model, X))
    with pytest.raises(ValueError, match="taken"):
        io.register_module(type("Linear", (nn.Module,), {}))
    with pytest.raises(TypeError):
        io.register_module(int)


def test_sequential_variants(tmp_path: Path) -> None:
    named = nn.Sequential(
        OrderedDict([("hidden", nn.Linear(2, 4)), ("act", nn.Sigmoid()), ("out", nn.Linear(4, 1))])
    )
    appended = nn.Sequential(nn.Linear(2, 3))
    appended.append(nn.ReLU()).append(nn.Linear(3, 2))
    holder = nn.Sequential(nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)]))
    X = np.random.default_rng(4).normal(size=(3, 2)).astype(np.float32)
    for i, model in enumerate([named, appended]):
        p = tmp_path / f"{i}.safetensors"
        rb.save(model, p)
        loaded = rb.load(p)
        assert list(loaded.state_dict()) == list(model.state_dict())
        np.testing.assert_array_equal(_predict(loaded, X), _predict(model, X))
    rb.save(holder, tmp_path / "h.safetensors")
    assert list(rb.load(tmp_path / "h.safetensors").state_dict()) == [
        "0.0.weight",
        "0.0.bias",
        "0.1.weight",
        "0.1.bias",
    ]


def test_save_and_load_leave_the_global_generator_alone(tmp_path: Path) -> None:
    model = _mlp()
    rb.manual_seed(5)
    want = rb.get_rng().random(3)
    rb.manual_seed(5)
    rb.save(model, tmp_path / "m.safetensors")
    rb.load(tmp_path / "m.safetensors")
    np.testing.assert_array_equal(rb.get_rng().random(3), want)


def test_preprocessing_classes_metadata_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    X = rng.normal(size=(30, 6)) * 5 + 2
    y = np.array(["cat", "dog", "eel"])[rng.integers(0, 3, 30)]
    pre = Preprocessor("minmax", feature_names=list("abcdef")).fit(X, y)
    model = _mlp()
    path = tmp_path / "m.safetensors"
    rb.save(
        model,
        path,
        preprocessing=pre,
        metadata={"epochs": 3, "acc": np.float32(0.5), "loss": [np.float64(1.5)]},
    )
    loaded = rb.load(path)
    assert isinstance(loaded.preprocessing, Preprocessor)
    np.testing.assert_array_equal(loaded.preprocessing.transform(X), pre.transform(X))
    assert loaded.classes == ["cat", "dog", "eel"]
    assert loaded.metadata == {"epochs": 3, "acc": 0.5, "loss": [1.5]}
    pred = loaded.preprocessing.inverse_transform_labels(
        _predict(loaded, pre.transform(X)).argmax(1)
    )
    assert set(pred) <= {"cat", "dog", "eel"}
    # saving the loaded model again keeps its preprocessing and classes
    rb.save(loaded, tmp_path / "again.safetensors")
    ck = io.load_checkpoint(tmp_path / "again.safetensors")
    assert ck.classes == ["cat", "dog", "eel"] and ck.preprocessing.to_json() == pre.to_json()
    # explicit classes without preprocessing
    rb.save(_mlp(), path, classes=np.array([-1, 0, 1]))
    assert rb.load(path).classes == [-1, 0, 1]
    with pytest.raises(ValueError, match="1-D sequence of labels"):
        rb.save(_mlp(), path, classes=[[0, 1]])


def test_save_refuses_what_it_cannot_record(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    weighted = nn.BCELoss(weight=np.ones(3))
    with pytest.raises(ValueError, match=r"BCELoss.*weight.*ndarray is not JSON-serialisable"):
        rb.save(nn.Sequential(nn.Linear(2, 3), weighted), path)
    changed = nn.Linear(2, 3)
    changed.weight = nn.Parameter(np.zeros((5, 2), dtype=np.float32))
    with pytest.raises(ValueError, match=r"does not match the model's weights at \['weight'\]"):
        rb.save(changed, path)
    with pytest.raises(ValueError, match="metadata"):
        rb.save(nn.Linear(2, 3), path, metadata={"f": object()})
    with pytest.raises(TypeError):
        rb.save(torch.nn.Linear(2, 3), path)
    assert not path.exists() and os.listdir(tmp_path) == []


# ----------------------------------------------------------------------------- atomicity


def test_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.safetensors"
    rb.save(nn.Linear(2, 3), path)
    old = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)  # fails after the temporary file was written
    with pytest.raises(OSError, match="disk full"):
        rb.save(nn.Linear(4, 4), path)
    monkeypatch.undo()
    monkeypatch.setattr(safetensors.numpy, "save", boom)  # fails while serialising
    with pytest.raises(OSError, match="disk full"):
        rb.save(nn.Linear(4, 4), path)
    monkeypatch.undo()
    with pytest.raises(ValueError):  # fails while recording the architecture
        rb.save(nn.Sequential(nn.Linear(4, 4), nn.BCELoss(weight=np.ones(2))), path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["m.safetensors"]  # no temporary file left behind
    assert rb.load(path).weight.shape == (3, 2)


def test_atomic_write_replaces_and_keeps_mode(tmp_path: Path) -> None:
    p = tmp_path / "f.txt"
    io.atomic_write(p, "one")
    os.chmod(p, 0o600)
    io.atomic_write(p, b"two")
    assert p.read_text() == "two" and (p.stat().st_mode & 0o777) == 0o600
    assert os.listdir(tmp_path) == ["f.txt"]


# ----------------------------------------------------------------------------- corrupt files


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "good.safetensors"
    rb.save(_mlp(), path, metadata={"note": "x"})
    return path


def _header(raw: bytes) -> tuple[int, dict]:
    (n,) = struct.unpack("<Q", raw[:8])
    return n, json.loads(raw[8 : 8 + n])


def _with_header(raw: bytes, header: dict) -> bytes:
    n, _ = _header(raw)
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + raw[8 + n :]


def _expect_rejected(path: Path, data: bytes, match: str | None = None) -> None:
    path.write_bytes(data)
    with pytest.raises((ValueError, OSError), match=match):
        rb.load(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="no such file"):
        rb.load(tmp_path / "nothing.safetensors")


def test_truncated_files(saved: Path, tmp_path: Path) -> None:
    raw = saved.read_bytes()
    n, _ = _header(raw)
    bad = tmp_path / "bad.safetensors"
    for cut in [0, 3, 8, 9, 8 + n // 2, 8 + n, 8 + n + 1, len(raw) - 1]:
        _expect_rejected(bad, raw[:cut])
    _expect_rejected(bad, raw[:-4], "truncated")


def test_trailing_garbage(saved: Path, tmp_path: Path) -> None:
    _expect_rejected(
        tmp_path / "b.safetensors",
        saved.read_bytes() + b"\x00garbage",
        "8 unexpected trailing bytes",
    )


def test_wrong_headers(saved: Path, tmp_path: Path) -> None:
    raw = saved.read_bytes()
    n, header = _header(raw)
    bad = tmp_path / "bad.safetensors"
    _expect_rejected(bad, b"PK\x03\x04" + raw[4:], "header length")  # a zip, not safetensors
    _expect_rejected(bad, struct.pack("<Q", 2**40) + raw[8:], "header length")
    _expect_rejected(bad, raw[:8] + b"[" + raw[9:], "JSON object")
    _expect_rejected(bad, raw[:8] + b"{" + b"\xff" * (n - 1) + raw[8 + n :], "UTF-8")
    _expect_rejected(
        bad, raw[:8] + raw[8 : 8 + n].replace(b'"', b"'", 1) + raw[8 + n :], "not valid JSON"
    )
    text = raw[8 : 8 + n].decode().rstrip()
    dup = text[:-1] + ', "0.bias": ' + json.dumps(header["0.bias"]) + "}"
    _expect_rejected(
        bad, struct.pack("<Q", len(dup)) + dup.encode() + raw[8 + n :], "duplicate key"
    )


@pytest.mark.parametrize(
    "edit,match",
    [
        (lambda h: h["0.weight"].update(dtype="BF16"), "unsupported dtype 'BF16'"),
        (lambda h: h["0.weight"].update(dtype="F64"), "needs 768 bytes"),
        (lambda h: h["0.weight"].update(shape=[16, 5]), "needs 320 bytes"),
        (lambda h: h["0.weight"].update(shape=[16, -6]), "malformed shape"),
        (lambda h: h["0.weight"].update(data_offsets=[0, 384]), "overlaps|gap"),
        (lambda h: h["0.weight"].update(data_offsets="0-384"), "malformed data_offsets"),
        (lambda h: h["0.weight"].pop("shape"), "malformed header entry"),
        (lambda h: h.update(__metadata__={"x": 1}), "strings to strings"),
    ],
)
def test_inconsistent_tensor_entries(saved: Path, tmp_path: Path, edit, match: str) -> None:
    raw = saved.read_bytes()
    _, header = _header(raw)
    edit(header)
    _expect_rejected(tmp_path / "bad.safetensors", _with_header(raw, header), match)


def _model_file(path: Path, arch, tensors: dict | None = None, **meta: str) -> Path:
    metadata = {
        "rosenblatt.kind": "model",
        "rosenblatt.architecture": arch if isinstance(arch, str) else json.dumps(arch),
    }
    metadata.update(meta)
    if tensors is None:
        tensors = {"weight": np.zeros((3, 2), np.float32), "bias": np.zeros(3, np.float32)}
    safetensors.numpy.save_file(tensors, str(path), metadata=metadata)
    return path


LINEAR = {"type": "Linear", "args": [2, 3], "kwargs": {}}


@pytest.mark.parametrize(
    "arch,match",
    [
        (
            {"type": "os.system", "args": ["echo pwned"], "kwargs": {}},
            "unknown module type 'os.system'",
        ),
        ({"type": "__import__", "args": ["os"], "kwargs": {}}, "unknown module type '__import__'"),
        ({"type": "eval", "args": ["1+1"], "kwargs": {}}, "unknown module type 'eval'"),
        (
            {
                "type": "Sequential",
                "args": [
                    {"__module__": {"type": "subprocess.Popen", "args": [["ls"]], "kwargs": {}}}
                ],
                "kwargs": {},
            },
            "unknown module type 'subprocess.Popen'",
        ),
        (
            {"type": "Linear", "args": [2, 3], "kwargs": {"dtype": {"__dtype__": "object"}}},
            "unexpected value",
        ),
        (
            {"type": "Linear", "args": [2, 3], "kwargs": {"dtype": {"__class__": "x"}}},
            "unexpected value",
        ),
        ({"type": "Linear", "args": ["two", 3], "kwargs": {}}, "cannot build model\\(Linear\\)"),
        ({"type": "Linear", "args": [2, 3], "kwargs": {"bogus": 1}}, "cannot build"),
        ({"type": "Linear", "args": [2, 3]}, "keys type, args, kwargs"),
        ([1, 2], "keys type, args, kwargs"),
        ("{not json", "not valid JSON"),
        ('{"type": "Linear", "args": [NaN, 3], "kwargs": {}}', "not valid JSON"),
        ("[" * 50000 + "]" * 50000, "not valid JSON|nested"),
    ],
)
def test_hostile_architecture(tmp_path: Path, arch, match: str) -> None:
    path = _model_file(tmp_path / "h.safetensors", arch)
    with pytest.raises(ValueError, match=match):
        rb.load(path)


def test_deeply_nested_architecture(tmp_path: Path) -> None:
    spec = LINEAR
    for _ in range(200):
        spec = {"type": "Sequential", "args": [{"__module__": spec}], "kwargs": {}}
    with pytest.raises(ValueError, match="deeper|nested"):
        rb.load(_model_file(tmp_path / "deep.safetensors", spec))


@pytest.mark.parametrize(
    "tensors,match",
    [
        ({"weight": np.zeros((3, 2), np.float32)}, r"missing \['bias'\]"),
        (
            {
                "weight": np.zeros((3, 2), np.float32),
                "bias": np.zeros(3, np.float32),
                "extra": np.zeros(1),
            },
            r"unexpected \['extra'\]",
        ),
        (
            {"weight": np.zeros((2, 3), np.float32), "bias": np.zeros(3, np.float32)},
            r"'weight' has shape \(2, 3\), the architecture needs \(3, 2\)",
        ),
        ({"weight": np.zeros((3, 2), np.int32), "bias": np.zeros(3, np.float32)}, "dtype int32"),
    ],
)
def test_missing_or_misshaped_weights(tmp_path: Path, tensors: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        rb.load(_model_file(tmp_path / "w.safetensors", LINEAR, tensors))


def test_good_handmade_file_loads(tmp_path: Path) -> None:
    w = np.arange(6, dtype=np.float64).reshape(3, 2)
    model = rb.load(
        _model_file(tmp_path / "ok.safetensors", LINEAR, {"weight": w, "bias": np.ones(3)})
    )
    assert model.weight.dtype == np.float64
    np.testing.assert_array_equal(
        model(rb.tensor([[1.0, 1.0]], dtype=np.float64)).numpy(), [[2.0, 6.0, 10.0]]
    )


def test_bad_preprocessing_or_classes_json(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="preprocessing"):
        rb.load(
            _model_file(
                tmp_path / "p.safetensors",
                LINEAR,
                None,
                **{"rosenblatt.preprocessing": '{"scaling": 1}'},
            )
        )
    with pytest.raises(ValueError, match="classes"):
        rb.load(
            _model_file(
                tmp_path / "c.safetensors", LINEAR, None, **{"rosenblatt.classes": '[{"a": 1}]'}
            )
        )
    with pytest.raises(ValueError, match="metadata must be a JSON object"):
        rb.load(
            _model_file(tmp_path / "m.safetensors", LINEAR, None, **{"rosenblatt.metadata": "[1]"})
        )


def test_plain_safetensors_and_state_files_are_not_models(tmp_path: Path) -> None:
    plain = tmp_path / "plain.safetensors"
    safetensors.torch.save_file(torch.nn.Linear(2, 3).state_dict(), str(plain))
    with pytest.raises(ValueError, match="not a rosenblatt model file"):
        io.load_checkpoint(plain)
    assert list(rb.load(plain)) == ["bias", "weight"]  # rb.load: a state_dict of Tensors
    state = tmp_path / "state.safetensors"
    io.save_state(state, {"a": np.zeros(2)}, {"epoch": 1})
    with pytest.raises(ValueError, match="not a rosenblatt model file"):
        io.load_checkpoint(state)
    rb.save(nn.Linear(2, 2), plain)
    with pytest.raises(ValueError, match="not a rosenblatt state file"):
        io.load_state(plain)


_FUZZ_ORIGINAL: list[bytes] = []


def _fuzz_original(tmp_path: Path) -> bytes:
    if not _FUZZ_ORIGINAL:
        path = tmp_path / "original.safetensors"
        model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
        rb.save(model, path, metadata={"k": [1, 2]})
        _FUZZ_ORIGINAL.append(path.read_bytes())
    return _FUZZ_ORIGINAL[0]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pos=st.integers(0, 10_000), byte=st.integers(0, 255), cut=st.booleans())
def test_damaged_files_raise_only_value_or_os_errors(
    tmp_path: Path, pos: int, byte: int, cut: bool
) -> None:
    path = tmp_path / "fuzz.safetensors"
    raw = bytearray(_fuzz_original(tmp_path))
    pos %= len(raw)
    if cut:
        raw = raw[:pos]
    else:
        raw[pos] = byte
    path.write_bytes(bytes(raw))
    try:
        model = rb.load(path)
    except (ValueError, OSError):
        return
    assert isinstance(model, nn.Module)  # a byte changed inside the weights: still a model


# ----------------------------------------------------------------------------- state files


def test_save_state_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    rng.random(5)
    arrays = {
        "model.0.weight": np.ones((2, 3), np.float32),
        "optim.m.0": np.arange(4.0),
        "step": np.array([7], np.int64),
    }
    meta = {"epoch": 3, "rng": rng.bit_generator.state, "best": float("nan"), "lr": np.float32(0.5)}
    path = tmp_path / "backup.safetensors"
    io.save_state(path, arrays, meta)
    got_arrays, got_meta = io.load_state(path)
    assert set(got_arrays) == set(arrays)
    for k, v in arrays.items():
        assert got_arrays[k].dtype == v.dtype
        np.testing.assert_array_equal(got_arrays[k], v)
    assert got_meta["epoch"] == 3 and np.isnan(got_meta["best"]) and got_meta["lr"] == 0.5
    restored = np.random.default_rng()
    restored.bit_generator.state = got_meta["rng"]
    np.testing.assert_array_equal(restored.random(4), rng.random(4))
    io.save_state(path, {}, {})  # nothing but metadata
    assert io.load_state(path) == ({}, {})
    with pytest.raises(ValueError, match="not JSON-serialisable"):
        io.save_state(path, {}, {"x": object()})
    assert io.load_state(path) == ({}, {})  # the failed save left the file as it was
