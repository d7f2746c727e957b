"""Every optimizer's parameter trajectory equals torch.optim's, step by step.

Both libraries start from the same float64 values, compute the same loss, take their own
gradients and step 25 times; the parameters must agree after every step (rtol 1e-6).
"""

import numpy as np
import pytest
import torch
from _optim_problems import (
    CASES,
    case_id,
    groups,
    loss_and_backward,
    make_params,
    optimizer,
    to_numpy,
)

import rosenblatt as rb

STEPS = 25
RTOL, ATOL = 1e-6, 1e-12


def trajectory(lib, name, kwargs, spec=None, problem="mlp", dtype="float64", steps=STEPS):
    """Parameters after each of ``steps`` steps; also checks rosenblatt never writes a grad."""
    P = make_params(lib, dtype, problem)
    opt = optimizer(lib, name, groups(P, spec), **kwargs)
    snaps = []
    for _ in range(steps):
        opt.zero_grad()
        loss_and_backward(lib, P, problem, dtype)
        before = {k: None if p.grad is None else to_numpy(p.grad).copy() for k, p in P.items()}
        opt.step()
        for k, p in P.items():
            if before[k] is None:
                assert p.grad is None
            else:  # the optimizer must not modify the gradient in place
                np.testing.assert_array_equal(to_numpy(p.grad), before[k])
        snaps.append({k: to_numpy(p).copy() for k, p in P.items()})
    return snaps, opt, P


def assert_same_trajectory(rb_snaps, torch_snaps, rtol=RTOL, atol=ATOL):
    assert len(rb_snaps) == len(torch_snaps)
    for step, (a, b) in enumerate(zip(rb_snaps, torch_snaps), start=1):
        for k in b:
            np.testing.assert_allclose(
                a[k], b[k], rtol=rtol, atol=atol, err_msg=f"parameter {k} after step {step}"
            )


def assert_same_state(rb_opt, rb_P, torch_opt, torch_P, rtol=RTOL, atol=ATOL):
    """Same state entries (PyTorch's names) with the same values, for every parameter."""
    for k in torch_P:
        ts = torch_opt.state.get(torch_P[k], {})
        rs = rb_opt.state.get(rb_P[k], {})
        assert set(rs) == set(ts), f"state keys of {k}: {sorted(rs)} vs torch {sorted(ts)}"
        for key, tv in ts.items():
            if key == "step":
                assert rs[key] == float(tv)
            else:
                assert rs[key].dtype == rb_P[k].numpy().dtype
                np.testing.assert_allclose(rs[key], to_numpy(tv), rtol=rtol, atol=atol)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_trajectory_equals_torch(case):
    name, kwargs = case
    rb_snaps, rb_opt, rb_P = trajectory("rb", name, kwargs)
    t_snaps, t_opt, t_P = trajectory("torch", name, kwargs)
    assert_same_trajectory(rb_snaps, t_snaps)
    assert_same_state(rb_opt, rb_P, t_opt, t_P)
    # the parameter without a gradient was skipped
    np.testing.assert_array_equal(rb_snaps[-1]["unused"], rb_P["unused"].numpy())
    np.testing.assert_array_equal(rb_P["unused"].numpy(), t_P["unused"].detach().numpy())


ROSEN_CASES = [
    ("SGD", dict(lr=1e-3, momentum=0.9)),
    ("SGD", dict(lr=1e-3, momentum=0.9, nesterov=True)),
    ("Adagrad", dict(lr=0.05, lr_decay=0.01)),
    ("Adadelta", dict(lr=1.0, rho=0.95)),
    ("RMSprop", dict(lr=1e-3, centered=True, momentum=0.5)),
    ("Adam", dict(lr=0.05, amsgrad=True, betas=(0.9, 0.9))),
    ("AdamW", dict(lr=0.05, weight_decay=0.1)),
]


@pytest.mark.parametrize("case", ROSEN_CASES, ids=case_id)
def test_rosenbrock_trajectory_equals_torch(case):
    name, kwargs = case
    rb_snaps, *_ = trajectory("rb", name, kwargs, problem="rosenbrock")
    t_snaps, *_ = trajectory("torch", name, kwargs, problem="rosenbrock")
    assert_same_trajectory(rb_snaps, t_snaps)


GROUP_CASES = [
    ("SGD", dict(lr=0.1, momentum=0.9), {"lr": 0.02, "momentum": 0.5, "nesterov": True}),
    ("Adagrad", dict(lr=0.1), {"lr": 0.3, "lr_decay": 0.1}),
    ("Adadelta", dict(lr=1.0), {"lr": 0.5, "rho": 0.5, "weight_decay": 0.1}),
    ("RMSprop", dict(lr=0.01), {"lr": 0.003, "centered": True, "momentum": 0.3}),
    ("Adam", dict(lr=0.01), {"lr": 0.003, "betas": (0.5, 0.9), "amsgrad": True}),
    ("AdamW", dict(lr=0.01), {"lr": 0.003, "weight_decay": 0.5}),
]


