"""Classical (Langevin) mean field of the LLB kernels: pure numpy, shared by numpy and numba paths.

With J0 = 3 k_B T_c and classical spins the equilibrium magnetization solves
``m_e = L(3 T_c m_e/T)`` (:func:`equilibrium_magnetization`). Below T_c the internal-field
coefficients a(T), c(T) of ``H_int = (a − c m²) m`` (see :mod:`femmag.kernels.llb`) are tabulated
as ``t·a`` and ``t·c`` versus ``t = T/T_c`` (both smooth on [0, 1], T = 0 included):
:data:`TABLE_TA`, :data:`TABLE_TC`, read with 4-point Lagrange interpolation (:func:`table_lookup`).
The numpy integrator (:mod:`femmag.kernels.llb`) and the compiled loops (:mod:`femmag.kernels.ode`,
:mod:`femmag.kernels.stochastic`) read the same tables, so both paths do the same arithmetic.

Units: T [K]; a, c in units of k_B T_c/μ_at.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "TABLE_N",
    "TABLE_TA",
    "TABLE_TC",
    "below_tc_coefficients",
    "dlangevin",
    "equilibrium_magnetization",
    "langevin",
    "reduced_temperature",
    "table_lookup",
]

FloatArray = NDArray[np.float64]

# --------------------------------------------------------------------------------------------
# Langevin function and accurate small-argument helpers
# --------------------------------------------------------------------------------------------
# L(x)/x = Σ _LX[n] x^{2n},  L'(x) = Σ _DL[n] x^{2n}  (Bernoulli series; radius π).
_LX = np.array(
    [
        1 / 3, -1 / 45, 2 / 945, -1 / 4725, 2 / 93555, -1382 / 638512875, 4 / 18243225,
        -3617 / 162820783125, 87734 / 38979295480125, -349222 / 1531329465290625,
        310732 / 13447856940643125, -472728182 / 201919571963756521875,
        2631724 / 11094481976030578125,
    ]
)
_DL = np.array(
    [
        1 / 3, -1 / 15, 2 / 189, -1 / 675, 2 / 10395, -1382 / 58046625, 4 / 1403325,
        -3617 / 10854718875, 87734 / 2292899734125, -349222 / 80596287646875,
        310732 / 640374140030625, -472728182 / 8779111824511153125,
        2631724 / 443779279041223125,
    ]
)
#: Series are used for |x| below this (truncation < 1e-17 relative).
_SERIES_X = 0.5
#: Above this, 1/sinh² x underflows against 1/x²: L'(x) = 1/x².
_LARGE_X = 300.0


def _poly_x2(coeffs: FloatArray, x2: FloatArray, start: int = 0) -> FloatArray:
    """Σ_{n ≥ start} coeffs[n] x2^{n-start} by Horner."""
    out = np.full_like(x2, coeffs[-1])
    for c in coeffs[-2 : start - 1 if start > 0 else None : -1]:
        out = out * x2 + c
    return out


def langevin(x: ArrayLike) -> FloatArray:
    """Langevin function L(x) = coth x − 1/x (series for |x| < 0.5; odd).

    Args:
        x: argument (dimensionless), any shape.

    Returns:
        L(x), same shape, float64.
    """
    x = np.asarray(x, dtype=float)
    small = np.abs(x) < _SERIES_X
    xs = np.where(small, x, 1.0)
    xl = np.where(small, 1.0, x)
    return np.where(small, xs * _poly_x2(_LX, xs * xs), 1.0 / np.tanh(xl) - 1.0 / xl)


def dlangevin(x: ArrayLike) -> FloatArray:
    """Derivative L'(x) = 1/x² − 1/sinh² x (series for |x| < 0.5; even; 1/x² for |x| > 300).

    Args:
        x: argument (dimensionless), any shape.

    Returns:
        L'(x), same shape, float64 (L'(0) = 1/3).
    """
    x = np.asarray(x, dtype=float)
    ax = np.abs(x)
    small = ax < _SERIES_X
    mid = ~small & (ax < _LARGE_X)
    xs = np.where(small, x, 0.0)
    xm = np.where(mid, x, 1.0)
    xl = np.where(small, 1.0, x)
    return np.where(
        small,
        _poly_x2(_DL, xs * xs),
        np.where(mid, 1.0 / xl**2 - 1.0 / np.sinh(xm) ** 2, 1.0 / xl**2),
    )


def _one_third_minus_l_over_x(x: FloatArray) -> FloatArray:
    """q(x) = 1/3 − L(x)/x ≥ 0 without cancellation (increasing from 0 to 1/3)."""
    small = np.abs(x) < _SERIES_X
    xs = np.where(small, x, 0.0)
    xl = np.where(small, 1.0, x)
    x2 = xs * xs
    series = -x2 * _poly_x2(_LX, x2, start=1)
    return np.where(small, series, 1.0 / 3.0 - (1.0 / np.tanh(xl) - 1.0 / xl) / xl)


def _dq_dx(x: FloatArray) -> FloatArray:
    """dq/dx = (L(x) − x L'(x))/x² (series near 0)."""
    small = np.abs(x) < _SERIES_X
    xs = np.where(small, x, 0.0)
    xl = np.where(small, 1.0, x)
    n = np.arange(len(_LX), dtype=float)
    series = -xs * _poly_x2(2.0 * n * _LX, xs * xs, start=1)
    return np.where(small, series, (langevin(xl) - xl * dlangevin(xl)) / (xl * xl))


def _one_third_minus_dl(x: FloatArray) -> FloatArray:
    """p(x) = 1/3 − L'(x) without cancellation."""
    small = np.abs(x) < _SERIES_X
    xs = np.where(small, x, 0.0)
    x2 = xs * xs
    return np.where(small, -x2 * _poly_x2(_DL, x2, start=1), 1.0 / 3.0 - dlangevin(x))


# --------------------------------------------------------------------------------------------
# Mean-field equilibrium
# --------------------------------------------------------------------------------------------
def reduced_temperature(temperature: ArrayLike, curie_temperature: ArrayLike) -> FloatArray:
    """t = T/T_c after checking T (finite, >= 0) and T_c (> 0); raises ValueError otherwise."""
    T = np.asarray(temperature, dtype=float)
    Tc = np.asarray(curie_temperature, dtype=float)
    if np.any(~np.isfinite(T)) or np.any(T < 0):
        bad = np.flatnonzero(~(np.isfinite(T) & (T >= 0)).ravel())[0]
        raise ValueError(
            f"LLB: temperature must be finite and >= 0 K; got {float(T.ravel()[bad])!r} at "
            f"point {bad}. "
            "Check the electron temperature passed to the LLB kernel."
        )
    if np.any(~(Tc > 0)):
        raise ValueError(
            f"LLB: curie_temperature must be > 0 K; got min {np.min(Tc)!r}. "
            "Give T_c in kelvin for every magnetic point."
        )
    return T / Tc


def _solve_xi(t: FloatArray) -> FloatArray:
    """ξ = 3 m_e/t solving L(ξ)/ξ = t/3 for 0 < t < 1 (safeguarded Newton on q(ξ) = (1 − t)/3)."""
    target = (1.0 - t) / 3.0
    lo = np.zeros_like(t)
    hi = 3.0 / t  # m_e < 1
    x = np.minimum(np.sqrt(15.0 * (1.0 - t)), 0.5 * (lo + hi))
    for _ in range(200):
        g = _one_third_minus_l_over_x(x) - target
        lo = np.where(g < 0, x, lo)
        hi = np.where(g > 0, x, hi)
        dg = _dq_dx(x)
        step = np.where(dg > 0, g / np.where(dg > 0, dg, 1.0), np.inf)
        x_new = x - step
        outside = ~((x_new > lo) & (x_new < hi))
        x_new = np.where(outside, 0.5 * (lo + hi), x_new)
        converged = np.abs(x_new - x) <= 1e-15 * np.abs(x_new)
        x = x_new
        if np.all(converged | (g == 0)):
            break
    return x


def equilibrium_magnetization(temperature: ArrayLike, curie_temperature: ArrayLike) -> FloatArray:
    """Mean-field equilibrium magnetization m_e(T) = L(3 T_c m_e/T) (classical, Langevin).

    Vectorized safeguarded Newton on ξ = 3 T_c m_e/T, accurate to ~1e-15 relative; exactly 0 for
    T ≥ T_c and 1 at T = 0.

    Args:
        temperature: T [K], any shape (broadcast with ``curie_temperature``).
        curie_temperature: T_c [K] (> 0).

    Returns:
        m_e (dimensionless, 0 ≤ m_e ≤ 1), broadcast shape.
    """
    t = reduced_temperature(temperature, curie_temperature)
    t, _ = np.broadcast_arrays(t, np.asarray(curie_temperature, dtype=float))
    t = np.array(t, dtype=float)
    out = np.zeros_like(t)
    out[t == 0] = 1.0
    inside = (t > 0) & (t < 1)
    if np.any(inside):
        ti = t[inside]
        out[inside] = ti * _solve_xi(ti) / 3.0
    return out


def below_tc_coefficients(t: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Exact (t·a, t·c) in units of k_B T_c/μ_at, 0 ≤ t ≤ 1 (Langevin branch; limits at 0, 1)."""
    t = np.asarray(t, dtype=float)
    ta = np.empty_like(t)
    tc = np.empty_like(t)
    zero = t == 0
    one = t >= 1
    ta[zero], tc[zero] = 4.5, 4.5
    ta[one], tc[one] = 0.0, 1.8
    inside = ~zero & ~one
    ti = t[inside]
    x = _solve_xi(ti)
    dl = dlangevin(x)
    # D = t − 3 L'(ξ) = 3 p(ξ) − (1 − t): the denominator of χ̃_∥, evaluated without cancellation.
    d = np.where(x < _SERIES_X, 3.0 * _one_third_minus_dl(x) - (1.0 - ti), ti - 3.0 * dl)
    a = d / (2.0 * dl)  # 1/(2 χ̃_∥) in units of k_B T_c/μ_at
    m_e = ti * x / 3.0
    ta[inside] = ti * a
    tc[inside] = ti * a / (m_e * m_e)
    return ta, tc


# --------------------------------------------------------------------------------------------
# Tabulated coefficients below T_c
# --------------------------------------------------------------------------------------------
#: Points of the mean-field table on t = T/T_c ∈ [0, 1].
TABLE_N = 4096


def _build_table() -> tuple[FloatArray, FloatArray]:
    t = np.linspace(0.0, 1.0, TABLE_N + 1)
    return below_tc_coefficients(t)


#: Tables of t·a(t) and t·c(t) (units k_B T_c/μ_at) on t_j = j/TABLE_N, j = 0..TABLE_N.
TABLE_TA, TABLE_TC = _build_table()


def table_lookup(t: FloatArray) -> tuple[FloatArray, FloatArray]:
    """4-point Lagrange interpolation of (t·a, t·c), 0 ≤ t ≤ 1 (same arithmetic as numba)."""
    N = TABLE_N
    s = t * N
    j = np.minimum(np.maximum(s.astype(np.int64), 1), N - 2)
    u = s - j  # local coordinate, nodes at u = −1, 0, 1, 2
    w0 = -u * (u - 1.0) * (u - 2.0) / 6.0
    w1 = (u + 1.0) * (u - 1.0) * (u - 2.0) / 2.0
    w2 = -(u + 1.0) * u * (u - 2.0) / 2.0
    w3 = (u + 1.0) * u * (u - 1.0) / 6.0
    ta = w0 * TABLE_TA[j - 1] + w1 * TABLE_TA[j] + w2 * TABLE_TA[j + 1] + w3 * TABLE_TA[j + 2]
    tc = w0 * TABLE_TC[j - 1] + w1 * TABLE_TC[j] + w2 * TABLE_TC[j + 1] + w3 * TABLE_TC[j + 2]
    return ta, tc
