"""The Tensor API of DESIGN.md: construction, properties, conversion, factories, operators."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import rosenblatt as rb


def test_properties():
    x = rb.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert isinstance(x.numpy(), np.ndarray)
    assert x.shape == (2, 3) and x.ndim == 2 and x.dim() == 2
    assert x.numel() == 6 and x.size() == (2, 3) and x.size(1) == 3 and len(x) == 2
    assert x.dtype == np.float32 and x.requires_grad and x.grad is None
    assert x.is_leaf and x.grad_fn is None


def test_conversion():
    x = rb.tensor([[1.5, 2.0]])
    assert x.numpy() is x.numpy()
    assert x.tolist() == [[1.5, 2.0]]
    assert rb.tensor(3.5).item() == 3.5 and isinstance(rb.tensor(3.5).item(), float)
    assert float(rb.tensor([2.5])) == 2.5 and int(rb.tensor(7)) == 7
    np.testing.assert_array_equal(np.asarray(x), x.numpy())
    assert rb.tensor(np.int64(3)).dtype == np.int64


def test_tensor_copies_but_constructor_does_not():
    a = np.array([1.0, 2.0], dtype=np.float32)
    t = rb.tensor(a)
    a[0] = 9.0
    assert t.numpy()[0] == 1.0
    u = rb.Tensor(a)
    assert u.numpy() is a


def test_from_torch_tensor():
    t = torch.tensor([[1.0, 2.0]], dtype=torch.float64)
    x = rb.tensor(t)
    assert x.dtype == np.float64 and x.tolist() == [[1.0, 2.0]]
    assert rb.tensor([1, 2], dtype=torch.float32).dtype == np.float32


def test_bad_dtype_is_a_clear_error():
    with pytest.raises(TypeError, match="unknown dtype"):
        rb.tensor([1.0], dtype="not-a-dtype")


def test_repr_is_readable():
    assert repr(rb.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert "requires_grad=True" in repr(rb.tensor([1.0], requires_grad=True))
    assert "dtype=float64" in repr(rb.tensor([1.0], dtype="float64"))
    y = rb.tensor([1.0], requires_grad=True) * 2
    assert "grad_fn=<MulBackward0>" in repr(y)  # torch prints the same


def test_comparisons_give_boolean_tensors_outside_the_graph():
    x = rb.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for r, want in [
        (x < 2, [True, False, False]),
        (x <= 2, [True, True, False]),
        (x > 2, [False, False, True]),
        (x >= 2, [False, True, True]),
        (x == 2, [False, True, False]),
        (x != 2, [True, False, True]),
        (x > rb.tensor([0.0, 5.0, 3.0]), [True, False, False]),
    ]:
        assert r.dtype == np.bool_ and r.tolist() == want and not r.requires_grad


def test_tensor_is_hashable_by_identity():
    a, b = rb.tensor([1.0]), rb.tensor([1.0])
    assert len({a, b}) == 2


def test_setitem():
    x = rb.tensor([1.0, 2.0, 3.0])
    x[1] = 5.0
    x[rb.tensor([True, False, False])] = rb.tensor([7.0])
    assert x.tolist() == [7.0, 5.0, 3.0]
    leaf = rb.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place operation"):  # torch's wording
        leaf[0] = 2.0


def test_numpy_array_on_the_left_uses_the_tensor_operator():
    a = np.array([1.0, 2.0], dtype=np.float32)
    x = rb.tensor([3.0, 4.0], requires_grad=True)
    for y in (a + x, a * x, a - x, a / x):
        assert isinstance(y, rb.Tensor) and y.requires_grad
    (a * x).sum().backward()
    np.testing.assert_array_equal(x.grad, a)


def test_clone_and_casts_carry_gradients():
    x = rb.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.numpy() is not x.numpy() and c.requires_grad
    (c * 3 + x.double() * 2 + x.float()).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])
    assert x.grad.dtype == np.float32
    assert x.astype("float64").dtype == np.float64 and x.to(np.float64).dtype == np.float64
    assert rb.tensor([1.7, -2.2]).long().tolist() == [1, -2]


def test_in_place_helpers():
    x = rb.tensor([1.0, 2.0])
    x.copy_([3.0, 4.0])
    assert x.tolist() == [3.0, 4.0]
    x.zero_()
    assert x.tolist() == [0.0, 0.0]
    y = rb.tensor([1.0])
    assert y.requires_grad_() is y and y.requires_grad
    with pytest.raises(RuntimeError):
        rb.tensor([1]).requires_grad_()


def test_methods_listed_in_design_exist_and_match_torch():
    a = np.array([[0.5, 1.5, 2.0], [1.0, 0.2, 3.0]])
    x, t = rb.tensor(a, dtype="float64"), torch.tensor(a)
    pairs = [
        (x.sum(axis=1, keepdims=True), t.sum(1, keepdim=True)),
        (x.mean(), t.mean()),
        (x.amax(0), t.amax(0)),
        (x.max(0).values, t.max(0).values),
        (x.max(1, keepdim=True)[0], t.max(1, keepdim=True)[0]),
        (x.min(0).indices, t.min(0).indices),
        (rb.max(x, 1)[1], torch.max(t, 1)[1]),
        (x.argmax(1), t.argmax(1)),
        (x.argmax(), t.argmax()),
        (x.max(), t.max()),
        (x.min(), t.min()),
        (x.exp(), t.exp()),
        (x.log(), t.log()),
        (x.sqrt(), t.sqrt()),
        (x.tanh(), t.tanh()),
        (x.sigmoid(), t.sigmoid()),
        ((x - 1).relu(), (t - 1).relu()),
        ((x - 1).abs(), (t - 1).abs()),
        (x.reshape(3, 2), t.reshape(3, 2)),
        (x.transpose(0, 1), t.transpose(0, 1)),
        (x.permute(1, 0), t.permute(1, 0)),
        (x.T, t.T),
        (x[1, ::-1], t[1].flip(0)),
        (x @ x.T, t @ t.T),
        (-x, -t),
        (x**2, t**2),
        (x.var(), t.var()),
        (x.std(axis=1), t.std(1)),
    ]
    for mine, ref in pairs:
        np.testing.assert_allclose(mine.numpy(), ref.numpy(), rtol=1e-12)


# ---------------------------------------------------------------------- factories
def test_factories_shapes_and_dtypes():
    assert rb.zeros(2, 3).shape == (2, 3) and rb.zeros((2, 3)).dtype == np.float32
    assert rb.ones(4).tolist() == [1.0] * 4
    assert rb.ones(2, dtype="float64").dtype == np.float64
    assert rb.full((2,), 7.0).tolist() == [7.0, 7.0]
    z = rb.zeros(2, requires_grad=True)
    assert z.requires_grad
    x = rb.tensor([[1, 2]], dtype="float64")
    assert rb.zeros_like(x).dtype == np.float64 and rb.ones_like(x).shape == (1, 2)
    assert rb.randn(3, 4).shape == (3, 4) and rb.randn(3).dtype == np.float32
    r = rb.rand(1000)
    assert r.dtype == np.float32 and 0 <= r.numpy().min() and r.numpy().max() < 1
    ri = rb.randint(0, 3, (50,))
    assert ri.dtype == np.int64 and set(ri.tolist()) <= {0, 1, 2}
    assert rb.arange(5).dtype == np.int64 and rb.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert rb.arange(0, 1, 0.25).dtype == np.float32
    assert rb.arange(1, 7, 2).tolist() == [1, 3, 5]
    assert rb.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    np.testing.assert_array_equal(rb.eye(3).numpy(), np.eye(3))


def test_manual_seed_reproducible():
    rb.manual_seed(42)
    a = rb.randn(5).numpy().copy()
    b = rb.rand(3).numpy().copy()
    rb.manual_seed(42)
    np.testing.assert_array_equal(rb.randn(5).numpy(), a)
    np.testing.assert_array_equal(rb.rand(3).numpy(), b)
    assert not np.array_equal(rb.randn(5).numpy(), a)


def test_randn_statistics():
    x = rb.randn(200_000, dtype="float64").numpy()
    assert abs(x.mean()) < 0.01 and abs(x.std() - 1) < 0.01


def test_integer_tensor_times_python_float_is_float32_as_torch():
    import torch

    for rb_t, t_t in [
        (rb.arange(3), torch.arange(3)),
        (rb.tensor([True, False]), torch.tensor([True, False])),
    ]:
        for out_rb, out_t in [
            (rb_t * 2.5, t_t * 2.5),
            (2.5 * rb_t, 2.5 * t_t),
            (rb_t / 2.0, t_t / 2.0),
        ]:
            assert str(out_rb.dtype) == str(out_t.dtype).replace("torch.", "")
            np.testing.assert_array_equal(out_rb.numpy(), out_t.numpy())
    assert (rb.arange(3) * 2).dtype == np.int64


def test_integer_true_division_is_float32_as_torch():
    out = rb.arange(5) / 2
    ref = torch.arange(5) / 2
    assert out.dtype == np.float32 and ref.dtype == torch.float32
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
