"""Limited-memory BFGS for smooth convex objectives (numpy only)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bot.classify.features import FloatArray

Objective = Callable[[FloatArray], tuple[float, FloatArray]]


def minimize_lbfgs(
    fun: Objective, x0: FloatArray, *, max_iter: int = 200, memory: int = 10, gtol: float = 1e-6, ftol: float = 1e-9
) -> FloatArray:
    """An approximate minimiser of `fun` (which returns value and gradient), starting at `x0`."""
    x = x0.astype(np.float64, copy=True)
    f, g = fun(x)
    s_hist: list[FloatArray] = []
    y_hist: list[FloatArray] = []
    rhos: list[float] = []
    for _ in range(max_iter):
        if float(np.max(np.abs(g))) < gtol:
            break
        # Two-loop recursion: d = -H g.
        q = g.copy()
        alphas: list[float] = []
        for s, y, rho in zip(reversed(s_hist), reversed(y_hist), reversed(rhos), strict=True):
            a = rho * float(s @ q)
            alphas.append(a)
            q -= a * y
        if s_hist:
            q *= float(s_hist[-1] @ y_hist[-1]) / float(y_hist[-1] @ y_hist[-1])
        else:
            q /= max(1.0, float(np.linalg.norm(g)))
        for (s, y, rho), a in zip(zip(s_hist, y_hist, rhos, strict=True), reversed(alphas), strict=True):
            b = rho * float(y @ q)
            q += (a - b) * s
        d = -q
        slope = float(g @ d)
        if slope >= 0:  # not a descent direction: restart from steepest descent
            s_hist.clear()
            y_hist.clear()
            rhos.clear()
            d = -g / max(1.0, float(np.linalg.norm(g)))
            slope = float(g @ d)
        step = 1.0
        for _ in range(30):  # backtracking (Armijo)
            x_new = x + step * d
            f_new, g_new = fun(x_new)
            if f_new <= f + 1e-4 * step * slope:
                break
            step *= 0.5
        else:
            break
        s_vec, y_vec = x_new - x, g_new - g
        curvature = float(s_vec @ y_vec)
        if curvature > 1e-12:
            s_hist.append(s_vec)
            y_hist.append(y_vec)
            rhos.append(1.0 / curvature)
            if len(s_hist) > memory:
                s_hist.pop(0)
                y_hist.pop(0)
                rhos.pop(0)
        done = abs(f - f_new) <= ftol * max(1.0, abs(f))
        x, f, g = x_new, f_new, g_new
        if done:
            break
    return x
