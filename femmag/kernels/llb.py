"""Classical (Garanin) Landau–Lifshitz–Bloch kernels at points: pure numpy (+ numba), no meshes.

Physics (physics-spec §5.1–5.2, classical spins, Langevin mean field with J0 = 3 k_B T_c)::

    dm/dt = −γ m × H + (γ α_∥/m²)(m·H) m − (γ α_⊥/m²) m × (m × H),    H = H_int(m, T) + B

with the reduced magnetization ``m = M/M_s(0 K)`` (``|m| ≠ 1``), fields in tesla and T the electron
temperature. The internal (longitudinal) field is always radial, ``H_int = (a − c m²) m``:

* T < T_c − TC_BAND (Langevin): a = 1/(2χ̃_∥), c = 1/(2χ̃_∥ m_e²);
* |T − T_c| ≤ TC_BAND (Landau): a = −3 k_B (T − T_c)/μ_at, c = (9/5) k_B T_c/μ_at;
* T > T_c + TC_BAND: a = −1/χ̃_∥ = −3 k_B (T − T_c)/μ_at and
  c = (3/5) T_c/(χ̃_∥ (T − T_c)) = (9/5) k_B T_c/μ_at, i.e. the same formula as the band.

The band branch is the Landau expansion of both sides; at T = T_c it is exactly the spec's
``H_int = −(9/5)(k_B T_c/μ_at) m² m``; it is identical to the T > T_c branch and differs from the
T < T_c branch by O((T_c − T)/T_c) relative at the band edge.

Time integration (:func:`llb_advance`), per point, over one heat step with T and B frozen:

* The precession ``−γ m × B`` is a rotation about B̂ that commutes with everything else (the
  rest of the right-hand side is equivariant under rotations about B̂), so it is applied
  **exactly** once per step (Rodrigues rotation by γ|B|dt): no precession step limit at all.
* The rest, ``F(n) = γα_∥ (a − c n²) n + γα_∥ B + γ(α_⊥ − α_∥) B_⊥(n̂)``, carries the stiff
  longitudinal relaxation (rates γα_∥/χ̃_∥ ~ 1e13–1e14 /s). It is integrated with the 2-stage
  L-stable, stiffly accurate SDIRK2 (γ_d = 1 − 1/√2). Each implicit stage ``n = w + β F(n)`` has
  its solution **parallel to** ``v = w + β γ(α_∥ + Δα) B``, so it reduces to one monotone scalar
  cubic for the signed length along v̂ (safeguarded Halley iterations). Hence m may pass through
  zero (switching above T_c), m = 0 exactly is regular, and no 3×3 solve is needed.
* Sub-steps per point: ``ceil(dt·ρ/θ)`` with ρ the largest longitudinal/direction relaxation
  rate at the start of the step and θ = :data:`SUBSTEP_THETA`; ``max_substep`` caps the sub-step
  further. Above ``max_substeps`` the step is refused with :class:`LLBStepError`.
* Below T_c the mean-field coefficients a(T), c(T) come from a table of ``t·a`` and ``t·c``
  versus ``t = T/T_c`` (both smooth on [0, 1], T = 0 included) with 4-point Lagrange
  interpolation: relative error < 1e-10 (t·a) and < 1e-12 (t·c) against the exact Newton solve
  (tested). The table lives in :mod:`femmag.kernels.mean_field`; the numba
  (femmag.kernels.ode) and numpy paths share it and the arithmetic.

Stochastic LLB (spec §5.4, :mod:`femmag.kernels.stochastic`): the additive noise ζ_ad√h·N enters
each stage through ``w`` and the transverse noise ζ_⊥ through the ``B_⊥`` term (a field that only
enters the transverse damping), which keeps the "solution parallel to v" structure of the stages.

Units: T [K], fields [T], atomic moment μ_at [J/T], γ [rad/(s T)], times [s], χ̃_∥ [1/T].
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from femmag.kernels.mean_field import (
    TABLE_N,
    TABLE_TA,
    TABLE_TC,
    below_tc_coefficients,
    dlangevin,
    equilibrium_magnetization,
    langevin,
    reduced_temperature,
    table_lookup,
)
from femmag.units import GAMMA_E, KB

__all__ = [
    "DEFAULT_MAX_SUBSTEPS",
    "SDIRK_GAMMA",
    "SUBSTEP_THETA",
    "TC_BAND",
    "LLBParameters",
    "LLBStepError",
    "damping_parameters",
    "dlangevin",
    "equilibrium_magnetization",
    "internal_field",
    "langevin",
    "llb_0d_trace",
    "llb_advance",
    "llb_advance_numpy",
    "llb_rhs",
    "longitudinal_susceptibility",
]

#: Half-width [K] of the band around T_c where the Landau expansion of H_int is used (spec §5.1).
TC_BAND = 0.1
#: Largest (relaxation rate × sub-step) accepted by the integrator (accuracy, not stability).
SUBSTEP_THETA = 0.5
#: Floor on |m| in the direction-relaxation rate estimate γ Δα |B| / |m| (below T_c only).
_DIRECTION_FLOOR = 0.01
#: SDIRK2 diagonal coefficient (L-stable, stiffly accurate; R(z) > 0 for z > −2.41).
SDIRK_GAMMA = 1.0 - 1.0 / math.sqrt(2.0)
#: Default limit on sub-steps per point and heat step.
DEFAULT_MAX_SUBSTEPS = 1000

FloatArray = NDArray[np.float64]


class LLBStepError(RuntimeError):
    """A requested LLB step cannot be integrated accurately with the allowed sub-steps."""


# --------------------------------------------------------------------------------------------
# Susceptibility, damping and the internal field (mean field: femmag.kernels.mean_field)
# --------------------------------------------------------------------------------------------
def longitudinal_susceptibility(
    temperature: ArrayLike, curie_temperature: ArrayLike, atomic_moment: ArrayLike
) -> FloatArray:
    """Longitudinal susceptibility χ̃_∥(T) [1/T] (mean field, classical spins).

    Below T_c: ``(μ_at/(k_B T)) L'(ξ)/(1 − (3T_c/T) L'(ξ))``; above: ``μ_at/(3 k_B (T − T_c))``.
    χ̃_∥ diverges at T_c; within ``|T − T_c| < TC_BAND`` the value at the band edge on the same side
    is returned (finite; at T = T_c exactly the T > T_c edge), consistent with
    :func:`internal_field`
    which uses the Landau expansion there. χ̃_∥(0) = 0.

    Args:
        temperature: T [K].
        curie_temperature: T_c [K].
        atomic_moment: μ_at [J/T].

    Returns:
        χ̃_∥ [1/T], broadcast shape.
    """
    T = np.asarray(temperature, dtype=float)
    Tc = np.asarray(curie_temperature, dtype=float)
    mu = np.asarray(atomic_moment, dtype=float)
    reduced_temperature(T, Tc)
    T, Tc, mu = (np.array(a, dtype=float) for a in np.broadcast_arrays(T, Tc, mu))
    in_band = np.abs(T - Tc) < TC_BAND
    T = np.where(in_band, np.where(T < Tc, Tc - TC_BAND, Tc + TC_BAND), T)
    t = T / Tc
    out = np.zeros_like(T)
    above = t > 1
    out[above] = mu[above] / (3.0 * KB * (T[above] - Tc[above]))
    below = (t > 0) & (t < 1)
    if np.any(below):
        ta, _ = below_tc_coefficients(t[below])
        a = ta / t[below]
        out[below] = 1.0 / (2.0 * a) * mu[below] / (KB * Tc[below])
    return out


def damping_parameters(
    temperature: ArrayLike, curie_temperature: ArrayLike, coupling: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Longitudinal and transverse LLB damping (classical spins, spec §5.1).

    ``T < T_c: α_∥ = 2λT/(3T_c), α_⊥ = λ(1 − T/(3T_c))``; ``T ≥ T_c: α_⊥ = α_∥ = 2λT/(3T_c)``.

    Args:
        temperature: T [K].
        curie_temperature: T_c [K].
        coupling: λ, coupling to the bath (dimensionless).

    Returns:
        (α_∥, α_⊥), dimensionless arrays of the broadcast shape.
    """
    t = reduced_temperature(temperature, curie_temperature)
    lam = np.asarray(coupling, dtype=float)
    alpha_par = 2.0 * lam * t / 3.0
    alpha_perp = np.where(t < 1.0, lam * (1.0 - t / 3.0), alpha_par)
    return np.asarray(alpha_par * np.ones_like(alpha_perp)), np.asarray(alpha_perp)


