"""Optimizer updates in one pass over each parameter: Adam/AdamW, RMSprop, SGD (momentum).

Each update reads w, the gradient and the state arrays once and writes them once, where the
NumPy references make 8-13 passes over memory. The algorithms are in the optimizers'
docstrings (``optim/adam.py`` ...); here the formulas the code computes, with g the
gradient after weight decay and maximize:

    g = (-grad if maximize else grad) + weight_decay * w       (L2, coupled)
    Adam:     m = beta1 m + (1 - beta1) g,   v = beta2 v + (1 - beta2) g^2,
              v_max = max(v_max, v) (amsgrad),
              w = w - lr / (1 - beta1^t) * m / (sqrt(v / (1 - beta2^t)) + eps)
              (m_hat = m / (1 - beta1^t) is folded into the step size), AdamW first
              w = (1 - lr weight_decay) w
    RMSprop:  v = alpha v + (1 - alpha) g^2,  centered: m = alpha m + (1 - alpha) g,
              d = sqrt(v - m^2) + eps (else sqrt(v) + eps),
              momentum: b = momentum b + g / d, w = w - lr b;  else w = w - lr g / d
    SGD:      b = g at the first step, then b = momentum b + (1 - dampening) g;
              g = g + momentum b (nesterov) or g = b;  w = w - lr g

Every scalar is first rounded to the parameter's dtype (as NumPy does with a Python float
in ``w *= c``) and the kernels do the references' operations in the same order, so both
give the same bits.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._jit import SMALL, kernel, launch, prange, usable

__all__ = [
    "adam",
    "adam_reference",
    "gradient",
    "rmsprop",
    "rmsprop_reference",
    "sgd",
    "sgd_reference",
]


def gradient(
    w: np.ndarray, grad: np.ndarray, weight_decay: float, maximize: bool
) -> tuple[np.ndarray, bool]:
    """g = (-grad if maximize else grad) + weight_decay * w  (L2 penalty weight_decay/2 |w|^2).

    Returns ``(g, owned)``: ``owned`` is False when ``g`` is ``grad`` itself, which must then
    be left untouched (backward may share one gradient array between parameters); when True,
    ``g`` is a fresh array the caller may overwrite.
    """
    if weight_decay == 0:
        return (np.negative(grad), True) if maximize else (grad, False)
    g = np.multiply(w, weight_decay)
    if maximize:
        g -= grad
    else:
        g += grad
    return g, True


def _ready(*arrays: Any) -> bool:
    """The kernels run on C-contiguous float arrays of one dtype (None: a missing state)."""
    present = [a for a in arrays if a is not None]
    if not usable(*present):
        return False
    dtype = present[0].dtype
    return all(a.dtype == dtype and a.flags.c_contiguous for a in present)


# ---------------------------------------------------------------------- Adam / AdamW
def adam_reference(
    w: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    v_max: np.ndarray | None,
    t: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    decoupled: bool,
    maximize: bool,
) -> None:
    """Adam's step t in NumPy, in place (``v_max`` given: AMSGrad)."""
    if decoupled:
        if weight_decay != 0:  # AdamW: w = w - lr * weight_decay * w
            w *= 1.0 - lr * weight_decay
        weight_decay = 0.0
    g, _ = gradient(w, grad, weight_decay, maximize)
    buf = np.multiply(g, g)  # the one temporary, reused below
    buf *= 1.0 - beta2  # v = beta2 * v + (1 - beta2) * g^2
    v *= beta2
    v += buf
    scaled = np.multiply(g, 1.0 - beta1, out=buf)  # m = beta1 * m + (1 - beta1) * g
    m *= beta1
    m += scaled
    if v_max is not None:
        v = np.maximum(v_max, v, out=v_max)
    # w = w - lr * m_hat / (sqrt(v_hat) + eps), with v_hat = v / (1 - beta2^t) made in
    # place and m_hat = m / (1 - beta1^t) folded into the scalar that scales the step
    v_hat = np.divide(v, 1.0 - beta2**t, out=buf)
    denom = np.sqrt(v_hat, out=buf)
    denom += eps
    step = np.divide(m, denom, out=buf)
    step *= lr / (1.0 - beta1**t)  # lr * m_hat / (sqrt(v_hat) + eps)
    w -= step


