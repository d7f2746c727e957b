"""The EDSF deck's student exam: logistic regression on hours studied and hours slept.

    p(passed) = sigma(w0 + w1 * hours studied + w2 * hours slept)

The deck's data live in a notebook that is not part of the slides, so this example
generates students from known weights, fits rosenblatt's LogisticRegression by the deck's
gradient descent and by Newton's method (IRLS), compares them with scikit-learn, and prints
the pass probability of a few students.

Run: python examples/student_exam.py [--n 400] [--seed 0] [--plot exam.png]
"""

from __future__ import annotations

import argparse
from types import SimpleNamespace

import numpy as np
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from sklearn.preprocessing import StandardScaler

from rosenblatt.models import LogisticRegression

TRUE_WEIGHTS = np.array([-9.0, 0.9, 0.6])  # w0 (bias), w1 (per hour studied), w2 (per hour slept)


def make_students(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n students: hours studied U(0, 10), hours slept U(3, 10), passed ~ Bernoulli(p)."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.uniform(0, 10, n), rng.uniform(3, 10, n)])
    p = 1 / (1 + np.exp(-(TRUE_WEIGHTS[0] + X @ TRUE_WEIGHTS[1:])))
    return X, (rng.random(n) < p).astype(int)


def weights(model: object) -> np.ndarray:
    """(w0, w1, w2) of a fitted binary logistic regression."""
    return np.concatenate([model.intercept_, model.coef_[0]])


def main(argv: list[str] | None = None) -> dict[str, np.ndarray]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400, help="number of students")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", help="save the decision boundary to this image file")
    args = parser.parse_args(argv)

    X, passed = make_students(args.n, args.seed)
    print(f"{args.n} students, {passed.mean():.0%} passed; true w = {TRUE_WEIGHTS}")

    # The deck: minimise the cross-entropy E(w) by gradient descent, w := w - eta grad E.
    # Gradient descent converges fast on standardised features (KIT deck: feature scaling);
    # the weights are mapped back to hours afterwards: w = w_std / sd, w0 -= sum(w mu).
    scaler = StandardScaler().fit(X)
    gd_std = LogisticRegression(
        penalty=None, solver="gd", learning_rate=1.0, max_iter=5000, tol=1e-12
    ).fit(scaler.transform(X), passed)
    gd = SimpleNamespace(coef_=gd_std.coef_ / scaler.scale_, n_iter_=gd_std.n_iter_)
    gd.intercept_ = gd_std.intercept_ - gd.coef_[0] @ scaler.mean_
    newton = LogisticRegression(penalty=None, solver="newton", tol=1e-10).fit(X, passed)
    reference = SklearnLogisticRegression(C=np.inf, tol=1e-10, max_iter=1000).fit(X, passed)
    fits = {"gradient descent": gd, "newton (IRLS)": newton, "scikit-learn": reference}
    print(f"{'solver':<18} {'w0':>8} {'w1':>8} {'w2':>8}  iterations")
    for name, model in fits.items():
        w = weights(model)
        print(f"{name:<18} {w[0]:8.3f} {w[1]:8.3f} {w[2]:8.3f}  {np.ravel(model.n_iter_)[0]}")

    students = np.array([[2.0, 8.0], [5.0, 5.0], [6.0, 8.0], [9.0, 4.0]])
    print("\nhours studied  hours slept  p(passed)")
    for (studied, slept), p in zip(students, newton.predict_proba(students)[:, 1]):
        print(f"{studied:13.1f}  {slept:11.1f}  {p:9.3f}")
    print(f"\ntraining accuracy {newton.score(X, passed):.3f}")

    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        w = weights(newton)
        fig, ax = plt.subplots(figsize=(5, 4))
        ax.scatter(*X[passed == 1].T, marker="o", s=12, label="passed")
        ax.scatter(*X[passed == 0].T, marker="x", s=12, label="failed")
        hours = np.linspace(0, 10, 2)
        ax.plot(hours, -(w[0] + w[1] * hours) / w[2], "k-", label="p = 0.5")
        ax.set(xlabel="hours studied", ylabel="hours slept", ylim=(3, 10))
        ax.legend()
        fig.savefig(args.plot, dpi=120, bbox_inches="tight")
        print(f"saved {args.plot}")
    return {name: weights(model) for name, model in fits.items()}


if __name__ == "__main__":
    main()
