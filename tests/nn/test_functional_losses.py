"""Every loss of nn.functional against torch.nn.functional (reductions none/mean/sum),
gradients with respect to the input and, where torch allows it, the target."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from harness import check_op

import rosenblatt as rb
import rosenblatt.nn.functional as F
from rosenblatt import nn

REDUCTIONS = ["none", "mean", "sum"]
RNG = np.random.default_rng(42)


def _t(a, like=None):
    """The same constant for both libraries: a torch tensor (dtype of ``like``)."""
    t = torch.tensor(np.asarray(a))
    return t.to(like.dtype) if like is not None and t.is_floating_point() else t


def _r(a, like=None):
    r = rb.tensor(np.asarray(a))
    return r.astype(like.dtype) if like is not None and r.dtype.kind == "f" else r


# ---------------------------------------------------------------------- regression
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(4, 3), (5,), (2, 3, 2)], ids=str)
def test_mse_loss(reduction, shape):
    check_op(
        lambda x, t: F.mse_loss(x, t, reduction=reduction),
        lambda x, t: TF.mse_loss(x, t, reduction=reduction),
        [shape, shape],
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(4, 3), (5,)], ids=str)
def test_l1_loss(reduction, shape):
    check_op(
        lambda x, t: F.l1_loss(x, t, reduction=reduction),
        lambda x, t: TF.l1_loss(x, t, reduction=reduction),
        [shape, shape],
    )


def test_regression_losses_reject_shape_mismatch():
    for f in (F.mse_loss, F.l1_loss):
        with pytest.raises(ValueError, match=r"target shape \(4,\) must equal input shape"):
            f(rb.randn(4, 1), rb.randn(4))


def test_bad_reduction_is_a_clear_error():
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(rb.randn(3), rb.randn(3), reduction="avg")


# ---------------------------------------------------------------------- binary
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(reduction, weighted):
    w = RNG.uniform(0.5, 2.0, (3,)) if weighted else None
    check_op(
        lambda p, t: F.binary_cross_entropy(
            p, t, weight=None if w is None else _r(w, p), reduction=reduction
        ),
        lambda p, t: TF.binary_cross_entropy(
            p, t, weight=None if w is None else _t(w, p), reduction=reduction
        ),
        [(4, 3), (4, 3)],
        ranges=[(0.05, 0.95), (0.0, 1.0)],
    )


def test_binary_cross_entropy_hard_targets_and_clamped_logs():
    p = np.array([0.0, 1.0, 0.3, 1e-50, 1.0])
    t = np.array([0.0, 1.0, 1.0, 1.0, 0.0])
    mine = F.binary_cross_entropy(rb.tensor(p, dtype="float64"), t, reduction="none")
    ref = TF.binary_cross_entropy(torch.tensor(p), torch.tensor(t), reduction="none")
    np.testing.assert_allclose(mine.numpy(), ref.numpy(), rtol=1e-12)  # log clamped at -100
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(rb.tensor([1.5]), rb.tensor([1.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "weighted,pos_weighted", [(False, False), (True, False), (False, True), (True, True)]
)
def test_binary_cross_entropy_with_logits(reduction, weighted, pos_weighted):
    w = RNG.uniform(0.5, 2.0, (3,)) if weighted else None
    pw = RNG.uniform(0.5, 3.0, (3,)) if pos_weighted else None

    def mine(x, t):
        return F.binary_cross_entropy_with_logits(
            x,
            t,
            weight=None if w is None else _r(w, x),
            reduction=reduction,
            pos_weight=None if pw is None else _r(pw, x),
        )

    def ref(x, t):
        return TF.binary_cross_entropy_with_logits(
            x,
            t,
            weight=None if w is None else _t(w, x),
            reduction=reduction,
            pos_weight=None if pw is None else _t(pw, x),
        )

    check_op(mine, ref, [(4, 3), (4, 3)], ranges=[(-4, 4), (0, 1)])


def test_bce_with_logits_module_and_hard_labels():
    x = RNG.standard_normal((6, 1))
    y = (RNG.random((6, 1)) > 0.5).astype(float)
    loss = nn.BCEWithLogitsLoss(pos_weight=rb.tensor([2.0]))
    ref = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0]))
    check_op(lambda a: loss(a, _r(y, a)), lambda a: ref(a, _t(y, a)), [x.shape], inputs=[x])


# ---------------------------------------------------------------------- classification
CE_INPUTS = [
    ("NC", (5, 4), (5,)),
    ("C", (4,), ()),
    ("NCd", (3, 4, 2), (3, 2)),
    ("NCdd", (2, 3, 2, 2), (2, 2, 2)),
]


def _labels(shape, n_classes, ignore=False):
    y = RNG.integers(0, n_classes, size=shape)
    if ignore and y.size > 1:
        y.flat[1] = -100
        y.flat[-1] = 2 if n_classes > 2 else 0
    return y


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,xshape,yshape", CE_INPUTS, ids=[c[0] for c in CE_INPUTS])
@pytest.mark.parametrize(
    "weighted,ignore,smoothing",
    [
        (False, False, 0.0),
        (True, False, 0.0),
        (False, True, 0.0),
        (True, True, 0.0),
        (False, False, 0.1),
        (True, True, 0.2),
    ],
)
def test_cross_entropy_class_indices(name, xshape, yshape, reduction, weighted, ignore, smoothing):
    n_classes = xshape[0] if len(xshape) == 1 else xshape[1]
    y = _labels(yshape, n_classes, ignore)
    w = RNG.uniform(0.5, 2.0, n_classes) if weighted else None
    kw = {"reduction": reduction, "label_smoothing": smoothing}
    if ignore:
        kw["ignore_index"] = -100

    check_op(
        lambda x: F.cross_entropy(x, _r(y), weight=None if w is None else _r(w, x), **kw),
        lambda x: TF.cross_entropy(x, _t(y), weight=None if w is None else _t(w, x), **kw),
        [xshape],
        ranges=(-3, 3),
    )


def test_cross_entropy_custom_ignore_index():
    y = np.array([0, 3, 1, 3, 2])
    check_op(
        lambda x: F.cross_entropy(x, _r(y), ignore_index=3),
        lambda x: TF.cross_entropy(x, _t(y), ignore_index=3),
        [(5, 4)],
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,xshape", [("NC", (5, 4)), ("C", (4,)), ("NCd", (3, 4, 2))])
@pytest.mark.parametrize("weighted,smoothing", [(False, 0.0), (True, 0.0), (True, 0.15)])
def test_cross_entropy_class_probabilities(name, xshape, reduction, weighted, smoothing):
    n_classes = xshape[0] if len(xshape) == 1 else xshape[1]
    w = RNG.uniform(0.5, 2.0, n_classes) if weighted else None
    kw = {"reduction": reduction, "label_smoothing": smoothing}

    def probs(t, softmax):  # a probability target that is differentiable in both libraries
        return softmax(t, 0 if t.ndim == 1 else 1)

    check_op(
        lambda x, t: F.cross_entropy(
            x, probs(t, F.softmax), weight=None if w is None else _r(w, x), **kw
        ),
        lambda x, t: TF.cross_entropy(
            x, probs(t, TF.softmax), weight=None if w is None else _t(w, x), **kw
        ),
        [xshape, xshape],
    )


def test_cross_entropy_probability_target_gradient_directly():
    """dL/dt = -log_softmax(x) (torch differentiates the probability target too)."""
    check_op(
        lambda x, t: F.cross_entropy(x, t), lambda x, t: TF.cross_entropy(x, t), [(3, 4), (3, 4)]
    )


def test_cross_entropy_rejects_bad_labels():
    with pytest.raises(ValueError, match=r"class labels must be in \[0, 2\] for 3 classes"):
        F.cross_entropy(rb.randn(2, 3), rb.tensor([0, 3]))
    with pytest.raises(ValueError, match="probability target shape"):
        F.cross_entropy(rb.randn(2, 3), rb.randn(2, 4))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,xshape,yshape", CE_INPUTS, ids=[c[0] for c in CE_INPUTS])
@pytest.mark.parametrize("weighted,ignore", [(False, False), (True, False), (True, True)])
def test_nll_loss(name, xshape, yshape, reduction, weighted, ignore):
    n_classes = xshape[0] if len(xshape) == 1 else xshape[1]
    y = _labels(yshape, n_classes, ignore)
    w = RNG.uniform(0.5, 2.0, n_classes) if weighted else None
    check_op(
        lambda x: F.nll_loss(x, _r(y), weight=None if w is None else _r(w, x), reduction=reduction),
        lambda x: TF.nll_loss(
            x, _t(y), weight=None if w is None else _t(w, x), reduction=reduction
        ),
        [xshape],
    )


def test_nll_of_log_softmax_is_cross_entropy():
    y = np.array([2, 0, 1])
    check_op(
        lambda x: F.nll_loss(F.log_softmax(x, dim=1), _r(y)),
        lambda x: TF.cross_entropy(x, _t(y)),
        [(3, 4)],
    )


# ---------------------------------------------------------------------- divergences
KL_MEAN_WARNING = "ignore:reduction. 'mean' divides:UserWarning"  # torch's note on 'mean'


@pytest.mark.filterwarnings(KL_MEAN_WARNING)
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    def mine(x, t):
        target = F.log_softmax(t, dim=1) if log_target else F.softmax(t, dim=1)
        return F.kl_div(F.log_softmax(x, dim=1), target, reduction, log_target)

    def ref(x, t):
        target = TF.log_softmax(t, dim=1) if log_target else TF.softmax(t, dim=1)
        return TF.kl_div(
            TF.log_softmax(x, dim=1), target, reduction=reduction, log_target=log_target
        )

    check_op(mine, ref, [(4, 5), (4, 5)])


@pytest.mark.filterwarnings(KL_MEAN_WARNING)
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
def test_kl_div_raw_inputs_and_zero_target(reduction):
    """Input gradients on arbitrary log q, and t = 0 entries contributing nothing."""
    t = RNG.uniform(0.1, 1.0, (3, 4))
    t[0, 1] = 0.0
    check_op(
        lambda x: F.kl_div(x, _r(t, x), reduction=reduction),
        lambda x: TF.kl_div(x, _t(t, x), reduction=reduction),
        [(3, 4)],
    )


# ---------------------------------------------------------------------- margins
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.5])
def test_hinge_embedding_loss(reduction, margin):
    y = np.where(RNG.random((4, 3)) > 0.5, 1.0, -1.0)
    check_op(
        lambda x: F.hinge_embedding_loss(x, _r(y, x), margin=margin, reduction=reduction),
        lambda x: TF.hinge_embedding_loss(x, _t(y, x), margin=margin, reduction=reduction),
        [(4, 3)],
        kinks=[margin],
    )


def _perceptron_by_hand(s, t):
    """The deck's criterion: D = -sum over misclassified (t s <= 0) of t s."""
    wrong = t * s <= 0
    return -(t * s * wrong)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_perceptron_criterion_against_the_formula(reduction):
    s = np.array([2.0, -1.0, 0.0, 0.5, -3.0, 1.5])
    t = np.array([1.0, 1.0, -1.0, -1.0, -1.0, 1.0])
    per = _perceptron_by_hand(s, t)  # [0, 1, 0, 0.5, 0, 0]
    want = {"none": per, "sum": per.sum(), "mean": per.mean()}[reduction]
    x = rb.tensor(s, dtype="float64", requires_grad=True)
    loss = F.perceptron_criterion(x, t, reduction=reduction)
    np.testing.assert_allclose(loss.numpy(), want, rtol=1e-12)
    loss.sum().backward()
    scale = 1 / len(s) if reduction == "mean" else 1.0
    wrong = t * s <= 0  # dD/ds = -t on misclassified samples (s = 0 counts as wrong)
    np.testing.assert_allclose(x.grad, np.where(wrong, -t, 0.0) * scale)


