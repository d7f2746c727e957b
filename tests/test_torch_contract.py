"""The torch 2.13 Tensor contract (issue 9): in-place ops and their rules, version counters,
``.data``/``.grad`` as Tensors, torch's reductions, devices and dtypes, the function
namespace, torch-style autograd Functions, hooks, graph inspection and double backward.
Every check runs the same code on torch (the oracle) and on rosenblatt."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import rosenblatt as rb

A = np.array([[0.5, -1.5, 2.0], [1.0, 0.25, -3.0]])


def both(a=A, dtype="float64", requires_grad=False):
    x = rb.tensor(a, dtype=dtype, requires_grad=requires_grad)
    t = torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=requires_grad)
    return x, t


def same(mine, ref, rtol=1e-12, atol=0.0):
    ref = ref.detach().numpy() if isinstance(ref, torch.Tensor) else np.asarray(ref)
    np.testing.assert_allclose(np.asarray(mine), ref, rtol=rtol, atol=atol)
    assert np.asarray(mine).shape == ref.shape


# ---------------------------------------------------------------------- in place
INPLACE = [
    lambda x: x.add_(2.0),
    lambda x: x.add_(x * 2, alpha=0.5),
    lambda x: x.sub_(1.5, alpha=2),
    lambda x: x.mul_(3.0),
    lambda x: x.div_(4.0),
    lambda x: x.pow_(2),
    lambda x: x.neg_(),
    lambda x: x.clamp_(-1.0, 1.0),
    lambda x: x.clamp_(min=0.0),
    lambda x: x.zero_(),
    lambda x: x.fill_(7.0),
    lambda x: x.copy_(x * 0 + 3),
    lambda x: x.abs_(),
    lambda x: x.exp_(),
    lambda x: x.addcmul_(x, x, value=0.5),
    lambda x: x.addcdiv_(x, x + 10, value=2.0),
    lambda x: x.masked_fill_(x > 0, -1.0),
    lambda x: x.relu_(),
    lambda x: x.sigmoid_(),
    lambda x: x.tanh_(),
    lambda x: x.lerp_(x * 0 + 1, 0.25),
]


@pytest.mark.parametrize("op", INPLACE, ids=range(len(INPLACE)))
def test_inplace_ops_change_the_memory_and_return_self(op):
    x, t = both()
    arr = x.numpy()
    out, tout = op(x), op(t)
    assert out is x and tout is t
    same(x, t)
    assert x.numpy() is arr  # the same memory, changed in place


def test_augmented_assignment_is_in_place_and_the_manual_update_trains():
    """The everyday loop ``with no_grad(): p -= lr * p.grad`` (it was a silent no-op)."""
    x, t = both(requires_grad=True)
    for lib, w in (("rb", x), ("torch", t)):
        mod = rb if lib == "rb" else torch
        for _ in range(3):
            loss = (w * w).sum()
            loss.backward()
            with mod.no_grad():
                w -= 0.1 * w.grad
                w *= 1.0
                w += 0.0
                w /= 1.0
            w.grad.zero_()
    same(x, t)
    same(x.grad, t.grad)
    np.testing.assert_allclose(x.numpy(), A * 0.8**3, rtol=1e-12)  # w -= 0.1 * 2w


def test_inplace_on_a_leaf_that_requires_grad_raises_as_torch():
    x, t = both(requires_grad=True)
    for w in (x, t):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            w += 1
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            w.zero_()
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            w[0, 0] = 5.0


def test_int_tensor_cannot_take_a_float_in_place():
    for lib in (rb, torch):
        i = lib.tensor([1, 2])
        with pytest.raises(RuntimeError, match="can't be cast"):
            i += 1.5


def test_saved_tensor_modified_in_place_raises_at_backward():
    for lib in (rb, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()  # exp saves its output
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        h = w * 1.0
        z = h * w  # mul saves its inputs
        h.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()


def test_inplace_on_an_intermediate_is_recorded_as_torch():
    """y = x*2; y.mul_(y); y.add_(w): the graph is rebased onto the in-place ops."""
    grads = []
    for lib in (rb, torch):
        x = lib.tensor([1.0, -2.0, 3.0], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([0.5, 0.5, 2.0], dtype=lib.float64, requires_grad=True)
        y = x * 2
        y.add_(w, alpha=3)
        y.sub_(1)
        y.clamp_(-5, 5)
        h = y + 0  # add saves nothing: y's later changes do not matter to it
        y[0] = w[1] * 4
        (y.sum() + h.sum()).backward()
        grads.append((y.detach().numpy().copy(), x.grad.numpy(), w.grad.numpy()))
    for mine, ref in zip(*grads):
        np.testing.assert_allclose(mine, ref, rtol=1e-12)


def test_dot_data_is_a_detached_tensor_sharing_memory_and_untracked():
    x, t = both(requires_grad=True)
    for w in (x, t):
        d = w.data
        assert type(d) is type(w) and not d.requires_grad and d.grad_fn is None
        y = w.exp()
        d.add_(1.0)  # neither the leaf rule nor the version counter sees .data
        y.sum().backward()
    same(x, t)
    same(x.grad, t.grad)
    x.data = rb.zeros(2, 3, dtype="float64")  # .data = replaces the values, as torch
    assert x.numpy().sum() == 0 and x.requires_grad


def test_grad_is_a_tensor_with_torch_methods():
    x, t = both(requires_grad=True)
    (x**2).sum().backward()
    (t**2).sum().backward()
    assert isinstance(x.grad, rb.Tensor)
    same(x.grad.norm(), t.grad.norm())
    assert repr(x.grad).startswith("tensor(") and "dtype=float64" in repr(x.grad)
    x.grad.zero_()
    assert x.grad.numpy().sum() == 0
    x.grad = None
    assert x.grad is None
    with pytest.raises(TypeError, match="Tensor or None"):
        x.grad = np.zeros((2, 3))
    with pytest.raises(RuntimeError, match="different size"):
        x.grad = rb.zeros(3, dtype="float64")


def test_backward_accumulates_into_the_same_grad_tensor_as_torch():
    x, t = both(requires_grad=True)
    (x * 2).sum().backward()
    (t * 2).sum().backward()
    g, tg = x.grad, t.grad
    (x * 3).sum().backward()
    (t * 3).sum().backward()
    assert x.grad is g and t.grad is tg  # accumulated in place
    same(g, tg)


def test_numpy_and_asarray_share_memory():
    x = rb.randn(3, 4)
    assert np.asarray(x) is x.numpy()
    np.asarray(x)[0, 0] = 42.0
    assert x[0, 0].item() == 42.0
    a = np.arange(3.0)
    f = rb.from_numpy(a)
    a[1] = 9.0
    assert f.tolist() == [0.0, 9.0, 2.0] and f.dtype == np.float64


def test_numpy_ufuncs_on_tensors_give_recorded_tensors():
    x, t = both(requires_grad=True)
    y = np.exp(x) * np.sin(x)
    assert isinstance(y, rb.Tensor) and y.requires_grad
    y.sum().backward()
    (t.exp() * t.sin()).sum().backward()
    same(x.grad, t.grad)


# ---------------------------------------------------------------------- reductions
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.sum(1),
        lambda m, x: x.sum(dim=0, keepdim=True),
        lambda m, x: x.sum((0, 1)),
        lambda m, x: x.mean(-1, True),
        lambda m, x: x.std(0),
        lambda m, x: x.var(1, unbiased=False),
        lambda m, x: x.std(),
        lambda m, x: x.max(),
        lambda m, x: x.max(1)[0],
        lambda m, x: x.max(1, keepdim=True).values,
        lambda m, x: x.max(0).indices,
        lambda m, x: x.min(1)[1],
        lambda m, x: m.max(x, 1)[1],
        lambda m, x: x.argmax(1),
        lambda m, x: x.argmin(0, keepdim=True),
        lambda m, x: x.argmax(),
        lambda m, x: x.amax((0, 1)),
        lambda m, x: x.norm(),
        lambda m, x: x.norm(dim=1),
        lambda m, x: x.norm(1),
        lambda m, x: m.max(x, x * 0),
        lambda m, x: x.prod(1),
        lambda m, x: x.cumsum(1),
        lambda m, x: (x > 0).sum(),
        lambda m, x: m.sum(x, 0),
        lambda m, x: m.mean(x),
    ],
    ids=range(26),
)
def test_reductions_have_torch_signatures(fn):
    x, t = both()
    mine, ref = fn(rb, x), fn(torch, t)
    same(mine, ref)
    assert np.asarray(mine).dtype == ref.numpy().dtype


def test_numpy_axis_keepdims_still_accepted():
    x, t = both()
    same(x.sum(axis=1, keepdims=True), t.sum(1, keepdim=True))
    same(x.mean(axis=(0, 1)), t.mean((0, 1)))


# ---------------------------------------------------------------------- devices and dtypes
def test_devices():
    x = rb.ones(2)
    assert x.device == rb.device("cpu") == "cpu" and x.device.type == "cpu"
    assert str(rb.device("cuda:1")) == "cuda:1" and rb.device("cuda", 0).index == 0
    assert x.to("cpu") is x and x.cpu() is x and x.to(rb.device("cpu")) is x
    assert rb.cuda.is_available() is False and rb.backends.mps.is_available() is False
    device = "cuda" if rb.cuda.is_available() else "cpu"
    assert x.to(device) is x
    for bad in (lambda: x.cuda(), lambda: x.to("cuda"), lambda: rb.zeros(2, device="cuda")):
        with pytest.raises(RuntimeError, match="cuda.*not available"):
            bad()
    with pytest.raises(RuntimeError, match="device type"):
        rb.device("tpu")
    model = rb.nn.Linear(2, 2).to(device)
    assert model.weight.device == "cpu"


def test_dtypes_are_numpy_and_aliases_match_torch():
    pairs = [
        (rb.float, torch.float),
        (rb.float32, torch.float32),
        (rb.double, torch.double),
        (rb.float64, torch.float64),
        (rb.long, torch.long),
        (rb.int64, torch.int64),
        (rb.int32, torch.int32),
        (rb.bool, torch.bool),
        (rb.uint8, torch.uint8),
        (rb.half, torch.half),
    ]
    for mine, ref in pairs:
        assert rb.zeros(2, dtype=mine).dtype == torch.zeros(2, dtype=ref).numpy().dtype
    assert rb.float32 is np.float32 and rb.ones(1).dtype == np.float32
    x, t = rb.tensor([1.7, -2.2]), torch.tensor([1.7, -2.2])
    for conv in ("long", "int", "double", "float", "bool", "half"):
        same(getattr(x, conv)(), getattr(t, conv)())
        assert getattr(x, conv)().dtype == getattr(t, conv)().numpy().dtype
    same(x.to(rb.int64), t.to(torch.int64))
    same(x.to(rb.zeros(1, dtype=rb.float64)), t.to(torch.zeros(1, dtype=torch.float64)))
    same(x.to("cpu", rb.float64), t.to("cpu", torch.float64))
    assert x.type() == t.type() == "torch.FloatTensor" and x.long().type() == "torch.LongTensor"
    same(x.type(rb.LongTensor), t.type(torch.LongTensor))
    same(rb.FloatTensor([1, 2]), torch.FloatTensor([1, 2]))
    same(rb.LongTensor([3, 4]), torch.LongTensor([3, 4]))
    same(rb.Tensor([1, 2]), torch.Tensor([1, 2]))  # float32 whatever the input
    assert rb.Tensor(np.array([1, 2])).dtype == np.float32
    assert rb.Tensor(2, 3).shape == torch.Tensor(2, 3).shape
    v = rb.autograd.Variable(rb.ones(2), requires_grad=True)
    assert isinstance(v, rb.Tensor) and v.requires_grad


# ---------------------------------------------------------------------- functions, methods
FUNCTIONS = [
    ("sin", lambda m, x: m.sin(x)),
    ("cos", lambda m, x: m.cos(x)),
    ("exp", lambda m, x: m.exp(x)),
    ("log", lambda m, x: m.log(m.abs(x))),
    ("sqrt", lambda m, x: m.sqrt(m.abs(x))),
    ("pow", lambda m, x: m.pow(x, 2)),
    ("abs", lambda m, x: m.abs(x)),
    ("clamp", lambda m, x: m.clamp(x, -1, 1)),
    ("where", lambda m, x: m.where(x > 0, x, x * 3)),
    ("matmul", lambda m, x: m.matmul(x, x.T)),
    ("mm", lambda m, x: m.mm(x, x.t())),
    ("bmm", lambda m, x: m.bmm(x.unsqueeze(0), x.T.unsqueeze(0))),
    ("mul", lambda m, x: m.mul(x, 3)),
    ("div", lambda m, x: m.div(x, 3)),
    ("add", lambda m, x: m.add(x, x, alpha=2)),
    ("sub", lambda m, x: m.sub(x, 1)),
    ("eq", lambda m, x: m.eq(x, x)),
    ("ne", lambda m, x: m.ne(x, 0.5)),
    ("lt", lambda m, x: m.lt(x, 0)),
    ("le", lambda m, x: m.le(x, 0.5)),
    ("gt", lambda m, x: m.gt(x, 0)),
    ("ge", lambda m, x: m.ge(x, 1)),
    ("flatten", lambda m, x: m.flatten(x)),
    ("reshape", lambda m, x: m.reshape(x, (3, 2))),
    ("squeeze", lambda m, x: m.squeeze(x.unsqueeze(1), 1)),
    ("unsqueeze", lambda m, x: m.unsqueeze(x, -1)),
    ("cat", lambda m, x: m.cat([x, x], dim=1)),
    ("stack", lambda m, x: m.stack([x, x], 1)),
    ("split", lambda m, x: m.split(x, 2, dim=1)[1]),
    ("chunk", lambda m, x: m.chunk(x, 2, dim=1)[0]),
    ("transpose", lambda m, x: m.transpose(x, 0, 1)),
    ("permute", lambda m, x: m.permute(x, (1, 0))),
    ("sum", lambda m, x: m.sum(x, dim=1)),
    ("mean", lambda m, x: m.mean(x, 0)),
    ("max", lambda m, x: m.max(x)),
    ("min", lambda m, x: m.min(x, 0)[0]),
    ("argmax", lambda m, x: m.argmax(x, dim=1)),
    ("sigmoid", lambda m, x: m.sigmoid(x)),
    ("tanh", lambda m, x: m.tanh(x)),
    ("relu", lambda m, x: m.relu(x)),
    ("softmax", lambda m, x: m.softmax(x, dim=1)),
    ("log_softmax", lambda m, x: m.log_softmax(x, 1)),
    ("gather", lambda m, x: m.gather(x, 1, m.tensor([[0, 2], [1, 1]]))),
    ("maximum", lambda m, x: m.maximum(x, x * -1)),
    ("zeros_like", lambda m, x: m.zeros_like(x)),
    ("ones_like", lambda m, x: m.ones_like(x)),
    ("full_like", lambda m, x: m.full_like(x, 3.0)),
    ("full", lambda m, x: m.full((2, 2), 1.5)),
    ("full-int", lambda m, x: m.full((2,), 3)),
    ("eye", lambda m, x: m.eye(3)),
    ("zeros-size", lambda m, x: m.zeros(size=(2, 3), dtype=m.float64)),
    ("linspace", lambda m, x: m.linspace(0, 1, steps=5)),
    ("arange", lambda m, x: m.arange(0, 2, 0.5)),
    ("empty-shape", lambda m, x: m.empty(2, 3).shape),
    ("from_numpy", lambda m, x: m.from_numpy(np.arange(4))),
    ("numel", lambda m, x: m.numel(x)),
    ("as_tensor", lambda m, x: m.as_tensor([1, 2])),
    ("is_tensor", lambda m, x: m.is_tensor(x)),
    ("t", lambda m, x: m.t(x)),
    ("narrow", lambda m, x: m.narrow(x, 1, 1, 2)),
    ("repeat", lambda m, x: x.repeat(2, 1, 2)),
    ("expand", lambda m, x: x[:, :1].expand(-1, 4)),
    ("view_as", lambda m, x: x.view(-1).view_as(x)),
    ("new_zeros", lambda m, x: x.new_zeros(2, 2)),
    ("new_ones", lambda m, x: x.new_ones((3,))),
    ("new_tensor", lambda m, x: x.new_tensor([1.0, 2.0])),
    ("contiguous", lambda m, x: x.contiguous()),
    ("clone", lambda m, x: x.clone()),
    ("std", lambda m, x: x.std(1)),
    ("var", lambda m, x: x.var()),
    ("norm", lambda m, x: x.norm(2, dim=0)),
    ("size", lambda m, x: x.size(1)),
    ("dim", lambda m, x: x.dim()),
    ("item", lambda m, x: x[0, 1].item()),
    ("tolist", lambda m, x: x.tolist()),
    ("index", lambda m, x: [10, 20, 30][m.tensor(2)]),
    ("sort", lambda m, x: m.sort(x, dim=1, descending=True)[0]),
    ("topk", lambda m, x: m.topk(x, 2, dim=1).indices),
    ("floordiv", lambda m, x: m.arange(7) // 2),
    ("one_hot-eq", lambda m, x: (m.arange(3) == m.tensor([[0], [2]])).long()),
    ("masked_fill", lambda m, x: x.masked_fill(x < 0, 0.0)),
    ("unbind", lambda m, x: m.unbind(x, 1)[2]),
    ("flip", lambda m, x: m.flip(x, [1])),
    ("index_select", lambda m, x: m.index_select(x, 1, m.tensor([2, 0]))),
]


@pytest.mark.parametrize("fn", [f for _, f in FUNCTIONS], ids=[n for n, _ in FUNCTIONS])
def test_function_namespace_and_methods_equal_torch(fn):
    x, t = both()
    mine, ref = fn(rb, x), fn(torch, t)
    if isinstance(ref, (int, float, bool, list, tuple)) and not isinstance(ref, torch.Size):
        assert mine == ref
        return
    if isinstance(ref, torch.Size):
        assert tuple(mine) == tuple(ref)
        return
    same(mine, ref)
    assert np.asarray(mine).dtype == ref.numpy().dtype, (np.asarray(mine).dtype, ref.dtype)


def test_random_factories_are_seeded_and_shaped():
    rb.manual_seed(3)
    a = (rb.randn(2, 3), rb.rand(4), rb.randint(0, 5, (6,)), rb.randperm(5), rb.normal(0, 1, (3,)))
    rb.manual_seed(3)
    b = (rb.randn(2, 3), rb.rand(4), rb.randint(0, 5, (6,)), rb.randperm(5), rb.normal(0, 1, (3,)))
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u.numpy(), v.numpy())
    assert sorted(a[3].tolist()) == list(range(5)) and a[3].dtype == np.int64
    assert rb.randint(3, (2, 2)).shape == (2, 2)
    assert rb.randn_like(a[0]).shape == (2, 3) and rb.rand(size=(2,)).shape == (2,)
    w = rb.empty(1000).uniform_(-2, 3)
    assert -2 <= w.numpy().min() and w.numpy().max() < 3
    n = rb.empty(20000, dtype=rb.float64).normal_(1.0, 0.5)
    assert abs(n.mean().item() - 1.0) < 0.02 and abs(n.std().item() - 0.5) < 0.02
    m = rb.normal(rb.zeros(3), rb.ones(3))
    assert m.shape == (3,)


# ---------------------------------------------------------------------- autograd
def test_torch_style_custom_function():
    def define(lib):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, scale):
                ctx.save_for_backward(x)
                ctx.scale = scale
                return x.pow(3) * scale

            @staticmethod
            def backward(ctx, grad_output):
                (x,) = ctx.saved_tensors
                assert ctx.needs_input_grad == (True, False)
                return grad_output * 3 * x.pow(2) * ctx.scale, None

        return Cube

    x, t = both(requires_grad=True)
    y, ty = define(rb).apply(x, 2.0), define(torch).apply(t, 2.0)
    same(y, ty)
    assert y.grad_fn is not None
    (y.sin().sum()).backward()
    (ty.sin().sum()).backward()
    same(x.grad, t.grad)


def test_backward_with_gradient_argument_and_next_functions():
    x, t = both(requires_grad=True)
    v = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]])
    (x * x).backward(rb.tensor(v))
    (t * t).backward(torch.tensor(v))
    same(x.grad, t.grad)
    y, ty = (x * 2).sum(), (t * 2).sum()
    ((node, _),) = y.grad_fn.next_functions
    ((tnode, _),) = ty.grad_fn.next_functions
    assert node.name() == tnode.name() == "MulBackward0"
    leaf, tleaf = node.next_functions[0][0], tnode.next_functions[0][0]
    assert leaf.name() == tleaf.name() and leaf.variable is x
    assert [n is None for n, _ in node.next_functions] == [
        n is None for n, _ in tnode.next_functions
    ]


def test_register_hook_sees_and_replaces_the_gradient():
    seen = []
    for lib in (rb, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 3
        h.register_hook(lambda g, seen=seen: seen.append(g.tolist()) or g * 10)
        (h * h).sum().backward()
        seen.append(x.grad.tolist())
    assert seen[:2] == seen[2:]


@pytest.mark.parametrize(
    "f",
    [
        lambda m, x: (x.tanh() * x.sigmoid()).sum() + (x**3).sum(),
        lambda m, x: (x.exp() / (1 + x * x)).sum() + m.sin(x).sum() * m.cos(x).sum(),
        lambda m, x: m.relu(x).pow(2).sum() + (x.abs() + 1).log().sum() + (x * x + 1).sqrt().mean(),
        lambda m, x: (x @ x.T).sum() + x.max() ** 2 + x[0].sum() * x[:, 1].sum(),
        lambda m, x: m.where(x > 0, x * x, -x).sum() + x.reshape(-1).permute(0).sum() ** 2,
    ],
    ids=range(5),
)
def test_hessian_vector_products_equal_torch(f):
    x, t = both(requires_grad=True)
    v = np.array([[1.0, 0.5, -1.0], [2.0, -0.3, 0.7]])
    (g,) = rb.autograd.grad(f(rb, x), x, create_graph=True)
    (hv,) = rb.autograd.grad((g * rb.tensor(v)).sum(), x)
    (tg,) = torch.autograd.grad(f(torch, t), t, create_graph=True)
    (thv,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), t)
    same(g, tg, rtol=1e-12, atol=1e-12)
    same(hv, thv, rtol=1e-10, atol=1e-12)


def test_gradient_penalty_through_an_mlp_equals_torch():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    nets = []
    for lib in (rb, torch):
        net = lib.nn.Sequential(
            lib.nn.Linear(3, 5),
            lib.nn.Tanh(),
            lib.nn.Linear(5, 4),
            lib.nn.Sigmoid(),
            lib.nn.Linear(4, 2),
        ).double()
        nets.append(net)
    with torch.no_grad():
        for p, q in zip(nets[0].parameters(), nets[1].parameters()):
            q.copy_(torch.tensor(p.numpy()))
    grads = []
    for lib, net in zip((rb, torch), nets):
        x = lib.tensor(X, requires_grad=True)
        loss = lib.nn.functional.mse_loss(net(x), lib.tensor(Y))
        (gx,) = lib.autograd.grad(loss, x, create_graph=True)
        penalty = ((gx.norm(2, dim=1) - 1) ** 2).mean()
        (loss + 10 * penalty).backward()
        grads.append([p.grad.numpy().copy() for p in net.parameters()])
    for mine, ref in zip(*grads):
        np.testing.assert_allclose(mine, ref, rtol=1e-9, atol=1e-12)


def test_unused_input_and_unsupported_double_backward_are_clear_errors():
    x = rb.tensor([1.0], requires_grad=True)
    y = rb.tensor([2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused"):
        rb.autograd.grad((x * 2).sum(), [x, y])
    gx, gy = rb.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)
    assert gy is None and gx.tolist() == [2.0]
    z = rb.tensor(np.ones((1, 1, 4, 4)), requires_grad=True)
    out = rb.nn.functional.max_pool2d(z, 2).sum()
    with pytest.raises(RuntimeError, match="double backward"):
        rb.autograd.grad(out, z, create_graph=True)


def test_index_with_a_0d_integer_tensor():
    x = rb.arange(5)
    assert x[rb.tensor(3)].item() == 3 and list(range(10))[rb.tensor(4)] == 4
    with pytest.raises(TypeError):
        [1, 2][rb.tensor(1.0)]


def test_iterating_and_formatting_like_torch():
    x, t = both()
    assert [r.tolist() for r in x] == [r.tolist() for r in t]
    assert f"{x.sum():.3f}" == f"{t.sum():.3f}"
    assert repr(rb.tensor([0.8, 1.6], requires_grad=True)) == repr(
        torch.tensor([0.8, 1.6], requires_grad=True)
    )
    assert repr(rb.tensor([[1e-5, 3.0]])) == repr(torch.tensor([[1e-5, 3.0]]))


def test_forward_hooks_collect_and_replace_activations_as_torch():
    got = []
    for lib in (rb, torch):
        net = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))
        with lib.no_grad():
            for p in net.parameters():
                p.copy_(lib.tensor(np.linspace(-1, 1, p.numel()).reshape(p.shape)))
        seen = {}
        h1 = net[1].register_forward_hook(lambda m, a, out: seen.setdefault("relu", out.detach()))
        h2 = net[2].register_forward_pre_hook(lambda m, a: (a[0] * 2,))
        h3 = net[2].register_forward_hook(lambda m, a, out: out + 1)
        x = lib.tensor(A[:, :3], dtype=lib.float32)
        y1 = net(x)
        for h in (h1, h2, h3):
            h.remove()
        y2 = net(x)
        got.append((seen["relu"].numpy(), y1.detach().numpy(), y2.detach().numpy()))
    for mine, ref in zip(*got):
        np.testing.assert_allclose(mine, ref, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("w0", [0.0, 0.3])
@pytest.mark.parametrize("pos_weight", [None, 2.0])
def test_hessian_of_bce_with_logits_equals_torch_at_zero_logits(w0, pos_weight):
    """Newton starts logistic regression at w = 0, where every logit is exactly 0: the
    double backward must differentiate sigmoid there (the overflow-free form has a kink in
    |x| at 0, whose derivative 0 once gave H = 0)."""
    rng = np.random.default_rng(0)
    X, t = rng.standard_normal((6, 3)), (rng.random(6) > 0.5).astype(float)
    pw = {} if pos_weight is None else {"pos_weight": pos_weight}
    W = rb.tensor(np.full(3, w0), requires_grad=True)
    loss = rb.nn.functional.binary_cross_entropy_with_logits(
        rb.tensor(X) @ W, rb.tensor(t), **{k: rb.tensor(v) for k, v in pw.items()}
    )
    _, H = rb.autograd.hessian(loss, [W])

    def f(w):
        kw = {k: torch.tensor(v, dtype=torch.float64) for k, v in pw.items()}
        return torch.nn.functional.binary_cross_entropy_with_logits(
            torch.tensor(X) @ w, torch.tensor(t), **kw
        )

    want = torch.autograd.functional.hessian(f, torch.full((3,), w0, dtype=torch.float64))
    np.testing.assert_allclose(H, want.numpy(), rtol=1e-12, atol=1e-14)
