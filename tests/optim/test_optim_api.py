"""The Optimizer base class: errors, param groups, zero_grad, closures and state_dict."""

import warnings

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

# ---------------------------------------------------------------- bad hyperparameters
BAD = [
    ("SGD", dict(lr=-0.1), "lr"),
    ("SGD", dict(lr=0.1, momentum=-0.5), "momentum"),
    ("SGD", dict(lr=0.1, weight_decay=-1e-4), "weight_decay"),
    ("SGD", dict(lr=0.1, nesterov=True), "nesterov"),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "nesterov"),
    ("Adagrad", dict(lr=-1.0), "lr"),
    ("Adagrad", dict(lr_decay=-0.1), "lr_decay"),
    ("Adagrad", dict(weight_decay=-0.1), "weight_decay"),
    ("Adagrad", dict(initial_accumulator_value=-0.1), "initial_accumulator_value"),
    ("Adagrad", dict(eps=-1e-10), "eps"),
    ("Adadelta", dict(lr=-1.0), "lr"),
    ("Adadelta", dict(rho=1.5), "rho"),
    ("Adadelta", dict(eps=-1e-6), "eps"),
    ("Adadelta", dict(weight_decay=-0.1), "weight_decay"),
    ("RMSprop", dict(lr=-0.01), "lr"),
    ("RMSprop", dict(alpha=-0.9), "alpha"),
    ("RMSprop", dict(eps=-1e-8), "eps"),
    ("RMSprop", dict(momentum=-0.9), "momentum"),
    ("RMSprop", dict(weight_decay=-0.9), "weight_decay"),
    ("Adam", dict(lr=-1e-3), "lr"),
    ("Adam", dict(betas=(1.0, 0.999)), "betas[0]"),
    ("Adam", dict(betas=(0.9, -0.1)), "betas[1]"),
    ("Adam", dict(eps=-1e-8), "eps"),
    ("Adam", dict(weight_decay=-0.1), "weight_decay"),
    ("AdamW", dict(lr=-1e-3), "lr"),
    ("AdamW", dict(betas=(0.9, 1.5)), "betas[1]"),
    ("AdamW", dict(weight_decay=-0.01), "weight_decay"),
]


@pytest.mark.parametrize("name,kwargs,arg", BAD, ids=[f"{n}-{a}" for n, _, a in BAD])
def test_bad_hyperparameter_raises_naming_it(name, kwargs, arg):
    with pytest.raises(ValueError, match=r"\b" + arg.replace("[", r"\[").replace("]", r"\]")):
        optimizer("rb", name, [rb.nn.Parameter(np.zeros(2))], **kwargs)
    with pytest.raises(ValueError):  # torch refuses the same value
        optimizer("torch", name, [torch.nn.Parameter(torch.zeros(2))], **kwargs)


def test_bad_hyperparameter_message_gives_the_value():
    with pytest.raises(ValueError, match=r"SGD: invalid lr=-0\.1; expected lr >= 0"):
        rb.optim.SGD([rb.nn.Parameter(np.zeros(2))], lr=-0.1)


def test_bad_hyperparameter_in_a_param_group():
    p, q = rb.nn.Parameter(np.zeros(2)), rb.nn.Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="momentum=-1"):
        rb.optim.SGD([{"params": [p]}, {"params": [q], "momentum": -1}], lr=0.1)
    opt = rb.optim.Adam([p])
    with pytest.raises(ValueError, match=r"betas\[0\]"):
        opt.add_param_group({"params": [q], "betas": (2.0, 0.9)})


def test_empty_parameter_list():
    with pytest.raises(ValueError, match="empty parameter list"):
        rb.optim.Adam([])
    with pytest.raises(ValueError, match="empty parameter list"):
        rb.optim.SGD(rb.nn.ReLU().parameters(), lr=0.1)


