"""The convergence test: one rule for every loop that stops by itself.

The KIT deck: "declare convergence when J(theta) decreases by less than 10^-3 in one
iteration". Read as written, a J that *rises* has also decreased by less than the tolerance,
so it stops too -- the deck's companion advice being that "the optimizer is working
correctly if the loss decreases after every iteration". That is the default rule,
``"decrease"``, used by ``callbacks.ConvergenceTest`` (``rb.fit`` and the recipes), by the
gradient-descent solvers of ``LinearRegression`` / ``LogisticRegression`` and by
``Adaline``.

The other reading, ``"change"``, stops only when J changes by less than the tolerance in
either direction, so a rise larger than the tolerance (noisy online updates, a learning
rate a little too large) keeps training going. It is the option, not the default.

    rule        stops when                     a rise of J by more than tol
    "decrease"  J_prev - J < tol   (KIT deck)   stops
    "change"    |J_prev - J| < tol              continues

:func:`convergence_status` says why a loop stops: "converged" when J changed by less than
tol, "rose" when the "decrease" rule stopped it on a rise larger than tol -- the deck's sign
that "the optimizer is [not] working correctly", a learning rate too large. The estimators
then keep the parameters from before the rise and warn; ``ConvergenceTest`` records it in
``stopped_on_rise``.
"""

from __future__ import annotations

__all__ = ["CONVERGENCE_RULES", "check_rule", "convergence_status", "has_converged"]

CONVERGENCE_RULES = ("decrease", "change")


def check_rule(rule: str, where: str) -> None:
    """ValueError naming ``where`` when ``rule`` is not a convergence rule."""
    if rule not in CONVERGENCE_RULES:
        raise ValueError(
            f"{where}: convergence rule must be one of {CONVERGENCE_RULES}, got {rule!r}"
        )


def has_converged(previous: float, current: float, tol: float, rule: str = "decrease") -> bool:
    """Whether the step from J = ``previous`` to J = ``current`` passes the convergence test.

    Parameters
    ----------
    previous, current : float
        J before and after one iteration (an epoch). ``previous`` may be inf (no step yet).
    tol : float
        The tolerance (the deck uses 1e-3).
    rule : {"decrease", "change"}
        "decrease": J_prev - J < tol (the KIT deck's; a rise stops as well);
        "change": |J_prev - J| < tol.

    Examples
    --------
    >>> from rosenblatt.train.convergence import has_converged
    >>> has_converged(1.0, 0.9995, tol=1e-3), has_converged(1.0, 0.99, tol=1e-3)
    (True, False)
    >>> has_converged(1.0, 1.5, tol=1e-3), has_converged(1.0, 1.5, tol=1e-3, rule="change")
    (True, False)
    """
    decrease = previous - current
    if rule == "decrease":
        return decrease < tol
    if rule == "change":
        return abs(decrease) < tol
    check_rule(rule, "has_converged")
    return False


def convergence_status(previous: float, current: float, tol: float, rule: str = "decrease") -> str:
    """ "continue", "converged" (|J_prev - J| < tol and the rule stops) or "rose" (the
    "decrease" rule stops on a rise of J by tol or more).

    Examples
    --------
    >>> from rosenblatt.train.convergence import convergence_status
    >>> [convergence_status(1.0, J, tol=1e-3) for J in (0.9, 0.9999, 1.0001, 1.5)]
    ['continue', 'converged', 'converged', 'rose']
    """
    if not has_converged(previous, current, tol, rule):
        return "continue"
    return "converged" if abs(previous - current) < tol else "rose"
