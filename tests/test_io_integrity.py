"""Integrity of the files rosenblatt writes (issue 15, item 4): a checksum of tensors and
metadata verified on every read (a flipped bit is reported, never loaded as a different
model), a model file's parts checked against each other, and a damaged backup refused with
what to do."""

from __future__ import annotations

import io as _io
import json
import struct
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rosenblatt as rb
from rosenblatt import io, nn
from rosenblatt.preprocessing import Preprocessor


def _trained_file() -> bytes:
    rb.manual_seed(0)
    X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    y = np.where(X[:, 0] > 0, "yes", "no")
    pre = Preprocessor().fit(X, y)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    buffer = _io.BytesIO()
    rb.save(model, buffer, preprocessing=pre, metadata={"target": "label"})
    return buffer.getvalue()


ORIGINAL = _trained_file()


def _same_model(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return list(sa) == list(sb) and all(
        np.array_equal(sa[k], sb[k]) and sa[k].dtype == sb[k].dtype for k in sa
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(0, len(ORIGINAL) - 1), bit=st.integers(0, 7))
def test_a_flipped_bit_is_reported_not_loaded(position: int, bit: int) -> None:
    """Every single-bit change anywhere in the file is refused -- or, where it changes
    nothing that is read (never seen so far), gives exactly the original model."""
    raw = bytearray(ORIGINAL)
    raw[position] ^= 1 << bit
    try:
        model = rb.load(_io.BytesIO(bytes(raw)))
    except (ValueError, OSError):
        return
    original = rb.load(_io.BytesIO(ORIGINAL))
    assert _same_model(model, original)
    assert model.metadata == original.metadata and model.classes == original.classes


def test_a_flipped_bit_in_the_weights_names_the_checksum() -> None:
    raw = bytearray(ORIGINAL)
    raw[-5] ^= 0x10  # inside the last tensor's data: a weight changes, the layout does not
    with pytest.raises(ValueError, match="checksum does not match its contents"):
        rb.load(_io.BytesIO(bytes(raw)))


def test_every_kind_of_file_carries_the_checksum(tmp_path: Path) -> None:
    io.save_state(tmp_path / "s", {"a": np.arange(3.0)}, {"epoch": 2})
    rb.save({"w": rb.ones(2), "step": 3}, tmp_path / "o")
    rb.save(nn.Linear(2, 2), tmp_path / "m")
    for name in ("s", "o", "m"):
        _, meta = io.read_safetensors(tmp_path / name)
        assert meta["rosenblatt.sha256"].startswith("sha256:")


def test_files_without_a_checksum_still_load(tmp_path: Path) -> None:
    """Older files and other writers (safetensors.torch.save_file) have none."""
    safetensors.numpy.save_file({"weight": np.ones((2, 2), np.float32)}, str(tmp_path / "p"))
    assert list(rb.load(tmp_path / "p")) == ["weight"]


# ----------------------------------------------------------------------------- consistency
def _edited(tmp_path: Path, edit) -> Path:
    """The trained file with its metadata or tensors edited (and no checksum, as a
    hand-edited file would have)."""
    n = struct.unpack("<Q", ORIGINAL[:8])[0]
    meta = dict(json.loads(ORIGINAL[8 : 8 + n])["__metadata__"])
    del meta["rosenblatt.sha256"]
    tensors = safetensors.numpy.load(ORIGINAL)
    edit(meta, tensors)
    path = tmp_path / "edited.safetensors"
    safetensors.numpy.save_file(tensors, str(path), metadata=meta)
    return path


def _pre(meta, **changes):
    pre = json.loads(meta["rosenblatt.preprocessing"])
    for key, value in changes.items():
        target = pre
        *parents, last = key.split(".")
        for p in parents:
            target = target[p]
        target[last] = value
    meta["rosenblatt.preprocessing"] = json.dumps(pre)


CASES = {
    "classes vs output width": (
        lambda m, t: (_pre(m, classes=["a", "b", "c"]),
                      m.update({"rosenblatt.classes": '["a", "b", "c"]'})),
        r"2 output\(s\) for 3 classes",
    ),
    "classes of metadata vs preprocessing": (
        lambda m, t: m.update({"rosenblatt.classes": '["no", "maybe"]'}),
        "differ from those of the preprocessing",
    ),
    "preprocessing vs input width": (
        lambda m, t: _pre(m, n_features_in=5, feature_names=None,
                          **{"scaler.n_features_in": 5, "scaler.mean": [0.0] * 5,
                             "scaler.var": [1.0] * 5, "scaler.scale": [1.0] * 5}),
        "does not take the 5 features of its preprocessing",
    ),
    "a zero scale": (
        lambda m, t: _pre(m, **{"scaler.scale": [1.0, 0.0, 1.0]}),
        r"scaler.scale holds 0 at features \[1\]",
    ),
    "a NaN weight": (
        lambda m, t: t["2.weight"].__setitem__((0, 0), np.nan),
        "weight '2.weight' holds NaN or inf",
    ),
    "an inf bias": (
        lambda m, t: t["0.bias"].__setitem__(1, -np.inf),
        "weight '0.bias' holds NaN or inf",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_inconsistent_model_files_are_refused(tmp_path: Path, case: str) -> None:
    edit, match = CASES[case]
    path = _edited(tmp_path, edit)
    with pytest.raises(ValueError, match=match):
        rb.load(path)


def test_save_refuses_what_load_would(tmp_path: Path) -> None:
    X = np.random.default_rng(0).normal(size=(20, 3))
    pre = Preprocessor().fit(X, np.arange(20) % 3)
    with pytest.raises(ValueError, match=r"rb.save: the model has 2 output\(s\) for 3 classes"):
        rb.save(nn.Linear(3, 2), tmp_path / "m", preprocessing=pre)
    with pytest.raises(ValueError, match="does not take the 3 features"):
        rb.save(nn.Linear(4, 3), tmp_path / "m", preprocessing=pre)
    model = nn.Linear(3, 3)
    model.weight.data[0, 0] = float("nan")
    with pytest.raises(ValueError, match="holds NaN"):
        rb.save(model, tmp_path / "m", preprocessing=pre)
    assert not (tmp_path / "m").exists()


# ----------------------------------------------------------------------------- backups
def _fit_with_backup(backup: Path, epochs: int, **kwargs):
    rb.manual_seed(0)
    X = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    cbs = [rb.callbacks.BackupAndRestore(backup, delete_checkpoint=False), *kwargs.pop("cbs", [])]
    rb.fit(model, X, y, epochs=epochs, batch_size=16, callbacks=cbs, verbose=0, **kwargs)
    return model


def _damage_bit(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[-7] ^= 0x04
    path.write_bytes(bytes(raw))


def _damage_structure(path: Path) -> None:
    """A sound file (checksum and all) whose training state lacks its parts."""
    arrays, meta = io.load_state(path)
    io.save_state(path, arrays, {"__dict__": [["epoch", 1]]})


def _damage_truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-100])


def _damage_shapes(path: Path) -> None:
    arrays, meta = io.load_state(path)
    first = sorted(arrays)[0]
    arrays[first] = np.zeros((7, 7), arrays[first].dtype)
    io.save_state(path, arrays, meta)


@pytest.mark.parametrize("damage", [_damage_bit, _damage_structure, _damage_truncate,
                                    _damage_shapes], ids=lambda f: f.__name__)  # fmt: skip
def test_a_damaged_backup_says_delete_it(tmp_path: Path, damage) -> None:
    backup = tmp_path / "backup"
    _fit_with_backup(backup, epochs=2)
    damage(backup / "backup.safetensors")
    rb.manual_seed(0)
    X = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    before = {k: np.array(v) for k, v in model.state_dict().items()}
    with pytest.raises(ValueError, match=r"the backup .*backup.safetensors is damaged .*delete it"):
        rb.fit(model, X, (X[:, 0] > 0).astype(np.int64), epochs=4, verbose=0,
               callbacks=[rb.callbacks.BackupAndRestore(backup)])  # fmt: skip
    for k, v in model.state_dict().items():  # nothing half-restored
        np.testing.assert_array_equal(v, before[k])