def test_bad_params_argument():
    p = rb.nn.Parameter(np.zeros(2))
    with pytest.raises(TypeError, match="iterable"):
        rb.optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="set"):
        rb.optim.SGD({p}, lr=0.1)
    with pytest.raises(TypeError, match="set"):
        rb.optim.SGD([{"params": {p}}], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        rb.optim.SGD([p, np.zeros(2)], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        rb.optim.SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        rb.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.warns(UserWarning, match="duplicate"):
        rb.optim.SGD([p, p], lr=0.1)


def test_param_groups_layout_and_add_param_group():
    model = rb.nn.Sequential(rb.nn.Linear(3, 4), rb.nn.Linear(4, 2))
    opt = rb.optim.SGD(model[0].parameters(), lr=0.1, momentum=0.9)
    assert len(opt.param_groups) == 1
    g = opt.param_groups[0]
    assert [id(p) for p in g["params"]] == [id(p) for p in model[0].parameters()]
    assert g["lr"] == 0.1 and g["momentum"] == 0.9 and g["nesterov"] is False
    opt.add_param_group({"params": model[1].parameters(), "lr": 0.01})
    assert opt.param_groups[1]["lr"] == 0.01
    assert opt.param_groups[1]["momentum"] == 0.9  # the default fills the rest
    # named_parameters() works as in torch, and keeps the names
    opt2 = rb.optim.Adam(model.named_parameters())
    assert opt2.param_groups[0]["param_names"] == [n for n, _ in model.named_parameters()]


def test_nn_module_parameters_train():
    """A real Module: SGD reduces the loss of a Linear layer."""
    rb.manual_seed(0)
    model = rb.nn.Linear(3, 1)
    x = rb.randn(16, 3)
    y = x @ rb.tensor([[1.0], [-2.0], [0.5]])
    opt = rb.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.01 * losses[0]


# ---------------------------------------------------------------- zero_grad, grads, step
def test_zero_grad():
    p = rb.nn.Parameter(np.ones(3))
    opt = rb.optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    g = p.grad
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad, np.zeros(3))
    # zeroed in place, as torch: a reference taken before sees the zeros too
    tp = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    (tp * tp).sum().backward()
    tg = tp.grad
    torch.optim.SGD([tp], lr=0.1).zero_grad(set_to_none=False)
    np.testing.assert_array_equal(g, tg.numpy())
    np.testing.assert_array_equal(g, np.zeros(3))
    opt.zero_grad()
    assert p.grad is None


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_shared_gradient_array_is_not_modified(case):
    """Two parameters holding the same gradient array: both get the same update, grad intact."""
    name, kwargs = case
    p = rb.nn.Parameter(np.array([1.0, -2.0, 3.0]))
    q = rb.nn.Parameter(np.array([1.0, -2.0, 3.0]))
    opt = optimizer("rb", name, [p, q], **kwargs)
    for _ in range(3):
        g = np.array([0.5, -0.25, 2.0])
        p.grad = q.grad = rb.from_numpy(g)  # one array shared by both
        opt.step()
        np.testing.assert_array_equal(g, [0.5, -0.25, 2.0])
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    tp = torch.nn.Parameter(torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64))
    topt = optimizer("torch", name, [tp], **kwargs)
    for _ in range(3):
        tp.grad = torch.tensor([0.5, -0.25, 2.0], dtype=torch.float64)
        topt.step()
    np.testing.assert_allclose(p.numpy(), tp.detach().numpy(), rtol=1e-12)


def test_step_with_closure_returns_loss_and_enables_grad():
    P = make_params("rb")
    opt = rb.optim.SGD(list(P.values()), lr=0.1)
    calls = []

    def closure():
        calls.append(rb.is_grad_enabled())
        opt.zero_grad()
        return loss_and_backward("rb", P)

    with rb.no_grad():
        loss = opt.step(closure)
    assert calls == [True]
    assert isinstance(loss, rb.Tensor) and loss.shape == ()
    with rb.no_grad():
        assert opt.step() is None


def test_gradient_shape_mismatch_is_a_clear_error():
    p = rb.nn.Parameter(np.zeros(3))
    with pytest.raises(RuntimeError, match=r"assigned grad has data of a different size: \(4,\)"):
        p.grad = rb.zeros(4, dtype="float64")  # refused at assignment, as torch
    with pytest.raises(TypeError, match="Tensor or None"):
        p.grad = np.zeros(3)


