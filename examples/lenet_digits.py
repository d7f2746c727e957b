"""LeNet-5 on scikit-learn's handwritten digits (the EDSF deck's CNN: convolution,
subsampling, convolution, subsampling, fully connected).

How the 8x8 images are adapted: LeNet-5 reads 32x32 images, and 8 x 4 = 32, so every pixel
of the 8x8 digit is repeated into a 4x4 block (nearest-neighbour upsampling,
``np.kron(image, ones((4, 4)))``). The network is then LeNet-5's own layout:

    input 1@32x32 -> C1 conv 6@5x5 -> 6@28x28 -> S2 max-pool 2 -> 6@14x14
    -> C3 conv 16@5x5 -> 16@10x10 -> S4 max-pool 2 -> 16@5x5
    -> F5 120 -> F6 84 -> 10 classes (softmax cross-entropy)

with ReLU for the original scaled tanh and max-pooling for the trainable subsampling (the
modern reading of LeNet-5). Pixel values 0..16 are scaled to [0, 1].

Training: Adam (lr 1e-3, cosine-annealed to 0 over 60 epochs), batches of 32, and every
training image shifted by a random translation of up to 3 pixels each way (zero fill) --
with only 1 437 training images the network otherwise memorises them (test accuracy
~0.975 without the shifts). On the held-out 20 % of the 1 797 digits (stratified split,
seed 0) it reaches about 0.99 test accuracy (0.989 with seed 0; 0.989-1.0 over seeds 0-3,
whose splits differ).

Run: python examples/lenet_digits.py
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import rosenblatt as rb
from rosenblatt import nn, optim


def load_data(seed: int = 0) -> tuple[np.ndarray, ...]:
    """Digits as (N, 1, 32, 32) float32 images in [0, 1] (8x8 upsampled 4x), int64 labels."""
    digits = load_digits()
    images = np.kron(digits.images, np.ones((1, 4, 4))) / 16.0  # (N, 32, 32)
    x = images[:, None].astype(np.float32)
    y = digits.target.astype(np.int64)
    return train_test_split(x, y, test_size=0.2, stratify=y, random_state=seed)


def lenet5() -> nn.Sequential:
    """LeNet-5 (LeCun et al. 1998) for 1@32x32 inputs and 10 classes."""
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5),  # C1: 6@28x28
        nn.ReLU(),
        nn.MaxPool2d(2),  # S2: 6@14x14
        nn.Conv2d(6, 16, kernel_size=5),  # C3: 16@10x10
        nn.ReLU(),
        nn.MaxPool2d(2),  # S4: 16@5x5
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120),  # F5
        nn.ReLU(),
        nn.Linear(120, 84),  # F6
        nn.ReLU(),
        nn.Linear(84, 10),  # output: class scores (softmax is in the loss)
    )


def random_shift(x: np.ndarray, max_shift: int, rng: np.random.Generator) -> np.ndarray:
    """Translate each image (N, 1, H, W) by (dy, dx) in [-max_shift, max_shift], zero fill."""
    if max_shift == 0:
        return x
    m = max_shift
    padded = np.pad(x, ((0, 0), (0, 0), (m, m), (m, m)))
    h, w = x.shape[2:]
    out = np.empty_like(x)
    for k, (dy, dx) in enumerate(rng.integers(0, 2 * m + 1, size=(len(x), 2))):
        out[k] = padded[k, :, dy : dy + h, dx : dx + w]
    return out


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    model.eval()
    with rb.no_grad():
        pred = model(rb.tensor(x)).numpy().argmax(axis=1)
    model.train()
    return float(np.mean(pred == y))


def main(
    epochs: int = 60, batch_size: int = 32, lr: float = 1e-3, max_shift: int = 3, seed: int = 0
) -> float:
    """Train LeNet-5 and return its test accuracy."""
    rb.manual_seed(seed)
    x_train, x_test, y_train, y_test = load_data(seed)
    model = lenet5()
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.Adam(model.parameters(), lr=lr)
    schedule = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    rng = rb.get_rng()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x_train))
        total = 0.0
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            x = random_shift(x_train[idx], max_shift, rng)
            loss = loss_fn(model(rb.tensor(x)), rb.tensor(y_train[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        schedule.step()
        if epoch % 10 == 0 or epoch == 1:
            print(
                f"epoch {epoch:3d}  loss {total / len(order):.4f}  "
                f"test accuracy {accuracy(model, x_test, y_test):.4f}"
            )
    acc = accuracy(model, x_test, y_test)
    print(f"LeNet-5 test accuracy on {len(y_test)} held-out digits: {acc:.4f}")
    return acc


if __name__ == "__main__":
    main()
