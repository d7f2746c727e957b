"""Loss modules: one-line wrappers of the functions in ``nn.functional`` (formulas there)."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "HingeEmbeddingLoss",
    "KLDivLoss",
    "L1Loss",
    "MSELoss",
    "NLLLoss",
    "PerceptronCriterion",
    "TanhMSELoss",
]


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction


class MSELoss(_Loss):
    """mean((x - t)^2) -- see F.mse_loss"""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """mean(|x - t|) -- see F.l1_loss"""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class TanhMSELoss(_Loss):
    """mean((tanh(a) - t)^2) on pre-activations a, t = -1, +1 -- see F.tanh_mse_loss"""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.tanh_mse_loss(input, target, reduction=self.reduction)


class BCELoss(_Loss):
    """-[t ln p + (1 - t) ln(1 - p)] on probabilities -- see F.binary_cross_entropy"""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """sigmoid + BCE in one stable step -- see F.binary_cross_entropy_with_logits"""

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, self.reduction, self.pos_weight
        )


class CrossEntropyLoss(_Loss):
    """softmax + negative log-likelihood -- see F.cross_entropy"""

    def __init__(
        self,
        weight: Any = None,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(reduction)
        self.weight, self.ignore_index, self.label_smoothing = weight, ignore_index, label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.cross_entropy(
            input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing
        )


class NLLLoss(_Loss):
    """-x[t] on log-probabilities -- see F.nll_loss"""

    def __init__(
        self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"
    ) -> None:
        super().__init__(reduction)
        self.weight, self.ignore_index = weight, ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class KLDivLoss(_Loss):
    """t (ln t - x) on log-probabilities x -- see F.kl_div"""

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.kl_div(input, target, self.reduction, self.log_target)


class PerceptronCriterion(_Loss):
    """-sum over misclassified of t s -- see F.perceptron_criterion"""

    def __init__(self, reduction: str = "sum") -> None:
        super().__init__(reduction)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.perceptron_criterion(input, target, self.reduction)


class HingeEmbeddingLoss(_Loss):
    """x if t = 1 else max(0, margin - x) -- see F.hinge_embedding_loss"""

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.hinge_embedding_loss(input, target, self.margin, self.reduction)


class GaussianNLLLoss(_Loss):
    """1/2 (ln v + (x - t)^2 / v) [+ 1/2 ln 2 pi] -- see F.gaussian_nll_loss"""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Tensor, target: Any, var: Any) -> Tensor:
        return F.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


__all__ += ["GaussianNLLLoss"]
