"""LBFGS: the parameter trajectory equals torch.optim.LBFGS's (float64), Rosenbrock to 1e-8."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import rosenblatt as rb

_R = np.random.default_rng(11)
X = _R.standard_normal((30, 4))
Y = _R.standard_normal((30, 2))
LABELS = (X @ np.array([1.0, -2.0, 0.5, 0.0]) + _R.standard_normal(30) > 0).astype(float)[:, None]
MLP = {"W1": 0.5 * _R.standard_normal((5, 4)), "W2": 0.5 * _R.standard_normal((2, 5))}
LOGIT = {"w": np.zeros((1, 4)), "b": np.zeros(1)}
ROSEN = {"w": np.array([-1.2, 1.0])}


def mlp(P, lib):
    x, y = _data(lib, X), _data(lib, Y)
    return (((x @ P["W1"].T).tanh() @ P["W2"].T - y) ** 2).mean()


def logistic(P, lib):
    x, t = _data(lib, X), _data(lib, LABELS)
    z = x @ P["w"].T + P["b"]
    return lib.nn.functional.binary_cross_entropy_with_logits(z, t)


def rosenbrock(P, lib):
    w = P["w"]
    return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2


def _data(lib, a):
    return rb.tensor(a, dtype="float64") if lib is rb else torch.tensor(a)


PROBLEMS = {"mlp": (MLP, mlp), "logistic": (LOGIT, logistic), "rosenbrock": (ROSEN, rosenbrock)}

CASES = [
    ("logistic", {}),
    ("rosenbrock", {}),
    ("rosenbrock", dict(lr=0.1)),
    ("mlp", dict(max_iter=3, history_size=2)),
    ("mlp", dict(lr=0.5, max_iter=4, max_eval=5)),
    ("mlp", dict(max_iter=2, tolerance_change=1e-3)),
    ("logistic", dict(max_iter=5, history_size=3, tolerance_grad=1e-3)),
]


def _run(lib, problem, line_search_fn, kwargs, steps=10):
    init, loss_fn = PROBLEMS[problem]
    if lib is rb:
        P = {k: rb.tensor(v, dtype="float64", requires_grad=True) for k, v in init.items()}
        opt = rb.optim.LBFGS(list(P.values()), line_search_fn=line_search_fn, **kwargs)
    else:
        P = {k: torch.tensor(v, requires_grad=True) for k, v in init.items()}
        opt = torch.optim.LBFGS(list(P.values()), line_search_fn=line_search_fn, **kwargs)

    def closure():
        opt.zero_grad()
        loss = loss_fn(P, lib)
        loss.backward()
        return loss

    trajectory, returned = [], []
    for _ in range(steps):
        loss = opt.step(closure)
        returned.append(float(loss.detach() if lib is torch else loss))
        trajectory.append(
            np.concatenate([np.asarray(p.detach().numpy()).ravel() for p in P.values()])
        )
    first = next(iter(P.values()))
    return np.array(trajectory), returned, opt.state[first]


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("problem,kwargs", CASES, ids=[f"{p}-{k}" for p, k in CASES])
def test_trajectory_equals_torch(problem, kwargs, line_search_fn):
    ours, ours_loss, ours_state = _run(rb, problem, line_search_fn, kwargs)
    theirs, theirs_loss, theirs_state = _run(torch, problem, line_search_fn, kwargs)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours_loss, theirs_loss, rtol=1e-6, atol=1e-12)
    assert ours_state["func_evals"] == theirs_state["func_evals"]
    assert ours_state["n_iter"] == theirs_state["n_iter"]
    assert np.abs(ours[-1] - ours[0]).max() > 1e-3  # the run moved


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_minimises_rosenbrock_below_1e_8(line_search_fn):
    w = rb.tensor([-1.2, 1.0], dtype="float64", requires_grad=True)
    opt = rb.optim.LBFGS([w], line_search_fn=line_search_fn)

    def closure():
        opt.zero_grad()
        loss = rosenbrock({"w": w}, rb)
        loss.backward()
        return loss

    for _ in range(10):
        opt.step(closure)
    assert float(closure()) < 1e-8
    np.testing.assert_allclose(w.numpy(), [1.0, 1.0], atol=1e-3)


def test_defaults_equal_torch():
    w = rb.tensor(np.zeros(2), requires_grad=True)
    ours = rb.optim.LBFGS([w]).defaults
    theirs = torch.optim.LBFGS([torch.zeros(2, requires_grad=True)]).defaults
    assert ours == theirs
    assert rb.optim.LBFGS([w], max_iter=7).defaults["max_eval"] == 7 * 5 // 4


def test_state_dict_round_trip_continues_the_same_run():
    init, loss_fn = PROBLEMS["mlp"]

    def make():
        P = {k: rb.tensor(v, dtype="float64", requires_grad=True) for k, v in init.items()}
        opt = rb.optim.LBFGS(list(P.values()), max_iter=3, history_size=4)

        def closure():
            opt.zero_grad()
            loss = loss_fn(P, rb)
            loss.backward()
            return loss

        return P, opt, closure

    P1, opt1, c1 = make()
    for _ in range(6):
        opt1.step(c1)
    P2, opt2, c2 = make()
    for _ in range(3):
        opt2.step(c2)
    P3, opt3, c3 = make()
    for name in P3:
        P3[name].numpy()[...] = P2[name].numpy()
    opt3.load_state_dict(opt2.state_dict())
    for _ in range(3):
        opt3.step(c3)
    for name in P1:
        np.testing.assert_allclose(P3[name].numpy(), P1[name].numpy(), rtol=0, atol=1e-12)


def test_float32_parameters_stay_float32():
    w = rb.tensor([-1.2, 1.0], requires_grad=True)
    opt = rb.optim.LBFGS([w], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = rosenbrock({"w": w}, rb)
        loss.backward()
        return loss

    for _ in range(5):
        opt.step(closure)
    assert w.dtype == np.float32
    assert float(closure()) < 1e-3


def test_errors_name_the_argument():
    a, b = (rb.tensor(np.ones(2), requires_grad=True) for _ in range(2))
    with pytest.raises(ValueError, match="parameter groups"):
        rb.optim.LBFGS([{"params": [a]}, {"params": [b]}])
    with pytest.raises(ValueError, match="line_search_fn"):
        rb.optim.LBFGS([a], line_search_fn="armijo")
    with pytest.raises(ValueError, match="history_size"):
        rb.optim.LBFGS([a], history_size=0)
    with pytest.raises(TypeError, match="closure"):
        rb.optim.LBFGS([a]).step()
