"""Every learning-rate schedule gives torch.optim.lr_scheduler's lr sequence."""

import math

import numpy as np
import pytest
import torch

import rosenblatt as rb

EPOCHS = 30
LRS = (0.1, 0.05)  # two param groups


def make_optimizer(lib, lrs=LRS):
    if lib == "rb":
        ps = [rb.nn.Parameter(np.zeros(2)) for _ in lrs]
        return rb.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(ps, lrs)], lr=1.0)
    ps = [torch.nn.Parameter(torch.zeros(2, dtype=torch.float64)) for _ in lrs]
    return torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(ps, lrs)], lr=1.0)


def module(lib):
    return rb.optim.lr_scheduler if lib == "rb" else torch.optim.lr_scheduler


def half(epoch):
    return 0.5 ** (epoch // 4)


class Warmup:  # a callable object: its __dict__ is saved by LambdaLR.state_dict
    def __init__(self, n):
        self.n = n

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.n)


SCHEDULES = {
    "StepLR": lambda m, o: [m.StepLR(o, step_size=7, gamma=0.5)],
    "StepLR-every-epoch": lambda m, o: [m.StepLR(o, step_size=1, gamma=0.9)],
    "MultiStepLR": lambda m, o: [m.MultiStepLR(o, milestones=[3, 10, 10, 25], gamma=0.3)],
    "ExponentialLR": lambda m, o: [m.ExponentialLR(o, gamma=0.9)],
    "CosineAnnealingLR": lambda m, o: [m.CosineAnnealingLR(o, T_max=10)],
    "CosineAnnealingLR-eta_min": lambda m, o: [m.CosineAnnealingLR(o, T_max=7, eta_min=0.01)],
    "CosineAnnealingLR-T1": lambda m, o: [m.CosineAnnealingLR(o, T_max=1, eta_min=0.001)],
    "LambdaLR": lambda m, o: [m.LambdaLR(o, lr_lambda=lambda e: 1.0 / (1.0 + e))],
    "LambdaLR-per-group": lambda m, o: [m.LambdaLR(o, lr_lambda=[half, Warmup(5)])],
    "StepLR+ExponentialLR": lambda m, o: [
        m.StepLR(o, step_size=5, gamma=0.5),
        m.ExponentialLR(o, gamma=0.95),
    ],
    "Cosine+MultiStep": lambda m, o: [
        m.CosineAnnealingLR(o, T_max=6, eta_min=0.002),
        m.MultiStepLR(o, milestones=[4, 9], gamma=0.5),
    ],
}


def lr_sequence(lib, build, epochs=EPOCHS):
    opt = make_optimizer(lib)
    scheds = build(module(lib), opt)
    seq = [[g["lr"] for g in opt.param_groups]]
    for _ in range(epochs):
        opt.step()
        for s in scheds:
            s.step()
        seq.append([g["lr"] for g in opt.param_groups])
        assert scheds[-1].get_last_lr() == seq[-1]
    return seq


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_lr_sequence_equals_torch(name):
    ours = lr_sequence("rb", SCHEDULES[name])
    theirs = lr_sequence("torch", SCHEDULES[name])
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    assert len({tuple(x) for x in ours}) > 1  # the schedule did change the lr


def test_cosine_closed_form_past_t_max():
    """Recursive cosine == eta_min + (base - eta_min)(1 + cos(pi t / T_max))/2, also past T_max."""
    seq = lr_sequence("rb", SCHEDULES["CosineAnnealingLR-eta_min"])
    for t, (lr, _) in enumerate(seq):
        closed = 0.01 + (0.1 - 0.01) * (1 + math.cos(math.pi * t / 7)) / 2
        assert lr == pytest.approx(closed, rel=1e-12)


def test_step_lr_docstring_values():
    seq = lr_sequence("rb", lambda m, o: [m.StepLR(o, step_size=30, gamma=0.1)], epochs=95)
    assert [seq[e][0] for e in (0, 29, 30, 59, 60, 90)] == pytest.approx(
        [0.1, 0.1, 0.01, 0.01, 0.001, 0.0001], rel=1e-12
    )


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR"])
def test_resume_with_last_epoch_equals_torch(name):
    seqs = []
    for lib in ("rb", "torch"):
        opt = make_optimizer(lib, lrs=(0.02, 0.01))
        for g, base in zip(opt.param_groups, LRS):
            g["initial_lr"] = base
        m = module(lib)
        sched = {
            "StepLR": lambda: m.StepLR(opt, step_size=4, gamma=0.5, last_epoch=6),
            "MultiStepLR": lambda: m.MultiStepLR(opt, milestones=[5, 8, 12], last_epoch=6),
            "ExponentialLR": lambda: m.ExponentialLR(opt, gamma=0.8, last_epoch=6),
            "CosineAnnealingLR": lambda: m.CosineAnnealingLR(opt, T_max=9, last_epoch=6),
        }[name]()
        seq = [sched.get_last_lr()]
        for _ in range(15):
            opt.step()
            sched.step()
            seq.append(sched.get_last_lr())
        seqs.append(seq)
    np.testing.assert_allclose(seqs[0], seqs[1], rtol=1e-12)


