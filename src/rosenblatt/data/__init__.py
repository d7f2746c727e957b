"""``rosenblatt.data``: data sets, batching, files, and the checks on data that enters.

Batching (PyTorch's semantics, seeded shuffling; these live in ``rosenblatt.utils.data``,
``torch.utils.data``'s place, and are re-exported here)::

    ds = rb.data.TensorDataset(X, y)                   # arrays or Tensors, same first dim
    for xb, yb in rb.data.DataLoader(ds, batch_size=32, shuffle=True, drop_last=False):
        ...                                            # xb, yb: rosenblatt Tensors

Data sets, each ``(X float32, y)`` with y int64 labels (classification) or float32 targets
(regression)::

    rb.data.gates("xor", signed=False)                 # the deck's truth tables, 4 rows
    rb.data.make_moons(n_samples=100, noise=0.1)       # also make_circles, make_spirals
    rb.data.load_digits()                              # iris, wine, breast_cancer, diabetes
    rb.data.load_dataset("digits")                     # by name; list_datasets(), dataset_task()
    rb.data.train_test_split(X, y, test_size=0.25)     # seeded from rb.manual_seed

Files::

    X, y, names = rb.data.load_csv("data.csv", target="label", features=None)
    images = rb.data.read_idx("train-images-idx3-ubyte.gz")
    X, y = rb.data.load_mnist("mnist/", split="train")
    X, y = rb.data.load_creditcard("creditcard.csv")

Checks (ValueError with one clear line), reused by ``rb.fit`` and the CLI::

    rb.data.check_finite(X, "X")                       # NaN/inf: how many and where
    rb.data.check_labels(y, classes=[0, 1, 2])         # labels outside the classes
    rb.data.check_X_y(X, y); rb.data.check_n_features(X, 64, "Linear(64, 10)")
    rb.data.check_memory(nbytes, "what asks for it")   # refused before allocating
"""

from ..utils.data import DataLoader, Dataset, TensorDataset
from .datasets import (
    dataset_task,
    gates,
    list_datasets,
    load_breast_cancer,
    load_dataset,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
    make_circles,
    make_moons,
    make_spirals,
    train_test_split,
)
from .files import (
    CREDITCARD_COLUMNS,
    CREDITCARD_FEATURES,
    load_creditcard,
    load_csv,
    load_mnist,
    read_idx,
)
from .validation import (
    available_memory,
    check_finite,
    check_labels,
    check_memory,
    check_n_features,
    check_X_y,
    is_member,
)

__all__ = [
    "CREDITCARD_COLUMNS",
    "CREDITCARD_FEATURES",
    "DataLoader",
    "Dataset",
    "TensorDataset",
    "check_X_y",
    "available_memory",
    "check_finite",
    "check_labels",
    "check_memory",
    "check_n_features",
    "dataset_task",
    "gates",
    "is_member",
    "list_datasets",
    "load_breast_cancer",
    "load_creditcard",
    "load_csv",
    "load_dataset",
    "load_diabetes",
    "load_digits",
    "load_iris",
    "load_mnist",
    "load_wine",
    "make_circles",
    "make_moons",
    "make_spirals",
    "read_idx",
    "train_test_split",
]
