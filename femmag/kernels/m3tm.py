"""Microscopic three-temperature model (M3TM, Koopmans et al. 2010) as a pointwise model.

Physics-spec §5.6 (S = ½)::

    dm/dt = R m (T_l/T_c) [1 − m coth(m T_c/T_e)]
          = R (T_l T_e/T_c²) g(m),   g(m) = x − m·x coth x,  x = m T_c/T_e

    R = 8 a_sf G_ep k_B T_c² V_at/(μ_at E_D²),   E_D = k_B T_D       (:func:`koopmans_rate`)

The equilibrium (dm/dt = 0) is m = tanh(m T_c/T_e) (the S = ½ mean-field curve), reached at the
rate R T_l/T_c times O(1). m may be a scalar per point (shape (n,)) or a vector (n, 3): the M3TM is
a model for |m| only, the direction is kept (m = 0 is a fixed point, so it is never crossed).

Integration (:func:`m3tm_advance`): T_e and T_l are frozen over dt (the caller passes step
averages, e.g. midpoint values); per point ``ceil(dt ρ/θ)`` sub-steps of the 3-stage, third-order,
L-stable and stiffly accurate SDIRK of Alexander (1977), each stage a scalar Newton solve (the
stage equation is monotone because ρh ≤ θ < 1/γ). ρ bounds |∂f/∂m| on the path (the value at the
start and at m = 0). Vectorized numpy; stiff-safe for any dt (more sub-steps, bounded by
``max_substeps``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from femmag.kernels.llb import LLBStepError
from femmag.units import KB

__all__ = [
    "M3TMParameters",
    "koopmans_rate",
    "m3tm_advance",
    "m3tm_equilibrium",
    "m3tm_rhs",
]

FloatArray = NDArray[np.float64]

#: Largest ρ·h per sub-step (SDIRK3: local error ~ (ρh)⁴).
M3TM_THETA = 0.1
# Alexander's SDIRK3 (γ is the root of x³ − 3x² + 3x/2 − 1/6 in (1/6, 1/2))
_G = 0.43586652150845899942
_B1 = -(6 * _G * _G - 16 * _G + 1) / 4
_B2 = (6 * _G * _G - 20 * _G + 5) / 4
_A21 = (1 - _G) / 2


@dataclass(frozen=True)
class M3TMParameters:
    """M3TM parameters of one material (S = ½).

    Attributes:
        curie_temperature: T_c [K] (scalar or per point).
        rate: R [1/s] (scalar or per point), e.g. 17.2e12 for Ni.
    """

    curie_temperature: float | FloatArray
    rate: float | FloatArray

    def arrays(self, n: int) -> tuple[FloatArray, FloatArray]:
        """(T_c, rate) as validated float arrays of length 1 (uniform) or n."""
        out = []
        for name in ("curie_temperature", "rate"):
            a = np.atleast_1d(np.asarray(getattr(self, name), dtype=float))
            if a.ndim != 1 or a.size not in (1, n):
                raise ValueError(f"M3TMParameters.{name} has shape {a.shape}; expected a scalar "
                                 f"or shape ({n},).")
            if np.any(~(a > 0)) or np.any(~np.isfinite(a)):
                raise ValueError(f"M3TMParameters.{name} must be finite and > 0; got min "
                                 f"{a.min()!r}.")
            out.append(np.broadcast_to(a, (n,)))
        return out[0], out[1]


def koopmans_rate(spin_flip_probability: float, electron_phonon_coupling: float,
                  curie_temperature: float, atomic_volume: float, atomic_moment: float,
                  debye_temperature: float) -> float:
    """R = 8 a_sf G_ep k_B T_c² V_at/(μ_at E_D²) [1/s] (Koopmans 2010; E_D = k_B T_D).

    Args:
        spin_flip_probability: a_sf (dimensionless).
        electron_phonon_coupling: G_ep [W/(m³ K)].
        curie_temperature: T_c [K].
        atomic_volume: V_at [m³].
        atomic_moment: μ_at in units of μ_B (as in Koopmans' formula, where μ_at/μ_B enters).
        debye_temperature: T_D [K].
    """
    e_d = KB * debye_temperature
    return (8 * spin_flip_probability * electron_phonon_coupling * KB * curie_temperature**2
            * atomic_volume / (atomic_moment * e_d * e_d))


def _xcoth(x):
    """x coth x (even, regular at 0)."""
    x = np.asarray(x, dtype=float)
    small = np.abs(x) < 1e-2
    safe = np.where(small, 1.0, x)
    x2 = x * x
    return np.where(small, 1.0 + x2 / 3.0 - x2 * x2 / 45.0 + 2.0 * x2**3 / 945.0,
                    safe / np.tanh(safe))


def _dxcoth(x):
    """d(x coth x)/dx = coth x − x/sinh² x (odd; series near 0; → sign(x) for large |x|)."""
    x = np.asarray(x, dtype=float)
    ax = np.abs(x)
    small = ax < 1e-2
    mid = ~small & (ax < 300)
    safe = np.where(mid, x, 1.0)
    series = 2 * x / 3 - 4 * x**3 / 45 + 2 * x**5 / 315
    big = np.sign(x)
    return np.where(small, series,
                    np.where(mid, 1.0 / np.tanh(safe) - safe / np.sinh(safe) ** 2, big))


def _g(m, kappa):
    return kappa * m - m * _xcoth(kappa * m)


def _dg(m, kappa):
    x = kappa * m
    return kappa - _xcoth(x) - m * kappa * _dxcoth(x)


def m3tm_rhs(m: ArrayLike, electron_temperature: ArrayLike, lattice_temperature: ArrayLike,
             params: M3TMParameters) -> FloatArray:
    """dm/dt [1/s] of the M3TM for scalar m (any shape broadcasting with the temperatures)."""
    m = np.asarray(m, dtype=float)
    Te = np.asarray(electron_temperature, dtype=float)
    Tl = np.asarray(lattice_temperature, dtype=float)
    Tc = np.asarray(params.curie_temperature, dtype=float)
    R = np.asarray(params.rate, dtype=float)
    return R * Tl * Te / (Tc * Tc) * _g(m, Tc / Te)


def m3tm_equilibrium(temperature: ArrayLike, curie_temperature: ArrayLike) -> FloatArray:
    """Equilibrium m solving m = tanh(m T_c/T) (= the S = ½ Brillouin mean field)."""
    from femmag.kernels.brillouin import quantum_equilibrium_magnetization

    return quantum_equilibrium_magnetization(temperature, curie_temperature, 0.5)


def _check(name, T, n):
    T = np.asarray(T, dtype=float)
    if T.shape not in ((n,), ()):
        raise ValueError(f"M3TM: {name} must have shape ({n},) or be a scalar [K]; got {T.shape}.")
    T = np.broadcast_to(T, (n,))
    if np.any(~(T > 0)) or np.any(~np.isfinite(T)):
        bad = int(np.flatnonzero(~(np.isfinite(T) & (T > 0)))[0])
        raise ValueError(f"M3TM: {name} must be finite and > 0 K; got {T[bad]!r} at point {bad}. "
                         "Check the two-temperature solution that feeds the kernel.")
    return T


def _stage(w, beta, pref, kappa, guess):
    """Solve Y = w + β pref g(Y) (monotone scalar equation; Newton from ``guess``)."""
    y = guess.copy()
    for _ in range(30):
        G = y - w - beta * pref * _g(y, kappa)
        dG = 1.0 - beta * pref * _dg(y, kappa)
        step = G / dG
        y = y - step
        if np.all(np.abs(step) <= 1e-14 * np.abs(y) + 1e-18):
            break
    return y


def m3tm_advance(m: ArrayLike, electron_temperature: ArrayLike, lattice_temperature: ArrayLike,
                 dt: float, params: M3TMParameters, *, theta: float = M3TM_THETA,
                 max_substeps: int = 100000) -> FloatArray:
    """Advance the M3TM by dt at every point (stiff-safe SDIRK3 sub-steps; pure function).

    Args:
        m: reduced magnetization, shape (n,) (signed scalar) or (n, 3) (the norm evolves, the
            direction is kept).
        electron_temperature: T_e [K] over the step, (n,) or scalar (> 0).
        lattice_temperature: T_l [K] over the step, (n,) or scalar (> 0).
        dt: step [s] (≥ 0).
        params: :class:`M3TMParameters`.
        theta: largest ρ·h per sub-step.
        max_substeps: most sub-steps per point (more raises :class:`LLBStepError`).

    Returns:
        m at the end of the step, the shape of ``m``.
    """
    arr = np.asarray(m, dtype=float)
    if arr.ndim == 2 and arr.shape[1] == 3:
        size = np.sqrt(np.einsum("ij,ij->i", arr, arr))
        new = m3tm_advance(size, electron_temperature, lattice_temperature, dt, params,
                           theta=theta, max_substeps=max_substeps)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(size > 0, new / size, 0.0)
        return arr * scale[:, None]
    if arr.ndim != 1:
        raise ValueError(f"M3TM: m must have shape (n,) or (n, 3); got {arr.shape}.")
    n = arr.size
    if not (np.isfinite(dt) and dt >= 0):
        raise ValueError(f"M3TM: dt must be finite and >= 0 s; got {dt!r}.")
    Te = _check("electron_temperature", electron_temperature, n)
    Tl = _check("lattice_temperature", lattice_temperature, n)
    Tc, R = params.arrays(n)
    if n == 0 or dt == 0:
        return arr.copy()
    pref = R * Tl * Te / (Tc * Tc)
    kappa = Tc / Te
    rho = pref * (np.abs(kappa - 1.0) + np.abs(_dg(arr, kappa)))
    nsub = np.maximum(np.ceil(dt * rho / theta), 1.0)
    if np.any(nsub > max_substeps):
        i = int(np.flatnonzero(nsub > max_substeps)[0])
        raise LLBStepError(
            f"M3TM step refused at point {i} (T_e = {Te[i]:.6g} K): rate {rho[i]:.3e} 1/s with "
            f"dt = {dt:.3e} s needs {int(nsub[i])} sub-steps (> max_substeps = {max_substeps}). "
            "Reduce dt or raise max_substeps."
        )
    y = arr.copy()
    for j in range(int(nsub.max())):
        idx = np.flatnonzero(nsub > j)
        h = dt / nsub[idx]
        p, k, y0 = pref[idx], kappa[idx], y[idx]
        beta = _G * h
        y1 = _stage(y0, beta, p, k, y0)
        f1 = p * _g(y1, k)
        y2 = _stage(y0 + h * _A21 * f1, beta, p, k, y1)
        f2 = p * _g(y2, k)
        y[idx] = _stage(y0 + h * (_B1 * f1 + _B2 * f2), beta, p, k, y2)
    return y

