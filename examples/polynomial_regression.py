"""Polynomial regression (KIT deck): a nonlinear fit that is still linear in theta.

    h_theta(x) = theta_0 + theta_1 x + theta_2 x^2 + ... + theta_p x^p,
    phi(x) = (x, x^2, ..., x^p)  (basis functions),  theta = Phi^+ y  (normal equations)

scikit-learn's PolynomialFeatures makes the basis, rosenblatt's LinearRegression fits
theta, both in one Pipeline. The example fits noisy samples of a cubic with degrees 1, 3
and 9 (underfit, right, overfit: compare training and test error), then fits the cubic
again by gradient descent, which needs the features on one scale (KIT deck: feature
scaling) -- a StandardScaler in the same pipeline.

Run: python examples/polynomial_regression.py [--n 30] [--seed 0] [--plot poly.png]
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from rosenblatt.models import LinearRegression

TRUE_THETA = np.array([1.0, -2.0, 0.5, 0.8])  # theta_0 ... theta_3


def cubic(x: np.ndarray) -> np.ndarray:
    return np.polynomial.polynomial.polyval(x, TRUE_THETA)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30, help="number of training points")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", help="save the fits to this image file")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    x = rng.uniform(-2, 2, (args.n, 1))
    y = cubic(x[:, 0]) + rng.normal(0, 0.5, args.n)
    x_test = np.linspace(-2, 2, 200)[:, None]
    y_test = cubic(x_test[:, 0])

    results: dict[str, float] = {}
    models = {}
    print(f"{'model':<22} {'train MSE':>10} {'test MSE':>10}")
    for degree in (1, 3, 9):
        model = make_pipeline(PolynomialFeatures(degree, include_bias=False), LinearRegression())
        model.fit(x, y)
        train = float(np.mean((model.predict(x) - y) ** 2))
        test = float(np.mean((model.predict(x_test) - y_test) ** 2))
        print(f"{f'degree {degree}, normal eq.':<22} {train:10.4f} {test:10.4f}")
        results[f"degree {degree}"] = test
        models[f"degree {degree}"] = model

    theta = np.r_[models["degree 3"][-1].intercept_, models["degree 3"][-1].coef_]
    print(f"\ntrue theta              {np.round(TRUE_THETA, 3)}")
    print(f"normal equations theta  {np.round(theta, 3)}")

    # Gradient descent: x^3 spans [-8, 8] while x spans [-2, 2]; standardise the basis.
    gd = make_pipeline(
        PolynomialFeatures(3, include_bias=False),
        StandardScaler(),
        LinearRegression(solver="gd", learning_rate=0.3, tol=1e-13, max_iter=20000),
    )
    gd.fit(x, y)
    scaler, reg = gd[1], gd[2]
    coef = reg.coef_ / scaler.scale_
    theta_gd = np.r_[reg.intercept_ - coef @ scaler.mean_, coef]
    print(
        f"gradient descent theta  {np.round(theta_gd, 3)}  ({reg.n_iter_} iterations, "
        f"J = {reg.loss_curve_[-1]:.4f})"
    )
    results["gd vs normal equations"] = float(np.max(np.abs(theta_gd - theta)))

    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5, 4))
        ax.scatter(x[:, 0], y, s=12, color="k", label="data")
        for name, model in models.items():
            ax.plot(x_test[:, 0], model.predict(x_test), label=name)
        ax.set(xlabel="x", ylabel="y", ylim=(y.min() - 2, y.max() + 2))
        ax.legend()
        fig.savefig(args.plot, dpi=120, bbox_inches="tight")
        print(f"saved {args.plot}")
    return results


if __name__ == "__main__":
    main()
