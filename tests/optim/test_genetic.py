"""GeneticAlgorithm: XOR with step units (a loss without gradient), the sphere, seeding."""

from __future__ import annotations

import numpy as np
import pytest

import rosenblatt as rb
from rosenblatt import nn

XOR_X = rb.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_T = np.array([[0.0], [1.0], [1.0], [0.0]])

# The documented XOR budget: 60 generations x 50 individuals = 3000 loss evaluations.
XOR_BUDGET = dict(generations=60, population_size=50)
XOR_SETTINGS = dict(mutation_scale=0.3, mutation_rate=0.2, init_scale=3.0)


def _xor_network():
    """2-2-1 threshold network: y = step(W2 step(W1 x + b1) + b2) (no gradient anywhere)."""
    return nn.Sequential(nn.Linear(2, 2), nn.Step(), nn.Linear(2, 1))


def _errors(model):
    """Misclassified XOR patterns: a step function of the weights, not differentiable."""
    return float(((model(XOR_X).numpy() > 0) != (XOR_T > 0.5)).sum())


@pytest.mark.parametrize("seed", range(5))
def test_trains_the_2_2_1_step_network_on_xor_within_the_budget(seed):
    rb.manual_seed(seed)
    model = _xor_network()
    opt = rb.optim.GeneticAlgorithm(
        model.parameters(),
        population_size=XOR_BUDGET["population_size"],
        seed=seed,
        **XOR_SETTINGS,
    )
    assert _errors(model) > 0
    for _ in range(XOR_BUDGET["generations"]):
        opt.step(lambda: _errors(model))
        if _errors(model) == 0:
            break
    assert _errors(model) == 0  # 100 % accuracy, with the best individual in the parameters
    state = opt.state[model[0].weight]
    assert state["func_evals"] <= XOR_BUDGET["generations"] * XOR_BUDGET["population_size"]
    assert state["best_loss"] == 0.0


@pytest.mark.parametrize("crossover", ["blend", "uniform"])
def test_reduces_the_10d_sphere_by_more_than_99_9_percent(crossover):
    w = rb.tensor(np.random.default_rng(0).standard_normal(10), dtype="float64")
    f0 = float((w * w).sum())
    opt = rb.optim.GeneticAlgorithm([w], population_size=40, crossover=crossover, seed=1)
    for _ in range(150):
        best = opt.step(lambda: (w * w).sum())
    assert float(best) == float((w * w).sum())  # the best individual is in the parameters
    assert float(best) < 1e-3 * f0


def _evolve(seed, generations=5, global_seed=None):
    if global_seed is not None:
        rb.manual_seed(global_seed)
    w = rb.tensor(np.linspace(-1.0, 1.0, 6), dtype="float64")
    opt = rb.optim.GeneticAlgorithm([w], population_size=12, seed=seed)
    for _ in range(generations):
        opt.step(lambda: ((w - 0.3) ** 2).sum() + (w.abs()).sum())
    return w.numpy().copy(), opt.state[w]["population"].copy()


def test_same_seed_same_result_other_seed_other_result():
    w1, pop1 = _evolve(seed=7)
    w2, pop2 = _evolve(seed=7)
    np.testing.assert_array_equal(w1, w2)
    np.testing.assert_array_equal(pop1, pop2)
    w3, _ = _evolve(seed=8)
    assert not np.array_equal(w1, w3)


def test_without_a_seed_it_draws_from_rosenblatt_global_generator():
    w1, pop1 = _evolve(seed=None, global_seed=3)
    w2, pop2 = _evolve(seed=None, global_seed=3)
    np.testing.assert_array_equal(pop1, pop2)
    _, pop3 = _evolve(seed=None, global_seed=4)
    assert not np.array_equal(pop1, pop3)


def test_elitism_never_loses_the_best_and_counts_evaluations():
    w = rb.tensor(np.full(5, 2.0), dtype="float64")
    opt = rb.optim.GeneticAlgorithm([w], population_size=10, elitism=2, seed=0)
    best = [float(opt.step(lambda: (w**4).sum() - (w**2).sum())) for _ in range(30)]
    assert all(b <= a for a, b in zip(best, best[1:]))
    assert best[-1] < best[0]
    state = opt.state[w]
    assert state["func_evals"] == 30 * 10 and state["generation"] == 30
    assert state["population"].shape == (10, 5)


def test_first_population_contains_the_current_parameters():
    w = rb.tensor([1.0, -1.0, 0.5], dtype="float64")
    opt = rb.optim.GeneticAlgorithm([w], population_size=8, init_scale=0.5, seed=0)
    opt.step(lambda: (w * w).sum())
    pop = opt.state[w]["population"]
    np.testing.assert_array_equal(pop[0], [1.0, -1.0, 0.5])
    spread = (pop[1:] - pop[0]).std()
    assert 0.2 < spread < 1.0  # N(0, init_scale^2) around it


def test_nan_loss_counts_as_infinitely_bad():
    w = rb.tensor([1.0, 1.0], dtype="float64")
    opt = rb.optim.GeneticAlgorithm([w], population_size=6, seed=0)

    def closure():  # NaN everywhere except near the current parameters
        return float((w * w).sum()) if np.abs(w.numpy() - 1).max() < 0.05 else float("nan")

    opt.step(closure)
    assert np.isinf(opt.state[w]["losses"][1:]).all()
    np.testing.assert_array_equal(w.numpy(), [1.0, 1.0])


def test_float32_parameters_keep_their_dtype():
    model = _xor_network()
    opt = rb.optim.GeneticAlgorithm(model.parameters(), population_size=5, seed=0)
    opt.step(lambda: _errors(model))
    assert all(p.dtype == np.float32 for p in model.parameters())


def test_a_closure_that_calls_backward_gets_a_clear_error():
    w = rb.tensor([1.0, 2.0], requires_grad=True)
    opt = rb.optim.GeneticAlgorithm([w], population_size=4, seed=0)

    def closure():
        loss = (w * w).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="no_grad.*without calling backward"):
        opt.step(closure)
    with pytest.raises(TypeError, match="closure"):
        opt.step()


@pytest.mark.parametrize(
    "kwargs,arg",
    [
        (dict(population_size=1), "population_size"),
        (dict(tournament_size=0), "tournament_size"),
        (dict(population_size=4, tournament_size=5), "tournament_size"),
        (dict(crossover="one-point"), "crossover"),
        (dict(mutation_rate=1.5), "mutation_rate"),
        (dict(mutation_scale=-0.1), "mutation_scale"),
        (dict(population_size=4, elitism=4), "elitism"),
    ],
)
def test_bad_hyperparameters_name_the_argument(kwargs, arg):
    with pytest.raises(ValueError, match=arg):
        rb.optim.GeneticAlgorithm([rb.tensor(np.zeros(2))], **kwargs)