def test_perceptron_criterion_default_is_sum_and_gradcheck():
    s = RNG.uniform(-2, 2, 20)
    t = np.where(RNG.random(20) > 0.5, 1.0, -1.0)
    x = rb.tensor(s, dtype="float64")
    assert F.perceptron_criterion(x, t).item() == pytest.approx(_perceptron_by_hand(s, t).sum())
    assert rb.autograd.gradcheck(lambda a: F.perceptron_criterion(a, t), [s])
    with pytest.raises(ValueError, match="-1 or \\+1"):
        F.perceptron_criterion(x, np.zeros(20))


def test_perceptron_sgd_step_is_rosenblatt_update():
    """One SGD step on D (eta = 1) gives w += t x for the misclassified sample."""
    w = rb.tensor([0.5, -1.0], dtype="float64", requires_grad=True)
    xs = np.array([[1.0, 1.0], [2.0, -1.0]])
    t = np.array([1.0, -1.0])  # first: s = -0.5 (wrong); second: s = 2 (wrong, t = -1)
    F.perceptron_criterion(rb.tensor(xs, dtype="float64") @ w, t).backward()
    np.testing.assert_allclose(w.numpy() - w.grad, w.numpy() + t @ xs)


# ---------------------------------------------------------------------- modules
MODULES = [
    (nn.MSELoss(), torch.nn.MSELoss(), "float"),
    (nn.L1Loss(reduction="sum"), torch.nn.L1Loss(reduction="sum"), "float"),
    (nn.BCELoss(), torch.nn.BCELoss(), "prob"),
    (nn.BCEWithLogitsLoss(), torch.nn.BCEWithLogitsLoss(), "prob"),
    (nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), "index"),
    (
        nn.CrossEntropyLoss(label_smoothing=0.1, reduction="sum"),
        torch.nn.CrossEntropyLoss(label_smoothing=0.1, reduction="sum"),
        "index",
    ),
    (nn.NLLLoss(), torch.nn.NLLLoss(), "index"),
    (nn.KLDivLoss(reduction="batchmean"), torch.nn.KLDivLoss(reduction="batchmean"), "prob"),
    (nn.HingeEmbeddingLoss(margin=0.5), torch.nn.HingeEmbeddingLoss(margin=0.5), "sign"),
]


@pytest.mark.parametrize("mine,ref,kind", MODULES, ids=[type(m[0]).__name__ for m in MODULES])
def test_loss_modules(mine, ref, kind):
    shape = (4, 3)
    target = {
        "float": RNG.standard_normal(shape),
        "prob": RNG.uniform(0.05, 0.95, shape),
        "index": RNG.integers(0, 3, 4),
        "sign": np.where(RNG.random(shape) > 0.5, 1.0, -1.0),
    }[kind]
    ranges = (0.05, 0.95) if isinstance(mine, nn.BCELoss) else (-2, 2)
    check_op(
        lambda x: mine(x, _r(target, x)),
        lambda x: ref(x, _t(target, x)),
        [shape],
        ranges=ranges,
        kinks=[0.5] if kind == "sign" else (),
    )
    assert repr(mine) == repr(ref)  # torch prints no reduction


def test_perceptron_criterion_module():
    s = RNG.uniform(-2, 2, 8)
    t = np.where(RNG.random(8) > 0.5, 1.0, -1.0)
    loss = nn.PerceptronCriterion()(rb.tensor(s, dtype="float64"), t)
    assert loss.item() == pytest.approx(_perceptron_by_hand(s, t).sum())
