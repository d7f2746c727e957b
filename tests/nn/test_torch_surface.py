"""The torch.nn surface real programs use, against torch 2.13 with shared weights: Embedding,
adaptive pooling, the containers, Module traversal/state/dtype/device, print(model),
nn.utils (clipping, parameter vectors) and F.one_hot / F.pad / F.embedding."""

from __future__ import annotations

import re
from collections import OrderedDict

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import rosenblatt as rb
import rosenblatt.nn.functional as F
from rosenblatt import nn

RNG = np.random.default_rng(20240613)


def arr(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


def pair(shape, dtype=np.float64, lo=None):
    """The same random values as a rosenblatt and a torch leaf that require grad."""
    x = RNG.standard_normal(shape).astype(dtype)
    return rb.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


def copy_weights(mine, ref):
    """torch's weights into ours (same keys)."""
    mine.load_state_dict({k: v.detach().clone() for k, v in ref.state_dict().items()})


def error_of(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001  (the test compares the error itself)
        return type(e), str(e)
    return None, None


# ---------------------------------------------------------------------- Embedding
@pytest.mark.parametrize("padding_idx", [None, 0, 3, -1])
@pytest.mark.parametrize("shape", [(7,), (3, 5), ()])
def test_embedding_forward_and_weight_gradient_equal_torch(padding_idx, shape):
    ref = torch.nn.Embedding(6, 4, padding_idx=padding_idx, dtype=torch.float64)
    mine = nn.Embedding(6, 4, padding_idx=padding_idx, dtype=np.float64)
    copy_weights(mine, ref)
    idx = RNG.integers(0, 6, shape)
    idx.flat[:2] = [3, 3] if idx.size >= 2 else idx.flat[:2]  # a repeated id adds up
    y, ty = mine(rb.tensor(idx)), ref(torch.tensor(idx))
    assert y.shape == tuple(ty.shape) and y.dtype == np.float64
    np.testing.assert_allclose(arr(y), arr(ty), rtol=0, atol=0)
    w = RNG.standard_normal(tuple(ty.shape))
    (y * rb.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(arr(mine.weight.grad), arr(ref.weight.grad), atol=1e-12)
    if padding_idx is not None:
        assert not arr(mine.weight.grad)[padding_idx].any()


def test_embedding_initialisation_and_padding_row():
    rb.manual_seed(0)
    e = nn.Embedding(2000, 50, padding_idx=-2)
    assert e.padding_idx == 1998 == torch.nn.Embedding(2000, 50, padding_idx=-2).padding_idx
    w = arr(e.weight)
    assert w.dtype == np.float32 and not w[1998].any()
    rest = np.delete(w, 1998, axis=0)
    assert abs(rest.mean()) < 0.01 and abs(rest.std() - 1) < 0.01  # N(0, 1)
    assert isinstance(e.weight, nn.Parameter) and list(e.state_dict()) == ["weight"]


def test_embedding_errors_equal_torch():
    mine, ref = nn.Embedding(5, 2, padding_idx=0), torch.nn.Embedding(5, 2, padding_idx=0)
    for bad in ([5], [-1]):
        assert error_of(lambda: mine(rb.tensor(bad))) == error_of(lambda: ref(torch.tensor(bad)))
    kind, msg = error_of(lambda: mine(rb.tensor([1.0])))
    tkind, tmsg = error_of(lambda: ref(torch.tensor([1.0])))
    assert kind is tkind is RuntimeError and msg == tmsg
    for pad in (5, -6):
        assert error_of(lambda: nn.Embedding(5, 2, padding_idx=pad)) == error_of(
            lambda: torch.nn.Embedding(5, 2, padding_idx=pad)
        )
    with pytest.raises(NotImplementedError, match="max_norm"):
        nn.Embedding(5, 2, max_norm=1.0)
    assert mine(rb.tensor(np.array([1, 2], np.int32))).shape == (2, 2)  # Int is accepted


def test_embedding_from_pretrained_and_functional():
    table = RNG.standard_normal((4, 3))
    mine = nn.Embedding.from_pretrained(rb.tensor(table), padding_idx=1)
    ref = torch.nn.Embedding.from_pretrained(torch.tensor(table), padding_idx=1)
    assert not mine.weight.requires_grad and not ref.weight.requires_grad
    np.testing.assert_array_equal(arr(mine.weight), table)  # the padding row is kept
    assert repr(mine) == repr(ref)
    trainable = nn.Embedding.from_pretrained(rb.tensor(table), freeze=False)
    assert trainable.weight.requires_grad
    w, tw = pair((5, 3))
    idx = np.array([[0, 4], [4, 2]])
    y, ty = (
        F.embedding(rb.tensor(idx), w, padding_idx=4),
        TF.embedding(torch.tensor(idx), tw, padding_idx=4),
    )
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_array_equal(arr(y), arr(ty))
    np.testing.assert_array_equal(arr(w.grad), arr(tw.grad))


def test_embedding_trains_like_torch_with_sgd():
    ref = torch.nn.Sequential(torch.nn.Embedding(10, 4, padding_idx=0), torch.nn.Flatten(),
                              torch.nn.Linear(12, 2))  # fmt: skip
    mine = nn.Sequential(nn.Embedding(10, 4, padding_idx=0), nn.Flatten(), nn.Linear(12, 2))
    copy_weights(mine, ref)
    tokens = RNG.integers(0, 10, (16, 3))
    labels = RNG.integers(0, 2, 16)
    opt, topt = rb.optim.SGD(mine.parameters(), lr=0.5), torch.optim.SGD(ref.parameters(), lr=0.5)
    for _ in range(5):
        opt.zero_grad()
        topt.zero_grad()
        F.cross_entropy(mine(rb.tensor(tokens)), rb.tensor(labels)).backward()
        TF.cross_entropy(ref(torch.tensor(tokens)), torch.tensor(labels)).backward()
        opt.step()
        topt.step()
    np.testing.assert_allclose(arr(mine[0].weight), arr(ref[0].weight), rtol=1e-5, atol=1e-6)
    assert not arr(mine[0].weight)[0].any()


# ---------------------------------------------------------------------- adaptive pooling
ADAPTIVE_CASES = [
    ((2, 3, 8, 8), (1, 1)),
    ((2, 3, 8, 8), 2),
    ((2, 3, 7, 9), (3, 4)),
    ((1, 2, 5, 7), (None, 3)),
    ((1, 2, 5, 7), (2, None)),
    ((1, 1, 3, 4), 5),  # larger than the input: overlapping windows of one or two pixels
    ((3, 6, 10), (4, 3)),  # unbatched (C, H, W)
]


@pytest.mark.parametrize("shape, size", ADAPTIVE_CASES)
def test_adaptive_avg_pool2d_equals_torch(shape, size):
    x, tx = pair(shape)
    y, ty = nn.AdaptiveAvgPool2d(size)(x), torch.nn.AdaptiveAvgPool2d(size)(tx)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(arr(y), arr(ty), rtol=1e-12, atol=1e-12)
    w = RNG.standard_normal(tuple(ty.shape))
    (y * rb.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(arr(x.grad), arr(tx.grad), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape, size", ADAPTIVE_CASES)
def test_adaptive_max_pool2d_equals_torch(shape, size):
    x, tx = pair(shape)
    y, ty = nn.AdaptiveMaxPool2d(size)(x), torch.nn.AdaptiveMaxPool2d(size)(tx)
    np.testing.assert_array_equal(arr(y), arr(ty))
    w = RNG.standard_normal(tuple(ty.shape))
    (y * rb.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(arr(x.grad), arr(tx.grad), rtol=1e-12, atol=1e-12)
    (v, i), (tv, ti) = (
        F.adaptive_max_pool2d(x, size, return_indices=True),
        TF.adaptive_max_pool2d(tx, size, return_indices=True),
    )
    np.testing.assert_array_equal(arr(v), arr(tv))
    np.testing.assert_array_equal(arr(i), arr(ti))
    assert i.dtype == np.int64
    with rb.no_grad():
        np.testing.assert_array_equal(arr(F.adaptive_max_pool2d(x, size, True)[1]), arr(ti))


def test_adaptive_pooling_float32_and_errors():
    x = RNG.standard_normal((2, 3, 7, 5)).astype(np.float32)
    y = F.adaptive_avg_pool2d(rb.tensor(x), (3, 2))
    assert y.dtype == np.float32
    np.testing.assert_allclose(
        arr(y), arr(TF.adaptive_avg_pool2d(torch.tensor(x), (3, 2))), rtol=1e-6, atol=1e-6
    )
    for size in (-1, (2,), (2, 3, 4)):
        kind, msg = error_of(lambda: F.adaptive_avg_pool2d(rb.tensor(x), size))
        tkind, tmsg = error_of(lambda: TF.adaptive_avg_pool2d(torch.tensor(x), size))
        assert kind is tkind is RuntimeError
        assert msg.split(":")[1].split(" but")[0] == tmsg.split(":")[1].split(" but")[0]
    with pytest.raises(NotImplementedError):
        F.adaptive_avg_pool2d(rb.tensor(np.zeros((1, 1, 4, 4), np.int64)), 2)
    assert F.adaptive_avg_pool2d(rb.tensor(x), (0, 2)).shape == (2, 3, 0, 2)  # as torch
    with pytest.raises(ValueError, match="4-D"):
        F.adaptive_avg_pool2d(rb.zeros(4, 4), 2)


def test_adaptive_pool_after_convolutions_of_any_input_size():
    ref = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3), torch.nn.ReLU(),
                              torch.nn.AdaptiveAvgPool2d((2, 2)), torch.nn.Flatten(),
                              torch.nn.Linear(12, 2))  # fmt: skip
    mine = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.AdaptiveAvgPool2d((2, 2)),
                         nn.Flatten(), nn.Linear(12, 2))  # fmt: skip
    copy_weights(mine, ref)
    for size in (6, 9, 13):
        x = RNG.standard_normal((2, 1, size, size)).astype(np.float32)
        np.testing.assert_allclose(
            arr(mine(rb.tensor(x))), arr(ref(torch.tensor(x))), rtol=1e-5, atol=1e-5
        )


# ---------------------------------------------------------------------- containers
def both(build):
    """Run ``build(lib)`` for rosenblatt.nn and torch.nn."""
    return build(nn), build(torch.nn)


def keys_and_shapes(m):
    return [(k, tuple(v.shape)) for k, v in m.state_dict().items()]


def test_module_list_operations_equal_torch():
    def build(lib):
        ml = lib.ModuleList([lib.Linear(1, 1), lib.Linear(1, 2)])
        ml.append(lib.Linear(2, 3))
        ml.extend([lib.ReLU(), lib.Linear(3, 4)])
        ml.insert(1, lib.Linear(5, 5))
        ml.insert(4, lib.Tanh())  # (torch's ModuleList.insert fails for negative indices)
        ml[0] = lib.Linear(6, 6)
        ml[-2] = lib.Sigmoid()
        del ml[2]
        popped = ml.pop(1)
        ml += [lib.Linear(7, 7)]
        combined = ml + lib.ModuleList([lib.Linear(8, 8)])
        return ml, combined, ml[1:3], ml[::2], popped

    mine, ref = both(build)
    for a, b in zip(mine, ref):
        assert keys_and_shapes(a) == keys_and_shapes(b)
        assert repr(a) == repr(b)
    assert len(mine[0]) == len(ref[0])
    assert [type(m).__name__ for m in mine[0]] == [type(m).__name__ for m in ref[0]]
    with pytest.raises(IndexError, match="index 9 is out of range"):
        mine[0][9]
    with pytest.raises(TypeError, match="iterable"):
        mine[0].extend(nn.Linear(1, 1))


def test_sequential_slicing_keeps_names_and_editing_renumbers():
    def build(lib):
        s = lib.Sequential(lib.Linear(1, 2), lib.ReLU(), lib.Linear(2, 3), lib.Tanh())
        head = s[2:]
        s.insert(1, lib.Linear(2, 2))
        s.append(lib.Linear(3, 4))
        del s[0]
        s.pop(-1)
        s[0] = lib.Linear(9, 9)
        s2 = s + lib.Sequential(lib.Linear(3, 1))
        s.extend([lib.Identity()])
        return head, s, s2

    mine, ref = both(build)
    for a, b in zip(mine, ref):
        assert keys_and_shapes(a) == keys_and_shapes(b)
        assert repr(a) == repr(b)
    od = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert list(od.state_dict()) == ["fc.weight", "fc.bias"] and isinstance(od.act, nn.ReLU)


def test_module_dict_equals_torch():
    def build(lib):
        md = lib.ModuleDict({"b": lib.Linear(1, 2), "a": lib.ReLU()})
        md["c"] = lib.Linear(2, 3)
        md.update([("d", lib.Tanh()), ("b", lib.Linear(4, 4))])
        popped = md.pop("a")
        return md, popped

    (md, popped), (tmd, tpopped) = both(build)
    assert list(md) == list(tmd) and list(md.keys()) == list(tmd.keys())
    assert [type(v).__name__ for v in md.values()] == [type(v).__name__ for v in tmd.values()]
    assert keys_and_shapes(md) == keys_and_shapes(tmd)
    assert repr(md) == repr(tmd) and "c" in md and "a" not in md and len(md) == len(tmd)
    assert type(popped).__name__ == type(tpopped).__name__ == "ReLU"
    md.clear()
    assert len(md) == 0 and list(md.parameters()) == []


def test_parameter_list_and_dict_equal_torch():
    def build(lib):
        t = rb if lib is nn else torch
        pl = lib.ParameterList([lib.Parameter(t.ones(3)), t.zeros(2, 2, dtype=t.float64)])
        pl.append(t.ones(1))
        pl.extend([lib.Parameter(t.zeros(4))])
        pl[0] = t.full((5,), 2.0)
        pd = lib.ParameterDict({"w": lib.Parameter(t.ones(3)), "b": t.zeros(2)})
        pd["z"] = t.ones(2, 3)
        pd.update({"w": t.zeros(1)})
        return pl, pd

    (pl, pd), (tpl, tpd) = both(build)
    assert keys_and_shapes(pl) == keys_and_shapes(tpl)
    assert keys_and_shapes(pd) == keys_and_shapes(tpd)
    assert repr(pl) == repr(tpl) and repr(pd) == repr(tpd)
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in pl)
    assert list(pd.keys()) == list(tpd.keys()) and isinstance(pd["b"], nn.Parameter)
    assert [k for k, _ in pl.named_parameters()] == [k for k, _ in tpl.named_parameters()]
    assert np.asarray(pl[0]).tolist() == [2.0] * 5 and len(pl[1:]) == 3
    assert pd.get("missing") is None and pd.pop("b").shape == (2,) and "b" not in pd


class Net:
    """The same architecture written once for both libraries: nested containers, a shared
    submodule, buffers (one non-persistent), a parameter of its own."""

    @staticmethod
    def build(lib):
        t = rb if lib is nn else torch

        class Block(lib.Module):
            def __init__(self, shared):
                super().__init__()
                self.fc = lib.Linear(3, 3)
                self.shared = shared
                self.register_buffer("count", t.zeros((), dtype=t.int64))

        class Model(lib.Module):
            def __init__(self):
                super().__init__()
                shared = lib.Linear(3, 3)
                self.stem = lib.Sequential(lib.Linear(2, 3), lib.ReLU())
                self.blocks = lib.ModuleList([Block(shared), Block(shared)])
                self.heads = lib.ModuleDict({"cls": lib.Linear(3, 2), "reg": lib.Linear(3, 1)})
                self.scale = lib.Parameter(t.ones(3))
                self.register_buffer("running", t.zeros(3))
                self.register_buffer("scratch", t.zeros(2), persistent=False)
                self.norm = lib.BatchNorm1d(3)

        return Model()


def test_traversals_equal_torch():
    mine, ref = Net.build(nn), Net.build(torch.nn)
    assert keys_and_shapes(mine) == keys_and_shapes(ref)  # shared module under both names

    def names(it):
        return [k for k, _ in it]

    assert names(mine.named_parameters()) == names(ref.named_parameters())
    for kw in ({}, {"remove_duplicate": False}, {"prefix": "model"}):
        assert names(mine.named_modules(**kw)) == names(ref.named_modules(**kw))
        assert names(mine.named_buffers(**kw)) == names(ref.named_buffers(**kw))
        assert names(mine.named_parameters(**kw)) == names(ref.named_parameters(**kw))
    memo = set()
    list(mine.blocks.named_modules(memo))
    tmemo = set()
    list(ref.blocks.named_modules(tmemo))
    assert names(mine.named_modules(memo)) == names(ref.named_modules(tmemo))  # all seen
    assert names(mine.named_parameters(recurse=False)) == ["scale"]
    assert names(mine.named_children()) == names(ref.named_children())
    assert [type(m).__name__ for m in mine.children()] == [type(m).__name__ for m in ref.children()]
    assert [type(m).__name__ for m in mine.modules()] == [type(m).__name__ for m in ref.modules()]
    assert len(list(mine.parameters())) == len(list(ref.parameters()))
    assert mine.get_submodule("blocks.1.fc") is mine.blocks[1].fc
    assert error_of(lambda: mine.get_submodule("blocks.x")) == error_of(
        lambda: ref.get_submodule("blocks.x")
    )


def test_apply_visits_in_torch_order_so_init_draws_the_same_numbers():
    mine, ref = Net.build(nn), Net.build(torch.nn)
    seen, tseen = [], []
    mine.apply(lambda m: seen.append(type(m).__name__))
    ref.apply(lambda m: tseen.append(type(m).__name__))
    assert seen == tseen and seen[-1] == "Model" and seen[0] == "Linear"

    # the same stream consumed in the same order gives the same weights
    def init_with(stream, lib):
        def init(m):
            if isinstance(m, lib.Linear):
                with (rb if lib is nn else torch).no_grad():
                    m.weight.copy_(type(m.weight.data)(stream.standard_normal(m.weight.shape)))

        return init

    copy_weights(mine, ref)
    mine.apply(init_with(np.random.default_rng(1), nn))
    ref.apply(init_with(np.random.default_rng(1), torch.nn))
    for (k, v), (tk, tv) in zip(mine.state_dict().items(), ref.state_dict().items()):
        np.testing.assert_allclose(arr(v), arr(tv), rtol=1e-6, err_msg=k)


def test_state_dict_values_are_detached_tensors_sharing_memory():
    m = nn.Linear(2, 3)
    sd = m.state_dict()
    assert type(sd) is OrderedDict and type(sd["weight"]) is rb.Tensor
    assert not sd["weight"].requires_grad and sd["weight"].grad_fn is None
    sd["weight"].zero_()  # shares memory, as torch's
    assert not arr(m.weight).any()
    kept = m.state_dict(keep_vars=True)
    assert kept["weight"] is m.weight and isinstance(kept["bias"], nn.Parameter)
    assert list(m.state_dict(prefix="fc.")) == ["fc.weight", "fc.bias"]


def test_load_state_dict_returns_torchs_named_tuple_and_raises_its_errors():
    mine, ref = nn.Linear(2, 3), torch.nn.Linear(2, 3)
    got, want = mine.load_state_dict(ref.state_dict()), ref.load_state_dict(ref.state_dict())
    assert repr(got) == repr(want) == "<All keys matched successfully>"
    np.testing.assert_array_equal(arr(mine.weight), arr(ref.weight))  # from torch tensors
    mine.load_state_dict({k: rb.tensor(arr(v)) * 2 for k, v in ref.state_dict().items()})
    np.testing.assert_allclose(arr(mine.weight), 2 * arr(ref.weight))  # from our tensors
    partial = {"weight": torch.zeros(3, 2), "extra": torch.ones(1)}
    got = mine.load_state_dict({k: v.numpy() for k, v in partial.items()}, strict=False)
    want = ref.load_state_dict(partial, strict=False)
    assert got == want and got._fields == ("missing_keys", "unexpected_keys")
    assert got.missing_keys == ["bias"] and got.unexpected_keys == ["extra"]
    assert repr(got) == repr(want)
    for bad, strict in ((partial, True), ({"weight": torch.zeros(2, 2)}, False)):
        kind, msg = error_of(lambda: mine.load_state_dict(bad, strict=strict))
        tkind, tmsg = error_of(lambda: ref.load_state_dict(bad, strict=strict))
        assert kind is tkind is RuntimeError
        # the same message, shapes written as tuples instead of torch.Size([...])
        tmsg = re.sub(r"torch\.Size\(\[([^\]]*)\]\)", r"(\1)", tmsg)
        assert msg == tmsg
    with pytest.raises(TypeError, match="dict-like"):
        mine.load_state_dict([1, 2])


def test_register_buffer_and_dtype_moves():
    mine, ref = Net.build(nn), Net.build(torch.nn)
    assert "scratch" not in mine.state_dict() and "scratch" in dict(mine.named_buffers())
    assert mine.to(rb.float64) is mine
    ref.to(torch.float64)
    for (k, b), (_, tb) in zip(mine.named_buffers(), ref.named_buffers()):
        assert str(b.dtype) == str(tb.dtype).replace("torch.", ""), k  # int64 buffers stay
    params = list(mine.parameters())
    mine.half()
    assert mine.running.dtype == np.float16 and mine.blocks[0].count.dtype == np.int64
    mine.type(rb.float32)  # .type casts every parameter and buffer, integers too
    assert mine.blocks[0].count.dtype == np.float32 and mine.scale.dtype == np.float32
    assert all(a is b for a, b in zip(params, mine.parameters()))  # same objects
    m = nn.Module()
    m.register_buffer("b", rb.zeros(2), persistent=False)
    m.register_buffer("b", rb.zeros(2))  # registered again: persistent now
    assert list(m.state_dict()) == ["b"]
    m.b = None
    assert list(m.named_buffers()) == [] and m.b is None


def test_registration_errors_equal_torch():
    def attempts(lib):
        t = rb if lib is nn else torch
        m = lib.Linear(2, 2)
        return [
            lambda: m.register_buffer("a.b", t.ones(1)),
            lambda: m.register_buffer("weight", t.ones(1)),
            lambda: m.register_buffer("", t.ones(1)),
            lambda: m.add_module("in_features", lib.ReLU()),
            lambda: m.add_module("z", 3),
            lambda: m.train(1),
            lambda: m.no_such_attribute,
            lambda: setattr(m, "weight", t.ones(2, 2)),
            lambda: m.register_parameter("p", t.ones(1)),
            lambda: m.register_buffer("x", 3),
        ]

    for a, b in zip(attempts(nn), attempts(torch.nn)):
        (kind, msg), (tkind, tmsg) = error_of(a), error_of(b)
        assert kind is tkind, (msg, tmsg)
        if kind in (KeyError, AttributeError, ValueError):
            assert msg == tmsg
        else:  # TypeError: same start (torch names its own Tensor/Buffer classes after it)
            assert msg.split(" (")[0] == tmsg.split(" (")[0]


def test_modes_grads_device_and_dtype_calls_equal_torch():
    mine, ref = Net.build(nn), Net.build(torch.nn)
    assert mine.train() is mine and mine.eval() is mine and not mine.blocks[1].fc.training
    assert mine.requires_grad_(True) is mine
    x = rb.randn(4, 2)
    mine.heads["cls"](mine.stem(x)).sum().backward()
    assert mine.stem[0].weight.grad is not None
    g = mine.stem[0].weight.grad
    mine.zero_grad(set_to_none=False)  # zeros in the same grad tensor, as torch
    assert mine.stem[0].weight.grad is g and not arr(g).any()
    mine.zero_grad()  # torch's default: set_to_none=True
    assert all(p.grad is None for p in mine.parameters())
    for call in ("cpu", "float", "double"):
        assert getattr(mine, call)() is mine
    for args in (("cpu",), (rb.device("cpu"),), ("cpu", rb.float32), (rb.zeros(1),)):
        assert mine.to(*args) is mine
    assert mine.to(device="cpu", dtype=np.float64).scale.dtype == np.float64
    assert mine.to(rb.zeros(1, dtype=rb.float32)).scale.dtype == np.float32
    with pytest.raises(RuntimeError, match="cuda.*not available"):
        mine.cuda()
    with pytest.raises(RuntimeError, match="not available"):
        mine.to("cuda:0")
    kind, msg = error_of(lambda: mine.to(rb.int64))
    tkind, tmsg = error_of(lambda: ref.to(torch.int64))
    assert kind is tkind is TypeError and msg.split("=")[0] == tmsg.split("=")[0]


def test_to_dtype_casts_gradients_too():
    m = nn.Linear(2, 1)
    m(rb.randn(3, 2)).sum().backward()
    m.double()
    assert m.weight.grad.dtype == np.float64 and m.weight.dtype == np.float64


def test_parameter_reassignment_keeps_its_place_as_in_torch():
    def build(lib):
        t = rb if lib is nn else torch
        m = lib.Linear(2, 2)
        m.weight = lib.Parameter(t.zeros(2, 2))
        return [k for k, _ in m.named_parameters()]

    assert build(nn) == build(torch.nn) == ["weight", "bias"]


# ---------------------------------------------------------------------- print(model)
REPR_CASES = [
    ("Linear", (2, 3), {}),
    ("Linear", (2, 3), {"bias": False}),
    ("Conv2d", (1, 2, 3), {"stride": 2, "padding": 1}),
    ("Conv2d", (1, 2, (3, 5)), {"bias": False, "dilation": 2}),
    ("MaxPool2d", (3,), {"stride": 1, "padding": 1}),
    ("AvgPool2d", (2,), {}),
    ("BatchNorm2d", (3,), {}),
    ("BatchNorm1d", (4,), {"affine": False, "momentum": None}),
    ("Dropout", (0.2,), {}),
    ("LSTM", (3, 4, 2), {"batch_first": True}),
    ("RNN", (2, 3), {"nonlinearity": "relu", "bias": False}),
    ("LSTMCell", (2, 3), {}),
    ("RNNCell", (2, 3), {"nonlinearity": "relu"}),
    ("Flatten", (), {}),
    ("ReLU", (), {"inplace": True}),
    ("LeakyReLU", (0.2,), {}),
    ("ELU", (), {"inplace": True}),
    ("SELU", (), {}),
    ("Softmax", (), {"dim": 1}),
    ("Softmax", (), {}),
    ("LogSoftmax", (1,), {}),
    ("GELU", (), {}),
    ("Softplus", (), {}),
    ("Tanh", (), {}),
    ("Sigmoid", (), {}),
    ("Identity", (), {}),
    ("CrossEntropyLoss", (), {}),
    ("MSELoss", (), {}),
    ("BCEWithLogitsLoss", (), {}),
    ("NLLLoss", (), {}),
    ("Embedding", (10, 3), {"padding_idx": 0}),
    ("AdaptiveAvgPool2d", ((1, 1),), {}),
    ("AdaptiveMaxPool2d", ((None, 2),), {}),
]


@pytest.mark.parametrize("name, args, kwargs", REPR_CASES, ids=[c[0] for c in REPR_CASES])
def test_layer_repr_equals_torch(name, args, kwargs):
    assert repr(getattr(nn, name)(*args, **kwargs)) == repr(
        getattr(torch.nn, name)(*args, **kwargs)
    )


def test_print_model_equals_torch():
    mine, ref = Net.build(nn), Net.build(torch.nn)
    assert repr(mine) == repr(ref)

    def lenet(lib):
        class LeNet(lib.Module):
            def __init__(self):
                super().__init__()
                self.features = lib.Sequential(
                    lib.Conv2d(1, 6, 5), lib.ReLU(inplace=True), lib.MaxPool2d(2),
                    lib.Conv2d(6, 16, 5), lib.ReLU(inplace=True), lib.AdaptiveAvgPool2d((4, 4)),
                )  # fmt: skip
                self.classifier = lib.Sequential(
                    lib.Flatten(), lib.Dropout(), lib.Linear(256, 120), lib.ReLU(),
                    lib.Linear(120, 10),
                )  # fmt: skip

        return LeNet()

    assert repr(lenet(nn)) == repr(lenet(torch.nn))


# ---------------------------------------------------------------------- nn.utils
def grads_pair():
    """Two parameter lists with the same gradients (one parameter without one)."""
    shapes = [(3, 4), (4,), (2, 2, 2)]
    mine, ref = [], []
    for s in shapes:
        p, tp = pair(s, np.float32)
        g = RNG.standard_normal(s).astype(np.float32) * 3
        p.grad, tp.grad = rb.tensor(g), torch.tensor(g)
        mine.append(p)
        ref.append(tp)
    mine.append(nn.Parameter(rb.ones(2)))
    ref.append(torch.nn.Parameter(torch.ones(2)))
    return mine, ref


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, float("inf"), "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_equals_torch(norm_type, max_norm):
    mine, ref = grads_pair()
    total = nn.utils.clip_grad_norm_(iter(mine), max_norm, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(iter(ref), max_norm, norm_type=norm_type)
    assert isinstance(total, rb.Tensor) and total.shape == () and total.dtype == np.float32
    np.testing.assert_allclose(float(total), float(ttotal), rtol=1e-6)
    for p, tp in zip(mine, ref):
        if tp.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(arr(p.grad), arr(tp.grad), rtol=1e-6, atol=1e-7)


def test_clip_grad_norm_edge_cases_equal_torch():
    p, tp = nn.Parameter(rb.ones(2)), torch.nn.Parameter(torch.ones(2))
    assert float(nn.utils.clip_grad_norm_([p], 1.0)) == float(
        torch.nn.utils.clip_grad_norm_([tp], 1.0)
    )
    p.grad, tp.grad = rb.tensor([np.inf, 1.0]), torch.tensor([np.inf, 1.0])
    kind, msg = error_of(lambda: nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True))
    tkind, tmsg = error_of(lambda: torch.nn.utils.clip_grad_norm_(tp, 1.0, error_if_nonfinite=True))
    assert kind is tkind is RuntimeError and msg == tmsg
    assert float(nn.utils.clip_grad_norm_(p, 1.0)) == np.inf  # a single tensor is accepted
    g = p.grad
    nn.utils.clip_grad_norm_([p], 1.0)
    assert p.grad is g  # scaled in place: the same grad tensor


def test_clip_grad_norm_with_a_gradient_shared_by_two_parameters():
    a, b = nn.Parameter(rb.ones(3)), nn.Parameter(rb.ones(3))
    ta, tb = torch.nn.Parameter(torch.ones(3)), torch.nn.Parameter(torch.ones(3))
    (a + b).sum().backward()
    (ta + tb).sum().backward()
    total = nn.utils.clip_grad_norm_([a, b], 1.0)
    ttotal = torch.nn.utils.clip_grad_norm_([ta, tb], 1.0)
    np.testing.assert_allclose(float(total), float(ttotal), rtol=1e-6)
    np.testing.assert_allclose(arr(a.grad), arr(ta.grad), rtol=1e-6)
    np.testing.assert_allclose(arr(b.grad), arr(tb.grad), rtol=1e-6)


def test_clip_grad_value_equals_torch():
    mine, ref = grads_pair()
    assert nn.utils.clip_grad_value_(mine, 0.7) is None
    torch.nn.utils.clip_grad_value_(ref, 0.7)
    for p, tp in zip(mine, ref):
        if tp.grad is not None:
            np.testing.assert_array_equal(arr(p.grad), arr(tp.grad))


def test_parameters_to_vector_and_back_equal_torch():
    mine, ref = Net.build(nn), Net.build(torch.nn)
    copy_weights(mine, ref)
    v, tv = (
        nn.utils.parameters_to_vector(mine.parameters()),
        torch.nn.utils.parameters_to_vector(ref.parameters()),
    )
    np.testing.assert_array_equal(arr(v), arr(tv))
    assert v.requires_grad and v.shape == (sum(p.numel() for p in mine.parameters()),)
    new = RNG.standard_normal(v.shape).astype(np.float32)
    nn.utils.vector_to_parameters(rb.tensor(new), mine.parameters())
    torch.nn.utils.vector_to_parameters(torch.tensor(new), ref.parameters())
    for (k, p), (_, tp) in zip(mine.named_parameters(), ref.named_parameters()):
        np.testing.assert_array_equal(arr(p), arr(tp), err_msg=k)
    assert error_of(lambda: nn.utils.vector_to_parameters(new, mine.parameters()))[0] is TypeError


# ---------------------------------------------------------------------- functional
@pytest.mark.parametrize(
    "labels, num_classes",
    [([0, 2, 1], -1), ([0, 2, 1], 5), ([[0, 1], [2, 0]], -1), (2, 4), ([], 3)],
)
def test_one_hot_equals_torch(labels, num_classes):
    y = F.one_hot(rb.tensor(np.array(labels, dtype=np.int64)), num_classes)
    ty = TF.one_hot(torch.tensor(np.array(labels, dtype=np.int64)), num_classes)
    assert y.dtype == np.int64 and y.shape == tuple(ty.shape)
    np.testing.assert_array_equal(arr(y), arr(ty))


@pytest.mark.parametrize(
    "labels, num_classes",
    [([0, 2, 1], 2), ([0, -1], -1), ([0.0, 1.0], -1), ([], -1), ([0, 1], 0)],
)
def test_one_hot_errors_equal_torch(labels, num_classes):
    dtype = np.float32 if isinstance(labels[0] if labels else 0, float) else np.int64
    a = np.array(labels, dtype=dtype)
    assert error_of(lambda: F.one_hot(rb.tensor(a), num_classes)) == error_of(
        lambda: TF.one_hot(torch.tensor(a), num_classes)
    )


PAD_CASES = [
    ((2, 3), (1, 2), "constant", None),
    ((2, 3, 4), (1, 0, 2, 1), "constant", 0.5),
    ((2, 5), (-1, 2), "constant", None),
    ((1, 2, 5), (2, 3), "reflect", None),
    ((1, 2, 4, 5), (1, 2, 3, 0), "reflect", None),
    ((1, 2, 4, 5), (2, 1, 1, 3), "replicate", None),
    ((1, 2, 4, 5), (2, 1, 1, 3), "circular", None),
]


@pytest.mark.parametrize("shape, widths, mode, value", PAD_CASES)
def test_pad_equals_torch(shape, widths, mode, value):
    x, tx = pair(shape)
    kw = {} if value is None else {"value": value}
    y, ty = F.pad(x, widths, mode, **kw), TF.pad(tx, widths, mode, **kw)
    np.testing.assert_array_equal(arr(y), arr(ty))
    w = RNG.standard_normal(tuple(ty.shape))
    (y * rb.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(arr(x.grad), arr(tx.grad), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("silu", {}),
        ("hardtanh", {"min_val": -0.5, "max_val": 0.8}),
        ("relu6", {}),
        ("logsigmoid", {}),
        ("softsign", {}),
        ("normalize", {"dim": 1}),
        ("normalize", {"p": 1, "dim": 0}),
        ("relu", {"inplace": False}),
        ("leaky_relu", {"negative_slope": 0.2}),
        ("elu", {"alpha": 0.5}),
        ("softmax", {"dim": 0, "dtype": torch.float64}),
        ("log_softmax", {"dim": 1}),
    ],
)
def test_more_functions_equal_torch(name, kwargs):
    x, tx = pair((4, 5))
    x.data.mul_(4)
    tx.data.mul_(4)
    rkw = {k: (np.float64 if v is torch.float64 else v) for k, v in kwargs.items()}
    y, ty = getattr(F, name)(x, **rkw), getattr(TF, name)(tx, **kwargs)
    np.testing.assert_allclose(arr(y), arr(ty), rtol=1e-10, atol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(arr(x.grad), arr(tx.grad), rtol=1e-9, atol=1e-12)


def test_softmax_without_dim_warns_and_picks_torchs_dim():
    for shape in [(4,), (2, 3), (2, 3, 4), (2, 3, 4, 5)]:
        x = RNG.standard_normal(shape)
        with pytest.warns(UserWarning, match="Implicit dimension"):
            y = F.softmax(rb.tensor(x))
        with pytest.warns(UserWarning):
            ty = TF.softmax(torch.tensor(x))
        np.testing.assert_allclose(arr(y), arr(ty), rtol=1e-12)


TUTORIAL_FUNCTIONS = """relu max_pool2d avg_pool2d conv2d log_softmax softmax nll_loss cross_entropy
    mse_loss l1_loss binary_cross_entropy binary_cross_entropy_with_logits dropout linear sigmoid
    tanh leaky_relu gelu elu selu softplus kl_div one_hot embedding pad adaptive_avg_pool2d
    adaptive_max_pool2d batch_norm silu relu6 hardtanh logsigmoid normalize""".split()


def test_the_functions_tutorials_call_exist_with_torchs_keywords():
    import inspect

    for name in TUTORIAL_FUNCTIONS:
        fn = getattr(F, name)
        ours = set(inspect.signature(fn).parameters)
        try:
            theirs = set(inspect.signature(getattr(TF, name)).parameters)
        except ValueError:  # a builtin without a signature
            continue
        missing = theirs - ours - {"size_average", "reduce", "args", "kwargs", "weight", "out"}
        assert not missing, (name, missing)
    x = rb.ones(3, 4)
    assert F.dropout(x, 0.5, training=False) is x
    np.testing.assert_allclose(arr(F.softmax(x, dim=1)), 0.25)
