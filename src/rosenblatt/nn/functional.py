"""``rosenblatt.nn.functional``: activations and losses with torch.nn.functional's names.

Every function takes and returns tensors; losses take ``reduction`` in
{"none", "mean", "sum"} with PyTorch's meaning. Composites are written from primitives and
get their gradients for free; the fragile or hot pairs are fused primitives in ``ops``.

Summed or averaged over the N samples: the decks write the gradient step on the sum,
W -> W - eta sum_N dl/dW (EDSF deck), E = sum_n (t_n - y_n)^2 (Matteucci deck), while
``reduction="mean"`` (the default, as torch's) divides by N. The same step is taken with
``reduction="sum"`` and learning rate eta, or with ``reduction="mean"`` and learning rate
N eta (for mini-batches, N is the batch size).

``inplace=True`` is accepted where torch has it and computes out of place: the result is the
same tensor values, only the input is left unchanged (so no in-place rule can break a
backward that torch would run).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import ops
from ..autograd import is_grad_enabled  # noqa: F401  (re-exported for layers)
from ..ops import activation as act
from ..ops import loss as L
from ..ops.elementwise import as_tensor
from ..ops.linalg import linear
from ..random import get_rng
from ..tensor import Tensor

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "elu",
    "gelu",
    "hinge_embedding_loss",
    "identity",
    "kl_div",
    "l1_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "perceptron_criterion",
    "relu",
    "selu",
    "sigmoid",
    "sign",
    "softmax",
    "softplus",
    "step",
    "tanh",
]

_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction: str, allowed: tuple[str, ...] = _REDUCTIONS) -> None:
    if reduction not in allowed:
        raise ValueError(f"reduction must be one of {allowed}, got {reduction!r}")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    _check_reduction(reduction)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _same_shape(name: str, input: Tensor, target: Tensor) -> None:
    if input.shape != target.shape:
        raise ValueError(
            f"{name}: target shape {target.shape} must equal input shape {input.shape} "
            "(use target.reshape(...) to match)"
        )


def _float_target(target: Any, like: Tensor) -> Tensor:
    t = as_tensor(target, like)
    if t._data.dtype != like._data.dtype:
        t = t.astype(like._data.dtype) if not t.requires_grad else t
    return t


# ---------------------------------------------------------------------- activations
def identity(input: Tensor) -> Tensor:
    """identity: y = x; dy/dx = 1"""
    return input


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """relu: y = max(0, x); dy/dx = 1 if x > 0 else 0 (``inplace``: see the module docstring)"""
    return ops.relu(input)


def sigmoid(input: Tensor) -> Tensor:
    """sigmoid: y = 1/(1 + e^-x); dy/dx = y(1 - y)"""
    return ops.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """tanh: y = (e^x - e^-x)/(e^x + e^-x); dy/dx = 1 - y^2"""
    return ops.tanh(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """leaky_relu: y = x if x > 0 else a x (a = negative_slope); dy/dx = 1 or a"""
    return act.LeakyReLU.apply(as_tensor(input), negative_slope=negative_slope)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """gelu: y = x Phi(x) with the normal CDF Phi (exact erf form); dy/dx = Phi(x) + x phi(x)"""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return act.GELU.apply(as_tensor(input), approximate=approximate)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """softplus: y = ln(1 + e^(beta x))/beta (y = x above threshold); dy/dx = sigmoid(beta x)"""
    return act.Softplus.apply(as_tensor(input), beta=beta, threshold=threshold)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """elu: y = x if x > 0 else alpha (e^x - 1); dy/dx = 1 or y + alpha"""
    return act.ELU.apply(as_tensor(input), alpha=alpha)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """selu: y = scale * elu(x, alpha), alpha = 1.6733, scale = 1.0507 (self-normalising)"""
    return act.ELU.apply(as_tensor(input), alpha=act.SELU_ALPHA, scale=act.SELU_SCALE)


def step(input: Tensor, value: float = 0.0) -> Tensor:
    """step (Heaviside): y = 1 if x > 0 else 0 (``value`` at 0); dy/dx = 0 almost everywhere.

    ``value`` is the decks' convention at s = 0 exactly: 0 (default) fires where s > 0 (the
    Matteucci deck, torch.heaviside(s, 0)); 1 fires where s >= 0 (the EDSF deck's threshold
    logic unit, the KIT deck's binary step). See ``models.ThresholdUnit(fires_at_zero=)``.

    No gradient flows through a step: networks of threshold units are trained with the
    perceptron rule or a genetic algorithm, not backpropagation.
    """
    return act.Step.apply(as_tensor(input), value=value)


def sign(input: Tensor) -> Tensor:
    """sign: y in {-1, 0, +1}; dy/dx = 0 almost everywhere (no gradient flows)."""
    return act.Sign.apply(as_tensor(input))


def _softmax_input(input: Any, dim: int | None, dtype: Any, name: str) -> tuple[Tensor, int]:
    """The input (cast to ``dtype``) and the dimension; without ``dim`` torch's old implicit
    choice (0 for 0-, 1- and 3-d inputs, else 1) with its deprecation warning."""
    x = as_tensor(input)
    if dtype is not None:
        x = x.astype(dtype)
    if dim is None:
        warnings.warn(
            f"Implicit dimension choice for {name} has been deprecated. Change the call to "
            "include dim=X as an argument.",
            stacklevel=3,
        )
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return x, dim


def softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """softmax: y_i = e^(x_i) / sum_j e^(x_j) along ``dim`` (max subtracted first);
    dy_i/dx_j = y_i (delta_ij - y_j)"""
    x, dim = _softmax_input(input, dim, dtype, "softmax")
    return act.Softmax.apply(x, axis=dim)


def log_softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """log_softmax: y_i = x_i - log sum_j e^(x_j) (log-sum-exp); dy_i/dx_j = delta_ij - softmax_j"""
    x, dim = _softmax_input(input, dim, dtype, "log_softmax")
    return act.LogSoftmax.apply(x, axis=dim)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """dropout: y = x m / (1 - p), m_i ~ Bernoulli(1 - p) (inverted dropout); identity in eval"""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = get_rng().random(input.shape) >= p
    mask = keep.astype(input._data.dtype) / np.asarray(1 - p, dtype=input._data.dtype)
    return ops.mul(input, Tensor._make(mask, None))


# ---------------------------------------------------------------------- losses
def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """mse_loss: L = (x - t)^2 per element, then reduced; dL/dx = 2 (x - t)"""
    _check_reduction(reduction)
    target = _float_target(target, input)
    _same_shape("mse_loss", input, target)
    return L.MSE.apply(input, target, reduction=reduction)


def tanh_mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """tanh_mse_loss: L = (tanh(a) - t)^2 per element on pre-activations a, then reduced;
    dL/da = 2 (y - t)(1 - y^2) with y = tanh(a). The Matteucci deck's tanh output unit for
    two classes coded t = -1, +1, with the squared error."""
    return mse_loss(tanh(input), target, reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """l1_loss: L = |x - t| per element, then reduced; dL/dx = sign(x - t)"""
    target = _float_target(target, input)
    _same_shape("l1_loss", input, target)
    return _reduce(ops.abs(input - target), reduction)


def binary_cross_entropy(
    input: Tensor, target: Any, weight: Any = None, reduction: str = "mean"
) -> Tensor:
    """binary_cross_entropy: L = -w [t ln p + (1 - t) ln(1 - p)] on probabilities p
    (logs clamped at -100 as PyTorch); dL/dp = w (p - t) / (p (1 - p)).

    Prefer :func:`binary_cross_entropy_with_logits` on the pre-sigmoid score: it is stable
    for any score and its gradient is simply sigmoid(x) - t.
    """
    _check_reduction(reduction)
    target = _float_target(target, input)
    _same_shape("binary_cross_entropy", input, target)
    w = None if weight is None else np.asarray(as_tensor(weight)._data, dtype=input._data.dtype)
    return L.BCE.apply(input, target, weight=w, reduction=reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """BCE on logits: L = (1 - t) x + (1 + (pw - 1) t) ln(1 + e^-x), computed stably
    (max(-x, 0) + ln(1 + e^-|x|)); dL/dx = sigmoid(x) - t for pos_weight pw = 1."""
    _check_reduction(reduction)
    target = _float_target(target, input)
    _same_shape("binary_cross_entropy_with_logits", input, target)
    dt = input._data.dtype
    w = None if weight is None else np.asarray(as_tensor(weight)._data, dtype=dt)
    pw = None if pos_weight is None else np.asarray(as_tensor(pos_weight)._data, dtype=dt)
    return L.BCEWithLogits.apply(input, target, weight=w, pos_weight=pw, reduction=reduction)


def _class_axis_last(input: Tensor, target: Tensor) -> tuple[Tensor, Tensor, tuple[int, ...]]:
    """(N, C, d1, ...) -> (N*d1*..., C); returns the shape to give back for reduction='none'."""
    if input.ndim == 1:  # unbatched (C,)
        return input.reshape(1, -1), target.reshape(1, *target.shape), ()
    if input.ndim == 2:
        return input, target, (input.shape[0],)
    perm = (0, *range(2, input.ndim), 1)
    spatial = (input.shape[0], *input.shape[2:])
    x = input.permute(perm).reshape(-1, input.shape[1])
    t = (
        target.permute(perm).reshape(-1, input.shape[1])
        if target.ndim == input.ndim
        else target.reshape(-1)
    )
    return x, t, spatial


def _check_labels(name: str, target: np.ndarray, n_classes: int, ignore_index: int) -> None:
    valid = target[target != ignore_index]
    if valid.size and (valid.min() < 0 or valid.max() >= n_classes):
        bad = valid[(valid < 0) | (valid >= n_classes)]
        raise ValueError(
            f"{name}: class labels must be in [0, {n_classes - 1}] for {n_classes} classes, "
            f"found {bad.size} outside (e.g. {int(bad[0])})"
        )


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """cross_entropy: L_n = -sum_c w_c y_nc ln softmax(x_n)_c; dL/dx_n = softmax(x_n) - y_n.

    ``target`` holds class indices (int, shape (N,)) or class probabilities (float, the shape
    of ``input``). ``input`` is (N, C), (C,) or (N, C, d1, ...). Class-index targets use one
    fused, stable primitive (log-sum-exp; gradient p - onehot).
    """
    _check_reduction(reduction)
    target = as_tensor(target)
    x, t, out_shape = _class_axis_last(input, target)
    n_classes = x.shape[1]
    w = None if weight is None else np.asarray(as_tensor(weight)._data, dtype=x._data.dtype)
    if t._data.dtype.kind in "iub":  # class indices
        _check_labels("cross_entropy", t._data, n_classes, ignore_index)
        if label_smoothing == 0.0:
            loss = L.SoftmaxCrossEntropy.apply(
                x,
                target=t._data.astype(np.int64, copy=False),
                weight=w,
                ignore_index=ignore_index,
                reduction=reduction,
            )
            return loss.reshape(out_shape) if reduction == "none" else loss
        return _smoothed_index_ce(
            x, t._data, w, ignore_index, reduction, label_smoothing, out_shape
        )
    # class probabilities
    t = _float_target(t, x)
    if t.shape != x.shape:
        raise ValueError(
            f"cross_entropy: probability target shape {target.shape} != input shape {input.shape}"
        )
    if label_smoothing > 0.0:
        t = t * (1 - label_smoothing) + label_smoothing / n_classes
    logp = log_softmax(x, dim=1)
    if w is not None:
        logp = logp * Tensor._make(w, None)
    loss = -(logp * t).sum(axis=1)
    if reduction == "none":
        return loss.reshape(out_shape)
    return loss.sum() / x.shape[0] if reduction == "mean" else loss.sum()


def _smoothed_index_ce(x, t, w, ignore_index, reduction, eps, out_shape):  # noqa: ANN001, ANN202
    """Label smoothing with class indices: (1 - eps) nll + eps * (-sum_c w_c ln p_c) / C."""
    n_classes = x.shape[1]
    valid = t != ignore_index
    tt = np.where(valid, t, 0)
    logp = log_softmax(x, dim=1)
    wv = np.ones(n_classes, dtype=x._data.dtype) if w is None else w
    nll_w = (wv[tt] * valid).astype(x._data.dtype)
    nll = -logp[np.arange(len(tt)), tt] * Tensor._make(nll_w, None)
    smooth = -(logp * Tensor._make(wv, None)).sum(axis=1) * Tensor._make(
        valid.astype(x._data.dtype), None
    )
    if reduction == "none":
        return (nll * (1 - eps) + smooth * (eps / n_classes)).reshape(out_shape)
    if reduction == "sum":
        return nll.sum() * (1 - eps) + smooth.sum() * (eps / n_classes)
    denom = float(nll_w.sum())
    return (nll.sum() * (1 - eps) + smooth.sum() * (eps / n_classes)) / denom


def nll_loss(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """nll_loss on log-probabilities: L_n = -w_{t_n} x_{n, t_n}; mean divides by sum of w_{t_n}."""
    _check_reduction(reduction)
    target = as_tensor(target)
    x, t, out_shape = _class_axis_last(input, target)
    labels = t._data.astype(np.int64, copy=False)
    _check_labels("nll_loss", labels, x.shape[1], ignore_index)
    valid = labels != ignore_index
    tt = np.where(valid, labels, 0)
    wv = valid.astype(x._data.dtype)
    if weight is not None:
        wv = wv * np.asarray(as_tensor(weight)._data, dtype=x._data.dtype)[tt]
    picked = -x[np.arange(len(tt)), tt] * Tensor._make(wv, None)
    if reduction == "none":
        return picked.reshape(out_shape)
    if reduction == "sum":
        return picked.sum()
    return picked.sum() / float(wv.sum())


def kl_div(input: Tensor, target: Any, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """kl_div: L = t (ln t - x) with x = log q (input is log-probabilities), 0 where t = 0.

    ``reduction="batchmean"`` divides the sum by the batch size: the true KL divergence.
    """
    _check_reduction(reduction, _REDUCTIONS + ("batchmean",))
    target = _float_target(target, input)
    return L.KLDiv.apply(input, target, reduction=reduction, log_target=log_target)


def gaussian_kl(mu: Tensor, log_var: Tensor) -> Tensor:
    """KL(N(mu, sigma^2) || N(0, 1)) = -1/2 sum_j (1 + ln sigma_j^2 - mu_j^2 - sigma_j^2), per row.

    dKL/dmu = mu, dKL/d ln sigma^2 = (sigma^2 - 1)/2. The KL term of a variational
    autoencoder's loss (Kingma & Welling), q(z|x) = N(mu, diag sigma^2) against the prior.

    Parameters
    ----------
    mu, log_var : Tensor of shape (n_samples, latent_dim)

    Returns
    -------
    Tensor of shape (n_samples,)
    """
    return -0.5 * (1 + log_var - mu * mu - log_var.exp()).sum(axis=1)


def perceptron_criterion(input: Tensor, target: Any, reduction: str = "sum") -> Tensor:
    """perceptron criterion: D = -sum over misclassified n of t_n s_n, targets t in {-1, +1}.

    A sample is misclassified when t s <= 0. dD/ds_n = -t_n for misclassified samples, 0
    otherwise, so one SGD step on D is exactly Rosenblatt's update w += eta t x. The default
    reduction is the deck's sum; "mean" divides by the number of samples.
    """
    _check_reduction(reduction)
    target = _float_target(target, input)
    _same_shape("perceptron_criterion", input, target)
    if np.any(np.abs(target._data) != 1):
        raise ValueError("perceptron_criterion: targets must be -1 or +1")
    margin = input * target
    wrong = Tensor._make((margin._data <= 0).astype(input._data.dtype), None)
    return _reduce(-margin * wrong, reduction)


def hinge_embedding_loss(
    input: Tensor, target: Any, margin: float = 1.0, reduction: str = "mean"
) -> Tensor:
    """hinge_embedding_loss: L = x if t = 1, max(0, margin - x) if t = -1."""
    target = _float_target(target, input)
    t = target._data
    hinge = ops.where(t != 1, ops.clip(margin - input, min=0.0), 0.0)
    own = ops.where(t != -1, input, 0.0)
    return _reduce(hinge + own, reduction)


# ---------------------------------------------------------------------- lookups and encodings
def _index_array(input: Any, name: str) -> np.ndarray:
    idx = np.asarray(input._data if isinstance(input, Tensor) else input)
    if idx.dtype.kind not in "iu":
        kind = input.type() if isinstance(input, Tensor) else str(idx.dtype)
        raise RuntimeError(
            f"Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {kind} instead (while checking arguments for {name})"
        )
    return idx


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """one_hot: y[..., c] = 1 if x[...] == c else 0, an int64 tensor of shape (*x.shape, C).

    ``num_classes=-1`` takes C = max(x) + 1. Class values must lie in [0, C) (torch's errors).

    Class c has its 1 in column c (PyTorch, scikit-learn, Keras). The Matteucci deck codes
    the other way round, Omega_0 = [0 0 1], Omega_1 = [0 1 0], Omega_2 = [1 0 0]: that is
    ``one_hot(x, C).flip(-1)``. Either order trains the same network up to a permutation of
    the output units, as long as targets and predictions use the same one.
    """
    idx = np.asarray(tensor._data if isinstance(tensor, Tensor) else tensor)
    if idx.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(idx.max()) + 1
    if idx.size and idx.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if idx.size and idx.max() >= num_classes or num_classes < 0:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return Tensor._make((idx[..., None] == np.arange(num_classes)).astype(np.int64), None)


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """embedding: y[...] = W[x[...]], the rows of ``weight`` (V, D) picked by the integer
    tensor ``input``; dL/dW[v] = sum of dL/dy over the positions where x == v, zero for
    ``padding_idx``. Output shape (*input.shape, D).

    ``max_norm``, ``scale_grad_by_freq`` and ``sparse`` are accepted only at their defaults.
    """
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError(
            "embedding: max_norm, scale_grad_by_freq and sparse are not supported"
        )
    idx = _index_array(input, "embedding")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    return embedding_lookup(weight, idx, padding_idx)


def pad(input: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """pad: add ``pad = (left, right, top, bottom, ...)`` entries around the last dimensions
    (the last dimension first, as torch). ``mode``: "constant" (``value``, default 0; a
    negative width crops), "reflect", "replicate" or "circular". The gradient of a copied
    entry is added back to its source."""
    return pad_op(as_tensor(input), pad, mode, value)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """adaptive_avg_pool2d: the mean over window (i, j) with torch's windows
    start = floor(i H / OH), end = ceil((i + 1) H / OH) (see ops.adaptive_pool)."""
    return _adaptive.adaptive_avg_pool2d(input, output_size)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """adaptive_max_pool2d: the maximum over window (i, j), windows as adaptive_avg_pool2d;
    with ``return_indices`` also the flat indices h * W + w of the maxima."""
    return _adaptive.adaptive_max_pool2d(input, output_size, return_indices)


# ---------------------------------------------------------------------- more activations
def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """silu (swish): y = x sigmoid(x); dy/dx = s + x s (1 - s), s = sigmoid(x)"""
    x = as_tensor(input)
    return x * ops.sigmoid(x)


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """hardtanh: y = clip(x, min_val, max_val); dy/dx = 1 inside, 0 outside"""
    return ops.clip(as_tensor(input), min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6: y = min(max(0, x), 6); dy/dx = 1 on (0, 6), else 0"""
    return hardtanh(input, 0.0, 6.0)


def logsigmoid(input: Tensor) -> Tensor:
    """logsigmoid: y = log sigmoid(x) = -softplus(-x) (stable); dy/dx = 1 - sigmoid(x)"""
    return -softplus(-as_tensor(input))


def softsign(input: Tensor) -> Tensor:
    """softsign: y = x / (1 + |x|); dy/dx = 1 / (1 + |x|)^2"""
    x = as_tensor(input)
    return x / (1 + ops.abs(x))


def normalize(
    input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: None = None
) -> Tensor:
    """normalize: y = x / max(||x||_p, eps) along ``dim``"""
    x = as_tensor(input)
    norm = x.norm(p, dim=dim, keepdim=True)
    return x / ops.clip(norm, eps, None)


# convolution, pooling and batch normalization (defined in ops, exported here)
from ..ops import adaptive_pool as _adaptive  # noqa: E402
from ..ops.conv import avg_pool2d, conv2d, max_pool2d  # noqa: E402
from ..ops.embedding import embedding_lookup  # noqa: E402
from ..ops.normalization import batch_norm  # noqa: E402
from ..ops.pad import pad as pad_op  # noqa: E402

__all__ += ["avg_pool2d", "batch_norm", "conv2d", "max_pool2d"]
__all__ += ["adaptive_avg_pool2d", "adaptive_max_pool2d", "embedding", "one_hot", "pad"]
__all__ += ["hardtanh", "logsigmoid", "normalize", "relu6", "silu", "softsign"]


# ---------------------------------------------------------------------- the decks' extra units
def gaussian_rbf(input: Tensor, eps: float = 1.0) -> Tensor:
    """Gaussian radial basis: y = e^-(eps x)^2; dy/dx = -2 eps^2 x y.

    A radial basis function of r = x (the KIT deck's footnote: "radial basis functions
    (RBF), efficient as universal function approximators (Gaussian, multiquadratics)");
    :class:`nn.RBF` applies it to r = ||x - c||.
    """
    x = as_tensor(input) * eps
    return ops.exp(-(x * x))


def multiquadric(input: Tensor, eps: float = 1.0) -> Tensor:
    """Multiquadric radial basis: y = sqrt(1 + (eps x)^2); dy/dx = eps^2 x / y."""
    x = as_tensor(input) * eps
    return ops.sqrt(1 + x * x)


def inverse_multiquadric(input: Tensor, eps: float = 1.0) -> Tensor:
    """Inverse multiquadric radial basis: y = 1 / sqrt(1 + (eps x)^2); dy/dx = -eps^2 x y^3."""
    return 1 / multiquadric(input, eps)


def gaussian_nll_loss(
    input: Tensor,
    target: Any,
    var: Any,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Gaussian negative log-likelihood: L = 1/2 (ln v + (x - t)^2 / v) [+ 1/2 ln 2 pi];
    dL/dx = (x - t) / v, dL/dv = 1/2 (1/v - (x - t)^2 / v^2).

    The negative log of the density N(t; mu = x, sigma^2 = v), with the constant
    1/2 ln(2 pi) only when ``full``. With a fixed variance it is the squared error up to
    a scale and a constant: sum_n L_n = SSE / (2 v) + N/2 ln v [+ N/2 ln 2 pi], so
    minimising it over the model is least squares (Matteucci deck, "Maximum Likelihood
    Estimation for Regression"; KIT deck, "J = -ln L"). Same arguments and semantics
    as ``torch.nn.functional.gaussian_nll_loss``.

    Parameters
    ----------
    input : Tensor
        The expectations mu (the model's prediction).
    target : Tensor
        The observed samples t.
    var : Tensor or float
        The variances: one per entry of ``input`` (heteroscedastic), one shared along a
        dimension of size 1 or the last dimension missing (homoscedastic), or a float.
    full : bool
        Add the constant 1/2 ln(2 pi).
    eps : float
        Variances are clamped below at eps for the value (the gradient passes to v as if
        unclamped, as in PyTorch).
    reduction : {"mean", "sum", "none"}
    """
    _check_reduction(reduction)
    x = as_tensor(input)
    t = _float_target(target, x)
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        v = Tensor._make(np.full(x.shape, var, dtype=x._data.dtype), None)
    else:
        v = _float_target(var, x)
        if np.any(v._data < 0):
            raise ValueError("var has negative entry/entries")
    if v.shape != x.shape:
        if x.shape[:-1] == v.shape:  # homoscedastic: one variance per row
            v = v.reshape(*v.shape, 1)
        elif not (x.ndim == v.ndim and sum(b for a, b in zip(x.shape, v.shape) if a != b) == 1):
            raise ValueError(
                f"gaussian_nll_loss: var is of incorrect size {v.shape} for input {x.shape}"
            )
    clamp = np.maximum(v._data, eps) - v._data  # value clamped, gradient passed straight
    v = v + Tensor._make(clamp.astype(x._data.dtype), None)
    loss = 0.5 * (ops.log(v) + (x - t) ** 2 / v)
    if full:
        loss = loss + 0.5 * float(np.log(2 * np.pi))
    return _reduce(loss, reduction)


__all__ += ["gaussian_nll_loss", "gaussian_rbf", "inverse_multiquadric", "multiquadric"]
__all__ += ["gaussian_kl", "tanh_mse_loss"]
