"""Fused, numerically stable loss primitives (the hot or fragile pairs of STYLE.md).

Each takes the reduction ("none", "mean", "sum") so a training step records one node.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Function
from ..kernels import loss as _loss
from .elementwise import sigmoid_array


def _reduce(loss: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "mean":
        return np.asarray(np.add.reduce(loss, axis=None) / max(loss.size, 1), dtype=loss.dtype)
    if reduction == "sum":
        return np.asarray(np.add.reduce(loss, axis=None), dtype=loss.dtype)
    return loss


def _spread(g: np.ndarray, shape: tuple[int, ...], reduction: str) -> np.ndarray:
    """dL/d(loss_i): g/n for mean, g for sum (0-d, broadcasts), g_i for none."""
    if reduction == "mean":
        return g / np.asarray(max(math.prod(shape), 1), dtype=g.dtype)
    return g


class MSE(Function):
    """mse_loss: L = (x - t)^2 per element, then reduced; dL/dx = 2 (x - t), dL/dt = -2 (x - t)"""

    differentiable_backward = True

    def forward(self, x, t, reduction="mean"):
        self.x, self.t = x, t
        self.reduction = reduction
        d = x - t
        self.shape = d.shape
        return _reduce(d * d, reduction)

    def backward(self, g):
        g = _spread(g, self.shape, self.reduction)
        gx = (self.x - self.t) * (2 * g)
        return gx, (-gx if self.needs_input_grad[1] else None)


class SoftmaxCrossEntropy(Function):
    """cross_entropy with class indices: L_n = -w_{t_n} ln softmax(x_n)_{t_n};
    dL_n/dx_n = w_{t_n} (softmax(x_n) - onehot(t_n))  -- the course's  y_hat - y.

    ``mean`` divides by the sum of the weights of the counted samples (PyTorch's rule);
    targets equal to ``ignore_index`` count for nothing. Without class weights and ignored
    targets every w_{t_n} is 1 and the products with them are skipped (the hot case of a
    training step); ``self.w`` keeps the per-sample weights all the same (optim's Hessian
    rules read it).
    """

    differentiable_backward = True

    def forward(self, x, target=None, weight=None, ignore_index=-100, reduction="mean"):
        n = x.shape[0]
        rows = np.arange(n)
        valid = target != ignore_index
        every = bool(valid.all())
        t = target if every else np.where(valid, target, 0)
        nll, self.p = _loss.softmax_xent(x, t)  # -ln softmax(x)_t and softmax(x), one pass
        self.unweighted = weight is None and every  # every w_{t_n} = 1
        w = np.ones(n, dtype=x.dtype)
        if not self.unweighted:
            w = valid.astype(x.dtype)
            if weight is not None:
                w = w * weight[t]
            nll *= w
        self.rows, self.t, self.w, self.reduction = rows, t, w, reduction
        if reduction == "mean":
            self.denom = np.asarray(n if self.unweighted else w.sum(), dtype=x.dtype)
            return np.asarray(nll.sum() / self.denom, dtype=x.dtype)
        if reduction == "sum":
            return np.asarray(nll.sum(), dtype=x.dtype)
        return nll

    def backward(self, g):
        if not isinstance(g, np.ndarray | np.generic):  # create_graph: p = softmax(x) as an op
            return self._graph_backward(g)
        if self.reduction != "none":
            g = g / self.denom if self.reduction == "mean" else g
        if not self.unweighted:
            g = self.w * g
        c = np.asarray(g, dtype=self.p.dtype)  # a scalar for every row, or one per row
        return _loss.softmax_xent_grad(self.p, self.t, c)  # (p - onehot(t)) c, one pass

    def _graph_backward(self, g):
        """The same gradient w (softmax(x) - onehot(t)) scaled, recorded in the graph."""
        from .activation import Softmax

        p = Softmax.apply(self.parents[0], axis=1)
        onehot = np.zeros(p.shape, dtype=p.dtype)
        onehot[self.rows, self.t] = 1
        scale = self.w * (g / self.denom if self.reduction == "mean" else g)
        return (p - onehot) * scale.reshape(-1, 1)


class BCEWithLogits(Function):
    """binary_cross_entropy_with_logits: with c = 1 + (pos_weight - 1) t,
    L = w [(1 - t) x + c ln(1 + e^-x)]  computed as  c (max(-x, 0) + ln(1 + e^-|x|));
    dL/dx = w [(1 - t) - c sigmoid(-x)] = w (sigmoid(x) - t) when pos_weight = 1;
    dL/dt = -w [x + (pos_weight - 1) ln(1 + e^-x)]."""

    differentiable_backward = True

    def forward(self, x, t, weight=None, pos_weight=None, reduction="mean"):
        self.x, self.t, self.weight, self.pos_weight = x, t, weight, pos_weight
        self.reduction = reduction
        # (1 - t) x + ln(1 + e^-x) per element, ln(1 + e^-x), and their sum (kernels.loss)
        loss, self.log1pexp, total = _loss.bce_logits(x, t)
        self.shape = loss.shape
        if pos_weight is not None:  # c ln(1 + e^-x) with c = 1 + (pos_weight - 1) t
            loss = loss + (pos_weight - 1) * t * self.log1pexp
        if weight is not None:
            loss = loss * weight
        if total is None or pos_weight is not None or weight is not None or reduction == "none":
            return _reduce(loss.astype(x.dtype, copy=False), reduction)
        n = max(loss.size, 1) if reduction == "mean" else 1
        return np.asarray(total / n, dtype=x.dtype)

    def backward(self, g):
        x, t, pw, w = self.x, self.t, self.pos_weight, self.weight
        g = _spread(g, self.shape, self.reduction)
        if w is not None:
            g = g * w
        gx = gt = None
        if self.needs_input_grad[0]:
            gx = _loss.bce_logits_grad(x, t, g) if pw is None else None  # one pass
            if gx is None:
                # create_graph: the Sigmoid op, whose derivative y (1 - y) holds at x = 0 too
                # (the overflow-free e^min(x, 0) / (1 + e^-|x|) has a kink in |x| there)
                sig = sigmoid_array(x) if isinstance(x, np.ndarray) else x.sigmoid()
                if pw is None:
                    gx = g * (sig - t)
                else:
                    gx = g * ((1 - t) - (1 + (pw - 1) * t) * (1 - sig))
            gx = gx.astype(x.dtype, copy=False)
        if self.needs_input_grad[1]:
            lp = self.log1pexp
            if not isinstance(x, np.ndarray):  # create_graph: ln(1 + e^-x) from ops
                lp = np.maximum(-x, 0) + np.log(1 + np.exp(-np.abs(x)))
            d = -x if pw is None else -x + (pw - 1) * lp
            gt = (g * d).astype(t.dtype, copy=False)
        return gx, gt


class BCE(Function):
    """binary_cross_entropy: L = -w [t ln p + (1 - t) ln(1 - p)], logs clamped at -100;
    dL/dp = w (p - t) / max(p (1 - p), 1e-12);  dL/dt = w [ln(1 - p) - ln p]"""

    differentiable_backward = True

    def forward(self, p, t, weight=None, reduction="mean"):
        if np.any((p < 0) | (p > 1)):
            raise ValueError("binary_cross_entropy: all input values must be between 0 and 1")
        self.p, self.t, self.weight, self.reduction = p, t, weight, reduction
        with np.errstate(divide="ignore"):
            self.logp = np.maximum(np.log(p), -100)
            self.log1mp = np.maximum(np.log1p(-p), -100)
        loss = -(t * self.logp + (1 - t) * self.log1mp)
        if weight is not None:
            loss = loss * weight
        self.shape = loss.shape
        return _reduce(loss.astype(p.dtype, copy=False), reduction)

    def backward(self, g):
        p, t, w = self.p, self.t, self.weight
        g = _spread(g, self.shape, self.reduction)
        if w is not None:
            g = g * w
        gp = gt = None
        if self.needs_input_grad[0]:
            gp = (g * (p - t) / np.maximum(p * (1 - p), 1e-12)).astype(p.dtype, copy=False)
        if self.needs_input_grad[1]:
            logp, log1mp = self.logp, self.log1mp
            if not isinstance(p, np.ndarray):  # create_graph: the clamped logs from ops
                logp, log1mp = np.maximum(np.log(p), -100), np.maximum(np.log(1 - p), -100)
            gt = (g * (log1mp - logp)).astype(t.dtype, copy=False)
        return gp, gt


class KLDiv(Function):
    """kl_div (input = log q, target = p): L = p (ln p - log q), 0 where p = 0;
    dL/d(log q) = -p;  dL/dp = ln p + 1.  With log_target: L = e^t (t - log q)."""

    def forward(self, logq, target, reduction="mean", log_target=False):
        self.log_target, self.reduction = log_target, reduction
        self.logq, self.target = logq, target
        if log_target:
            self.p = np.exp(target)
            loss = self.p * (target - logq)
        else:
            self.p = target
            with np.errstate(divide="ignore", invalid="ignore"):
                logp = np.where(target > 0, np.log(np.where(target > 0, target, 1)), 0)
            self.logp = logp
            loss = np.where(target > 0, target * (logp - logq), 0)
        loss = loss.astype(logq.dtype, copy=False)
        self.shape = loss.shape
        if reduction == "batchmean":
            return np.asarray(
                loss.sum() / max(logq.shape[0] if logq.ndim else 1, 1), dtype=loss.dtype
            )
        return _reduce(loss, reduction)

    def backward(self, g):
        if self.reduction == "batchmean":
            n = self.logq.shape[0] if self.logq.ndim else 1
            g = np.broadcast_to(g / np.asarray(n, dtype=g.dtype), self.shape)
        else:
            g = _spread(g, self.shape, self.reduction)
        gq = (-g * self.p).astype(self.logq.dtype, copy=False) if self.needs_input_grad[0] else None
        gt = None
        if self.needs_input_grad[1]:
            if self.log_target:
                gt = g * self.p * (self.target - self.logq + 1)
            else:
                gt = g * np.where(self.target > 0, self.logp - self.logq + 1, 0)
            gt = gt.astype(self.target.dtype, copy=False)
        return gq, gt
