"""What a model computes, end to end: networks, recurrent models, scaling before and labels
and probabilities after (rb.load's preprocessing, rosenblatt.models estimators, scikit-learn
Pipelines of scalers), each written as ONNX nodes and run once in rosenblatt for the check."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import nn
from ..nn.module import Sequential
from ..tensor import Tensor
from ._graph import Graph
from .layers import CONVERTERS

Outputs = dict[str, np.ndarray]


def _forward(module: Any, ex: np.ndarray) -> Any:
    out = module(Tensor._make(ex, None))
    if isinstance(out, tuple):
        return tuple(_forward_value(o) for o in out)
    return _forward_value(out)


def _forward_value(out: Any) -> Any:
    if isinstance(out, tuple):
        return tuple(_forward_value(o) for o in out)
    return np.asarray(out._data)


def _is_plain_sequential(m: Any) -> bool:
    return isinstance(m, Sequential) and type(m).forward is Sequential.forward


def network(g: Graph, m: Any, x: str, ex: np.ndarray) -> tuple[str, np.ndarray]:
    """The nodes of ``m`` applied to ``x``; (output name, rosenblatt's output on ``ex``)."""
    if _is_plain_sequential(m):
        for child in m:
            x, ex = network(g, child, x, ex)
        return x, ex
    convert = CONVERTERS.get(type(m))
    if convert is None:
        known = sorted({c.__name__ for c in CONVERTERS} | {"Sequential"})
        raise ValueError(
            f"rb.onnx.export: no ONNX form for {type(m).__name__}; exportable layers: "
            f"{', '.join(known)}"
        )
    if isinstance(m, (nn.RNN, nn.LSTM)):
        raise ValueError(
            f"rb.onnx.export: {type(m).__name__} returns (output, state): export it as the "
            "whole model, not as a layer inside another"
        )
    y = convert(g, m, x, ex)
    return y, _forward(m, ex)


def _graph_dtype(model: Any) -> np.dtype:
    floats = [np.dtype(p.dtype) for p in model.parameters() if np.dtype(p.dtype).kind == "f"]
    return floats[0] if floats else np.dtype(np.float32)


# ----------------------------------------------------------------------------- scaling
def _scaler(g: Graph, s: Any, x: str) -> str:
    """scikit-learn's StandardScaler ((x - mean_) / scale_) or MinMaxScaler
    (x * scale_ + min_, clipped to feature_range with clip=True)."""
    kind = type(s).__name__
    if kind == "StandardScaler":
        if s.mean_ is not None:
            x = g.node("Sub", [x, g.const(s.mean_, "mean")], "centred")
        if s.scale_ is not None:
            x = g.node("Div", [x, g.const(s.scale_, "scale")], "standardised")
        return x
    if kind == "MinMaxScaler":
        x = g.node("Mul", [x, g.const(s.scale_, "scale")], "scaled")
        x = g.node("Add", [x, g.const(s.min_, "min")], "minmax")
        if s.clip:
            lo, hi = s.feature_range
            x = g.node("Clip", [x, g.const(lo, "lo"), g.const(hi, "hi")], "clipped")
        return x
    raise ValueError(
        f"rb.onnx.export: no ONNX form for the scaler {kind} (StandardScaler and MinMaxScaler "
        "are exported)"
    )


def _unscale_targets(g: Graph, s: Any, y: str) -> str:
    """The inverse of a target scaler: y * scale_ + mean_, or (y - min_) / scale_."""
    if type(s).__name__ == "StandardScaler":
        if s.scale_ is not None:
            y = g.node("Mul", [y, g.const(s.scale_, "t_scale")], "unscaled")
        return y if s.mean_ is None else g.node("Add", [y, g.const(s.mean_, "t_mean")], "y")
    y = g.node("Sub", [y, g.const(s.min_, "t_min")], "shifted")
    return g.node("Div", [y, g.const(s.scale_, "t_scale")], "y")


# ----------------------------------------------------------------------------- heads
def _classes(g: Graph, classes: np.ndarray) -> tuple[str, np.dtype]:
    classes = np.asarray(classes)
    if classes.dtype.kind in "USO":
        return g.const(classes.astype(str), "classes"), np.dtype(object)
    if classes.dtype.kind in "iub":
        return g.const(classes.astype(np.int64), "classes", np.int64), np.dtype(np.int64)
    return g.const(classes, "classes"), g.dtype


def _label(g: Graph, classes: np.ndarray, index: str) -> str:
    table, _ = _classes(g, classes)
    return g.node("Gather", [table, index], "label", axis=0)


def classifier_head(g: Graph, z: str, width: int, classes: np.ndarray) -> dict[str, str]:
    """Logits z -> probabilities (softmax; [sigma(-z), sigma(z)] for one logit) and the label
    of the most probable class (the first one on a tie, as argmax)."""
    if width == 1:
        neg = g.node("Neg", [z], "neg_z")
        p = g.node("Concat", [g.node("Sigmoid", [neg], "p0"), g.node("Sigmoid", [z], "p1")],
                   "probabilities", axis=1)  # fmt: skip
    else:
        p = g.node("Softmax", [z], "probabilities", axis=1)
    index = g.node("ArgMax", [p], "index", axis=1, keepdims=0)
    return {"label": _label(g, classes, index), "probabilities": p}


# ----------------------------------------------------------------------------- dispatch
def build(model: Any, X: np.ndarray) -> tuple[Graph, list, list, Outputs]:
    """(graph, input infos, output infos, expected outputs on X) for any exportable model."""
    from onnx import helper

    steps: list[Any] = []
    if type(model).__name__ == "Pipeline" and hasattr(model, "steps"):
        *scalers, (_, last) = model.steps
        steps = [s for _, s in scalers if s not in (None, "passthrough")]
        model = last
    if isinstance(model, (nn.RNN, nn.LSTM)):
        if steps:
            raise ValueError("rb.onnx.export: a recurrent model after scalers is not exported")
        g, outputs, expected, dynamic = _recurrent(model, X)
    elif isinstance(model, nn.Module):
        if steps:
            raise ValueError("rb.onnx.export: a Pipeline ends with a rosenblatt.models estimator")
        g, outputs, expected = _module(model, X)
        dynamic = ["batch"]
    elif hasattr(model, "classes_") or hasattr(model, "coef_") or hasattr(model, "model_"):
        g, outputs, expected = _estimator(model, steps, X)
        dynamic = ["batch"]
    else:
        raise ValueError(
            f"rb.onnx.export: cannot export a {type(model).__name__}: expected an nn.Module, "
            "a fitted rosenblatt.models estimator or a scikit-learn Pipeline ending in one"
        )
    in_dims = [*dynamic, *X.shape[len(dynamic) :]]
    in_type = _onnx_type(g.dtype)
    inputs = [helper.make_tensor_value_info("input", in_type, in_dims)]
    infos = []
    for name, value_name in outputs.items():
        if value_name == "input":  # a model that returns its input: name a copy
            value_name = g.node("Identity", ["input"], "copy")
        g.rename(value_name, name)
        value = expected[name]
        kind = value.dtype.kind
        elem = 8 if kind in "USO" else _onnx_type(g.dtype if kind == "f" else np.dtype(np.int64))
        infos.append(helper.make_tensor_value_info(name, elem, [None] * value.ndim))
    return g, inputs, infos, expected


def _onnx_type(dtype: np.dtype) -> int:
    from onnx import helper

    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def _module(model: Any, X: np.ndarray) -> tuple[Graph, dict[str, str], Outputs]:
    g = Graph(_graph_dtype(model))
    was_training = model.training
    model.eval()
    try:
        pre = getattr(model, "preprocessing", None)
        x = "input"
        ex = X.astype(g.dtype)
        if pre is not None and type(pre).__name__ == "Preprocessor":
            return _with_preprocessing(g, model, pre, ex)
        y, out = network(g, model, x, ex)
        return g, {"output": y}, {"output": np.asarray(out)}
    finally:
        model.train(was_training)


def _with_preprocessing(
    g: Graph, model: Any, pre: Any, X: np.ndarray
) -> tuple[Graph, dict[str, str], Outputs]:
    """rb.load's model and its Preprocessor: what ``recipe.predict`` / ``predict_scores``
    compute, from raw features."""
    from ..recipe import predict, predict_scores

    if getattr(pre, "encoder", None) is not None:
        raise ValueError(
            "rb.onnx.export: the model one-hot encodes text columns or fills gaps "
            "(data.categorical / data.impute); ONNX files take numeric features only"
        )
    x = "input" if pre.scaler_ is None else _scaler(g, pre.scaler_, "input")
    z, out = network(g, model, x, pre.transform(X).astype(g.dtype))
    if pre.task == "regression":
        y = z if pre.target_scaler_ is None else _unscale_targets(g, pre.target_scaler_, z)
        return g, {"prediction": y}, {"prediction": predict_scores(model, X, pre)}
    heads = classifier_head(g, z, out.reshape(len(out), -1).shape[1], pre.classes_)
    expected = {
        "label": np.asarray(predict(model, X, pre)),
        "probabilities": predict_scores(model, X, pre),
    }
    return g, heads, expected


def _recurrent(model: Any, X: np.ndarray) -> tuple[Graph, dict[str, str], Outputs, list[str]]:
    g = Graph(_graph_dtype(model))
    was_training = model.training
    model.eval()
    try:
        ex = X.astype(g.dtype)
        names = CONVERTERS[type(model)](g, model, "input", ex)
        out, state = _forward(model, ex)
        values = [out, state] if isinstance(model, nn.RNN) else [out, *state]
    finally:
        model.train(was_training)
    keys = ["output", "h_n", "c_n"][: len(names)]
    # (T, F) unbatched; (N, T, F) batch first; (T, N, F)
    dynamic = (
        ["time"] if X.ndim == 2 else ["batch", "time"] if model.batch_first else ["time", "batch"]
    )
    return g, dict(zip(keys, names)), dict(zip(keys, values)), dynamic


def _estimator(est: Any, scalers: list[Any], X: np.ndarray) -> tuple[Graph, dict, Outputs]:
    """A fitted estimator: its scores (the network ``model_`` or the linear ``coef_``,
    ``intercept_``), then labels / probabilities / predictions as the estimator's own
    methods compute them -- which are the oracle of the check."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(est)
    raw = X.astype(np.float64)
    Xs = raw
    for s in scalers:
        Xs = s.transform(Xs)
    net = getattr(est, "model_", None)
    g = Graph(_graph_dtype(net) if isinstance(net, nn.Module) else np.dtype(np.float32))
    x = "input"
    for s in scalers:
        x = _scaler(g, s, x)
    if isinstance(net, nn.Module):
        net.eval()
        z, _ = network(g, net, x, Xs.astype(g.dtype))
    elif hasattr(est, "coef_") and hasattr(est, "intercept_"):
        W = np.atleast_2d(np.asarray(est.coef_, dtype=np.float64))
        b = np.atleast_1d(np.asarray(est.intercept_, dtype=np.float64))
        z = g.node("Gemm", [x, g.const(W, "coef"), g.const(b, "intercept")], "scores", transB=1)
        _check_scores(est, Xs, Xs @ W.T + b)
    else:
        raise ValueError(f"rb.onnx.export: no ONNX form for the estimator {type(est).__name__}")
    expected: Outputs = {}
    if hasattr(est, "classes_"):
        proba = hasattr(est, "predict_proba")
        width = 1 if len(est.classes_) == 2 else len(est.classes_)
        if proba:
            heads = classifier_head(g, z, width, est.classes_)
            expected["probabilities"] = est.predict_proba(Xs)
        else:  # a threshold unit: classes_[1] where the net input s > 0
            fires = g.node("Greater", [z, g.const(0.0, "zero")], "fires")
            index = g.node("Cast", [fires], "fires_int", to=7)
            index = g.node("Squeeze", [index, g.const(np.array([1]), "axis1", np.int64)], "index")
            heads = {"label": _label(g, est.classes_, index)}
        expected["label"] = np.asarray(est.predict(Xs))
        if expected["label"].dtype.kind in "USO":
            expected["label"] = expected["label"].astype(object)
        return g, heads, expected
    prediction = np.asarray(est.predict(Xs))
    if prediction.ndim == 1:
        z = g.node("Squeeze", [z, g.const(np.array([1]), "axis1", np.int64)], "prediction")
    return g, {"prediction": z}, {"prediction": prediction}


def _check_scores(est: Any, Xs: np.ndarray, z: np.ndarray) -> None:
    """coef_ and intercept_ must be what the estimator computes with."""
    own = est.decision_function(Xs) if hasattr(est, "decision_function") else est.predict(Xs)
    own = np.asarray(own, dtype=np.float64).reshape(len(Xs), -1)
    if own.shape != z.shape or not np.allclose(own, z, rtol=1e-6, atol=1e-8):
        raise ValueError(
            f"rb.onnx.export: {type(est).__name__} does not compute X @ coef_.T + intercept_; "
            "no ONNX form for it"
        )
