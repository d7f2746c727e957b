"""CIFAR-10's binary format, read from files the test writes byte by byte as the format's
description says: <1 label byte><1024 red><1024 green><1024 blue> per image, row-major."""

from __future__ import annotations

import numpy as np
import pytest

from rosenblatt.data.cifar10 import CIFAR10_CLASSES, load_cifar10, read_cifar10_batch


def write_batch(path, images, labels):
    """The format, written without the reader's reshapes: one record per image."""
    with open(path, "wb") as f:
        for img, label in zip(images, labels):
            record = bytearray([label])
            for c in range(3):  # red, green, blue
                for row in range(32):
                    for col in range(32):
                        record.append(int(img[c, row, col]))
            f.write(bytes(record))


def random_images(rng, n):
    return rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8), rng.integers(0, 10, n)


def test_one_batch_reads_back_pixel_for_pixel(tmp_path):
    rng = np.random.default_rng(0)
    images, labels = random_images(rng, 4)
    write_batch(tmp_path / "data_batch_1.bin", images, labels)
    X, y = read_cifar10_batch(tmp_path / "data_batch_1.bin")
    assert X.dtype == np.uint8 and X.shape == (4, 3, 32, 32)
    np.testing.assert_array_equal(X, images)
    np.testing.assert_array_equal(y, labels)
    raw = (tmp_path / "data_batch_1.bin").read_bytes()
    # pixel (green, row 5, col 7) of image 2 sits at byte 3073*2 + 1 + 1024 + 5*32 + 7
    assert X[2, 1, 5, 7] == raw[3073 * 2 + 1 + 1024 + 5 * 32 + 7]


@pytest.mark.parametrize("nested", [False, True])
def test_load_cifar10_concatenates_the_five_training_files_in_order(tmp_path, nested):
    rng = np.random.default_rng(1)
    root = tmp_path / "cifar-10-batches-bin" if nested else tmp_path
    root.mkdir(exist_ok=True)
    parts = [random_images(rng, 2) for _ in range(5)]
    for i, (images, labels) in enumerate(parts, start=1):
        write_batch(root / f"data_batch_{i}.bin", images, labels)
    test_images, test_labels = random_images(rng, 3)
    write_batch(root / "test_batch.bin", test_images, test_labels)

    X, y = load_cifar10(tmp_path, "train")
    assert X.dtype == np.float32 and X.shape == (10, 3, 32, 32)
    np.testing.assert_array_equal(X * 255, np.concatenate([p[0] for p in parts]))
    np.testing.assert_array_equal(y, np.concatenate([p[1] for p in parts]))
    X_test, y_test = load_cifar10(tmp_path, "test", flatten=True)
    assert X_test.shape == (3, 3072)
    np.testing.assert_allclose(X_test[1], test_images[1].reshape(-1) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y_test, test_labels)
    assert CIFAR10_CLASSES[0] == "airplane" and CIFAR10_CLASSES[9] == "truck"


def test_bad_files_give_clear_errors(tmp_path):
    rng = np.random.default_rng(2)
    images, labels = random_images(rng, 2)
    write_batch(tmp_path / "test_batch.bin", images, labels)
    data = (tmp_path / "test_batch.bin").read_bytes()
    (tmp_path / "cut.bin").write_bytes(data[:-10])
    with pytest.raises(ValueError, match="whole number of 3073-byte records"):
        read_cifar10_batch(tmp_path / "cut.bin")
    (tmp_path / "label.bin").write_bytes(bytes([12]) + data[1:])
    with pytest.raises(ValueError, match="record 0 has label 12"):
        read_cifar10_batch(tmp_path / "label.bin")
    with pytest.raises(FileNotFoundError, match="data_batch_1.bin not found"):
        load_cifar10(tmp_path, "train")
    with pytest.raises(ValueError, match="split"):
        load_cifar10(tmp_path, "validation")
