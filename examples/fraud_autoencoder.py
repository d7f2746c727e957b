"""Credit-card fraud detection with an autoencoder trained on normal transactions only.

The workflow of the EDSF deck ("Example: fraud detection") with ``FraudDetector``: the
30 features (Time, V1..V28, Amount) go in raw, as the CSV has them; the detector min-max
scales them inside (fitted on its training rows and kept with it), trains the autoencoder
30-100-100-15-100-100-30 on half of the normal transactions with the deck's loss
sum_batch ||x - x_hat||^2, and scores every transaction by the deck's distance
d = ||x - x_hat||^2 on the scaled features. It reports, on the other half of the normal
transactions plus every fraud:

- the false positive rate (normal -> fraud) and true positive rate (fraud -> fraud) at the
  deck's thresholds d > 0.20 and d > 0.55 (deck: 10 % / 90.8 % and 0.20 % / 62.6 %), and
  at the thresholds that give the deck's two false positive rates;
- the ROC AUC, beside a 15-component PCA reconstruction baseline (the linear autoencoder).

The real data (not shipped): the ULB "Credit Card Fraud Detection" table,
https://www.kaggle.com/datasets/mlg-ulb/creditcardfraud, file ``creditcard.csv`` (284 807
transactions over two days, 492 frauds; columns Time, V1..V28, Amount, Class). With the
deck's settings::

    python examples/fraud_autoencoder.py creditcard.csv --epochs 500 --batch-size 2048

(500 epochs over 142 000 rows: hours on a laptop CPU; ``--epochs 50`` already separates the
classes). Without a path the example generates a credit-card-like table and trains a few
epochs, in seconds::

    python examples/fraud_autoencoder.py
    python examples/fraud_autoencoder.py --n 100000 --epochs 60

On the generated table the distances are smaller than on the real one (its normal rows lie
near a 6-dimensional subspace), so the deck's 0.20 / 0.55 flag fewer rows there; the rates at
matched false positive rates and the AUC are the comparable numbers.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score

import rosenblatt as rb
from rosenblatt.models.fraud import DECK_THRESHOLDS, FraudDetector


def make_creditcard_like(n: int = 40_000, fraud_rate: float = 0.0035, seed: int = 0):
    """A table shaped like the credit-card data: Time (s over two days), V1..V28 (correlated
    'PCA components' of a few latent factors), Amount (log-normal), Class (1 = fraud).

    Normal transactions lie near a 6-dimensional linear subspace of V1..V28; frauds leave it
    (shifted, heavier-tailed components) and have larger amounts.
    """
    rng = np.random.default_rng(seed)
    n_fraud = max(1, round(n * fraud_rate))
    mixing = rng.normal(size=(6, 28)) / np.sqrt(6)
    latent = rng.normal(size=(n, 6))
    V = latent @ mixing + 0.1 * rng.normal(size=(n, 28))
    amount = np.exp(rng.normal(3.0, 1.2, size=n))
    y = np.zeros(n, dtype=np.int64)
    fraud = rng.choice(n, n_fraud, replace=False)
    y[fraud] = 1
    V[fraud] += 0.2 * rng.standard_t(3, size=(n_fraud, 28))
    amount[fraud] *= rng.uniform(1.0, 4.0, size=n_fraud)
    time_s = np.sort(rng.uniform(0, 172_800, size=n))
    X = np.column_stack([time_s, V, amount]).astype(np.float32)
    return X, y


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", help="creditcard.csv (else generated data)")
    parser.add_argument("--epochs", type=int, default=40, help="the deck used 500")
    parser.add_argument("--batch-size", type=int, default=256, help="the deck used 2048")
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam's learning rate")
    parser.add_argument("--roc", default="fraud_roc.png", help="where to save the ROC plot")
    parser.add_argument("--n", type=int, default=20_000, help="rows of generated data")
    args = parser.parse_args(argv)

    X, y = rb.data.load_creditcard(args.path) if args.path else make_creditcard_like(args.n)
    source = args.path or "generated credit-card-like data"
    print(f"{source}: {len(X)} transactions, {int(y.sum())} frauds ({100 * y.mean():.2f} %)")

    # Train on half of the normal transactions; test on the other half plus every fraud.
    rng = np.random.default_rng(0)
    normal = rng.permutation(np.flatnonzero(y == 0))
    train, test = normal[: len(normal) // 2], np.r_[normal[len(normal) // 2 :], np.flatnonzero(y)]
    X_train, X_test, y_test = X[train], X[test], y[test]  # raw: Time in s, Amount in currency

    detector = FraudDetector(  # the deck's network, min-max inside, d = ||x - x_hat||^2
        hidden_layer_sizes=(100, 100, 15),  # hidden_layer1, hidden_layer2, encoding_dim
        batch_size=args.batch_size,
        max_iter=args.epochs,
        learning_rate_init=args.lr,
        random_state=0,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached: this is a fixed epoch budget
        detector.fit(X_train)
    print(
        f"trained {detector.n_iter_} epochs in {time.perf_counter() - start:.1f} s, "
        f"final loss {detector.loss_curve_[-1]:.3g}"
    )

    d_train, d_test = detector.anomaly_score(X_train), detector.anomaly_score(X_test)
    normal_mean, fraud_mean = d_test[y_test == 0].mean(), d_test[y_test == 1].mean()
    print(
        f"mean distance  train: {d_train.mean():.3g}  test normal: {normal_mean:.3g}  "
        f"fraud: {fraud_mean:.3g}"
    )

    results: dict[str, float] = {}
    for threshold, (fpr, tpr) in detector.deck_rates(X_test, y_test, DECK_THRESHOLDS).items():
        print(
            f"deck threshold d > {threshold:g}: false positive rate (normal -> fraud) "
            f"{100 * fpr:.2f} %, true positive rate (fraud -> fraud) {100 * tpr:.1f} %"
        )
        results[f"fpr@d>{threshold:g}"], results[f"tpr@d>{threshold:g}"] = fpr, tpr
    for target_fpr in (0.10, 0.002):  # the deck's two false positive rates
        threshold = float(np.quantile(d_test[y_test == 0], 1 - target_fpr))
        fpr, tpr = detector.rates_at(threshold, X_test, y_test)
        print(
            f"threshold d > {threshold:.4g} (FPR {100 * target_fpr:g} % as the deck): "
            f"false positive rate {100 * fpr:.2f} %, true positive rate {100 * tpr:.1f} %"
        )
        results[f"fpr@{target_fpr}"], results[f"tpr@{target_fpr}"] = fpr, tpr

    *_, auc = detector.roc(X_test, y_test)
    scaled_train, scaled_test = (detector.scaler_.transform(Z) for Z in (X_train, X_test))
    pca = PCA(n_components=15).fit(scaled_train)
    pca_d = ((scaled_test - pca.inverse_transform(pca.transform(scaled_test))) ** 2).sum(axis=1)
    pca_auc = float(roc_auc_score(y_test, pca_d))
    print(f"ROC AUC = {auc:.4f}   (15-component PCA reconstruction: AUC = {pca_auc:.4f})")
    rb.viz.plot_roc_curve(y_test, d_test, args.roc, title="Autoencoder fraud detection")
    print(f"ROC curve saved to {args.roc}")
    results["auc"], results["pca_auc"] = auc, pca_auc
    return results


if __name__ == "__main__":
    main()