def test_resume_without_initial_lr_raises():
    with pytest.raises(KeyError, match="initial_lr"):
        rb.optim.lr_scheduler.StepLR(make_optimizer("rb"), step_size=3, last_epoch=4)


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_scheduler_state_dict_round_trip(name):
    """Save optimizer + scheduler after 10 epochs, restore into fresh ones, continue: same lrs."""
    straight = lr_sequence("rb", SCHEDULES[name])
    opt = make_optimizer("rb")
    scheds = SCHEDULES[name](rb.optim.lr_scheduler, opt)
    for _ in range(10):
        opt.step()
        for s in scheds:
            s.step()
    opt_sd, sched_sds = opt.state_dict(), [s.state_dict() for s in scheds]
    assert all("optimizer" not in sd for sd in sched_sds)
    opt2 = make_optimizer("rb", lrs=(7.0, 7.0))
    scheds2 = SCHEDULES[name](rb.optim.lr_scheduler, opt2)
    opt2.load_state_dict(opt_sd)
    for s, sd in zip(scheds2, sched_sds):
        s.load_state_dict(sd)
    resumed = [[g["lr"] for g in opt2.param_groups]]
    for _ in range(EPOCHS - 10):
        opt2.step()
        for s in scheds2:
            s.step()
        resumed.append([g["lr"] for g in opt2.param_groups])
    np.testing.assert_allclose(resumed, straight[10:], rtol=1e-12)


# ---------------------------------------------------------------- ReduceLROnPlateau
_rng = np.random.default_rng(7)
LOSS = np.concatenate(
    [
        np.linspace(1.0, 0.5, 6),
        0.5 + 0.01 * _rng.standard_normal(8),
        np.linspace(0.49, 0.3, 4),
        0.3 + 0.00001 * _rng.standard_normal(6),
        [0.31, 0.32, 0.2, 0.33, 0.34, 0.35],
    ]
)
ACCURACY = 1.0 - LOSS

PLATEAU = [
    ("min-rel", LOSS, dict(mode="min", patience=2)),
    ("min-abs-cooldown", LOSS, dict(threshold=0.05, threshold_mode="abs", cooldown=2, patience=2)),
    ("min-patience0-min_lr", LOSS, dict(patience=0, factor=0.5, min_lr=0.01)),
    ("min-lr-per-group", LOSS, dict(patience=1, factor=0.2, min_lr=[0.01, 0.004])),
    ("min-eps", LOSS, dict(patience=0, factor=0.9, min_lr=0.04, eps=5e-3)),
    ("max-rel", ACCURACY, dict(mode="max", factor=0.5, patience=1)),
    (
        "max-abs-cooldown-min_lr",
        ACCURACY,
        dict(
            mode="max", threshold=0.02, threshold_mode="abs", cooldown=3, patience=1, min_lr=0.005
        ),
    ),
    ("max-threshold0", ACCURACY, dict(mode="max", threshold=0.0, patience=2)),
]


@pytest.mark.parametrize("metrics,kwargs", [c[1:] for c in PLATEAU], ids=[c[0] for c in PLATEAU])
def test_reduce_lr_on_plateau_equals_torch(metrics, kwargs):
    runs = []
    for lib in ("rb", "torch"):
        opt = make_optimizer(lib)
        sched = module(lib).ReduceLROnPlateau(opt, **kwargs)
        seq = []
        for value in metrics:
            opt.step()
            sched.step(float(value))
            seq.append(
                (*sched.get_last_lr(), sched.best, sched.num_bad_epochs, sched.cooldown_counter)
            )
        runs.append(seq)
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-12)
    lrs = np.array(runs[0])[:, :2]
    assert (lrs[-1] < lrs[0]).any()  # the metric sequence did trigger reductions


def test_reduce_lr_on_plateau_state_dict_round_trip():
    opt = make_optimizer("rb")
    sched = rb.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, cooldown=1)
    for v in LOSS[:12]:
        sched.step(v)
    opt2 = make_optimizer("rb")
    opt2.load_state_dict(opt.state_dict())
    sched2 = rb.optim.lr_scheduler.ReduceLROnPlateau(opt2)
    sched2.load_state_dict(sched.state_dict())
    for v in LOSS[12:]:
        sched.step(v)
        sched2.step(v)
        assert sched2.get_last_lr() == sched.get_last_lr()


# ---------------------------------------------------------------- errors
def test_scheduler_errors():
    opt = make_optimizer("rb")
    m = rb.optim.lr_scheduler
    with pytest.raises(TypeError, match="not an Optimizer"):
        m.StepLR(object(), step_size=2)
    with pytest.raises(ValueError, match="step_size"):
        m.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        m.CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(ValueError, match="expected 2 lr_lambdas, got 1"):
        m.LambdaLR(opt, lr_lambda=[half])
    with pytest.raises(ValueError, match="factor"):
        m.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode"):
        m.ReduceLROnPlateau(opt, mode="avg")
    with pytest.raises(ValueError, match="threshold_mode"):
        m.ReduceLROnPlateau(opt, threshold_mode="percent")
    with pytest.raises(ValueError, match="min_lrs"):
        m.ReduceLROnPlateau(opt, min_lr=[0.1])


def test_submodule_access():
    assert rb.optim.lr_scheduler.StepLR is rb.optim.lr_scheduler.__dict__["StepLR"]
    from rosenblatt.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau

    assert issubclass(ReduceLROnPlateau, LRScheduler)
