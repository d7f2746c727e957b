"""rosenblatt.utils.data against torch.utils.data: everything deterministic is compared with
PyTorch itself (orders, padding, batch shapes, collate dtypes and structure, lengths,
errors); shuffled orders, drawn from NumPy's generator, are checked by their properties."""

from __future__ import annotations

import re
import sys
import types
import warnings
from collections import namedtuple
from typing import Any

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import rosenblatt as rb
import rosenblatt.utils.data as rud
from rosenblatt.utils.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    DistributedSampler,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    random_split,
)

Point = namedtuple("Point", ["x", "y"])


# ---------------------------------------------------------------------- helpers
def same(ours: Any, theirs: Any) -> None:
    """Recursively: the same structure (list/dict/namedtuple/str), and Tensors with the
    same values, shape and dtype."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, rb.Tensor), f"expected a Tensor, got {type(ours).__name__}"
        want = theirs.numpy()
        got = np.asarray(ours)
        assert got.dtype == want.dtype, (got.dtype, want.dtype)
        assert got.shape == want.shape, (got.shape, want.shape)
        np.testing.assert_array_equal(got, want)
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs)
        for k in theirs:
            same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs), (type(ours), type(theirs))
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            same(o, t)
    else:
        assert type(ours) is type(theirs) and ours == theirs, (ours, theirs)


def _xy(n: int = 10) -> tuple[np.ndarray, np.ndarray]:
    return np.arange(2 * n, dtype=np.float32).reshape(n, 2), np.arange(n, dtype=np.int64)


def _pair(n: int = 10) -> tuple[TensorDataset, tud.TensorDataset]:
    X, y = _xy(n)
    return TensorDataset(X, y), tud.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))


class Samples(Dataset):
    """A map-style data set returning whatever ``make(i)`` builds."""

    def __init__(self, n: int, make: Any) -> None:
        self.n, self.make = n, make

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> Any:
        return self.make(i)


class TorchSamples(tud.Dataset):
    def __init__(self, n: int, make: Any) -> None:
        self.n, self.make = n, make

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> Any:
        return self.make(i)


class Stream(IterableDataset):
    def __init__(self, n: int, with_len: bool = True) -> None:
        self.n, self.with_len = n, with_len

    def __iter__(self):
        return iter(np.arange(self.n, dtype=np.float32) * 0.5)

    def __len__(self) -> int:
        if not self.with_len:
            raise TypeError("no length")
        return self.n


class TorchStream(tud.IterableDataset):
    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self):
        return iter(np.arange(self.n, dtype=np.float32) * 0.5)

    def __len__(self) -> int:
        return self.n


def raises_like_torch(ours: Any, theirs: Any) -> None:
    """Both calls raise the same exception type with the same message."""
    with pytest.raises(Exception) as want:
        theirs()
    with pytest.raises(type(want.value)) as got:
        ours()
    assert _words(str(got.value)) == _words(str(want.value))


def _words(message: str) -> str:
    """The message without case, spaces and punctuation (torch writes "multiprocessing.let")."""
    return re.sub(r"\W", "", message.lower())


# ---------------------------------------------------------------------- the namespace
def test_importable_as_torch_utils_data() -> None:
    import rosenblatt.utils.data as m

    assert rb.utils.data is m and rb.utils.data.DataLoader is DataLoader
    assert rb.data.DataLoader is DataLoader and rb.data.TensorDataset is TensorDataset
    assert rb.data.Dataset is Dataset
    public = {n for n in tud.__all__ if not n[0] == "_" and "DataPipe" not in n}
    # torch-only: datapipes' decorators and DataChunk, and StackDataset
    missing = public - set(m.__all__)
    assert missing <= {
        "DataChunk",
        "StackDataset",
        "argument_validation",
        "functional_datapipe",
        "guaranteed_datapipes_determinism",
        "non_deterministic",
        "runtime_validation",
        "runtime_validation_disabled",
    }, missing
    assert m.get_worker_info() is None


def test_generic_subscript_for_type_hints() -> None:
    class Pairs(Dataset[tuple[rb.Tensor, rb.Tensor]]):
        def __len__(self) -> int:
            return 2

        def __getitem__(self, i: int) -> tuple[rb.Tensor, rb.Tensor]:
            return rb.tensor([float(i)]), rb.tensor(i)

    assert [tuple(b.shape) for b in next(iter(DataLoader(Pairs(), batch_size=2)))] == [(2, 1), (2,)]
    assert issubclass(RandomSampler, rud.Sampler)


# ---------------------------------------------------------------------- TensorDataset
@pytest.mark.parametrize("kind", ["numpy", "rosenblatt", "torch", "list"])
def test_tensor_dataset_items_are_tuples_of_tensors(kind: str) -> None:
    X, y = _xy(5)
    convert = {
        "numpy": lambda a: a,
        "rosenblatt": rb.tensor,
        "torch": torch.from_numpy,
        "list": lambda a: a.tolist(),
    }[kind]
    ds = TensorDataset(convert(X), convert(y))
    ref = tud.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    assert len(ds) == len(ref) == 5
    assert all(isinstance(t, rb.Tensor) for t in ds.tensors)
    for i in (0, 3, -1, slice(1, 4)):
        item = ds[i]
        assert isinstance(item, tuple)
        got = [np.asarray(t) for t in item]
        want = [t.numpy() for t in ref[i]]
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)
            if kind != "list":
                assert g.dtype == w.dtype


def test_tensor_dataset_shares_memory() -> None:
    X, y = _xy(4)
    ds = TensorDataset(X, y)
    assert np.shares_memory(np.asarray(ds.tensors[0]), X)
    t = rb.tensor(X)
    assert TensorDataset(t, y).tensors[0] is t


# ---------------------------------------------------------------------- collate
COLLATE_CASES = {
    "tuple of array, int, float": lambda i: (np.full(3, i, np.float32), i, i * 0.5),
    "python floats are float64": lambda i: i * 0.25,
    "python ints": lambda i: i,
    "bools": lambda i: i % 2 == 0,
    "ints mixed with floats": lambda i: i + 0.5 if i % 2 else i,
    "numpy scalars": lambda i: (np.float32(i), np.int32(i), np.float64(i), np.bool_(i)),
    "0-d arrays": lambda i: np.array(i * 1.5),
    "float64 arrays": lambda i: np.eye(2) * i,
    "dict": lambda i: {"image": np.ones((2, 2), np.float32) * i, "label": i, "name": f"s{i}"},
    "nested dict and list": lambda i: {"a": [i, float(i)], "b": {"c": np.arange(2) + i}},
    "namedtuple": lambda i: Point(np.float32(i), [i, i + 1]),
    "strings": lambda i: f"sample {i}",
}


@pytest.mark.parametrize("case", list(COLLATE_CASES))
def test_default_collate_matches_torch(case: str) -> None:
    make = COLLATE_CASES[case]
    samples = [make(i) for i in range(4)]
    same(default_collate(samples), tud.default_collate(samples))


@pytest.mark.parametrize("case", list(COLLATE_CASES))
def test_default_convert_matches_torch(case: str) -> None:
    sample = COLLATE_CASES[case](3)
    same(default_convert(sample), tud.default_convert(sample))


def test_collate_of_rosenblatt_tensors_stacks_them() -> None:
    samples = [(rb.tensor([1.0, 2.0]), rb.tensor(i)) for i in range(3)]
    xb, yb = default_collate(samples)
    assert xb.shape == (3, 2) and xb.dtype == np.float32 and yb.dtype == np.int64
    assert not xb.requires_grad


def test_python_floats_collate_to_float64_as_torch() -> None:
    batch = default_collate([0.1, 0.2])
    assert batch.dtype == np.float64 == tud.default_collate([0.1, 0.2]).numpy().dtype


def test_collate_errors_match_torch() -> None:
    bad = [[object()], [object()]]
    raises_like_torch(lambda: default_collate(bad), lambda: tud.default_collate(bad))
    uneven = [[1, 2], [1]]
    raises_like_torch(lambda: default_collate(uneven), lambda: tud.default_collate(uneven))
    text = [np.array(["a"]), np.array(["b"])]
    raises_like_torch(lambda: default_collate(text), lambda: tud.default_collate(text))


@pytest.mark.parametrize("case", list(COLLATE_CASES))
@pytest.mark.parametrize("batch_size", [3, None])
def test_dataloader_over_a_generic_dataset_matches_torch(case: str, batch_size: Any) -> None:
    make = COLLATE_CASES[case]
    ours = list(DataLoader(Samples(7, make), batch_size=batch_size))
    theirs = list(tud.DataLoader(TorchSamples(7, make), batch_size=batch_size))
    same(ours, theirs)


# ---------------------------------------------------------------------- DataLoader
@pytest.mark.parametrize("n,bs", [(10, 3), (10, 5), (7, 10), (1, 1), (12, 4), (0, 3)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_tensor_dataset_batches_match_torch(n: int, bs: int, drop_last: bool) -> None:
    ds, ref = _pair(n)
    ours = DataLoader(ds, batch_size=bs, drop_last=drop_last)
    theirs = tud.DataLoader(ref, batch_size=bs, drop_last=drop_last)
    assert len(ours) == len(theirs)
    same(list(ours), list(theirs))  # lists [xb, yb], as torch


def test_batch_size_none_matches_torch() -> None:
    ds, ref = _pair(4)
    same(list(DataLoader(ds, batch_size=None)), list(tud.DataLoader(ref, batch_size=None)))
    assert len(DataLoader(ds, batch_size=None)) == 4


def test_sampler_and_batch_sampler_arguments_match_torch() -> None:
    ds, ref = _pair(10)
    order = [9, 2, 4, 4, 0]
    same(
        list(DataLoader(ds, batch_size=2, sampler=order)),
        list(tud.DataLoader(ref, batch_size=2, sampler=order)),
    )
    batches = [[1, 2, 3], [7], [0, 9]]
    ours = DataLoader(ds, batch_sampler=batches)
    theirs = tud.DataLoader(ref, batch_sampler=batches)
    assert len(ours) == len(theirs) == 3 and ours.batch_size is None
    same(list(ours), list(theirs))
    seq = DataLoader(ds, batch_size=4, sampler=SequentialSampler(ds), drop_last=True)
    same(list(seq), list(tud.DataLoader(ref, batch_size=4, drop_last=True)))


def test_custom_collate_fn_and_worker_options_accepted() -> None:
    ds, ref = _pair(6)
    kwargs = dict(batch_size=4, num_workers=2, pin_memory=True, persistent_workers=True)
    ours = DataLoader(ds, collate_fn=lambda b: len(b), prefetch_factor=2, **kwargs)
    assert list(ours) == [4, 2]
    same(list(DataLoader(ds, **kwargs)), list(tud.DataLoader(ref, batch_size=4)))


def test_dict_samples_through_the_loader_match_torch() -> None:
    def make(i: int) -> dict:
        return {"x": np.full(2, i, np.float32), "y": i, "w": 0.5 * i}

    same(
        list(DataLoader(Samples(5, make), batch_size=2, drop_last=True)),
        list(tud.DataLoader(TorchSamples(5, make), batch_size=2, drop_last=True)),
    )


LOADER_ERRORS = [
    dict(shuffle=True, sampler=[0, 1]),
    dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], shuffle=True),
    dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_sampler=[[0]], sampler=[0]),
    dict(batch_size=None, drop_last=True),
    dict(batch_size=0),
    dict(batch_size=-1),
    dict(batch_size=2.5),
    dict(drop_last=1),
    dict(num_workers=-1),
    dict(timeout=-1),
    dict(prefetch_factor=2),
    dict(persistent_workers=True),
]


@pytest.mark.parametrize("kwargs", LOADER_ERRORS, ids=str)
def test_dataloader_option_errors_match_torch(kwargs: dict) -> None:
    ds, ref = _pair(4)
    raises_like_torch(lambda: DataLoader(ds, **kwargs), lambda: tud.DataLoader(ref, **kwargs))


def test_fixed_attributes_cannot_change_after_init() -> None:
    ds, ref = _pair(4)
    for name in ("batch_size", "sampler", "drop_last", "dataset", "batch_sampler"):
        ours, theirs = DataLoader(ds), tud.DataLoader(ref)
        raises_like_torch(lambda: setattr(ours, name, None), lambda: setattr(theirs, name, None))
    loader = DataLoader(ds)
    loader.collate_fn = default_collate  # others may change, as in torch


def test_generator_must_be_numpy() -> None:
    ds, _ = _pair(4)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        DataLoader(ds, shuffle=True, generator=torch.Generator())


# ---------------------------------------------------------------------- IterableDataset
@pytest.mark.parametrize("bs,drop_last", [(3, False), (3, True), (5, False), (None, False)])
def test_iterable_dataset_matches_torch(bs: Any, drop_last: bool) -> None:
    ours = DataLoader(Stream(7), batch_size=bs, drop_last=drop_last)
    theirs = tud.DataLoader(TorchStream(7), batch_size=bs, drop_last=drop_last)
    assert len(ours) == len(theirs)
    same(list(ours), list(theirs))


def test_iterable_dataset_rejects_sampling_options_as_torch() -> None:
    for kwargs in (dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])):
        raises_like_torch(
            lambda: DataLoader(Stream(3), **kwargs),
            lambda: tud.DataLoader(TorchStream(3), **kwargs),
        )
    with pytest.raises(TypeError):
        len(DataLoader(Stream(3, with_len=False)))
    assert len(list(DataLoader(Stream(3, with_len=False), batch_size=2))) == 2


def test_chain_dataset_and_plus() -> None:
    chained = Stream(2) + Stream(3)
    assert isinstance(chained, ChainDataset) and len(chained) == 5
    assert [float(v) for v in chained] == [0.0, 0.5, 0.0, 0.5, 1.0]
    with pytest.raises(ValueError, match="IterableDataset"):
        list(ChainDataset([Samples(2, int)]))


# ---------------------------------------------------------------------- Concat, Subset
def test_concat_dataset_matches_torch() -> None:
    a, ta = _pair(3)
    b, tb = _pair(5)
    ours, theirs = a + b, ta + tb
    assert isinstance(ours, ConcatDataset)
    assert ours.cumulative_sizes == theirs.cumulative_sizes == [3, 8]
    for i in (0, 2, 3, 7, -1, -8):
        same(list(ours[i]), list(theirs[i]))
    raises_like_torch(lambda: ours[-9], lambda: theirs[-9])
    same(list(DataLoader(ours, batch_size=3)), list(tud.DataLoader(theirs, batch_size=3)))
    with pytest.raises(ValueError, match="empty"):
        ConcatDataset([])
    with pytest.raises(ValueError, match="IterableDataset"):
        ConcatDataset([a, Stream(2)])


def test_subset_matches_torch() -> None:
    ds, ref = _pair(10)
    idx = [7, 1, 1, 4]
    ours, theirs = Subset(ds, idx), tud.Subset(ref, idx)
    assert len(ours) == len(theirs) == 4
    for i in range(4):
        same(list(ours[i]), list(theirs[i]))
    same(list(ours[[0, 3]]), list(theirs[[0, 3]]))
    same(list(DataLoader(ours, batch_size=3)), list(tud.DataLoader(theirs, batch_size=3)))
    plain = Subset(Samples(10, lambda i: (i, float(i))), idx)
    ref_plain = tud.Subset(TorchSamples(10, lambda i: (i, float(i))), idx)
    same(list(DataLoader(plain, batch_size=3)), list(tud.DataLoader(ref_plain, batch_size=3)))


# ---------------------------------------------------------------------- random_split
@pytest.mark.parametrize(
    "n,lengths",
    [
        (10, [3, 7]),
        (10, [0.5, 0.5]),
        (10, [0.3, 0.3, 0.4]),
        (11, [0.5, 0.5]),
        (7, [0.1, 0.1, 0.8]),
        (5, [0.3333, 0.3333, 0.3334]),
        (100, [0.8, 0.1, 0.1]),
        (3, [1.0]),
        (4, [0, 4]),
    ],
)
def test_random_split_lengths_match_torch(n: int, lengths: list) -> None:
    ours = random_split(range(n), lengths)
    theirs = tud.random_split(range(n), lengths)
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    seen = sorted(i for s in ours for i in s.indices)
    assert seen == list(range(n))  # disjoint and covering
    assert all(isinstance(s, Subset) and isinstance(s.indices, list) for s in ours)


def test_random_split_warns_on_empty_split_as_torch() -> None:
    def messages(split: Any) -> list[str]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            split(range(2), [0.9, 0.05, 0.05])
        return [str(w.message) for w in caught]

    assert messages(random_split) == messages(tud.random_split)
    assert messages(random_split) == [
        f"Length of split at index {i} is 0. This might result in an empty dataset." for i in (1, 2)
    ]


def test_random_split_errors_match_torch() -> None:
    for lengths in ([3, 3], [1.5, -0.5], [0.6, 0.6]):
        raises_like_torch(
            lambda: random_split(range(5), lengths),
            lambda: tud.random_split(range(5), lengths),
        )


def test_random_split_is_seeded() -> None:
    def draw(**kwargs: Any) -> list[list[int]]:
        return [s.indices for s in random_split(range(20), [0.5, 0.25, 0.25], **kwargs)]

    rb.manual_seed(3)
    a = draw()
    rb.manual_seed(3)
    assert draw() == a
    assert draw() != a
    g = draw(generator=np.random.default_rng(9))
    assert g == draw(generator=np.random.default_rng(9))
    perm = np.random.default_rng(9).permutation(20).tolist()
    assert g == [perm[:10], perm[10:15], perm[15:]]


def test_random_split_subsets_load_like_the_whole() -> None:
    ds, _ = _pair(20)
    train, _ = random_split(ds, [0.75, 0.25])
    X, y = _xy(20)
    for xb, yb in DataLoader(train, batch_size=4, shuffle=True):
        np.testing.assert_array_equal(np.asarray(xb), X[np.asarray(yb)])
    got = np.concatenate([np.asarray(yb) for _, yb in DataLoader(train, batch_size=4)])
    np.testing.assert_array_equal(got, train.indices)


# ---------------------------------------------------------------------- the fast path
def test_fast_path_is_one_gather_per_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    ds, _ = _pair(10)
    train = random_split(ds, [0.8, 0.2])[0]
    calls = []
    original = TensorDataset._gather

    def counted(self: TensorDataset, idx: np.ndarray) -> list[np.ndarray]:
        calls.append(len(idx))
        return original(self, idx)

    monkeypatch.setattr(TensorDataset, "_gather", counted)
    fast = [np.asarray(yb) for _, yb in DataLoader(train, batch_size=3)]
    assert calls == [3, 3, 2]
    loader = DataLoader(train, batch_size=3, collate_fn=lambda b: default_collate(b))
    slow = [np.asarray(yb) for _, yb in loader]
    assert calls == [3, 3, 2]  # a custom collate_fn fetches sample by sample
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a, b)


def test_subclass_overriding_getitem_is_called() -> None:
    class Doubled(TensorDataset):
        def __getitem__(self, i: Any) -> tuple:
            x, y = super().__getitem__(i)
            return x * 2, y

    X, y = _xy(4)
    xb, yb = next(iter(DataLoader(Doubled(X, y), batch_size=4)))
    np.testing.assert_array_equal(np.asarray(xb), 2 * X)
    sub = Subset(Doubled(X, y), [3, 0])
    xb, _ = next(iter(DataLoader(sub, batch_size=2)))
    np.testing.assert_array_equal(np.asarray(xb), 2 * X[[3, 0]])


# ---------------------------------------------------------------------- samplers
def test_sequential_and_batch_samplers_match_torch() -> None:
    for n in (0, 1, 7, 12):
        assert list(SequentialSampler(range(n))) == list(tud.SequentialSampler(range(n)))
        for bs in (1, 3, 5):
            for drop_last in (False, True):
                ours = BatchSampler(SequentialSampler(range(n)), bs, drop_last)
                theirs = tud.BatchSampler(tud.SequentialSampler(range(n)), bs, drop_last)
                assert list(ours) == list(theirs) and len(ours) == len(theirs)
                stream = BatchSampler(iter(range(n)), bs, drop_last)  # any iterable
                assert list(stream) == list(theirs)
    for bad in (dict(batch_size=0, drop_last=False), dict(batch_size=2, drop_last="no")):
        raises_like_torch(
            lambda: BatchSampler(range(3), **bad), lambda: tud.BatchSampler(range(3), **bad)
        )


def test_random_sampler_permutation_every_epoch() -> None:
    s = RandomSampler(range(23))
    assert len(s) == len(tud.RandomSampler(range(23))) == 23
    epochs = [list(s) for _ in range(3)]
    assert all(sorted(e) == list(range(23)) for e in epochs)
    assert all(type(i) is int for i in epochs[0])
    assert epochs[0] != epochs[1]
    rb.manual_seed(5)
    assert list(s) == np.random.default_rng(5).permutation(23).tolist()


@pytest.mark.parametrize("replacement,k", [(False, 7), (False, 25), (True, 7), (True, 40)])
def test_random_sampler_num_samples(replacement: bool, k: int) -> None:
    n = 10
    ours = RandomSampler(range(n), replacement=replacement, num_samples=k)
    theirs = tud.RandomSampler(range(n), replacement=replacement, num_samples=k)
    drawn = list(ours)
    assert len(ours) == len(theirs) == len(drawn) == k
    assert all(0 <= i < n for i in drawn)
    if not replacement:  # consecutive blocks of n are permutations
        for start in range(0, k, n):
            block = drawn[start : start + n]
            assert len(set(block)) == len(block)
    g1, g2 = np.random.default_rng(1), np.random.default_rng(1)
    a = list(RandomSampler(range(n), replacement, k, generator=g1))
    assert a == list(RandomSampler(range(n), replacement, k, generator=g2))


def test_random_sampler_errors_match_torch() -> None:
    for kwargs in (dict(replacement=1), dict(num_samples=0), dict(num_samples=2.0)):
        raises_like_torch(
            lambda: RandomSampler(range(3), **kwargs), lambda: tud.RandomSampler(range(3), **kwargs)
        )
    raises_like_torch(lambda: RandomSampler(range(0)), lambda: tud.RandomSampler(range(0)))


def test_subset_random_sampler() -> None:
    idx = [3, 8, 8, 1]
    s = SubsetRandomSampler(idx)
    assert len(s) == len(tud.SubsetRandomSampler(idx)) == 4
    assert sorted(s) == sorted(idx)
    ds, _ = _pair(10)
    loader = DataLoader(ds, sampler=SubsetRandomSampler([2, 5, 6]), batch_size=2)
    assert sorted(int(v) for _, yb in loader for v in np.asarray(yb)) == [2, 5, 6]


def test_weighted_random_sampler() -> None:
    w = [0.0, 1.0, 3.0, 0.0, 6.0]
    s = WeightedRandomSampler(w, num_samples=20000)
    assert len(s) == len(tud.WeightedRandomSampler(w, 20000)) == 20000
    counts = np.bincount(list(s), minlength=5) / 20000
    np.testing.assert_allclose(counts, np.array(w) / 10, atol=0.02)
    for _ in range(5):  # without replacement: positive weights first, each index once
        drawn = list(WeightedRandomSampler(w, num_samples=5, replacement=False))
        assert sorted(drawn[:3]) == [1, 2, 4] and sorted(drawn[3:]) == [0, 3]
        ref = list(tud.WeightedRandomSampler(w, num_samples=5, replacement=False))
        assert sorted(ref[:3]) == [1, 2, 4] and sorted(ref[3:]) == [0, 3]
    # the first draw without replacement has probabilities w / sum(w)
    first = [WeightedRandomSampler(w, 2, replacement=False)._order()[0] for _ in range(4000)]
    np.testing.assert_allclose(np.bincount(first, minlength=5) / 4000, np.array(w) / 10, atol=0.03)


def test_weighted_random_sampler_errors_match_torch() -> None:
    for args in (([1.0, 2.0], 0), ([1.0, 2.0], True), ([[1.0, 2.0]], 1), ([1.0], 1, "yes")):
        raises_like_torch(
            lambda: WeightedRandomSampler(*args), lambda: tud.WeightedRandomSampler(*args)
        )
    for w, k, repl in (([1.0, -1.0], 1, True), ([0.0, 0.0], 1, True), ([1.0, 0.5], 3, False)):
        raises_like_torch(
            lambda: list(WeightedRandomSampler(w, k, repl)),
            lambda: list(tud.WeightedRandomSampler(w, k, repl)),
        )


# ---------------------------------------------------------------------- DistributedSampler
@pytest.mark.parametrize("n", [0, 1, 5, 10, 11, 12, 13])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_indices_match_torch(n: int, replicas: int, drop_last: bool) -> None:
    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = tud.DistributedSampler(
            range(n), replicas, rank, shuffle=False, drop_last=drop_last
        )
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs) == ours.num_samples == theirs.num_samples
        assert ours.total_size == theirs.total_size


@pytest.mark.parametrize("n,replicas,drop_last", [(23, 4, False), (23, 4, True), (13, 5, False)])
def test_distributed_sampler_shuffle_properties(n: int, replicas: int, drop_last: bool) -> None:
    def epoch(e: int, seed: int = 0) -> list[list[int]]:
        shares = []
        for rank in range(replicas):
            s = DistributedSampler(range(n), replicas, rank, seed=seed, drop_last=drop_last)
            s.set_epoch(e)
            shares.append(list(s))
        return shares

    shares = epoch(0)
    m = len(shares[0])
    assert all(len(s) == m for s in shares)
    flat = [i for s in shares for i in s]
    if drop_last:  # every kept index once, n - R*m dropped
        assert len(set(flat)) == len(flat) == replicas * (n // replicas)
    else:  # every index at least once; R*m - n of them twice
        assert set(flat) == set(range(n)) and len(flat) == replicas * -(-n // replicas)
    assert epoch(0) == shares  # same seed and epoch: the same shares (every rank agrees)
    assert epoch(1) != shares  # set_epoch reshuffles
    assert epoch(0, seed=1) != shares
    rb.manual_seed(123)  # independent of the global generator
    assert epoch(0) == shares


def test_distributed_sampler_padding_longer_than_the_data() -> None:
    ours = [list(DistributedSampler(range(2), 5, r, shuffle=False)) for r in range(5)]
    theirs = [list(tud.DistributedSampler(range(2), 5, r, shuffle=False)) for r in range(5)]
    assert ours == theirs == [[0], [1], [0], [1], [0]]


def test_distributed_sampler_bad_rank_matches_torch() -> None:
    for rank in (3, -1):
        raises_like_torch(
            lambda: DistributedSampler(range(9), num_replicas=3, rank=rank),
            lambda: tud.DistributedSampler(range(9), num_replicas=3, rank=rank),
        )


def test_distributed_sampler_defaults_without_a_process_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(rb, "distributed", raising=False)
    monkeypatch.setitem(sys.modules, "rosenblatt.distributed", None)  # import fails
    s = DistributedSampler(range(10))
    assert (s.num_replicas, s.rank, len(s)) == (1, 0, 10)
    fake = types.ModuleType("rosenblatt.distributed")
    fake.is_initialized = lambda: False
    fake.get_world_size = fake.get_rank = lambda: 1 / 0
    monkeypatch.setitem(sys.modules, "rosenblatt.distributed", fake)
    monkeypatch.setattr(rb, "distributed", fake, raising=False)
    s = DistributedSampler(range(10))
    assert (s.num_replicas, s.rank) == (1, 0)


def test_distributed_sampler_reads_the_process_group(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("rosenblatt.distributed")
    fake.is_initialized = lambda: True
    fake.get_world_size = lambda: 3
    fake.get_rank = lambda: 2
    monkeypatch.setitem(sys.modules, "rosenblatt.distributed", fake)
    monkeypatch.setattr(rb, "distributed", fake, raising=False)
    s = DistributedSampler(range(10), shuffle=False)
    assert (s.num_replicas, s.rank, list(s)) == (3, 2, [2, 5, 8, 1])
    assert DistributedSampler(range(10), rank=0).rank == 0


def test_dataloader_with_distributed_sampler_reads_the_rank_share() -> None:
    ds, ref = _pair(11)
    for rank in range(3):
        ours = DataLoader(ds, batch_size=2, sampler=DistributedSampler(ds, 3, rank, shuffle=False))
        theirs = tud.DataLoader(
            ref, batch_size=2, sampler=tud.DistributedSampler(ref, 3, rank, shuffle=False)
        )
        assert len(ours) == len(theirs)
        same(list(ours), list(theirs))
    shares = []
    for rank in range(3):
        sampler = DistributedSampler(ds, 3, rank, seed=7)
        sampler.set_epoch(2)
        loader = DataLoader(ds, batch_size=2, sampler=sampler)
        shares.append([int(v) for _, yb in loader for v in np.asarray(yb)])
    assert [len(s) for s in shares] == [4, 4, 4]
    assert set(shares[0]).union(*shares[1:]) == set(range(11))
