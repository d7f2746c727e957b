"""Module, Parameter, Sequential and Linear: registration, state_dict interchange with
PyTorch (same outputs, same gradients), modes, dtype conversion, initialisation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from harness import check_op

import rosenblatt as rb
import rosenblatt.nn.functional as F
from rosenblatt import nn


# ---------------------------------------------------------------------- registration
class Block(nn.Module):
    def __init__(self, lib):
        super().__init__()
        self.fc = lib.Linear(3, 4)
        self.act = lib.Tanh()
        self.scale = (nn.Parameter if lib is nn else torch.nn.Parameter)(
            np.ones(4, dtype=np.float32) if lib is nn else torch.ones(4)
        )


class Net(nn.Module):
    def __init__(self, lib):
        super().__init__()
        self.first = Block(lib)
        self.body = lib.Sequential(lib.Linear(4, 5), lib.ReLU(), lib.Linear(5, 2, bias=False))
        self.head_bias = (nn.Parameter if lib is nn else torch.nn.Parameter)(
            np.zeros(2, dtype=np.float32) if lib is nn else torch.zeros(2)
        )
        self.blocks = lib.ModuleList([lib.Linear(2, 2), lib.Linear(2, 2)])


class TorchBlock(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(3, 4)
        self.act = torch.nn.Tanh()
        self.scale = torch.nn.Parameter(torch.ones(4))


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.first = TorchBlock()
        self.body = torch.nn.Sequential(
            torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2, bias=False)
        )
        self.head_bias = torch.nn.Parameter(torch.zeros(2))
        self.blocks = torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)])


def test_named_parameters_order_and_shapes_equal_torch():
    mine, ref = Net(nn), TorchNet()
    got = [(k, p.shape) for k, p in mine.named_parameters()]
    want = [(k, tuple(p.shape)) for k, p in ref.named_parameters()]
    assert got == want
    assert len(list(mine.parameters())) == len(want)
    assert list(mine.state_dict()) == list(ref.state_dict())
    assert [k for k, _ in mine.named_modules()] == [k for k, _ in ref.named_modules()]
    assert [k for k, _ in mine.named_children()] == [k for k, _ in ref.named_children()]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in mine.parameters())


def test_shared_parameters_are_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    tseq = torch.nn.Sequential(*[torch.nn.Linear(2, 2)] * 1, torch.nn.ReLU())
    tseq.append(tseq[0])
    assert [k for k, _ in seq.named_parameters()] == [k for k, _ in tseq.named_parameters()]


def test_reassigning_and_deleting_attributes():
    m = nn.Linear(2, 3)
    with pytest.raises(TypeError, match="weight"):
        m.weight = rb.tensor(np.ones((3, 2)))  # a plain tensor is not a Parameter
    m.weight = nn.Parameter(np.ones((3, 2), dtype=np.float32))
    assert m.weight.numpy().sum() == 6
    m.extra = nn.Linear(1, 1)
    assert "extra.weight" in m.state_dict()
    del m.extra
    assert "extra.weight" not in m.state_dict()


def test_module_without_super_init_is_a_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="super"):
        Bad()


def test_buffers_in_state_dict_and_non_persistent():
    m = nn.Module()
    m.register_buffer("running", rb.zeros(3))
    m.register_buffer("scratch", rb.zeros(2), persistent=False)
    assert list(m.state_dict()) == ["running"]
    assert [k for k, _ in m.named_buffers()] == ["running", "scratch"]
    assert list(m.parameters()) == []


def test_sequential_container_api():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    assert len(seq) == 2 and isinstance(seq[0], nn.Linear) and isinstance(seq[-1], nn.ReLU)
    seq.append(nn.Linear(3, 1))
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and len(sub) == 2
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    from collections import OrderedDict

    named = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 2)), ("act", nn.Sigmoid())]))
    assert list(named.state_dict()) == ["hidden.weight", "hidden.bias"]


# ---------------------------------------------------------------------- PyTorch interchange
def _pair(dtype):
    """The same architecture in both libraries (every activation module, Dropout, Flatten)."""
    mine = nn.Sequential(
        nn.Flatten(),
        nn.Linear(12, 16),
        nn.ReLU(),
        nn.Dropout(0.3),
        nn.Linear(16, 16),
        nn.LeakyReLU(0.1),
        nn.Linear(16, 16),
        nn.GELU(),
        nn.Linear(16, 16),
        nn.ELU(),
        nn.Linear(16, 16),
        nn.SELU(),
        nn.Linear(16, 16),
        nn.Softplus(),
        nn.Linear(16, 16),
        nn.Tanh(),
        nn.Identity(),
        nn.Linear(16, 8, bias=False),
        nn.Sigmoid(),
        nn.Linear(8, 3),
    )
    ref = torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear(12, 16),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.3),
        torch.nn.Linear(16, 16),
        torch.nn.LeakyReLU(0.1),
        torch.nn.Linear(16, 16),
        torch.nn.GELU(),
        torch.nn.Linear(16, 16),
        torch.nn.ELU(),
        torch.nn.Linear(16, 16),
        torch.nn.SELU(),
        torch.nn.Linear(16, 16),
        torch.nn.Softplus(),
        torch.nn.Linear(16, 16),
        torch.nn.Tanh(),
        torch.nn.Identity(),
        torch.nn.Linear(16, 8, bias=False),
        torch.nn.Sigmoid(),
        torch.nn.Linear(8, 3),
    )
    if dtype == "float64":
        mine.double()
        ref.double()
    return mine, ref


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-9), ("float32", 1e-5)])
def test_torch_state_dict_loads_and_gives_same_outputs_and_gradients(dtype, tol):
    mine, ref = _pair(dtype)
    sd = ref.state_dict()
    assert list(mine.state_dict()) == list(sd)
    assert {k: v.shape for k, v in mine.state_dict().items()} == {
        k: tuple(v.shape) for k, v in sd.items()
    }
    mine.load_state_dict(sd)  # torch tensors are accepted directly
    mine.eval()
    ref.eval()
    x = np.random.default_rng(0).standard_normal((5, 3, 4)).astype(dtype)
    y = np.array([0, 2, 1, 1, 0])
    out = mine(rb.tensor(x))
    tout = ref(torch.tensor(x))
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=tol, atol=tol)
    F.cross_entropy(out, rb.tensor(y)).backward()
    TF.cross_entropy(tout, torch.tensor(y)).backward()
    tparams = dict(ref.named_parameters())
    for k, p in mine.named_parameters():
        np.testing.assert_allclose(p.grad, tparams[k].grad.numpy(), rtol=tol, atol=tol, err_msg=k)


def test_rosenblatt_state_dict_loads_into_torch():
    mine, ref = _pair("float32")
    ref.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in mine.state_dict().items()})
    mine.eval()
    ref.eval()
    x = np.random.default_rng(1).standard_normal((4, 12)).astype(np.float32)
    np.testing.assert_allclose(
        mine(x).numpy(), ref(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )


def test_load_state_dict_copies_values():
    mine, ref = _pair("float32")
    sd = {k: v.detach().clone() for k, v in ref.state_dict().items()}
    mine.load_state_dict(sd)
    sd["1.weight"].zero_()
    assert np.abs(mine[1].weight.numpy()).sum() > 0


def test_load_state_dict_errors_name_the_keys():
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    missing = dict(sd)
    del missing["2.bias"]
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "2.bias"'):
        m.load_state_dict(missing)
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "3.weight"'):
        m.load_state_dict({**sd, "3.weight": np.zeros(2)})
    bad = {**sd, "0.weight": np.zeros((2, 3))}
    with pytest.raises(RuntimeError, match=r"size mismatch for 0.weight.*\(2, 3\).*\(3, 2\)"):
        m.load_state_dict(bad)
    got = m.load_state_dict({**missing, "extra": np.zeros(1)}, strict=False)
    assert list(got[0]) == ["2.bias"] and list(got[1]) == ["extra"]


def test_load_state_dict_casts_to_the_parameter_dtype():
    m = nn.Linear(2, 2)
    m.load_state_dict({"weight": np.ones((2, 2)), "bias": np.zeros(2)})  # float64 arrays
    assert m.weight.dtype == np.float32 and m.weight.numpy().sum() == 4


# ---------------------------------------------------------------------- modes, grads, dtype
def test_train_eval_flags_are_recursive():
    m = Net(nn)
    assert m.training and all(c.training for c in m.modules())
    assert m.eval() is m
    assert not m.training and all(not c.training for c in m.modules())
    m.train()
    assert all(c.training for c in m.modules())
    m.train(False)
    assert not m.body[1].training


def test_zero_grad():
    m = nn.Linear(3, 2)
    m(rb.randn(4, 3)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in m.parameters())
    m.zero_grad()  # PyTorch's default: set_to_none=True
    assert all(p.grad is None for p in m.parameters())


def test_requires_grad_switch():
    m = nn.Linear(3, 2)
    m.requires_grad_(False)
    assert not m(rb.randn(1, 3)).requires_grad


def test_dtype_conversion_keeps_the_parameter_objects():
    m = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    params = list(m.parameters())
    assert m.to(np.float64) is m
    assert all(p.dtype == np.float64 for p in m.parameters())
    assert all(a is b for a, b in zip(params, m.parameters()))  # optimizers keep working
    m.float()
    assert all(p.dtype == np.float32 for p in m.parameters())
    m.double()
    assert m(rb.randn(2, 3)).dtype == np.float64
    m.to("float32")
    assert m[0].weight.dtype == np.float32


def test_apply_visits_every_module():
    m = Net(nn)

    def init(mod):
        if isinstance(mod, nn.Linear):
            nn.init.constant_(mod.weight, 0.5)

    m.apply(init)
    assert all(
        (mod.weight.numpy() == 0.5).all() for mod in m.modules() if isinstance(mod, nn.Linear)
    )


def test_repr_is_readable():
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Dropout(0.25), nn.Linear(3, 1, bias=False))
    text = repr(m)
    assert text.startswith("Sequential(\n")
    assert "(0): Linear(in_features=2, out_features=3, bias=True)" in text
    assert "(1): ReLU()" in text and "(2): Dropout(p=0.25" in text
    assert "(3): Linear(in_features=3, out_features=1, bias=False)" in text
    # the layer lines read exactly as PyTorch's
    tref = repr(torch.nn.Linear(2, 3))
    assert repr(nn.Linear(2, 3)) == tref
    assert repr(nn.Parameter(np.zeros(2, dtype=np.float32))).startswith("Parameter containing")


def test_linear_rejects_wrong_feature_count():
    with pytest.raises(ValueError, match=r"Linear\(in_features=3.*4 features|expected input"):
        nn.Linear(3, 2)(rb.randn(5, 4))


def test_linear_accepts_any_leading_dims_and_unbatched():
    m, t = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    m.load_state_dict(t.state_dict())
    for shape in [(3,), (4, 3), (2, 4, 3)]:
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        np.testing.assert_allclose(
            m(x).numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6
        )


def test_linear_dtype_argument():
    m = nn.Linear(2, 2, dtype="float64")
    assert m.weight.dtype == np.float64 and m.bias.dtype == np.float64


# ---------------------------------------------------------------------- initialisation
def test_linear_default_init_matches_pytorch_distribution():
    """W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) -- kaiming_uniform_(a=sqrt(5)) as PyTorch."""
    fan_in, fan_out = 400, 1000
    m = nn.Linear(fan_in, fan_out)
    bound = 1 / math.sqrt(fan_in)
    w, b = m.weight.numpy(), m.bias.numpy()
    assert w.shape == (fan_out, fan_in) and b.shape == (fan_out,)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.999 * bound and np.abs(b).max() > 0.99 * bound
    n = w.size
    assert abs(w.mean()) < 5 * bound / math.sqrt(3 * n)
    assert w.var() == pytest.approx(bound**2 / 3, rel=0.01)  # variance of U(-a, a): a^2/3
    t = torch.nn.Linear(fan_in, fan_out)
    assert w.var() == pytest.approx(t.weight.detach().var().item(), rel=0.02)
    assert b.var() == pytest.approx(bound**2 / 3, rel=0.15)  # only 1000 samples


def test_linear_init_is_seeded():
    rb.manual_seed(3)
    a = nn.Linear(4, 4).weight.numpy().copy()
    rb.manual_seed(3)
    np.testing.assert_array_equal(nn.Linear(4, 4).weight.numpy(), a)


# ---------------------------------------------------------------------- activation modules
ACTIVATION_MODULES = [
    (nn.ReLU(), torch.nn.ReLU(), [0.0]),
    (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2), [0.0]),
    (nn.Sigmoid(), torch.nn.Sigmoid(), []),
    (nn.Tanh(), torch.nn.Tanh(), []),
    (nn.GELU(), torch.nn.GELU(), []),
    (nn.GELU(approximate="tanh"), torch.nn.GELU(approximate="tanh"), []),
    (nn.Softplus(beta=2.0, threshold=3.0), torch.nn.Softplus(beta=2.0, threshold=3.0), [1.5]),
    (nn.ELU(alpha=0.7), torch.nn.ELU(alpha=0.7), [0.0]),
    (nn.SELU(), torch.nn.SELU(), [0.0]),
    (nn.Softmax(dim=1), torch.nn.Softmax(dim=1), []),
    (nn.Softmax(dim=0), torch.nn.Softmax(dim=0), []),
    (nn.LogSoftmax(dim=1), torch.nn.LogSoftmax(dim=1), []),
    (nn.Identity(), torch.nn.Identity(), []),
    (nn.Flatten(0), torch.nn.Flatten(0), []),
    (nn.Sign(), torch.sign, [0.0]),
    (nn.Step(), lambda a: a * 0 + (a > 0).to(a.dtype), [0.0]),
]


@pytest.mark.parametrize(
    "mine,ref,kinks", ACTIVATION_MODULES, ids=[type(m[0]).__name__ for m in ACTIVATION_MODULES]
)
def test_activation_modules_equal_torch(mine, ref, kinks):
    check_op(mine, ref, [(4, 3)], kinks=kinks, gap=0.1)


def test_summary_lists_layers_output_shapes_and_parameter_counts():
    """Keras-style summary: the counts equal torch's numel of each layer, the output shapes
    equal a forward pass of torch's identical network."""
    mine = rb.nn.Sequential(
        rb.nn.Conv2d(1, 2, 3), rb.nn.ReLU(), rb.nn.Flatten(), rb.nn.Linear(2 * 6 * 6, 5)
    )
    ref = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(72, 5)
    )
    mine[3].weight.requires_grad_(False)
    table = mine.summary((4, 1, 8, 8), print_fn=None)
    x = torch.zeros(4, 1, 8, 8)
    for i, layer in enumerate(ref):
        x = layer(x)
        row = next(line for line in table.splitlines() if line.startswith(f"{i} ("))
        assert str(list(x.shape)) in row
        assert row.rstrip().endswith(f"{sum(p.numel() for p in layer.parameters()):,}")
    total = sum(p.numel() for p in ref.parameters())
    assert f"Total params: {total:,}" in table
    assert f"Trainable params: {total - 72 * 5:,}" in table
    assert f"Non-trainable params: {72 * 5:,}" in table
    assert "?" in rb.nn.Linear(2, 3).summary(print_fn=None)  # no input: shapes unknown
