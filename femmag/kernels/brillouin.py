"""Quantum (Brillouin, spin S) LLB at points: mean field, susceptibility, damping, integrator.

Physics-spec §5.2 (quantum part) [CODE: dschick/udkm1Dsim; LIT: Atxitia et al. 2017]. Mean field
with J = 3 k_B T_c S/(S+1) (T_c is the mean-field Curie temperature for every S)::

    m_e = B_S(κ m_e T_c/T),   κ = J/(k_B T_c) = 3S/(S+1)
    B_S(x) = a coth(a x) − b coth(b x) = a L(a x) − b L(b x),   a = (2S+1)/(2S), b = 1/(2S)
    χ̃_∥ = μ_at B'_S/(k_B T − J B'_S)   (T < T_c),   μ_at T_c/(J (T − T_c))   (T > T_c)

(S = ½: B = tanh; S → ∞: B → L, the classical Langevin model of :mod:`femmag.kernels.llb`.)

Internal field, same form as the classical one, ``H_int = (a_T − c_T m²) m`` [T]:

* T < T_c − TC_BAND: a_T = 1/(2χ̃_∥), c_T = a_T/m_e²;
* otherwise (Landau form): a_T = −κ k_B (T − T_c)/μ_at, c_T = κ k_B T_c/(A_S μ_at), i.e.
  ``H_int = −(1/χ̃_∥)(1 + T_c m²/(A_S (T − T_c))) m`` above T_c, where
  ``A_S = 1/(β₃ κ³)``, β₃ = (a⁴ − b⁴)/45, is the coefficient of m_e² ≈ A_S (1 − T/T_c) near T_c.
  Classical limit A_∞ = 5/3 gives the spec's 3/5 factor; S = ½ gives A = 3. (udkm1Dsim keeps the
  classical 3/5 for every S, which makes H_int jump at T_c; femmag uses the consistent A_S so that
  H_int is continuous at T_c, as in the classical kernel.)

Damping (spec §5.2 as written, ``convention="spec"``, = udkm1Dsim), q_s = 3T_c m_e/((2S+1)T)::

    T < T_c:  α_∥ = (2λ/(S+1))/sinh(2q_s),   α_⊥ = (λ/m_e)(tanh q_s/q_s − T/(3T_c))
    T ≥ T_c:  α_∥ = α_⊥ = 2λT/(3T_c)

These carry a factor 1/m_e relative to the classical formulas in the S → ∞ limit (α_∥ →
2λT/(3T_c m_e)) and diverge as T → T_c⁻. ``convention="continuous"`` multiplies the T < T_c
values by m_e·(S+1)/(S+½) for α_∥ and m_e for α_⊥, i.e. α_∥ = (2λT/(3T_c))·2q_s/sinh(2q_s),
α_⊥ = λ(tanh q_s/q_s − T/(3T_c)): continuous at T_c and equal to the classical λ-formulas for
S → ∞. Which one the literature intends is an open item (physics-spec §11); both are offered.

Integration (:func:`quantum_llb_advance`): the scheme of :func:`femmag.kernels.llb.llb_advance`
(exact precession rotation about B; L-stable SDIRK2 for the longitudinal/damping part, each stage a
scalar cubic; sub-steps from the relaxation rate), reusing its vectorized numpy stages with the
quantum coefficients. The rates come from numpy (mean-field solves); the sub-steps run in the
compiled :func:`femmag.kernels.ode.coefficient_points` when numba is importable (same arithmetic,
agreement ~1e-15; ``FEMMAG_NO_NUMBA=1``: numpy only).

Units: T [K], fields [T], μ_at [J/T], χ̃_∥ [1/T], times [s].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from femmag.kernels import llb
from femmag.kernels.llb import DEFAULT_MAX_SUBSTEPS, SDIRK_GAMMA, TC_BAND
from femmag.kernels.mean_field import dlangevin, langevin, reduced_temperature
from femmag.units import GAMMA_E, KB

__all__ = [
    "QuantumLLBParameters",
    "brillouin",
    "dbrillouin",
    "landau_coefficient",
    "quantum_damping_parameters",
    "quantum_equilibrium_magnetization",
    "quantum_internal_field",
    "quantum_llb_advance",
    "quantum_longitudinal_susceptibility",
]

FloatArray = NDArray[np.float64]


def _check_spin(spin: float) -> float:
    s = float(spin)
    if not (s > 0 and np.isfinite(s)):
        raise ValueError(
            f"Brillouin LLB: spin S must be a finite number > 0 (e.g. 0.5, 1, 3.5); got {spin!r}."
        )
    return s


def _ab(spin: float) -> tuple[float, float]:
    s = _check_spin(spin)
    return (2 * s + 1) / (2 * s), 1 / (2 * s)


def brillouin(x: ArrayLike, spin: float) -> FloatArray:
    """Brillouin function B_S(x) = a L(ax) − b L(bx) (regular at 0; odd).

    Args:
        x: argument (dimensionless), any shape.
        spin: S > 0.

    Returns:
        B_S(x), float64 array.
    """
    a, b = _ab(spin)
    x = np.asarray(x, dtype=float)
    return a * langevin(a * x) - b * langevin(b * x)


def dbrillouin(x: ArrayLike, spin: float) -> FloatArray:
    """Derivative B'_S(x) = a² L'(ax) − b² L'(bx); B'_S(0) = (S+1)/(3S)."""
    a, b = _ab(spin)
    x = np.asarray(x, dtype=float)
    return a * a * dlangevin(a * x) - b * b * dlangevin(b * x)


def _kappa(spin: float) -> float:
    s = _check_spin(spin)
    return 3 * s / (s + 1)


def landau_coefficient(spin: float) -> float:
    """A_S with m_e² ≈ A_S (1 − T/T_c) near T_c (5/3 classical, 3 for S = ½)."""
    a, b = _ab(spin)
    beta3 = (a**4 - b**4) / 45.0
    return 1.0 / (beta3 * _kappa(spin) ** 3)


def quantum_equilibrium_magnetization(
    temperature: ArrayLike, curie_temperature: ArrayLike, spin: float
) -> FloatArray:
    """m_e(T) solving m = B_S(κ m T_c/T) (vectorized bisection + Newton polish; ~1e-15).

    Args:
        temperature: T [K] (≥ 0), any shape.
        curie_temperature: T_c [K] (> 0).
        spin: S > 0.

    Returns:
        m_e ∈ [0, 1]: 1 at T = 0, 0 for T ≥ T_c.
    """
    t = reduced_temperature(temperature, curie_temperature)
    t = np.array(np.broadcast_arrays(t, np.asarray(curie_temperature, dtype=float))[0],
                 dtype=float)
    kap = _kappa(spin)
    out = np.zeros_like(t)
    out[t == 0] = 1.0
    inside = (t > 0) & (t < 1)
    if np.any(inside):
        ti = t[inside]
        key = (float(spin), ti.tobytes())
        if key in _ME_MEMO:  # the LLB step asks three times for the same points
            out[inside] = _ME_MEMO[key]
            return out

        def g(m):  # g < 0 between 0 and m_e, > 0 above (m ≤ 1)
            return m - brillouin(kap * m / ti, spin)

        lo = np.zeros_like(ti)
        hi = np.ones_like(ti)
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            neg = g(mid) < 0
            lo = np.where(neg, mid, lo)
            hi = np.where(neg, hi, mid)
        m = 0.5 * (lo + hi)
        for _ in range(3):  # Newton polish (bracket respected)
            dg = 1.0 - dbrillouin(kap * m / ti, spin) * kap / ti
            step = np.where(dg > 0, g(m) / np.where(dg > 0, dg, 1.0), 0.0)
            m_new = m - step
            m = np.where((m_new >= lo) & (m_new <= hi), m_new, m)
        out[inside] = m
        if len(_ME_MEMO) >= 4:
            _ME_MEMO.clear()
        _ME_MEMO[key] = m.copy()
    return out


#: Last few solves of quantum_equilibrium_magnetization, keyed by (S, T/T_c bytes): the
#: solve is elementwise, so a repeated or subset request gives bitwise the same values.
_ME_MEMO: dict[tuple[float, bytes], FloatArray] = {}


def quantum_longitudinal_susceptibility(
    temperature: ArrayLike, curie_temperature: ArrayLike, atomic_moment: ArrayLike, spin: float
) -> FloatArray:
    """χ̃_∥(T) [1/T] for spin S (spec §5.2); band edge values within TC_BAND of T_c.

    Args:
        temperature: T [K].
        curie_temperature: T_c [K].
        atomic_moment: μ_at [J/T].
        spin: S > 0.

    Returns:
        χ̃_∥ [1/T] (0 at T = 0).
    """
    T, Tc, mu = (np.array(v, dtype=float) for v in np.broadcast_arrays(
        temperature, curie_temperature, atomic_moment))
    reduced_temperature(T, Tc)
    kap = _kappa(spin)
    in_band = np.abs(T - Tc) < TC_BAND
    T = np.where(in_band, np.where(T < Tc, Tc - TC_BAND, Tc + TC_BAND), T)
    out = np.zeros_like(T)
    above = T > Tc
    out[above] = mu[above] / (kap * KB * (T[above] - Tc[above]))
    below = (T > 0) & ~above
    if np.any(below):
        t = T[below] / Tc[below]
        m_e = quantum_equilibrium_magnetization(T[below], Tc[below], spin)
        db = dbrillouin(kap * m_e / t, spin)
        out[below] = (mu[below] / (KB * Tc[below])) * db / (t - kap * db)
    return out


def _coefficients(T, Tc, mu, spin):
    """(a_T, c_T) [T] of H_int = (a_T − c_T m²) m (module docstring)."""
    T, Tc, mu = (np.array(v, dtype=float) for v in np.broadcast_arrays(T, Tc, mu))
    kap = _kappa(spin)
    a = -kap * KB * (T - Tc) / mu
    c = kap * KB * Tc / (landau_coefficient(spin) * mu) * np.ones_like(T)
    below = T < Tc - TC_BAND
    if np.any(below):
        chi = quantum_longitudinal_susceptibility(T[below], Tc[below], mu[below], spin)
        m_e = quantum_equilibrium_magnetization(T[below], Tc[below], spin)
        with np.errstate(divide="ignore"):
            a[below] = 1.0 / (2.0 * chi)
            c[below] = a[below] / (m_e * m_e)
    return a, c


def quantum_internal_field(
    m: ArrayLike, temperature: ArrayLike, curie_temperature: ArrayLike,
    atomic_moment: ArrayLike, spin: float,
) -> FloatArray:
    """Internal field H_int [T] of the spin-S LLB, shape (n, 3) (T > 0)."""
    m = llb._as_vectors(m, "m")
    n = m.shape[0]
    T = np.broadcast_to(np.asarray(temperature, dtype=float), (n,))
    if np.any(T == 0):
        raise ValueError("Brillouin LLB internal_field: undefined at T = 0 K; use T > 0.")
    a, c = _coefficients(T, np.broadcast_to(curie_temperature, (n,)),
                         np.broadcast_to(atomic_moment, (n,)), spin)
    return (a - c * np.einsum("ij,ij->i", m, m))[:, None] * m


def quantum_damping_parameters(
    temperature: ArrayLike, curie_temperature: ArrayLike, coupling: ArrayLike, spin: float,
    convention: str = "spec",
) -> tuple[FloatArray, FloatArray]:
    """(α_∥, α_⊥) for spin S (module docstring; ``convention`` "spec" or "continuous").

    Within TC_BAND below T_c (where the "spec" formulas diverge as 1/m_e) the T ≥ T_c values
    are used.
    """
    if convention not in ("spec", "continuous"):
        raise ValueError(
            f"Brillouin LLB: damping convention must be 'spec' or 'continuous'; got {convention!r}."
        )
    s = _check_spin(spin)
    T, Tc, lam = (np.array(v, dtype=float) for v in np.broadcast_arrays(
        temperature, curie_temperature, coupling))
    shape = T.shape
    T, Tc, lam = T.reshape(-1), Tc.reshape(-1), lam.reshape(-1)
    t = reduced_temperature(T, Tc)
    a_par = 2.0 * lam * t / 3.0
    a_perp = a_par.copy()
    below = T < Tc - TC_BAND
    if np.any(below):
        tb = t[below]
        m_e = quantum_equilibrium_magnetization(T[below], Tc[below], s)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            q = 3.0 * m_e / ((2 * s + 1) * tb)
            tanh_q_over_q = np.where(np.isfinite(q), np.tanh(q) / q, 0.0)
            inv_sinh = np.where(q < 350, 1.0 / np.sinh(np.minimum(2 * q, 700)), 0.0)
        lb = lam[below]
        if convention == "spec":
            a_par[below] = 2 * lb / (s + 1) * inv_sinh
            a_perp[below] = lb / m_e * (tanh_q_over_q - tb / 3.0)
        else:
            a_par[below] = 2 * lb / (s + 0.5) * m_e * inv_sinh
            a_perp[below] = lb * (tanh_q_over_q - tb / 3.0)
    return a_par.reshape(shape), a_perp.reshape(shape)


@dataclass(frozen=True)
class QuantumLLBParameters:
    """Spin-S LLB parameters (uniform spin; other entries scalar or per point).

    Attributes:
        curie_temperature: T_c [K].
        atomic_moment: μ_at [J/T].
        coupling: λ (dimensionless).
        spin: S (e.g. 0.5).
        gamma: γ [rad/(s T)].
        damping_convention: "spec" (spec §5.2 / udkm1Dsim) or "continuous" (module docstring).
    """

    curie_temperature: float | FloatArray
    atomic_moment: float | FloatArray
    coupling: float | FloatArray
    spin: float = 0.5
    gamma: float | FloatArray = GAMMA_E
    damping_convention: str = "spec"

    def classical(self) -> llb.LLBParameters:
        """The matching classical parameters (for shared input checks)."""
        return llb.LLBParameters(self.curie_temperature, self.atomic_moment, self.coupling,
                                 self.gamma)


def _quantum_rates(T, Tc, mu, lam, gam, params):
    a_par, a_perp = quantum_damping_parameters(T, Tc, lam, params.spin,
                                               params.damping_convention)
    a, c = _coefficients(T, Tc, mu, params.spin)
    k = gam * a_par
    kd = gam * (a_perp - a_par)
    with np.errstate(invalid="ignore"):
        ka = np.where(k > 0, k * a, 0.0)  # T → 0: α_∥ → 0 faster than a grows
        kc = np.where(k > 0, k * c, 0.0)
    return k, kd, ka, kc


def quantum_llb_advance(
    m: ArrayLike,
    field: ArrayLike,
    temperature: ArrayLike,
    dt: float,
    params: QuantumLLBParameters,
    *,
    max_substep: float | None = None,
    max_substeps: int = DEFAULT_MAX_SUBSTEPS,
) -> tuple[FloatArray, int]:
    """Advance the spin-S LLB by dt at every point (same scheme as ``llb.llb_advance``).

    The per-point rates are computed with numpy; the integration runs in numba unless
    ``FEMMAG_NO_NUMBA=1`` (both paths agree to ~1e-15).

    Args:
        m: reduced magnetization, shape (n, 3).
        field: applied + induced field B [T], (n, 3) or (3,).
        temperature: T_e [K], (n,) or scalar.
        dt: step [s].
        params: :class:`QuantumLLBParameters`.
        max_substep: optional cap on the sub-step [s].
        max_substeps: most sub-steps per point (more raises ``LLBStepError``).

    Returns:
        (m_new (n, 3), largest number of sub-steps used).
    """
    m, B, T, Tc, mu, lam, gam = llb._check_inputs(m, field, temperature, dt, params.classical())
    n = m.shape[0]
    if n == 0 or dt == 0:
        return m.copy(), 0
    Tc, mu, lam, gam = (np.broadcast_to(v, (n,)) for v in (Tc, mu, lam, gam))
    k, kd, ka, kc = _quantum_rates(T, Tc, mu, lam, gam, params)
    h_max = 0.0 if max_substep is None else float(max_substep)
    nsub, rate = llb._substep_counts(m, B, dt, k, np.abs(kd), ka, kc, h_max)
    over = np.flatnonzero(nsub > max_substeps)
    if over.size:
        i = over[0]
        llb._raise_step_error(i, rate[i], T[i], Tc[i], np.linalg.norm(m[i]), dt, nsub[i],
                              max_substeps)
    if llb._use_numba():
        from femmag.kernels import ode

        m_out = np.empty_like(m)
        k, kd, ka, kc = (np.ascontiguousarray(a, dtype=float) for a in (k, kd, ka, kc))
        gam1 = np.ascontiguousarray(params.classical().arrays(n)[3])
        _, used = ode.coefficient_points(  # (refusals were raised above)
            llb._writable(m), B, float(dt), k, kd, ka, kc, gam1, llb.SUBSTEP_THETA,
            llb._DIRECTION_FLOOR, SDIRK_GAMMA, h_max, int(max_substeps), m_out)
        return m_out, int(used)
    state = m.copy()
    gd = SDIRK_GAMMA
    c21 = (1.0 - gd) / gd
    for j in range(int(nsub.max())):
        idx = np.flatnonzero(nsub > j)
        beta = (dt / nsub[idx]) * gd
        n0, Bi = state[idx], B[idx]
        args = (k[idx], kd[idx], ka[idx], kc[idx])
        y1 = llb._stage_numpy(n0, Bi, beta, *args, n0)
        w2 = n0 + c21 * (y1 - n0)
        state[idx] = llb._stage_numpy(w2, Bi, beta, *args, y1)
    return llb._rotate_about_field(state, B, gam, dt), int(nsub.max())