# ---------------------------------------------------------------- state_dict
def run(opt, P, steps, lib="rb"):
    for _ in range(steps):
        opt.zero_grad()
        loss_and_backward(lib, P)
        opt.step()


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_state_dict_round_trip(case):
    """Save after 5 steps, load into a fresh optimizer, 5 more steps == 10 steps straight."""
    name, kwargs = case
    spec = [(["W1", "b1"], {"lr": kwargs["lr"] / 2}), (["W2", "b2", "unused"], {})]
    P = make_params("rb")
    straight = optimizer("rb", name, groups(P, spec), **kwargs)
    run(straight, P, 10)

    Q = make_params("rb")
    first = optimizer("rb", name, groups(Q, spec), **kwargs)
    run(first, Q, 5)
    saved = first.state_dict()
    R = {k: rb.nn.Parameter(q.numpy().copy()) for k, q in Q.items()}
    second = optimizer("rb", name, groups(R, spec), lr=123.0)  # lr comes from the state dict
    second.load_state_dict(saved)
    run(first, Q, 1)  # the loaded copy must not share arrays with the original
    run(second, R, 5)
    for k in P:
        np.testing.assert_array_equal(R[k].numpy(), P[k].numpy(), err_msg=k)
    assert second.param_groups[0]["lr"] == kwargs["lr"] / 2


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_state_dict_layout_matches_torch(case):
    name, kwargs = case
    spec = [(["W1", "b1"], {"lr": kwargs["lr"] / 2}), (["unused", "W2", "b2"], {})]
    sds = []
    for lib in ("rb", "torch"):
        P = make_params(lib)
        opt = optimizer(lib, name, groups(P, spec), **kwargs)
        run(opt, P, 3, lib)
        sds.append(opt.state_dict())
    ours, theirs = sds
    assert [g["params"] for g in ours["param_groups"]] == [[0, 1], [2, 3, 4]]
    assert [g["params"] for g in theirs["param_groups"]] == [[0, 1], [2, 3, 4]]
    for g, tg in zip(ours["param_groups"], theirs["param_groups"]):
        assert set(g) <= set(tg), set(g) - set(tg)
        for key in g:
            if key != "params":
                assert g[key] == tg[key], key
    assert set(ours["state"]) == set(theirs["state"])
    for i, st in theirs["state"].items():
        assert set(ours["state"][i]) == set(st)
        for key, value in st.items():
            np.testing.assert_allclose(
                np.asarray(ours["state"][i][key]), to_numpy(value), rtol=1e-6
            )


def test_load_torch_state_dict_and_continue():
    """A torch.optim.Adam state_dict loads into rb.optim.Adam; both continue identically."""
    tP = make_params("torch")
    topt = optimizer("torch", "Adam", list(tP.values()), lr=0.01, amsgrad=True, betas=(0.9, 0.5))
    run(topt, tP, 5, "torch")
    P = {k: rb.nn.Parameter(to_numpy(p).copy()) for k, p in tP.items()}
    opt = rb.optim.Adam(list(P.values()))
    opt.load_state_dict(topt.state_dict())
    assert opt.param_groups[0]["amsgrad"] is True
    run(topt, tP, 5, "torch")
    run(opt, P, 5)
    for k in P:
        np.testing.assert_allclose(P[k].numpy(), to_numpy(tP[k]), rtol=1e-6, atol=1e-12)


def test_load_state_dict_casts_to_parameter_dtype():
    P = make_params("rb")
    opt = rb.optim.Adam(list(P.values()))
    run(opt, P, 2)
    P32 = {k: rb.nn.Parameter(p.numpy().astype(np.float32)) for k, p in P.items()}
    opt32 = rb.optim.Adam(list(P32.values()))
    opt32.load_state_dict(opt.state_dict())
    st = opt32.state[P32["W1"]]
    assert st["exp_avg"].dtype == np.float32 and st["step"] == 2


def test_load_state_dict_mismatch_errors():
    P = make_params("rb")
    opt = rb.optim.SGD(list(P.values()), lr=0.1, momentum=0.9)
    run(opt, P, 1)
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="parameter groups"):
        rb.optim.SGD(groups(P, [(["W1"], {}), (["W2"], {})]), lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="group 0 has 5 parameters in the state dict, 2"):
        rb.optim.SGD([P["W1"], P["b1"]], lr=0.1).load_state_dict(sd)
    other = {k: rb.nn.Parameter(np.zeros(3)) for k in P}
    with pytest.raises(ValueError, match="shape"):
        rb.optim.SGD(list(other.values()), lr=0.1).load_state_dict(sd)


def test_repr_lists_groups():
    opt = rb.optim.SGD([rb.nn.Parameter(np.zeros(2))], lr=0.1)
    text = repr(opt)
    assert text.startswith("SGD (") and "lr: 0.1" in text


def test_no_warnings_in_a_normal_run():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        P = make_params("rb")
        run(rb.optim.AdamW(list(P.values())), P, 2)
