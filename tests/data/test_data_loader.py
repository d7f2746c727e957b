"""TensorDataset and DataLoader: PyTorch's batching semantics, seeded shuffling."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import rosenblatt as rb
from rosenblatt.data import DataLoader, Dataset, TensorDataset


def _xy(n: int = 10) -> tuple[np.ndarray, np.ndarray]:
    X = np.arange(2 * n, dtype=np.float32).reshape(n, 2)
    return X, np.arange(n, dtype=np.int64)


@pytest.mark.parametrize("n,bs", [(10, 3), (10, 5), (7, 10), (1, 1), (12, 4)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sizes_match_torch(n: int, bs: int, drop_last: bool) -> None:
    X, y = _xy(n)
    ours = DataLoader(TensorDataset(X, y), batch_size=bs, drop_last=drop_last)
    ref = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y)),
        batch_size=bs,
        drop_last=drop_last,
    )
    assert len(ours) == len(ref)
    got = [(xb.numpy(), yb.numpy()) for xb, yb in ours]
    want = [(xb.numpy(), yb.numpy()) for xb, yb in ref]
    assert len(got) == len(want)
    for (gx, gy), (wx, wy) in zip(got, want):
        np.testing.assert_array_equal(gx, wx)
        np.testing.assert_array_equal(gy, wy)


def test_last_partial_batch_and_drop_last() -> None:
    X, y = _xy(10)
    sizes = [len(yb.numpy()) for _, yb in DataLoader(TensorDataset(X, y), batch_size=4)]
    assert sizes == [4, 4, 2]
    loader = DataLoader(TensorDataset(X, y), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [len(yb.numpy()) for _, yb in loader] == [4, 4]


def test_batches_are_tensors_keeping_dtype() -> None:
    X, y = _xy(6)
    xb, yb = next(iter(DataLoader(TensorDataset(X.astype(np.float64), y), batch_size=4)))
    assert isinstance(xb, rb.Tensor) and isinstance(yb, rb.Tensor)
    assert xb.dtype == np.float64 and yb.dtype == np.int64
    assert not xb.requires_grad and xb.grad_fn is None


def test_shuffle_order_is_the_seeded_permutation() -> None:
    X, y = _xy(23)
    loader = DataLoader(TensorDataset(X, y), batch_size=5, shuffle=True)
    rb.manual_seed(7)
    epoch1 = np.concatenate([yb.numpy() for _, yb in loader])
    epoch2 = np.concatenate([yb.numpy() for _, yb in loader])
    oracle = np.random.default_rng(7)
    np.testing.assert_array_equal(epoch1, oracle.permutation(23))
    np.testing.assert_array_equal(epoch2, oracle.permutation(23))
    # rows stay paired with their labels
    for xb, yb in loader:
        np.testing.assert_array_equal(xb.numpy(), X[yb.numpy()])


def test_same_seed_same_batches_other_seed_other_batches() -> None:
    X, y = _xy(50)
    loader = DataLoader(TensorDataset(X, y), batch_size=8, shuffle=True)

    def run(seed: int) -> list[np.ndarray]:
        rb.manual_seed(seed)
        return [yb.numpy() for _ in range(3) for _, yb in loader]

    a, b, c = run(1), run(1), run(2)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not all(np.array_equal(u, v) for u, v in zip(a, c))


def test_shuffle_covers_every_sample_once_per_epoch() -> None:
    X, y = _xy(37)
    loader = DataLoader(TensorDataset(X, y), batch_size=6, shuffle=True)
    epochs = [np.concatenate([yb.numpy() for _, yb in loader]) for _ in range(4)]
    for e in epochs:
        np.testing.assert_array_equal(np.sort(e), np.arange(37))
    assert len({tuple(e) for e in epochs}) > 1  # a new order every epoch


def test_shuffle_with_drop_last_never_repeats_a_sample() -> None:
    X, y = _xy(10)
    loader = DataLoader(TensorDataset(X, y), batch_size=3, shuffle=True, drop_last=True)
    seen = np.concatenate([yb.numpy() for _, yb in loader])
    assert len(seen) == 9 and len(np.unique(seen)) == 9


def test_explicit_generator() -> None:
    X, y = _xy(12)
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    a = [yb.numpy() for _, yb in DataLoader(TensorDataset(X, y), 4, shuffle=True, generator=g1)]
    b = [yb.numpy() for _, yb in DataLoader(TensorDataset(X, y), 4, shuffle=True, generator=g2)]
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    np.testing.assert_array_equal(np.concatenate(a), np.random.default_rng(5).permutation(12))
    with pytest.raises(TypeError, match="generator"):
        DataLoader(TensorDataset(X, y), generator=5)


class _Squares(Dataset):
    def __len__(self) -> int:
        return 7

    def __getitem__(self, i: int) -> tuple[np.ndarray, int]:
        return np.array([i, i * i], dtype=np.float32), i


def test_generic_dataset_is_collated_like_the_fast_path() -> None:
    ds = _Squares()
    X = np.stack([ds[i][0] for i in range(7)])
    y = np.arange(7)
    rb.manual_seed(3)
    slow = [(xb.numpy(), yb.numpy()) for xb, yb in DataLoader(ds, 3, shuffle=True)]
    rb.manual_seed(3)
    fast = [(xb.numpy(), yb.numpy()) for xb, yb in DataLoader(TensorDataset(X, y), 3, shuffle=True)]
    for (sx, sy), (fx, fy) in zip(slow, fast):
        np.testing.assert_array_equal(sx, fx)
        np.testing.assert_array_equal(sy, fy)


def test_batch_size_none_yields_single_samples() -> None:
    X, y = _xy(3)
    samples = list(DataLoader(TensorDataset(X, y), batch_size=None))
    assert len(samples) == 3
    assert samples[1][0].shape == (2,) and samples[1][1].item() == 1


def test_tensor_dataset_accepts_tensors_and_indexes() -> None:
    X, y = _xy(4)
    ds = TensorDataset(rb.tensor(X), y)
    assert len(ds) == 4
    x2, y2 = ds[2]
    np.testing.assert_array_equal(x2, X[2])
    assert y2 == 2


def test_tensor_dataset_size_mismatch_names_shapes() -> None:
    with pytest.raises(ValueError, match=r"same first dimension.*\(5, 2\).*\(4,\)"):
        TensorDataset(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(np.float32(1.0))


def test_tensor_dataset_rejects_nan_with_count_and_place() -> None:
    X = np.zeros((6, 3), dtype=np.float32)
    X[4, 1] = np.nan
    X[5, 1] = np.inf
    with pytest.raises(
        ValueError, match=r"2 non-finite values \(1 NaN, 1 inf\) in column 1 at rows \[4, 5\]"
    ):
        TensorDataset(X, np.zeros(6))
    TensorDataset(X, np.zeros(6), check_finite=False)  # opt-out


@pytest.mark.parametrize("bad", [0, -2, 2.5, True])
def test_bad_batch_size(bad: object) -> None:
    X, y = _xy(4)
    with pytest.raises((ValueError, TypeError), match="batch_size"):
        DataLoader(TensorDataset(X, y), batch_size=bad)
