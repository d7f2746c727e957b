"""Line searches along a direction d: w(t) = w + t d, phi(t) = J(w + t d), phi'(t) = g(t).d.

``strong_wolfe`` finds a step t with sufficient decrease (Armijo) and small slope:

    phi(t) <= phi(0) + c1 t phi'(0)        and        |phi'(t)| <= c2 |phi'(0)|,

by the bracketing and zoom phases of Nocedal & Wright, Algorithms 3.5/3.6, with cubic
interpolation between trial steps. It follows ``torch.optim.LBFGS``'s line search (itself
minFunc's ``lswolfe``) step for step, so that L-BFGS's trajectory equals PyTorch's.

``backtracking`` is the simple Armijo search: t = t0, t0/2, t0/4, ... until the first
condition holds.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

__all__ = ["backtracking", "cubic_interpolate", "strong_wolfe"]

# obj(t) -> (phi(t), gradient at w + t d)
Objective = Callable[[float], tuple[float, np.ndarray]]


def cubic_interpolate(
    x1: float,
    f1: float,
    g1: float,
    x2: float,
    f2: float,
    g2: float,
    bounds: tuple[float, float] | None = None,
) -> float:
    """Minimiser of the cubic through (x1, f1, slope g1) and (x2, f2, slope g2), in bounds.

    d1 = g1 + g2 - 3 (f1 - f2)/(x1 - x2),  d2 = sqrt(d1^2 - g1 g2),
    t = x2 - (x2 - x1) (g2 + d2 - d1)/(g2 - g1 + 2 d2)   (x1 <= x2; symmetric otherwise),
    clipped to ``bounds`` (default: the interval between x1 and x2). Without a real
    minimiser (d1^2 < g1 g2) it returns the middle of the bounds.
    """
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square < 0:
        return (lo + hi) / 2.0
    d2 = math.sqrt(d2_square)
    if x1 <= x2:
        t = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        t = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(t, lo), hi)


def strong_wolfe(
    obj: Objective,
    t: float,
    d: np.ndarray,
    f: float,
    g: np.ndarray,
    gtd: float,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, np.ndarray, float, int]:
    """Step t satisfying the strong Wolfe conditions, starting from the trial step ``t``.

    Parameters
    ----------
    obj : callable
        ``obj(t) -> (phi(t), g(t))``: the loss and the flat gradient at w + t d (and leaves
        the parameters at w).
    t : float
        First trial step.
    d : ndarray
        Search direction (a descent direction: gtd < 0).
    f, g, gtd : float, ndarray, float
        phi(0), the gradient at w and phi'(0) = g.d.
    c1, c2 : float
        Sufficient-decrease and curvature constants, 0 < c1 < c2 < 1.
    tolerance_change : float
        Stop zooming when the bracket is shorter than this (in units of max |d_i|).
    max_ls : int
        Most evaluations of ``obj``.

    Returns
    -------
    f_new, g_new, t, n_evals
        The loss and gradient at the accepted step, the step, and how many times ``obj`` ran.
    """
    d_norm = float(np.abs(d).max())
    f_new, g_new = obj(t)
    n_evals = 1
    gtd_new = float(g_new @ d)

    # bracketing phase: grow t until [t_prev, t] contains a Wolfe point (or t is one)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: list[float] = []
    bracket_f: list[float] = []
    bracket_g: list[np.ndarray] = []
    bracket_gtd: list[float] = []
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:  # strong Wolfe holds at t
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:  # the slope turned: a minimum lies in [t_prev, t]
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # extrapolate: cubic minimiser in [t + 0.01 (t - t_prev), 10 t]
        t_next = cubic_interpolate(
            t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(t + 0.01 * (t - t_prev), t * 10)
        )
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new, gtd_new
        t = t_next
        f_new, g_new = obj(t)
        n_evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]

    # zoom phase: shrink the bracket [low, high] (phi(low) <= phi(high)) around a Wolfe point
    insufficient_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        # a trial too close to an end of the bracket moves 10 % of its length inside
        b_lo, b_hi = min(bracket), max(bracket)
        eps = 0.1 * (b_hi - b_lo)
        if min(b_hi - t, t - b_lo) < eps:
            if insufficient_progress or t >= b_hi or t <= b_lo:
                t = b_hi - eps if abs(t - b_hi) < abs(t - b_lo) else b_lo + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False

        f_new, g_new = obj(t)
        n_evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1

        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            # not a sufficient decrease: t becomes the high end
            bracket[high], bracket_f[high] = t, f_new
            bracket_g[high], bracket_gtd[high] = g_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                # the old low end becomes the high end
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low] = t, f_new
            bracket_g[low], bracket_gtd[low] = g_new, gtd_new

    return bracket_f[low], bracket_g[low], bracket[low], n_evals


def backtracking(
    phi: Callable[[float], float],
    f: float,
    gtd: float,
    t: float = 1.0,
    c1: float = 1e-4,
    shrink: float = 0.5,
    max_ls: int = 30,
) -> tuple[float, float, int]:
    """Armijo backtracking: the first t in t0, shrink t0, shrink^2 t0, ... with
    phi(t) <= phi(0) + c1 t phi'(0).

    Returns ``(t, phi(t), n_evals)``; ``t = 0.0`` (and phi(0)) when no trial step decreased
    the loss enough in ``max_ls`` tries.
    """
    for n in range(1, max_ls + 1):
        f_new = phi(t)
        if math.isfinite(f_new) and f_new <= f + c1 * t * gtd:
            return t, f_new, n
        t *= shrink
    return 0.0, f, max_ls
