"""Input corruption, the denoising autoencoder's (Vincent et al. 2008): a layer that adds
noise in training mode only, as Keras's GaussianNoise, or masks features."""

from __future__ import annotations

from ..random import get_rng
from ..tensor import Tensor
from .module import Module

__all__ = ["NOISE_TYPES", "Corruption"]

NOISE_TYPES = ("gaussian", "masking")


class Corruption(Module):
    """x~ from x in training mode; x~ = x in eval mode.

    gaussian: x~ = x + e, e ~ N(0, noise^2) per feature;
    masking:  x~ = x * m, m ~ Bernoulli(1 - noise) per feature (a feature is set to 0 with
    probability ``noise``; no rescaling, unlike Dropout). Drawn from
    ``rb.random.get_rng()``.

    Parameters
    ----------
    noise : float
        Standard deviation (gaussian) or masking probability in [0, 1) (masking).
    noise_type : {"gaussian", "masking"}
    """

    def __init__(self, noise: float, noise_type: str = "gaussian") -> None:
        super().__init__()
        if noise_type not in NOISE_TYPES:
            raise ValueError(
                f"Corruption: noise_type must be one of {NOISE_TYPES}, got {noise_type!r}"
            )
        self.noise, self.noise_type = float(noise), noise_type

    def forward(self, input: Tensor) -> Tensor:
        """x~ from x, shape (n, n_features) -> (n, n_features)."""
        if not self.training or self.noise == 0.0:
            return input
        rng = get_rng()
        if self.noise_type == "gaussian":
            e = rng.normal(0.0, self.noise, input.shape).astype(input.dtype)
            return input + Tensor._make(e, None)
        keep = (rng.random(input.shape) >= self.noise).astype(input.dtype)
        return input * Tensor._make(keep, None)

    def extra_repr(self) -> str:
        return f"noise={self.noise}, noise_type={self.noise_type!r}"
