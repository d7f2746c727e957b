"""ONNX export (issue 15, item 10): every exported file runs in onnxruntime, the oracle, and
gives rosenblatt's outputs (float32, 1e-5) -- on other inputs than the example it was
exported with, and other batch sizes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import rosenblatt as rb
from rosenblatt import nn

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

TOL = {"rtol": 1e-5, "atol": 1e-5}


def _session(path: Path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _ours(model, X):
    model.eval()
    with rb.no_grad():
        out = model(rb.tensor(X))
    if isinstance(out, tuple):
        return [o.numpy() for o in (out[0], *(out[1] if isinstance(out[1], tuple) else out[1:]))]
    return [out.numpy()]


def _roundtrip(tmp_path: Path, model, example, *others) -> None:
    path = tmp_path / "model.onnx"
    rb.onnx.export(model, example, path)
    session = _session(path)
    for X in (example, *others):
        got = session.run(None, {"input": X})
        want = _ours(model, X)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == w.shape and g.dtype == np.float32
            np.testing.assert_allclose(g, w, **TOL)


def _x(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


ACTIVATIONS = [
    nn.ReLU(), nn.LeakyReLU(0.2), nn.Sigmoid(), nn.Tanh(), nn.GELU(), nn.GELU("tanh"),
    nn.Softplus(), nn.Softplus(beta=2.0, threshold=1.0), nn.ELU(0.7), nn.SELU(),
    nn.Step(), nn.Step(1.0), nn.Softmax(dim=1), nn.LogSoftmax(dim=1), nn.Identity(),
    nn.Dropout(0.5),
]  # fmt: skip


@pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda a: repr(a))
def test_linear_and_every_activation(tmp_path, act) -> None:
    model = nn.Sequential(nn.Linear(6, 5), act, nn.Linear(5, 3, bias=False))
    X = _x(4, 6)
    X[0, :] = 0.0  # the step at exactly 0
    _roundtrip(tmp_path, model, X, _x(17, 6, seed=1), _x(1, 6, seed=2))


def test_step_at_zero_takes_its_value(tmp_path) -> None:
    X = np.array([[-1.0, 0.0, 2.0]], np.float32)
    for value in (0.0, 1.0, 0.5):
        _roundtrip(tmp_path, nn.Sequential(nn.Step(value)), X)


def test_batch_norm_with_running_statistics_and_dropout(tmp_path) -> None:
    model = nn.Sequential(
        nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.3),
        nn.BatchNorm1d(8, affine=False), nn.Linear(8, 2),
    )  # fmt: skip
    model.train()
    rb.fit(model, _x(64, 4), np.arange(64) % 2, epochs=2, verbose=0)  # running stats move
    assert not np.allclose(model[1].running_mean.numpy(), 0)
    _roundtrip(tmp_path, model, _x(5, 4), _x(33, 4, seed=3))


@pytest.mark.parametrize(
    "layers",
    [
        [nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(100, 2)],
        [nn.Conv2d(3, 5, (3, 2), stride=(2, 1), padding=(1, 2), dilation=(1, 2)), nn.Tanh(),
         nn.AvgPool2d(3, stride=2, padding=1), nn.Flatten()],
        [nn.Conv2d(3, 4, 4, padding="same"), nn.BatchNorm2d(4), nn.ReLU(),
         nn.MaxPool2d(3, 2, 1, ceil_mode=True),
         nn.AvgPool2d(2, padding=1, ceil_mode=True, count_include_pad=False),
         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3)],
        [nn.Conv2d(3, 2, 3, padding="valid", bias=False), nn.MaxPool2d(3, stride=1, dilation=2),
         nn.AvgPool2d(2, divisor_override=3), nn.Flatten(start_dim=2)],
        [nn.Conv2d(3, 2, 1), nn.AdaptiveMaxPool2d((2, 3)), nn.Flatten(1, 2)],
    ],
    ids=["lenet-like", "strides-dilation-avg", "same-bn-ceil", "valid-divisor", "adaptive"],
)  # fmt: skip
def test_convolutional_networks(tmp_path, layers) -> None:
    model = nn.Sequential(*layers)
    with rb.no_grad():
        for m in model:
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.data[...] = 0.3
                m.running_var.data[...] = 2.0
    _roundtrip(tmp_path, model, _x(2, 3, 12, 12), _x(5, 3, 12, 12, seed=4))


@pytest.mark.parametrize(
    "model",
    [
        nn.LSTM(5, 6), nn.LSTM(5, 4, num_layers=3), nn.LSTM(5, 3, batch_first=True),
        nn.LSTM(5, 3, bias=False), nn.RNN(5, 4), nn.RNN(5, 4, nonlinearity="relu", num_layers=2),
        nn.RNN(5, 2, batch_first=True),
    ],
    ids=repr,
)  # fmt: skip
def test_recurrent_models_with_the_onnx_gate_order(tmp_path, model) -> None:
    """LSTM's PyTorch gate rows i, f, g, o become ONNX's i, o, f, c; sequences of other
    lengths and batch sizes run through the same file."""
    _roundtrip(tmp_path, model, _x(7, 4, 5), _x(3, 2, 5, seed=5), _x(11, 6, 5, seed=6))


def test_unbatched_sequence(tmp_path) -> None:
    _roundtrip(tmp_path, nn.LSTM(5, 3, num_layers=2), _x(7, 5), _x(2, 5, seed=7))


def test_float64_models_export_in_float64(tmp_path) -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    X = np.random.default_rng(0).normal(size=(6, 3))
    rb.onnx.export(model, X, tmp_path / "m.onnx")
    (got,) = _session(tmp_path / "m.onnx").run(None, {"input": X})
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, _ours(model, X)[0], rtol=1e-12, atol=1e-12)


def test_what_cannot_be_exported_is_named(tmp_path) -> None:
    class Custom(nn.Module):
        def forward(self, x):
            return x * 2

    with pytest.raises(ValueError, match="no ONNX form for Custom"):
        rb.onnx.export(nn.Sequential(nn.Linear(2, 2), Custom()), _x(1, 2), tmp_path / "x")
    with pytest.raises(ValueError, match="export it as the whole model"):
        rb.onnx.export(nn.Sequential(nn.LSTM(2, 2)), _x(3, 1, 2), tmp_path / "x")
    with pytest.raises(ValueError, match="track_running_stats=False"):
        rb.onnx.export(nn.BatchNorm1d(2, track_running_stats=False), _x(3, 2), tmp_path / "x")
    with pytest.raises(ValueError, match="windows of different sizes"):
        rb.onnx.export(nn.AdaptiveAvgPool2d(3), _x(1, 1, 5, 5), tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_a_wrong_export_is_never_written(tmp_path, monkeypatch) -> None:
    """The check runs the file before writing it: a converter with a wrong formula fails."""
    from rosenblatt.onnx import layers

    monkeypatch.setitem(layers.CONVERTERS, nn.Tanh, layers.CONVERTERS[nn.Sigmoid])
    with pytest.raises(ValueError, match="differs from the model's"):
        rb.onnx.export(nn.Sequential(nn.Tanh()), _x(3, 2), tmp_path / "bad.onnx")
    assert not (tmp_path / "bad.onnx").exists()
