"""``rosenblatt.nn``: modules, parameters, layers, losses, initialisation."""

from . import functional, init, parallel, utils
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .conv import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, Conv2d, MaxPool2d
from .layers import (
    ACTIVATIONS,
    ELU,
    GELU,
    SELU,
    Dropout,
    Flatten,
    Identity,
    LeakyReLU,
    Linear,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Sign,
    Softmax,
    Softplus,
    Step,
    Tanh,
    mlp,
)
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    PerceptronCriterion,
    TanhMSELoss,
)
from .module import Module, Parameter
from .noise import Corruption
from .normalization import BatchNorm1d, BatchNorm2d, SyncBatchNorm
from .radial import RBF, Abs, GaussianRBF, InverseMultiquadric, Multiquadric
from .residual import BasicBlock, Residual, ResNet
from .rnn import LSTM, RNN, LSTMCell, RNNCell
from .sparse import Embedding

__all__ = [
    "ACTIVATIONS",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "Dropout",
    "ELU",
    "Flatten",
    "GELU",
    "HingeEmbeddingLoss",
    "Identity",
    "KLDivLoss",
    "L1Loss",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "Module",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "PerceptronCriterion",
    "TanhMSELoss",
    "ReLU",
    "SELU",
    "Sequential",
    "Sigmoid",
    "Sign",
    "Softmax",
    "Softplus",
    "Step",
    "Tanh",
    "functional",
    "init",
    "mlp",
    # convolution, normalization, recurrent layers
    "AvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv2d",
    "LSTM",
    "LSTMCell",
    "MaxPool2d",
    "RNN",
    "RNNCell",
    "SyncBatchNorm",
    "parallel",
    # containers, embedding, adaptive pooling, utilities
    "AdaptiveAvgPool2d",
    "AdaptiveMaxPool2d",
    "Embedding",
    "ModuleDict",
    "ParameterDict",
    "ParameterList",
    "utils",
    # the decks' extra units and losses (issue 16)
    "Abs",
    "GaussianNLLLoss",
    "GaussianRBF",
    "InverseMultiquadric",
    "Multiquadric",
    "RBF",
    "BasicBlock",
    "ResNet",
    "Residual",
    # the denoising autoencoder's input corruption (issue 10)
    "Corruption",
]