def _internal_coefficients(
    temperature: FloatArray, curie_temperature: FloatArray, atomic_moment: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Exact (a, c) [T] of H_int = (a − c m²) m for the three branches (module docstring)."""
    T, Tc, mu = (np.array(x, dtype=float) for x in np.broadcast_arrays(
        temperature, curie_temperature, atomic_moment))
    t = reduced_temperature(T, Tc)
    scale = KB * Tc / mu  # k_B T_c/μ_at [T]
    a = -3.0 * (t - 1.0) * scale
    c = 1.8 * scale
    below = T < Tc - TC_BAND
    if np.any(below):
        ta, tc = below_tc_coefficients(t[below])
        tb = t[below]
        with np.errstate(divide="ignore", invalid="ignore"):
            a[below] = np.where(tb > 0, ta / tb, np.inf) * scale[below]
            c[below] = np.where(tb > 0, tc / tb, np.inf) * scale[below]
    return a, c


def internal_field(
    m: ArrayLike, temperature: ArrayLike, curie_temperature: ArrayLike, atomic_moment: ArrayLike
) -> FloatArray:
    """Internal (longitudinal) LLB field H_int [T] (spec §5.1, three branches).

    ``T < T_c − TC_BAND``: ``(1/(2χ̃_∥))(1 − m²/m_e²) m``; ``T > T_c + TC_BAND``:
    ``−(1/χ̃_∥)(1 + (3/5) T_c m²/(T − T_c)) m``; ``|T − T_c| ≤ TC_BAND``: the Landau expansion
    ``−(3k_B(T − T_c)/μ_at) m − (9/5)(k_B T_c/μ_at) m² m`` (= the spec's T_c branch at T = T_c).

    Args:
        m: reduced magnetization, shape (n, 3).
        temperature: T [K], shape (n,) or scalar.
        curie_temperature: T_c [K], shape (n,) or scalar.
        atomic_moment: μ_at [J/T], shape (n,) or scalar.

    Returns:
        H_int [T], shape (n, 3). Not defined at T = 0 (infinite stiffness): raises ValueError.
    """
    m = _as_vectors(m, "m")
    n = m.shape[0]
    T = np.broadcast_to(np.asarray(temperature, dtype=float), (n,))
    if np.any(T == 0):
        raise ValueError(
            "LLB internal_field: undefined at T = 0 K (infinite stiffness); use T > 0."
        )
    a, c = _internal_coefficients(T, np.broadcast_to(curie_temperature, (n,)),
                                  np.broadcast_to(atomic_moment, (n,)))
    m2 = np.einsum("ij,ij->i", m, m)
    return (a - c * m2)[:, None] * m


def llb_rhs(
    m: ArrayLike,
    field: ArrayLike,
    temperature: ArrayLike,
    curie_temperature: ArrayLike,
    atomic_moment: ArrayLike,
    coupling: ArrayLike,
    gamma: float | ArrayLike = GAMMA_E,
) -> FloatArray:
    """Right-hand side dm/dt [1/s] of the classical LLB equation (spec §5.1), from the formula.

    ``dm/dt = −γ m × H + (γα_∥/m²)(m·H) m − (γα_⊥/m²) m × (m × H)`` with ``H = H_int + field``.
    At m = 0 the direction is taken along H (dm/dt = γ α_∥ field, the limit above T_c).

    Args:
        m: reduced magnetization (n, 3).
        field: applied + induced field B [T], (n, 3) or (3,).
        temperature: electron temperature [K], (n,) or scalar (> 0).
        curie_temperature: T_c [K].
        atomic_moment: μ_at [J/T].
        coupling: λ (dimensionless).
        gamma: gyromagnetic ratio [rad/(s T)].

    Returns:
        dm/dt [1/s], shape (n, 3).
    """
    m = _as_vectors(m, "m")
    n = m.shape[0]
    B = np.broadcast_to(np.asarray(field, dtype=float), (n, 3))
    T = np.broadcast_to(np.asarray(temperature, dtype=float), (n,))
    Tc = np.broadcast_to(np.asarray(curie_temperature, dtype=float), (n,))
    g = np.broadcast_to(np.asarray(gamma, dtype=float), (n,))
    H = internal_field(m, T, Tc, atomic_moment) + B
    a_par, a_perp = damping_parameters(T, Tc, np.broadcast_to(coupling, (n,)))
    m2 = np.einsum("ij,ij->i", m, m)
    zero = m2 == 0
    safe = np.where(zero, 1.0, m2)
    mxh = np.cross(m, H)
    mdoth = np.einsum("ij,ij->i", m, H)
    par = np.where(zero[:, None], H, (mdoth / safe)[:, None] * m)
    perp = np.where(zero[:, None], 0.0, -np.cross(m, mxh) / safe[:, None])
    return g[:, None] * (-mxh + a_par[:, None] * par + a_perp[:, None] * perp)


# --------------------------------------------------------------------------------------------
# Parameters and the per-point rates used by the integrator
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LLBParameters:
    """Per-point (or uniform) classical-LLB parameters.

    Attributes:
        curie_temperature: mean-field Curie temperature T_c [K] (scalar or (n,)).
        atomic_moment: magnetic moment per spin μ_at [J/T] (scalar or (n,)).
        coupling: coupling to the bath λ (dimensionless; scalar or (n,)).
        gamma: gyromagnetic ratio γ [rad/(s T)] (scalar or (n,)).
    """

    curie_temperature: float | FloatArray
    atomic_moment: float | FloatArray
    coupling: float | FloatArray
    gamma: float | FloatArray = GAMMA_E

    def arrays(self, n: int) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """(T_c, μ_at, λ, γ) as validated contiguous float arrays of length 1 (uniform) or n."""
        out = []
        for name in ("curie_temperature", "atomic_moment", "coupling", "gamma"):
            a = np.ascontiguousarray(np.atleast_1d(np.asarray(getattr(self, name), dtype=float)))
            if a.ndim != 1 or a.size not in (1, n):
                raise ValueError(
                    f"LLBParameters.{name} has shape {a.shape}; expected a scalar or shape ({n},) "
                    "(one value per point)."
                )
            if name == "coupling" and np.any(~(a >= 0)):
                raise ValueError(f"LLBParameters.coupling must be >= 0; got min {a.min()!r}.")
            if name != "coupling" and np.any(~(a > 0)):
                raise ValueError(f"LLBParameters.{name} must be > 0; got min {a.min()!r}.")
            out.append(a)
        return tuple(out)  # type: ignore[return-value]


def _point_rates(
    T: FloatArray, Tc: FloatArray, mu: FloatArray, lam: FloatArray, gam: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per-point (k, kd, ka, kc) [1/s]: k = γα_∥, kd = γ(α_⊥ − α_∥), ka = k·a, kc = k·c."""
    t = T / Tc
    scale = KB * Tc / mu
    pref = gam * (2.0 * lam / 3.0) * scale  # γ (2λ/3) k_B T_c/μ_at; k·a = pref·(t·a)
    k = gam * (2.0 * lam / 3.0) * t
    kd = gam * lam * np.maximum(1.0 - t, 0.0)
    ta, tc = table_lookup(np.minimum(t, 1.0))
    landau = T >= Tc - TC_BAND
    ka = np.where(landau, pref * t * (3.0 * (1.0 - t)), pref * ta)
    kc = np.where(landau, pref * t * 1.8, pref * tc)
    return k, kd, ka, kc


def _substep_counts(
    m: FloatArray, B: FloatArray, dt: float, k: FloatArray, kd: FloatArray, ka: FloatArray,
    kc: FloatArray, h_max: float,
) -> tuple[FloatArray, FloatArray]:
    """(number of sub-steps, rate ρ [1/s]) per point for the accuracy criterion dt·ρ/n ≤ θ."""
    s2 = m[:, 0] * m[:, 0] + m[:, 1] * m[:, 1] + m[:, 2] * m[:, 2]
    bn = np.sqrt(B[:, 0] * B[:, 0] + B[:, 1] * B[:, 1] + B[:, 2] * B[:, 2])
    rate = (
        np.abs(ka)
        + np.maximum(3.0 * kc * s2, 3.0 * np.maximum(ka, 0.0))
        + kd * bn / np.maximum(np.sqrt(s2), _DIRECTION_FLOOR)
    )
    nsub = np.maximum(np.ceil(dt * rate / SUBSTEP_THETA), 1.0)
    if h_max > 0:
        nsub = np.maximum(nsub, np.ceil(dt / h_max))
    return nsub, rate


#: Halley iterations applied to every stage cubic, then adaptive (same as the numba kernel).
HALLEY_FIXED = 3
HALLEY_TOL = 1e-5
HALLEY_MAX = 200


def _halley_numpy(r, lo, hi, a3, bb, c0):
    """One safeguarded Halley step on g(r) = a3 r³ + bb r + c0; returns (r, lo, hi, |Δr|)."""
    r2 = r * r
    g = (a3 * r2 + bb) * r + c0
    g1 = 3.0 * a3 * r2 + bb
    neg = g < 0.0
    lo = np.where(neg, r, lo)
    hi = np.where(neg, hi, r)
    den = 2.0 * g1 * g1 - 6.0 * a3 * r * g
    with np.errstate(divide="ignore", invalid="ignore"):
        rn = r - 2.0 * g * g1 / den
    ok = (den > 0.0) & (rn >= lo) & (rn <= hi)
    rn = np.where(ok, rn, 0.5 * (lo + hi))
    rn = np.where(g == 0.0, r, rn)
    return rn, lo, hi, np.abs(rn - r)


def _stage_numpy(w, B, beta, k, kd, ka, kc, guess_dir):
    """Solve n = w + β F(n) (vectorized).

    n = r v̂ with r the root of βkc r³ + (1 − βka) r + βkd (v̂·B) − |v|;

    g is increasing in r (βka < 1 is guaranteed by the sub-step criterion), so the root is unique
    and bracketed by [0, −c0/bb] or [−c0/bb, 0].
    """
    f = beta * (k + kd)
    v = w + f[:, None] * B
    vn = np.sqrt(v[:, 0] * v[:, 0] + v[:, 1] * v[:, 1] + v[:, 2] * v[:, 2])
    with np.errstate(divide="ignore"):
        inv = np.where(vn > 0.0, 1.0 / vn, 0.0)
    u = v * inv[:, None]
    c0 = beta * kd * (u[:, 0] * B[:, 0] + u[:, 1] * B[:, 1] + u[:, 2] * B[:, 2]) - vn
    bb = 1.0 - beta * ka
    bound = -c0 / bb
    lo = np.where(c0 < 0.0, 0.0, bound)
    hi = np.where(c0 < 0.0, bound, 0.0)
    guess = guess_dir[:, 0] * u[:, 0] + guess_dir[:, 1] * u[:, 1] + guess_dir[:, 2] * u[:, 2]
    r = np.minimum(np.maximum(guess, lo), hi)
    a3 = beta * kc
    active = np.ones(r.size, dtype=bool)
    for it in range(HALLEY_MAX):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        rn, lo[idx], hi[idx], dr = _halley_numpy(
            r[idx], lo[idx], hi[idx], a3[idx], bb[idx], c0[idx]
        )
        r[idx] = rn
        if it >= HALLEY_FIXED - 1:
            active[idx] = ~(dr <= HALLEY_TOL * np.abs(rn))
    return r[:, None] * u


#: Largest precession angle per step [rad] evaluated with Taylor series (as the numba kernel).
PHI_SERIES = 0.1


def _rotate_about_field(
    m: FloatArray, B: FloatArray, angle_rate: FloatArray, dt: float
) -> FloatArray:
    """Exact precession: rotate m about B̂ by φ = γ|B|dt (dm/dt = −γ m × B).

    sin φ and 1 − cos φ use their Taylor series (round-off accurate) for |φ| <= PHI_SERIES.
    """
    bn = np.sqrt(B[:, 0] * B[:, 0] + B[:, 1] * B[:, 1] + B[:, 2] * B[:, 2])
    nz = bn > 0
    with np.errstate(divide="ignore"):
        ib = np.where(nz, 1.0 / bn, 0.0)
    h = B * ib[:, None]
    phi = angle_rate * bn * dt
    p2 = phi * phi
    series = np.abs(phi) <= PHI_SERIES
    sp_series = phi * (1.0 - p2 * (1.0 / 6.0) * (1.0 - p2 * (1.0 / 20.0) * (
        1.0 - p2 * (1.0 / 42.0) * (1.0 - p2 * (1.0 / 72.0) * (1.0 - p2 * (1.0 / 110.0))))))
    omc_series = p2 * (1.0 / 2.0) * (1.0 - p2 * (1.0 / 12.0) * (1.0 - p2 * (1.0 / 30.0) * (
        1.0 - p2 * (1.0 / 56.0) * (1.0 - p2 * (1.0 / 90.0) * (1.0 - p2 * (1.0 / 132.0))))))
    sp = np.where(series, sp_series, np.sin(phi))
    omc = np.where(series, omc_series, 1.0 - np.cos(phi))
    cp = 1.0 - omc
    h0, h1, h2 = h[:, 0], h[:, 1], h[:, 2]
    n0, n1, n2 = m[:, 0], m[:, 1], m[:, 2]
    d = (h0 * n0 + h1 * n1 + h2 * n2) * omc
    rot = np.stack(
        [
            n0 * cp + (h1 * n2 - h2 * n1) * sp + h0 * d,
            n1 * cp + (h2 * n0 - h0 * n2) * sp + h1 * d,
            n2 * cp + (h0 * n1 - h1 * n0) * sp + h2 * d,
        ],
        axis=1,
    )
    return np.where(nz[:, None], rot, m)


def _check_inputs(m, field, temperature, dt, params):
    m = _as_vectors(m, "m")
    n = m.shape[0]
    B = np.asarray(field, dtype=float)
    if B.shape not in ((n, 3), (3,)):
        raise ValueError(f"LLB: field must have shape ({n}, 3) or (3,) [T]; got {B.shape}.")
    # broadcast only when needed (a broadcast view is read-only: _writable would copy it)
    B = _writable(B if B.shape == (n, 3) else np.broadcast_to(B, (n, 3)))
    T = np.asarray(temperature, dtype=float)
    if T.shape not in ((n,), ()):
        raise ValueError(
            f"LLB: temperature must have shape ({n},) or be a scalar [K]; got {T.shape}."
        )
    T = _writable(T if T.shape == (n,) else np.broadcast_to(T, (n,)))
    if not (np.isfinite(dt) and dt >= 0):
        raise ValueError(f"LLB: dt must be finite and >= 0 s; got {dt!r}.")
    if not np.all(np.isfinite(m)) or not np.all(np.isfinite(B)):
        raise ValueError("LLB: m and field must be finite (found NaN/inf).")
    Tc, mu, lam, gam = params.arrays(n)
    reduced_temperature(T, Tc)
    return m, B, T, Tc, mu, lam, gam


def _writable(a: FloatArray) -> FloatArray:
    """C-contiguous writeable float64 (copied only when needed: one numba signature)."""
    a = np.ascontiguousarray(a, dtype=float)
    return a if a.flags.writeable else a.copy()


def _as_vectors(m: ArrayLike, name: str) -> FloatArray:
    arr = np.asarray(m, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise ValueError(f"LLB: {name} must have shape (n, 3); got {arr.shape}.")
    return arr


def _raise_step_error(i, rate, T, Tc, s, dt, nsub, max_substeps):
    raise LLBStepError(
        f"LLB step refused at point {i} (T = {T:.6g} K, T_c = {Tc:.6g} K, |m| = {s:.3g}): "
        f"relaxation rate {rate:.3e} 1/s with dt = {dt:.3e} s needs {int(nsub)} sub-steps "
        f"(> max_substeps = {max_substeps}; sub-step rate·h <= {SUBSTEP_THETA}). "
        f"Reduce dt or allow more substeps (max_substeps >= {int(nsub)})."
    )


def llb_advance_numpy(
    m: ArrayLike,
    field: ArrayLike,
    temperature: ArrayLike,
    dt: float,
    params: LLBParameters,
    *,
    max_substep: float | None = None,
    max_substeps: int = DEFAULT_MAX_SUBSTEPS,
) -> tuple[FloatArray, int]:
    """Plain-numpy version of :func:`llb_advance` (same algorithm and arithmetic)."""
    m, B, T, Tc, mu, lam, gam = _check_inputs(m, field, temperature, dt, params)
    n = m.shape[0]
    if n == 0 or dt == 0:
        return m.copy(), 0
    Tc, mu, lam, gam = (np.broadcast_to(a, (n,)) for a in (Tc, mu, lam, gam))
    k, kd, ka, kc = _point_rates(T, Tc, mu, lam, gam)
    h_max = 0.0 if max_substep is None else float(max_substep)
    nsub, rate = _substep_counts(m, B, dt, k, kd, ka, kc, h_max)
    over = np.flatnonzero(nsub > max_substeps)
    if over.size:
        i = over[0]
        _raise_step_error(i, rate[i], T[i], Tc[i], np.linalg.norm(m[i]), dt, nsub[i], max_substeps)
    state = m.copy()
    gd = SDIRK_GAMMA
    c21 = (1.0 - gd) / gd
    for j in range(int(nsub.max())):
        idx = np.flatnonzero(nsub > j)
        beta = (dt / nsub[idx]) * gd
        n0, Bi = state[idx], B[idx]
        ki, kdi, kai, kci = k[idx], kd[idx], ka[idx], kc[idx]
        y1 = _stage_numpy(n0, Bi, beta, ki, kdi, kai, kci, n0)
        w2 = n0 + c21 * (y1 - n0)
        state[idx] = _stage_numpy(w2, Bi, beta, ki, kdi, kai, kci, y1)
    return _rotate_about_field(state, B, gam, dt), int(nsub.max())


def _use_numba() -> bool:
    if os.environ.get("FEMMAG_NO_NUMBA", "") not in ("", "0"):
        return False
    try:
        import numba  # noqa: F401
    except ImportError:  # pragma: no cover - numba is a dependency
        return False
    return True


def _prepare_kernel_inputs(m, field, temperature, dt, params):
    """Shapes, dt and parameters checked; contiguous float64 arrays for the numba kernel.

    The finiteness of m, B and T and T >= 0 are checked by the kernel itself (one pass);
    each parameter array comes back of length 1 (uniform) or n.
    """
    m = _as_vectors(m, "m")
    n = m.shape[0]
    B = np.asarray(field, dtype=float)
    if B.shape not in ((n, 3), (3,)):
        raise ValueError(f"LLB: field must have shape ({n}, 3) or (3,) [T]; got {B.shape}.")
    B = _writable(B if B.shape == (n, 3) else np.broadcast_to(B, (n, 3)))
    T = np.asarray(temperature, dtype=float)
    if T.shape not in ((n,), ()):
        raise ValueError(
            f"LLB: temperature must have shape ({n},) or be a scalar [K]; got {T.shape}."
        )
    T = _writable(T if T.shape == (n,) else np.broadcast_to(T, (n,)))
    if not (np.isfinite(dt) and dt >= 0):
        raise ValueError(f"LLB: dt must be finite and >= 0 s; got {dt!r}.")
    return _writable(m), B, T, params.arrays(n)


def llb_advance(
    m: ArrayLike,
    field: ArrayLike,
    temperature: ArrayLike,
    dt: float,
    params: LLBParameters,
    *,
    max_substep: float | None = None,
    max_substeps: int = DEFAULT_MAX_SUBSTEPS,
    parallel: bool = False,
) -> tuple[FloatArray, int]:
    """Advance the classical LLB equation by dt at every point (stiff-safe; pure function).

    T and the field are held constant over dt (operator splitting with the heat/induction solvers).
    Precession is applied exactly; the longitudinal + damping part uses L-stable SDIRK2 sub-steps
    (second order in the sub-step; see the module docstring). Uses the fused numba kernel when numba
    is importable, plain numpy otherwise or when ``FEMMAG_NO_NUMBA=1``; both agree to ~1e-15.

    Args:
        m: reduced magnetization at the start of the step, shape (n, 3).
        field: applied + induced field B [T] (everything except H_int), shape (n, 3) or (3,).
        temperature: electron temperature T_e [K] over the step, shape (n,) or scalar.
        dt: step [s] (heat steps are typically 1–50 fs).
        params: :class:`LLBParameters` (scalars or per-point arrays).
        max_substep: largest sub-step [s] allowed (None: chosen from the accuracy criterion only).
        max_substeps: most sub-steps allowed per point; more raises :class:`LLBStepError`.
        parallel: split the points over the numba threads (``numba.set_num_threads``; leave
            False under MPI with one rank per core). Results are identical either way.

    Returns:
        (m_new, n_substeps_used): new magnetization (n, 3) and the largest number of sub-steps
        used at any point.

    Raises:
        LLBStepError: dt needs more than ``max_substeps`` sub-steps at some point (message gives the
            point, its rate, dt and the fix).
        ValueError: bad shapes or non-physical inputs.
    """
    if not _use_numba():
        return llb_advance_numpy(m, field, temperature, dt, params,
                                 max_substep=max_substep, max_substeps=max_substeps)
    from femmag.kernels import ode

    m, B, T, (Tc, mu, lam, gam) = _prepare_kernel_inputs(m, field, temperature, dt, params)
    n = m.shape[0]
    if n == 0 or dt == 0:
        _check_inputs(m, B, T, dt, params)
        return m.copy(), 0
    h_max = 0.0 if max_substep is None else float(max_substep)
    m_out = np.empty_like(m)
    bad, n_used, bad_input = ode.llb_advance_points(
        m, B, T, float(dt), Tc, mu, lam, gam, TABLE_TA, TABLE_TC,
        TABLE_N, TC_BAND, KB, SUBSTEP_THETA, _DIRECTION_FLOOR, SDIRK_GAMMA, h_max,
        int(max_substeps), m_out, parallel=parallel,
    )
    if bad_input >= 0:
        _check_inputs(m, B, T, dt, params)  # raises with the message
        raise ValueError(f"LLB: invalid input at point {bad_input}.")  # pragma: no cover
    if bad >= 0:
        sl = slice(bad, bad + 1)
        pick = [a[sl] if a.size > 1 else a for a in (Tc, mu, lam, gam)]
        k, kd, ka, kc = _point_rates(T[sl], *pick)
        nsub, rate = _substep_counts(m[sl], B[sl], dt, k, kd, ka, kc, h_max)
        _raise_step_error(bad, rate[0], T[bad], pick[0][0], np.linalg.norm(m[bad]), dt, nsub[0],
                          max_substeps)
    return m_out, int(n_used)


# --------------------------------------------------------------------------------------------
# 0D driver (reference traces, calibration)
# --------------------------------------------------------------------------------------------
def llb_0d_trace(
    times: ArrayLike,
    electron_temperature: Callable[[float], float] | ArrayLike,
    field: Callable[[float], ArrayLike] | ArrayLike | None,
    params: LLBParameters,
    m0: ArrayLike,
    *,
    max_substep: float | None = None,
) -> FloatArray:
    """Integrate the LLB equation at one point along a prescribed T_e(t) and B(t).

    Each interval [t_i, t_{i+1}] is one :func:`llb_advance` step with T and B frozen at the interval
    midpoint (callables) or at the mean of the end values (arrays), i.e. the same splitting the FEM
    coupling uses.

    Args:
        times: increasing sample times [s], shape (N,).
        electron_temperature: T_e(t) [K] as a callable of t [s] or an array of shape (N,).
        field: B(t) [T] as a callable returning (3,), an array (N, 3), or None (zero field).
        params: :class:`LLBParameters` (scalars).
        m0: initial reduced magnetization, shape (3,).
        max_substep: optional cap on the internal sub-step [s].

    Returns:
        m(t_i), shape (N, 3).
    """
    t = np.asarray(times, dtype=float)
    if t.ndim != 1 or np.any(np.diff(t) <= 0):
        raise ValueError("llb_0d_trace: times must be a 1D increasing array [s].")
    mid = 0.5 * (t[1:] + t[:-1])
    if callable(electron_temperature):
        T_mid = _sample(electron_temperature, mid, ())
    else:
        Ta = np.asarray(electron_temperature, dtype=float)
        if Ta.shape != t.shape:
            raise ValueError(
                f"llb_0d_trace: temperature array shape {Ta.shape} != times {t.shape}."
            )
        T_mid = 0.5 * (Ta[1:] + Ta[:-1])
    if field is None:
        B_mid = np.zeros((mid.size, 3))
    elif callable(field):
        B_mid = _sample(field, mid, (3,))
    else:
        Ba = np.asarray(field, dtype=float)
        if Ba.shape != (t.size, 3):
            raise ValueError(f"llb_0d_trace: field array shape {Ba.shape} != ({t.size}, 3).")
        B_mid = 0.5 * (Ba[1:] + Ba[:-1])
    out = np.empty((t.size, 3))
    out[0] = np.asarray(m0, dtype=float).reshape(3)
    m = out[:1].copy()
    for i, dt in enumerate(np.diff(t)):
        m, _ = llb_advance(m, B_mid[i : i + 1], T_mid[i : i + 1], float(dt), params,
                           max_substep=max_substep, max_substeps=10**7)
        out[i + 1] = m[0]
    return out


def _sample(func: Callable, times: FloatArray, shape: tuple[int, ...]) -> FloatArray:
    """Evaluate func at all times: vectorized if it accepts an array, else one call per time."""
    try:
        values = np.asarray(func(times), dtype=float)
        if shape == () and values.shape == times.shape:
            return values
        if shape == (3,) and values.shape == (times.size, 3):
            return values
    except Exception:  # noqa: BLE001 - scalar-only callables fall back to the loop below
        pass
    return np.array([np.asarray(func(s), dtype=float).reshape(shape) for s in times])
