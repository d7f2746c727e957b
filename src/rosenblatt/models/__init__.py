"""``rosenblatt.models``: the classic models of the course as scikit-learn estimators.

From the single units to networks: :class:`ThresholdUnit` (McCulloch-Pitts, fixed weights),
:class:`Perceptron` (Rosenblatt's rule), :class:`Adaline` (Widrow-Hoff LMS),
:class:`LinearRegression` (normal equations or gradient descent), :class:`LogisticRegression`
(sigmoid / softmax), :class:`LinearDiscriminantAnalysis` and
:class:`QuadraticDiscriminantAnalysis` (Gaussian classes), :class:`MLPClassifier` and
:class:`MLPRegressor` (multi-layer perceptrons on rosenblatt's engine).

All follow scikit-learn's conventions (fit/predict/score, get_params/set_params, learned
attributes ending in ``_``) and work in Pipeline, GridSearchCV and cross_val_score.
"""

from ..demos.lessons import perceptron_or_demo
from .autoencoder import Autoencoder, AutoencoderAnomalyDetector
from .boltzmann import BoltzmannMachine
from .discriminant import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis
from .fraud import FraudDetector
from .gan import GAN
from .linear import LinearRegression, LogisticRegression
from .mlp import MLPClassifier, MLPRegressor
from .perceptron import Adaline, Perceptron, perceptron_epoch
from .rbm import RBM
from .threshold import ThresholdUnit
from .vae import VAE

__all__ = [
    "Adaline",
    "Autoencoder",
    "AutoencoderAnomalyDetector",
    "BoltzmannMachine",
    "FraudDetector",
    "GAN",
    "LinearDiscriminantAnalysis",
    "LinearRegression",
    "LogisticRegression",
    "MLPClassifier",
    "MLPRegressor",
    "Perceptron",
    "QuadraticDiscriminantAnalysis",
    "RBM",
    "ThresholdUnit",
    "VAE",
    "perceptron_epoch",
    "perceptron_or_demo",
]
