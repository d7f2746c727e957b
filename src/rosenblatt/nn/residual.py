"""Residual (skip) connections and a small ResNet (EDSF deck, "Deep Learning": LeNet-5, VGG,
ResNet with 152 layers; KIT deck: the loss of ResNet-56 is "highly non-convex without skip
connections").

A residual block learns the change F(x) to its input instead of the whole map::

    y = x + F(x)              dL/dx = dL/dy (I + dF/dx)

so the gradient reaches earlier layers through the identity term even when dF/dx is small:
the product of many factors <= 1/4 that makes gradients vanish in a deep sigmoid network
(EDSF deck, "Vanishing gradient") becomes a sum with a term 1 in it.

:class:`Residual` wraps any module; :class:`BasicBlock` is He et al.'s two-convolution block
with torchvision's parameter names, and :class:`ResNet` stacks them into a small network for
small images (8x8 digits, 28x28 MNIST, 32x32 CIFAR-10).
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import ops
from ..tensor import Tensor
from .container import Sequential
from .conv import AdaptiveAvgPool2d, Conv2d
from .layers import Linear
from .module import Module
from .normalization import BatchNorm2d

__all__ = ["BasicBlock", "ResNet", "Residual"]


class Residual(Module):
    """Skip connection: y = x + F(x), or y = P(x) + F(x) with a projection P.

    Parameters
    ----------
    fn : Module
        The residual branch F; its output must have the shape of ``shortcut(x)``.
    shortcut : Module, optional
        P, e.g. a Linear or 1x1 convolution where F changes the shape; None: the identity.

    Examples
    --------
    >>> import rosenblatt as rb
    >>> block = rb.nn.Residual(rb.nn.Sequential(rb.nn.Linear(4, 4), rb.nn.Tanh()))
    >>> block(rb.zeros((2, 4))).shape
    (2, 4)
    """

    def __init__(self, fn: Module, shortcut: Module | None = None) -> None:
        super().__init__()
        self.fn = fn
        self.shortcut = shortcut

    def forward(self, input: Tensor) -> Tensor:
        skip = input if self.shortcut is None else self.shortcut(input)
        return skip + self.fn(input)


class BasicBlock(Module):
    """ResNet's basic block: y = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)).

    Two 3x3 convolutions with batch normalisation (He et al., 2015, Fig. 2); the shortcut is
    the identity, or a 1x1 convolution + batch norm (``downsample``) when the block changes
    the number of channels or the stride. Parameter names are torchvision's
    (``conv1, bn1, conv2, bn2, downsample.0, downsample.1``), so its state_dict loads.

    Parameters
    ----------
    in_channels, out_channels : int
    stride : int
        Stride of the first convolution (2 halves the height and width).

    Notes
    -----
    Shapes: (N, in_channels, H, W) -> (N, out_channels, ceil(H / stride), ceil(W / stride)).
    """

    expansion = 1

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = BatchNorm2d(out_channels)
        self.conv2 = Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = BatchNorm2d(out_channels)
        self.downsample: Module | None = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = Sequential(
                Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                BatchNorm2d(out_channels),
            )

    def forward(self, x: Tensor) -> Tensor:
        out = ops.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        skip = x if self.downsample is None else self.downsample(x)
        return ops.relu(out + skip)


class ResNet(Module):
    """A small ResNet: a 3x3 stem, stages of :class:`BasicBlock`, global average pooling
    and a linear classifier.

    Parameters
    ----------
    in_channels : int
        Image channels (1 for digits, 3 for CIFAR-10).
    num_classes : int
    widths : sequence of int
        Channels of each stage; every stage after the first halves height and width.
    blocks_per_stage : int
        Basic blocks per stage (2 x this convolutions per stage).

    Notes
    -----
    Forward, for images x of shape (N, in_channels, H, W)::

        h = relu(bn(conv3x3(x)))                          (N, widths[0], H, W)
        h = stage_k(h), k = 1..K                          blocks of y = relu(F(h) + h)
        y = fc(mean over H, W of h)                       (N, num_classes) logits

    The depth is 2 + 2 * K * blocks_per_stage weight layers; ``ResNet(widths=(16, 32, 64),
    blocks_per_stage=3)`` is He et al.'s ResNet-20 for CIFAR-10.

    Examples
    --------
    >>> import rosenblatt as rb
    >>> net = rb.nn.ResNet(in_channels=1, num_classes=10, widths=(8, 16))
    >>> net(rb.zeros((2, 1, 8, 8))).shape
    (2, 10)
    """

    def __init__(
        self,
        in_channels: int = 3,
        num_classes: int = 10,
        widths: Sequence[int] = (16, 32, 64),
        blocks_per_stage: int = 1,
    ) -> None:
        super().__init__()
        widths = list(widths)
        self.conv1 = Conv2d(in_channels, widths[0], 3, padding=1, bias=False)
        self.bn1 = BatchNorm2d(widths[0])
        blocks: list[Module] = []
        channels = widths[0]
        for k, width in enumerate(widths):
            for b in range(blocks_per_stage):
                stride = 2 if k > 0 and b == 0 else 1
                blocks.append(BasicBlock(channels, width, stride))
                channels = width
        self.layers = Sequential(*blocks)
        self.avgpool = AdaptiveAvgPool2d(1)
        self.fc = Linear(channels, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        h = ops.relu(self.bn1(self.conv1(x)))
        h = self.avgpool(self.layers(h))
        return self.fc(h.reshape(h.shape[0], -1))
