"""CIFAR-10 in its binary format (EDSF deck, "Machine Learning Basics": the ten classes
airplane ... truck as training and test images).

The "CIFAR-10 binary version" (https://www.cs.toronto.edu/~kriz/cifar.html) is six files,
``data_batch_1.bin`` ... ``data_batch_5.bin`` (training, 10 000 images each) and
``test_batch.bin``, in a folder ``cifar-10-batches-bin``. Each file is a sequence of
records of 3073 bytes::

    byte 0              the label, 0..9 (an index into batches.meta.txt)
    bytes 1 .. 1024     the red channel, 32 x 32, row by row
    bytes 1025 .. 2048  the green channel
    bytes 2049 .. 3072  the blue channel

so a record reshaped to (3, 32, 32) after its first byte is the image in PyTorch's
channels-first layout. Nothing is downloaded: the files must be on disk.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Union

import numpy as np

__all__ = ["CIFAR10_CLASSES", "load_cifar10", "read_cifar10_batch"]

PathLike = Union[str, "os.PathLike[str]"]

CIFAR10_CLASSES = [
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
]  # fmt: skip
_RECORD = 1 + 3 * 32 * 32
_FILES = {
    "train": [f"data_batch_{i}.bin" for i in range(1, 6)],
    "test": ["test_batch.bin"],
}


def read_cifar10_batch(path: PathLike) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 binary file: its images and labels, as stored.

    Parameters
    ----------
    path : str or Path
        A ``data_batch_*.bin`` or ``test_batch.bin`` file.

    Returns
    -------
    images : uint8 array, shape (n, 3, 32, 32)
        Channels red, green, blue; rows top to bottom.
    labels : int64 array, shape (n,), in 0..9

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        A size that is not a whole number of 3073-byte records, or a label above 9.
    """
    path = Path(path)
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0 or raw.size % _RECORD:
        raise ValueError(
            f"read_cifar10_batch: {path.name} has {raw.size} bytes, not a whole number of "
            f"{_RECORD}-byte records (1 label byte + 3 x 32 x 32 pixels); is it the binary "
            "version of CIFAR-10 (not the python or matlab one), and complete?"
        )
    records = raw.reshape(-1, _RECORD)
    labels = records[:, 0].astype(np.int64)
    if labels.max() > 9:
        bad = int(np.argmax(labels > 9))
        raise ValueError(
            f"read_cifar10_batch: {path.name} record {bad} has label {labels[bad]}, "
            "CIFAR-10 labels are 0..9"
        )
    images = records[:, 1:].reshape(-1, 3, 32, 32)
    return np.ascontiguousarray(images), labels


def load_cifar10(
    directory: PathLike, split: str = "train", flatten: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10 from its binary files in ``directory``: x = pixel / 255.

    Parameters
    ----------
    directory : str or Path
        Holds ``data_batch_1.bin`` ... ``data_batch_5.bin`` and ``test_batch.bin``, directly
        or in a ``cifar-10-batches-bin`` subfolder (as the archive unpacks).
    split : {"train", "test"}
        The five training files in order (50 000 images), or the test file (10 000).
    flatten : bool, default False
        X of shape (n, 3072) instead of (n, 3, 32, 32).

    Returns
    -------
    X : float32 array in [0, 1], shape (n, 3, 32, 32) or (n, 3072)
    y : int64 array, shape (n,); ``CIFAR10_CLASSES[y]`` names the class

    Raises
    ------
    FileNotFoundError
        A missing file (its name and the folder are given).
    ValueError
        A malformed file (see :func:`read_cifar10_batch`), or an unknown split.
    """
    if split not in _FILES:
        raise ValueError(f"load_cifar10: split must be 'train' or 'test', got {split!r}")
    d = Path(directory)
    if not (d / _FILES[split][0]).exists() and (d / "cifar-10-batches-bin").is_dir():
        d = d / "cifar-10-batches-bin"
    parts = []
    for name in _FILES[split]:
        if not (d / name).is_file():
            raise FileNotFoundError(
                f"load_cifar10: {name} not found in {os.fspath(d)!r} (download and unpack "
                "cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html)"
            )
        parts.append(read_cifar10_batch(d / name))
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    X = images.astype(np.float32) / np.float32(255.0)
    if flatten:
        X = X.reshape(len(X), -1)
    return np.ascontiguousarray(X), labels
