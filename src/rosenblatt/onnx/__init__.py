"""Export to ONNX: ``rb.onnx.export(model, example_input, path)``.

The file runs in any ONNX runtime (onnxruntime, ONNX.js, OpenVINO, ...) and computes what
the model computes in evaluation mode. What can be exported:

- ``nn.Module`` trees of ``Sequential`` containers and the layers Linear, Identity,
  Dropout (the identity in evaluation), ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Softplus,
  ELU, SELU, Step, Softmax, LogSoftmax, Flatten, BatchNorm1d/2d (running statistics),
  Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvg/MaxPool2d (windows of one size); one input
  ``"input"``, one output ``"output"``;
- ``nn.RNN`` and ``nn.LSTM`` as the whole model, any number of layers, batch_first or not:
  outputs ``"output"``, ``"h_n"`` (and ``"c_n"``), as ``forward(input)`` returns them
  (the weights are reordered to ONNX's gate order i, o, f, c);
- a model from ``rb.load`` / ``rosenblatt train`` with its ``preprocessing``: the feature
  scaling comes first, so the file takes raw features; a classifier's outputs are
  ``"label"`` (the class label) and ``"probabilities"``, a regressor's ``"prediction"`` in
  target units;
- fitted ``rosenblatt.models`` estimators (MLPClassifier/Regressor, LogisticRegression,
  LinearRegression, Perceptron, Adaline, LinearDiscriminantAnalysis ...) -- also at the end
  of a scikit-learn ``Pipeline`` of StandardScaler / MinMaxScaler steps: ``"label"`` and
  ``"probabilities"`` (classifiers with ``predict_proba``) or ``"prediction"``.

The batch dimension (and the time dimension of a recurrent model) is dynamic; the other
dimensions are those of ``example_input``. Before the file is written it is run on
``example_input`` (onnxruntime, else ONNX's reference evaluator) and its outputs are
compared with rosenblatt's: a file that would compute something else is not written.

Needs the ``onnx`` package (``pip install rosenblatt[onnx]``); running the file needs a
runtime such as ``onnxruntime``. The command line: ``rosenblatt export MODEL --onnx OUT``.

>>> # rb.onnx.export(model, X[:1], "model.onnx")
>>> # onnxruntime.InferenceSession("model.onnx").run(None, {"input": X})
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor

__all__ = ["OPSET", "export"]

OPSET = 17  # ONNX's operator set of the files (onnxruntime >= 1.13 runs it)

_FLOAT = {np.dtype(np.float32): 1, np.dtype(np.float64): 11}  # ONNX TensorProto types


def _require_onnx() -> Any:
    try:
        import onnx
    except ImportError as e:
        raise ImportError(
            "rb.onnx.export needs the onnx package: pip install 'rosenblatt[onnx]' "
            "(or pip install onnx)"
        ) from e
    return onnx


def export(
    model: Any, example_input: Any, path: str | os.PathLike[str], *, check: bool = True
) -> None:
    """Write ``model`` as an ONNX file that computes what the model computes in eval mode.

    Parameters
    ----------
    model : nn.Module, fitted rosenblatt.models estimator, or sklearn Pipeline
        See the module docstring for what is supported; anything else raises ValueError
        naming the layer.
    example_input : array_like or Tensor
        A batch of inputs (a few rows are enough): it fixes every dimension but the batch
        (and time) dimension, and the export is checked on it.
    path : str or PathLike
        Written atomically.
    check : bool, default True
        Run the file on ``example_input`` (in onnxruntime when installed, else in ONNX's
        reference evaluator, which lacks a few operators: RNN with ReLU is then not
        checked) and compare with rosenblatt (rtol 1e-4, atol 1e-5) before writing.

    Raises
    ------
    ValueError
        A layer or estimator that cannot be exported, or an export whose outputs would
        differ from the model's.
    ImportError
        Without the onnx package.
    """
    from ..io import atomic_write
    from .models import build

    onnx = _require_onnx()
    X = np.asarray(example_input._data if isinstance(example_input, Tensor) else example_input)
    if X.ndim == 0 or len(X) == 0:
        raise ValueError("rb.onnx.export: example_input must hold at least one sample")
    with no_grad():
        graph, inputs, outputs, expected = build(model, X)
    proto = onnx.helper.make_model(
        onnx.helper.make_graph(graph.nodes, "rosenblatt", inputs, outputs, graph.initializers),
        opset_imports=[onnx.helper.make_opsetid("", OPSET)],
        producer_name="rosenblatt",
    )
    proto.ir_version = 8  # runtimes from 2021 on read it
    onnx.checker.check_model(proto)
    if check:
        _check(proto, X, expected)
    atomic_write(path, proto.SerializeToString())


def _run(proto: Any, feed: dict[str, np.ndarray]) -> list[Any] | None:
    """The file's outputs: onnxruntime's when it is installed, else ONNX's reference
    evaluator's; None when neither runs one of its operators (the reference evaluator
    lacks a few, e.g. RNN with ReLU)."""
    try:
        import onnxruntime
    except ImportError:
        from onnx.reference import ReferenceEvaluator

        try:
            return list(ReferenceEvaluator(proto).run(None, feed))
        except (RuntimeError, NotImplementedError):
            return None
    session = onnxruntime.InferenceSession(
        proto.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return list(session.run(None, feed))


def _check(proto: Any, X: np.ndarray, expected: dict[str, np.ndarray]) -> None:
    """The file's outputs on X equal rosenblatt's."""
    name = proto.graph.input[0].name
    got = _run(proto, {name: X.astype(_elem_dtype(proto.graph.input[0]))})
    if got is None:
        return
    for out, value in zip(proto.graph.output, got):
        want = expected[out.name]
        if want.dtype.kind in "fc":
            ok = want.shape == np.shape(value) and np.allclose(value, want, rtol=1e-4, atol=1e-5)
        else:
            ok = want.shape == np.shape(value) and np.array_equal(
                np.asarray(value).astype(want.dtype), want
            )
        if not ok:
            raise ValueError(
                f"rb.onnx.export: the exported {out.name!r} differs from the model's on the "
                "example input; not written (please report it)"
            )


def _elem_dtype(value_info: Any) -> np.dtype:
    from onnx import helper

    return np.dtype(helper.tensor_dtype_to_np_dtype(value_info.type.tensor_type.elem_type))
