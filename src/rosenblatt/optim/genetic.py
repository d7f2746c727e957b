"""A genetic algorithm over the flattened parameters: selection, recombination, mutation."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import no_grad
from ..random import get_rng
from ._flat import flat_params, numel, set_flat, single_group
from .optimizer import Optimizer, ParamsT

__all__ = ["GeneticAlgorithm"]


class GeneticAlgorithm(Optimizer):
    """Genetic algorithm: a population of parameter vectors w_1 .. w_P evolves by tournament
    selection, crossover and Gaussian mutation; the fitness of w is -J(w), the closure's loss.

    Needs no gradient, so it also trains networks whose loss is not differentiable (step
    activations, a count of misclassified samples).

    Parameters
    ----------
    params : iterable of Tensor
        ``model.parameters()``: one group only; w = all of them, flattened.
    population_size : int
        P, the number of individuals (default 50).
    tournament_size : int
        k: each parent is the best of k individuals drawn at random (default 3). Larger k
        selects harder.
    crossover : {"blend", "uniform"}
        How two parents a, b make a child c: "blend" (BLX-alpha) c_j = a_j + u_j (b_j - a_j),
        u_j ~ U(-alpha, 1 + alpha); "uniform" c_j = a_j or b_j with probability 1/2 each.
    mutation_rate : float
        Probability that a gene (one entry of w) mutates, in [0, 1] (default 0.1).
    mutation_scale : float
        sigma of a mutation: c_j += N(0, sigma^2) (default 0.1).
    elitism : int
        The best ``elitism`` individuals pass unchanged to the next generation (default 1),
        so the best loss never increases for a deterministic closure.
    init_scale : float
        The first population is w_0 (the current parameters) and P - 1 copies of w_0 plus
        N(0, init_scale^2) noise (default 1).
    alpha : float
        alpha of blend crossover (default 0.5): the child may lie up to alpha |b - a|
        beyond either parent.
    seed : int, optional
        Seed of the optimizer's own generator. None: draw from ``rosenblatt.random``'s
        global generator, so ``rb.manual_seed`` makes the run reproducible.

    Notes
    -----
    Algorithm (one generation per ``step(closure)``; the CERN deck's reproduction,
    recombination, mutation and selection)::

        first step:  population = [w_0, w_0 + init_scale N(0, I), ...]      P individuals
        otherwise:   next = the `elitism` fittest individuals, unchanged
                     while |next| < P:
                         a, b = tournament(k), tournament(k)     best of k random draws
                         c = crossover(a, b)                     blend or uniform
                         c_j += N(0, sigma^2) with probability mutation_rate, per gene
                         next.append(c)
        evaluate J(w) for every individual: closure() under no_grad     P evaluations
        w = the best individual (lowest J); it is written into the parameters

    The budget of a run is generations x population_size closure evaluations. The closure
    only has to return the loss (a Tensor or a number); it is evaluated under
    ``rb.no_grad()``, so it must not call ``backward()``. A NaN loss counts as +inf.
    ``state`` (under the first parameter) keeps ``population`` (P, n), ``losses`` (P,),
    ``generation``, ``func_evals`` and ``best_loss``.

    Examples
    --------
    >>> import rosenblatt as rb
    >>> w = rb.tensor([3.0, -2.0, 1.0], dtype="float64", requires_grad=True)
    >>> opt = rb.optim.GeneticAlgorithm([w], population_size=30, seed=0)
    >>> for _ in range(100):
    ...     best = opt.step(lambda: (w * w).sum())
    >>> bool(float(best) < 1e-2)
    True
    """

    def __init__(
        self,
        params: ParamsT,
        population_size: int = 50,
        tournament_size: int = 3,
        crossover: str = "blend",
        mutation_rate: float = 0.1,
        mutation_scale: float = 0.1,
        elitism: int = 1,
        init_scale: float = 1.0,
        alpha: float = 0.5,
        seed: int | None = None,
    ) -> None:
        defaults = {
            "population_size": population_size,
            "tournament_size": tournament_size,
            "crossover": crossover,
            "mutation_rate": mutation_rate,
            "mutation_scale": mutation_scale,
            "elitism": elitism,
            "init_scale": init_scale,
            "alpha": alpha,
        }
        super().__init__(params, defaults)
        single_group(self)
        self._rng = None if seed is None else np.random.default_rng(seed)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        P = group["population_size"]
        self._require("population_size", P, isinstance(P, int) and P >= 2, ">= 2 (an int)")
        k = group["tournament_size"]
        self._require("tournament_size", k, isinstance(k, int) and 1 <= k <= P, f"in [1, {P}]")
        e = group["elitism"]
        self._require("elitism", e, isinstance(e, int) and 0 <= e < P, f"in [0, {P - 1}]")
        c = group["crossover"]
        self._require("crossover", c, c in ("blend", "uniform"), 'in ("blend", "uniform")')
        rate = group["mutation_rate"]
        self._require("mutation_rate", rate, 0 <= rate <= 1, "in [0, 1]")
        for name in ("mutation_scale", "init_scale", "alpha"):
            self._require(name, group[name], group[name] >= 0, ">= 0")

    @property
    def rng(self) -> np.random.Generator:
        return self._rng if self._rng is not None else get_rng()

    def _evaluate_population(self, closure: Callable[[], Any], population: np.ndarray) -> tuple:
        """J(w) for every row w of ``population`` (closure under no_grad); NaN -> inf."""
        params = single_group(self)
        losses = np.empty(len(population))
        values = []
        for i, w in enumerate(population):
            set_flat(params, w)
            try:
                with no_grad():
                    value = closure()
            except RuntimeError as e:
                raise RuntimeError(
                    "GeneticAlgorithm evaluates the closure under rb.no_grad(): it should "
                    f"only return the loss, without calling backward() ({e})"
                ) from e
            loss = float(value)
            losses[i] = loss if not math.isnan(loss) else math.inf
            values.append(value)
        return losses, values

    def _breed(self, population: np.ndarray, losses: np.ndarray) -> np.ndarray:
        """The next generation: elites, then mutated crossovers of tournament winners."""
        group, rng = self.param_groups[0], self.rng
        P, n = population.shape
        elite = np.argsort(losses, kind="stable")[: group["elitism"]]
        m = P - len(elite)
        # tournaments: for each of the m children, two parents, each the best of k draws
        entrants = rng.integers(0, P, size=(m, 2, group["tournament_size"]))
        winners = np.take_along_axis(
            entrants, np.argmin(losses[entrants], axis=-1)[..., None], axis=-1
        )[..., 0]
        a, b = population[winners[:, 0]], population[winners[:, 1]]
        if group["crossover"] == "blend":
            alpha = group["alpha"]
            children = a + rng.uniform(-alpha, 1 + alpha, size=(m, n)) * (b - a)
        else:
            children = np.where(rng.random((m, n)) < 0.5, a, b)
        mutate = rng.random((m, n)) < group["mutation_rate"]
        children += mutate * rng.normal(0.0, group["mutation_scale"], size=(m, n))
        return np.concatenate([population[elite], children])

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One generation; the best individual is left in the parameters and its loss
        (what the closure returned for it) is returned."""
        if closure is None or not callable(closure):
            raise TypeError(
                "GeneticAlgorithm.step needs a closure that returns the loss of the current "
                "parameters, e.g. lambda: loss_fn(model(X), y)"
            )
        params = single_group(self)
        group = self.param_groups[0]
        state = self.state[params[0]]
        if "population" not in state:
            w0 = flat_params(params).astype(np.float64)
            noise = self.rng.normal(
                0.0, group["init_scale"], (group["population_size"] - 1, numel(params))
            )
            population = np.concatenate([w0[None], w0 + noise])
            state.update(generation=0, func_evals=0)
        else:
            population = self._breed(state["population"], state["losses"])
        losses, values = self._evaluate_population(closure, population)
        best = int(np.argmin(losses))
        set_flat(params, population[best])
        state.update(
            population=population,
            losses=losses,
            best_loss=float(losses[best]),
            generation=state["generation"] + 1,
            func_evals=state["func_evals"] + len(population),
        )
        return values[best]