@kernel
def _adam(w, grad, m, v, v_max, c, amsgrad, coupled):  # noqa: ANN001, ANN202
    """Adam in one pass: m = beta1 m + (1 - beta1) g, v = beta2 v + (1 - beta2) g^2,
    w = w - lr/(1 - beta1^t) * m / (sqrt(v/(1 - beta2^t)) + eps).

    c = [decay, weight_decay, sign, beta1, 1 - beta1, beta2, 1 - beta2, 1 - beta2^t, eps,
    lr/(1 - beta1^t)] in w's dtype (an array: cheaper to pass than ten scalars);
    sign = -1 to maximize."""
    decay, wd, sign, b1, b1c = c[0], c[1], c[2], c[3], c[4]
    b2, b2c, bc2, eps, step_size = c[5], c[6], c[7], c[8], c[9]
    for i in prange(w.size):
        wi = w[i] * decay  # AdamW's decay (decay = 1: w unchanged, bit for bit)
        gi = grad[i] * sign if sign < 0 else grad[i]
        if coupled:
            gi = wi * wd + grad[i] * sign if sign < 0 else wi * wd + grad[i]
        vi = v[i] * b2 + (gi * gi) * b2c
        mi = m[i] * b1 + gi * b1c
        m[i] = mi
        v[i] = vi
        if amsgrad:  # as np.maximum: NaN wins
            top = v_max[i]
            vi = top if (top >= vi or top != top) else vi
            v_max[i] = vi
        w[i] = wi - (mi / (np.sqrt(vi / bc2) + eps)) * step_size


def adam(
    w: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    v_max: np.ndarray | None,
    t: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float = 0.0,
    decoupled: bool = False,
    maximize: bool = False,
) -> None:
    """Adam's (AdamW's with ``decoupled``) step t on w, m, v (and v_max), in place."""
    if not _ready(w, grad, m, v, v_max):
        args = (t, lr, beta1, beta2, eps, weight_decay, decoupled, maximize)
        adam_reference(w, grad, m, v, v_max, *args)
        return
    coupled = weight_decay != 0 and not decoupled
    decay = 1.0 - lr * weight_decay if decoupled and weight_decay != 0 else 1.0
    c = np.array(
        [decay, weight_decay, -1.0 if maximize else 1.0, beta1, 1.0 - beta1, beta2,
         1.0 - beta2, 1.0 - beta2**t, eps, lr / (1.0 - beta1**t)],
        dtype=w.dtype,
    )  # fmt: skip
    top = v if v_max is None else v_max  # (unused by the kernel when None)
    flat = (w.reshape(-1), grad.reshape(-1), m.reshape(-1), v.reshape(-1), top.reshape(-1))
    launch(_adam, w.size, *flat, c, v_max is not None, coupled)


# ---------------------------------------------------------------------- RMSprop
def rmsprop_reference(
    w: np.ndarray,
    grad: np.ndarray,
    v: np.ndarray,
    m: np.ndarray | None,
    b: np.ndarray | None,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    maximize: bool,
) -> None:
    """RMSprop's step in NumPy, in place (``m`` given: centered; ``b``: momentum)."""
    g, _ = gradient(w, grad, weight_decay, maximize)
    buf = np.multiply(g, g)  # v = alpha * v + (1 - alpha) * g^2
    buf *= 1.0 - alpha
    v *= alpha
    v += buf
    if m is not None:
        scaled = np.multiply(g, 1.0 - alpha, out=buf)  # m = alpha * m + (1 - alpha) * g
        m *= alpha
        m += scaled
        variance = np.multiply(m, m, out=buf)  # v - m^2
        np.subtract(v, variance, out=variance)
        denom = np.sqrt(variance, out=buf)
    else:
        denom = np.sqrt(v, out=buf)
    denom += eps
    step = np.divide(g, denom, out=buf)  # g / denom
    if b is not None and momentum > 0:
        b *= momentum  # b = momentum * b + g / denom
        b += step
        step = np.multiply(b, lr, out=buf)
    else:
        step *= lr
    w -= step


@kernel
def _rmsprop(w, grad, v, m, b, c, centered, coupled, with_momentum):  # noqa: ANN001, ANN202
    """RMSprop in one pass: v = alpha v + (1 - alpha) g^2, d = sqrt(v [- m^2]) + eps,
    b = momentum b + g / d, w = w - lr b  (or w = w - lr g / d without momentum).

    c = [weight_decay, sign, alpha, 1 - alpha, eps, momentum, lr] in w's dtype."""
    wd, sign, alpha, ac, eps, mom, lr = c[0], c[1], c[2], c[3], c[4], c[5], c[6]
    for i in prange(w.size):
        wi = w[i]
        gi = grad[i] * sign if sign < 0 else grad[i]
        if coupled:
            gi = wi * wd + grad[i] * sign if sign < 0 else wi * wd + grad[i]
        vi = v[i] * alpha + (gi * gi) * ac
        v[i] = vi
        if centered:
            mi = m[i] * alpha + gi * ac
            m[i] = mi
            d = np.sqrt(vi - mi * mi) + eps
        else:
            d = np.sqrt(vi) + eps
        step = gi / d
        if with_momentum:
            bi = b[i] * mom + step
            b[i] = bi
            w[i] = wi - bi * lr
        else:
            w[i] = wi - step * lr


