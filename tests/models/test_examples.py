"""The runnable examples of the models: the EDSF student exam and polynomial regression."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_student_exam_example(capsys):
    fits = _load("student_exam").main(["--n", "300", "--seed", "1"])
    out = capsys.readouterr().out
    assert "p(passed)" in out and "hours studied" in out
    reference = fits["scikit-learn"]
    np.testing.assert_allclose(fits["newton (IRLS)"], reference, atol=1e-5)
    np.testing.assert_allclose(fits["gradient descent"], reference, atol=1e-4)
    # the generated students carry the deck's model: the fit recovers its signs
    assert reference[0] < 0 and reference[1] > 0 and reference[2] > 0


def test_polynomial_regression_example(capsys):
    results = _load("polynomial_regression").main([])
    assert results["degree 3"] < results["degree 1"] and results["degree 3"] < results["degree 9"]
    assert results["gd vs normal equations"] < 1e-4
    assert "normal equations theta" in capsys.readouterr().out


def test_docstring_examples_run():
    import doctest

    from rosenblatt.models import linear, mlp, perceptron, threshold

    for module in (threshold, perceptron, linear, mlp):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__