@pytest.mark.parametrize("name,kwargs,override", GROUP_CASES, ids=[c[0] for c in GROUP_CASES])
def test_two_param_groups_equal_torch(name, kwargs, override):
    spec = [(["W1", "b1"], override), (["W2", "b2", "unused"], {})]
    rb_snaps, rb_opt, rb_P = trajectory("rb", name, kwargs, spec)
    t_snaps, t_opt, t_P = trajectory("torch", name, kwargs, spec)
    assert_same_trajectory(rb_snaps, t_snaps)
    assert_same_state(rb_opt, rb_P, t_opt, t_P)
    assert rb_opt.param_groups[0]["lr"] == override["lr"]
    assert rb_opt.param_groups[1]["lr"] == kwargs["lr"]


def test_groups_actually_differ():
    """Sanity check of the test above: the per-group lr changes the trajectory."""
    spec = [(["W1", "b1"], {"lr": 0.003}), (["W2", "b2"], {})]
    a, *_ = trajectory("rb", "Adam", dict(lr=0.01), spec, steps=3)
    b, *_ = trajectory("rb", "Adam", dict(lr=0.01), steps=3)
    assert not np.allclose(a[-1]["W1"], b[-1]["W1"])
    np.testing.assert_array_equal(a[0]["W2"], b[0]["W2"])


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_amsgrad_cases_exercise_the_maximum(name):
    """The amsgrad cases above must differ from plain Adam, or they would test nothing."""
    kw = dict(lr=0.01, betas=(0.9, 0.5))
    a, *_ = trajectory("rb", name, {**kw, "amsgrad": True})
    b, *_ = trajectory("rb", name, kw)
    assert not np.allclose(a[-1]["W1"], b[-1]["W1"], rtol=1e-6, atol=0)


FLOAT32_CASES = [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    ("Adadelta", dict(rho=0.8, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, betas=(0.9, 0.5), weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, maximize=True)),
]


@pytest.mark.parametrize("case", FLOAT32_CASES, ids=case_id)
def test_float32_keeps_float32_state(case):
    """A float32 run stays float32, and is as accurate as torch's float32 run.

    Reference: torch in float64. rosenblatt's float32 error must be within 10x of torch's own
    float32 error (a centered RMSprop denominator loses ~4 digits in float32 in both).
    """
    name, kwargs = case
    rb_snaps, rb_opt, rb_P = trajectory("rb", name, kwargs, dtype="float32")
    t32_snaps, t32_opt, t32_P = trajectory("torch", name, kwargs, dtype="float32")
    t64_snaps, t64_opt, t64_P = trajectory("torch", name, kwargs, dtype="float64")
    for p in rb_P.values():
        assert p.numpy().dtype == np.float32
    for state in rb_opt.state.values():
        for key, value in state.items():
            if key != "step":
                assert value.dtype == np.float32, f"state {key} is {value.dtype}"
    assert_same_trajectory(rb_snaps, t32_snaps, rtol=1e-5, atol=1e-6)

    def check(ours, torch32, exact, what):
        err_ours = np.max(np.abs(ours.astype(np.float64) - exact))
        err_torch = np.max(np.abs(torch32.astype(np.float64) - exact))
        assert err_ours <= 10 * err_torch + 1e-7, f"{what}: {err_ours:.3g} vs torch {err_torch:.3g}"

    for k in rb_P:
        check(rb_snaps[-1][k], t32_snaps[-1][k], t64_snaps[-1][k], k)
        for key, value in t64_opt.state.get(t64_P[k], {}).items():
            if key != "step":
                ours = rb_opt.state[rb_P[k]][key]
                check(ours, to_numpy(t32_opt.state[t32_P[k]][key]), to_numpy(value), f"{k} {key}")


def test_optimizer_follows_a_scheduled_lr():
    """The lr is read from the group at every step: Adam + CosineAnnealingLR equals torch."""
    results = []
    for lib, sched_mod in (("rb", rb.optim.lr_scheduler), ("torch", torch.optim.lr_scheduler)):
        P = make_params(lib)
        opt = optimizer(lib, "Adam", list(P.values()), lr=0.05)
        sched = sched_mod.CosineAnnealingLR(opt, T_max=8, eta_min=0.001)
        snaps = []
        for _ in range(STEPS):
            opt.zero_grad()
            loss_and_backward(lib, P)
            opt.step()
            sched.step()
            snaps.append({k: to_numpy(p).copy() for k, p in P.items()})
        results.append(snaps)
    assert_same_trajectory(*results)