def rmsprop(
    w: np.ndarray,
    grad: np.ndarray,
    v: np.ndarray,
    m: np.ndarray | None,
    b: np.ndarray | None,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    maximize: bool = False,
) -> None:
    """RMSprop's step on w, v (m when centered, b with momentum), in place."""
    if not _ready(w, grad, v, m, b):
        rmsprop_reference(w, grad, v, m, b, lr, alpha, eps, weight_decay, momentum, maximize)
        return
    c = np.array(
        [weight_decay, -1.0 if maximize else 1.0, alpha, 1.0 - alpha, eps, momentum, lr],
        dtype=w.dtype,
    )
    flat_v = v.reshape(-1)
    flat_m = flat_v if m is None else m.reshape(-1)  # (unused by the kernel when None)
    flat_b = flat_v if b is None else b.reshape(-1)
    flags = (m is not None, weight_decay != 0, b is not None and momentum > 0)
    launch(_rmsprop, w.size, w.reshape(-1), grad.reshape(-1), flat_v, flat_m, flat_b, c, *flags)


# ---------------------------------------------------------------------- SGD
def sgd_reference(
    w: np.ndarray,
    grad: np.ndarray,
    b: np.ndarray | None,
    lr: float,
    momentum: float,
    dampening: float,
    weight_decay: float,
    nesterov: bool,
    maximize: bool,
) -> np.ndarray | None:
    """SGD's step in NumPy, in place; returns the momentum buffer (a new one at the first
    step, when ``b`` is None and momentum != 0)."""
    if momentum == 0 and weight_decay == 0 and not maximize:  # the plain step: w = w - lr g
        w -= np.multiply(grad, lr)
        return None
    g, owned = gradient(w, grad, weight_decay, maximize)
    if momentum != 0:
        if b is None:  # b = g
            b = g if owned else g.copy()
            owned = False  # g is now the buffer
        else:  # b = momentum * b + (1 - dampening) * g
            b *= momentum
            if dampening == 0:
                b += g
            elif owned:
                g *= 1.0 - dampening  # g is not needed again: nesterov has no dampening
                b += g
            else:
                b += (1.0 - dampening) * g
        if nesterov:  # g = g + momentum * b
            step = np.multiply(b, momentum)
            step += g
            g, owned = step, True
        else:
            g, owned = b, False
    step = np.multiply(g, lr, out=g if owned else None)  # w = w - lr * g
    w -= step
    return b


@kernel
def _sgd(w, grad, b, c, flags):  # noqa: ANN001, ANN202
    """SGD in one pass: b = momentum b + (1 - dampening) g (b = g at the first step),
    g = g + momentum b (nesterov) or b;  w = w - lr g.

    c = [weight_decay, sign, momentum, 1 - dampening, lr] in w's dtype; flags = [coupled,
    with_momentum, first, nesterov, dampened]."""
    wd, sign, mom, keep, lr = c[0], c[1], c[2], c[3], c[4]
    coupled, with_momentum, first = flags[0], flags[1], flags[2]
    nesterov, dampened = flags[3], flags[4]
    for i in prange(w.size):
        wi = w[i]
        gi = grad[i] * sign if sign < 0 else grad[i]
        if coupled:
            gi = wi * wd + grad[i] * sign if sign < 0 else wi * wd + grad[i]
        if with_momentum:
            if first:
                bi = gi
            elif dampened:
                bi = b[i] * mom + gi * keep
            else:
                bi = b[i] * mom + gi
            b[i] = bi
            gi = bi * mom + gi if nesterov else bi
        w[i] = wi - gi * lr


def sgd(
    w: np.ndarray,
    grad: np.ndarray,
    b: np.ndarray | None,
    lr: float,
    momentum: float = 0.0,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
    maximize: bool = False,
) -> np.ndarray | None:
    """SGD's step on w (and the momentum buffer b), in place; returns the buffer (a new
    one at the first step when ``b`` is None and momentum != 0)."""
    plain = momentum == 0 and weight_decay == 0  # w -= lr g: two NumPy calls, cheaper
    if (plain and w.size < SMALL) or not _ready(w, grad, b):
        args = (lr, momentum, dampening, weight_decay, nesterov, maximize)
        return sgd_reference(w, grad, b, *args)
    first = b is None and momentum != 0
    if first:
        b = np.empty_like(w)
    c = np.array(
        [weight_decay, -1.0 if maximize else 1.0, momentum, 1.0 - dampening, lr], dtype=w.dtype
    )
    flags = np.array(
        [weight_decay != 0, momentum != 0, first, nesterov, dampening != 0], dtype=np.bool_
    )
    flat_w = w.reshape(-1)
    flat_b = flat_w if b is None else b.reshape(-1)
    launch(_sgd, w.size, flat_w, grad.reshape(-1), flat_b, c, flags)
    return b
