"""Load a PyTorch module's state_dict into the rosenblatt twin and compare everything.

``check_module(rb_module, torch_module, inputs, dtype)``:
- state_dict keys, order and shapes equal (and the loaded weights are the torch ones);
- outputs equal (nested tuples such as LSTM's ``(out, (h_n, c_n))`` are flattened);
- for one random upstream gradient per output, the gradients of every input and every
  parameter equal torch's.
Tolerances: float64 1e-9, float32 1e-5 (absolute and relative).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

import rosenblatt as rb

TOL = {np.float64: 1e-9, np.float32: 1e-5}


def flatten(out: Any) -> list:
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in flatten(o)]
    return [out]


def check_state_dict(rb_module: rb.nn.Module, torch_module: torch.nn.Module) -> None:
    ours, theirs = rb_module.state_dict(), torch_module.state_dict()
    assert list(ours) == list(theirs), f"keys {list(ours)} != torch {list(theirs)}"
    for k in theirs:
        assert tuple(ours[k].shape) == tuple(theirs[k].shape), f"{k}: {ours[k].shape}"


def check_module(
    rb_module: rb.nn.Module,
    torch_module: torch.nn.Module,
    inputs: list[np.ndarray | None],
    dtype: Any = np.float64,
    seed: int = 0,
    load: bool = True,
    grad_inputs: bool = True,
) -> None:
    """``inputs`` are NumPy arrays (or None, or a tuple of arrays for LSTM's (h0, c0))."""
    tol = TOL[np.dtype(dtype).type]
    tdt = torch.float64 if np.dtype(dtype) == np.float64 else torch.float32
    torch_module.to(tdt).zero_grad()
    rb_module.to(dtype).zero_grad()
    check_state_dict(rb_module, torch_module)
    if load:
        rb_module.load_state_dict(torch_module.state_dict())

    def make(a: Any, lib: str) -> Any:
        if a is None:
            return None
        if isinstance(a, tuple):
            return tuple(make(b, lib) for b in a)
        if lib == "torch":
            return torch.tensor(a, dtype=tdt, requires_grad=grad_inputs)
        return rb.tensor(a, dtype=dtype, requires_grad=grad_inputs)

    t_in = [make(a, "torch") for a in inputs]
    r_in = [make(a, "rb") for a in inputs]
    t_out = flatten(torch_module(*t_in))
    r_out = flatten(rb_module(*r_in))
    assert len(t_out) == len(r_out)
    rng = np.random.default_rng(seed)
    t_loss, r_loss = 0, 0
    for i, (t, r) in enumerate(zip(t_out, r_out)):
        assert r.shape == tuple(t.shape), f"output {i}: shape {r.shape} != torch {tuple(t.shape)}"
        assert r.dtype == dtype, f"output {i}: dtype {r.dtype}"
        np.testing.assert_allclose(
            r.numpy(), t.detach().numpy(), rtol=tol, atol=tol, err_msg=f"output {i}"
        )
        g = rng.standard_normal(r.shape)
        t_loss = t_loss + (t * torch.tensor(g, dtype=tdt)).sum()
        r_loss = r_loss + (r * rb.tensor(g, dtype=dtype)).sum()
    t_loss.backward()
    r_loss.backward()
    if grad_inputs:
        for i, (t, r) in enumerate(zip(flatten(t_in), flatten(r_in))):
            if t is None:
                continue
            assert r.grad is not None, f"input {i} got no gradient"
            np.testing.assert_allclose(
                r.grad, t.grad.numpy(), rtol=tol, atol=tol, err_msg=f"gradient of input {i}"
            )
    t_params = dict(torch_module.named_parameters())
    r_params = dict(rb_module.named_parameters())
    assert list(r_params) == list(t_params)
    for k, p in r_params.items():
        assert p.grad is not None, f"parameter {k} got no gradient"
        assert p.grad.dtype == dtype, f"gradient of {k} has dtype {p.grad.dtype}"
        np.testing.assert_allclose(
            p.grad, t_params[k].grad.numpy(), rtol=tol, atol=tol, err_msg=f"gradient of {k}"
        )
