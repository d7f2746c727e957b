"""Helpers shared by the training-loop tests."""

from __future__ import annotations

import numpy as np

from rosenblatt import nn


def mlp(*sizes: int, act=nn.ReLU, dropout: float = 0.0) -> nn.Sequential:
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(act())
            if dropout:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def weights(model) -> dict[str, np.ndarray]:
    return {k: np.array(v, copy=True) for k, v in model.state_dict().items()}
