"""Residual connections and the small ResNet (EDSF deck's ResNet/VGG slide) against torch:
the same architecture written in torch, loaded with rosenblatt's weights, gives the same
outputs and gradients (train and eval mode); the ResNet learns the 8x8 digits; skip
connections keep the first layer's gradient alive where a plain deep sigmoid net loses it."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import rosenblatt as rb


class TorchBasicBlock(torch.nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(cout)
        self.conv2 = torch.nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = torch.nn.Sequential(
                torch.nn.Conv2d(cin, cout, 1, stride=stride, bias=False), torch.nn.BatchNorm2d(cout)
            )

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + (x if self.downsample is None else self.downsample(x)))


class TorchResNet(torch.nn.Module):
    def __init__(self, cin, n_classes, widths, blocks_per_stage):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(cin, widths[0], 3, padding=1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(widths[0])
        blocks, c = [], widths[0]
        for k, w in enumerate(widths):
            for b in range(blocks_per_stage):
                blocks.append(TorchBasicBlock(c, w, 2 if k > 0 and b == 0 else 1))
                c = w
        self.layers = torch.nn.Sequential(*blocks)
        self.avgpool = torch.nn.AdaptiveAvgPool2d(1)
        self.fc = torch.nn.Linear(c, n_classes)

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        h = self.avgpool(self.layers(h))
        return self.fc(h.flatten(1))


def _twins(widths=(4, 8), blocks=2, cin=1, n_classes=5):
    rb.manual_seed(3)
    ours = rb.nn.ResNet(cin, n_classes, widths, blocks).double()
    theirs = TorchResNet(cin, n_classes, widths, blocks).double()
    state = {k: torch.tensor(np.asarray(v.numpy())) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(state)
    return ours, theirs


def test_resnet_state_dict_names_are_torchvision_style():
    ours, theirs = _twins()
    assert list(ours.state_dict()) == list(theirs.state_dict())


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_resnet_outputs_and_gradients_equal_torch(mode):
    ours, theirs = _twins()
    rng = np.random.default_rng(0)
    if mode == "eval":  # non-trivial running statistics first, on both
        warm = rng.standard_normal((6, 1, 8, 8))
        with rb.no_grad():
            ours(rb.tensor(warm))
        with torch.no_grad():
            theirs(torch.tensor(warm))
        ours.eval()
        theirs.eval()
    X = rng.standard_normal((5, 1, 8, 8))
    y = np.array([0, 1, 2, 3, 4])
    x_rb = rb.tensor(X, requires_grad=True)
    x_t = torch.tensor(X, requires_grad=True)
    loss_rb = rb.nn.functional.cross_entropy(ours(x_rb), rb.tensor(y))
    loss_t = torch.nn.functional.cross_entropy(theirs(x_t), torch.tensor(y))
    assert loss_rb.item() == pytest.approx(loss_t.item(), rel=1e-10)
    loss_rb.backward()
    loss_t.backward()
    np.testing.assert_allclose(x_rb.grad.numpy(), x_t.grad.numpy(), rtol=1e-7, atol=1e-12)
    t_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(
            p.grad.numpy(), t_params[name].grad.numpy(), rtol=1e-7, atol=1e-12, err_msg=name
        )
    t_state = theirs.state_dict()
    for name, v in ours.state_dict().items():  # running statistics too
        np.testing.assert_allclose(np.asarray(v.numpy()), t_state[name].numpy(), rtol=1e-10)


def test_residual_wrapper_gradient_is_identity_plus_branch():
    """y = x + F(x): dL/dx = dL/dy + dL/dy dF/dx, against torch with a projection shortcut."""
    rb.manual_seed(1)
    branch = rb.nn.Sequential(rb.nn.Linear(3, 4), rb.nn.Tanh()).double()
    proj = rb.nn.Linear(3, 4, bias=False).double()
    block = rb.nn.Residual(branch, shortcut=proj)
    tb = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh()).double()
    tp = torch.nn.Linear(3, 4, bias=False).double()
    tb.load_state_dict({k: torch.tensor(v.numpy()) for k, v in branch.state_dict().items()})
    tp.load_state_dict({k: torch.tensor(v.numpy()) for k, v in proj.state_dict().items()})
    X = np.random.default_rng(2).standard_normal((6, 3))
    x, tx = rb.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    y, ty = block(x), tp(tx) + tb(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    (y**2).sum().backward()
    (ty**2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10)
    # identity shortcut: the Jacobian is I + dF/dx
    same = rb.nn.Residual(rb.nn.Linear(3, 3).double())
    x = rb.tensor(X, requires_grad=True)
    same(x).sum().backward()
    W = same.fn.weight.numpy()
    np.testing.assert_allclose(x.grad.numpy(), 1 + np.tile(W.sum(0), (6, 1)), rtol=1e-12)


def test_skip_connections_keep_the_first_layer_gradient_alive():
    """20 sigmoid layers: the plain net's first-layer gradient shrinks like (1/4)^L (deck
    002's vanishing gradient); with y = x + F(x) it stays of order one."""
    rb.manual_seed(0)
    depth, width = 20, 8

    def layer():
        return rb.nn.Sequential(rb.nn.Linear(width, width), rb.nn.Sigmoid())

    plain = rb.nn.Sequential(*[layer() for _ in range(depth)]).double()
    rb.manual_seed(0)
    residual = rb.nn.Sequential(*[rb.nn.Residual(layer()) for _ in range(depth)]).double()
    x = rb.tensor(np.random.default_rng(3).standard_normal((16, width)))
    norms = {}
    for name, net in (("plain", plain), ("residual", residual)):
        net(x).sum().backward()
        first = net[0] if name == "plain" else net[0].fn
        norms[name] = float(np.linalg.norm(first[0].weight.grad.numpy()))
    assert norms["plain"] < 1e-6
    assert norms["residual"] > 1e-1


def test_small_resnet_learns_the_digits():
    digits = load_digits()
    X = (digits.images / 16.0).astype(np.float32)[:, None]
    X_tr, X_te, y_tr, y_te = train_test_split(X, digits.target, test_size=0.3, random_state=0)
    rb.manual_seed(0)
    net = rb.nn.ResNet(in_channels=1, num_classes=10, widths=(8, 16), blocks_per_stage=1)
    opt = rb.optim.Adam(net.parameters(), lr=1e-2)
    rb.fit(net, X_tr, y_tr, optimizer=opt, epochs=6, batch_size=64, verbose=0)
    net.eval()
    with rb.no_grad():
        accuracy = float((net(rb.tensor(X_te)).numpy().argmax(1) == y_te).mean())
    assert accuracy > 0.95, accuracy
