"""Micromagnetic terms of the LLB effective field for film-plane maps (spec §5.3): pure numpy.

All fields are in tesla (μ0 H), the magnetization is the reduced ``m = M/M_s(0 K)`` (``|m| ≠ 1``)
and T is the electron temperature. With the mean-field scalings A(T) = A0 m_e², K(T) = K0 m_e³
(Callen–Callen, l = 2):

* uniaxial (perpendicular, easy axis z) anisotropy
  ``H_A = −(m_x, m_y, 0)/χ̃_⊥``,  ``χ̃_⊥ = M_s0 m_e²/(2 K(T))``, i.e. ``1/χ̃_⊥ = 2 K0 m_e/M_s0``
  (→ 0 at and above T_c, where K(T) = 0);
* local thin-film demagnetizing field ``H_d = −μ0 M_s0 m_z ẑ`` (the field of an infinite film:
  exact for variations on scales ≫ the thickness);
* exchange ``H_ex = (2 A(T)/(M_s0 m_e²)) ∇²m = (2 A0/M_s0) ∇²m``: the mean-field prefactor is
  temperature independent (its T → T_c limit is used above T_c); the Laplacian is discrete, see
  :func:`exchange_field` (a lumped-mass P1 Laplacian on the mesh is built by
  :mod:`femmag.models.film_plane`).

For a wall between ±z domains at T < T_c (|m| ≈ m_e, unit vector u = m/m_e) these terms are the
micromagnetic ones of a film with M_s(T) = M_s0 m_e, A(T) and the effective anisotropy
``K_eff(T) = K(T) − μ0 M_s(T)²/2`` (the local demag field acts as an easy-plane anisotropy, for
Bloch and Néel walls alike since it only sees m_z): the Bloch/Néel wall profile is
``u_z = −tanh(x/δ)`` with ``δ = √(A(T)/K_eff(T))`` (:func:`wall_width`).

Units: M_s0 [A/m], A0 [J/m], K0 [J/m³], lengths [m], fields [T], χ̃_⊥ [1/T].
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from femmag.kernels.llb import LLBParameters, equilibrium_magnetization
from femmag.units import MU0

__all__ = [
    "MicromagneticParameters",
    "anisotropy_field",
    "demagnetizing_field",
    "equilibrium_magnetization_interp",
    "exchange_field",
    "exchange_prefactor",
    "inverse_perpendicular_susceptibility",
    "wall_width",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class MicromagneticParameters:
    """Material constants of the LLB + micromagnetic model of a film (SI, scalars).

    Attributes:
        curie_temperature: T_c [K].
        atomic_moment: μ_at [J/T].
        coupling: λ, coupling to the bath (dimensionless).
        saturation_magnetization: M_s(0 K) [A/m].
        exchange_stiffness: A0 = A(0 K) [J/m].
        anisotropy_constant: K0 = K(0 K) (uniaxial, easy axis z) [J/m³].
    """

    curie_temperature: float
    atomic_moment: float
    coupling: float
    saturation_magnetization: float
    exchange_stiffness: float
    anisotropy_constant: float

    def __post_init__(self) -> None:
        for name in ("curie_temperature", "atomic_moment", "saturation_magnetization"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"MicromagneticParameters.{name} = {value!r} must be a positive "
                                 "finite SI number (T_c [K], μ_at [J/T], M_s0 [A/m]).")
        for name in ("coupling", "exchange_stiffness", "anisotropy_constant"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"MicromagneticParameters.{name} = {value!r} must be >= 0 "
                                 "(λ [1], A0 [J/m], K0 [J/m³]).")

    @property
    def llb(self) -> LLBParameters:
        """The :class:`~femmag.kernels.llb.LLBParameters` of this material."""
        return LLBParameters(curie_temperature=self.curie_temperature,
                             atomic_moment=self.atomic_moment, coupling=self.coupling)


_ME_TABLE_N = 4097


@functools.lru_cache(maxsize=1)
def _me_squared_table() -> tuple[FloatArray, FloatArray]:
    """m_e² on a uniform grid of t = T/T_c ∈ [0, 1] (exact values; m_e² is ~linear near t = 1)."""
    t = np.linspace(0.0, 1.0, _ME_TABLE_N)
    return t, equilibrium_magnetization(t, 1.0) ** 2


def equilibrium_magnetization_interp(temperature: ArrayLike,
                                     curie_temperature: float) -> FloatArray:
    """m_e(T) from a table of m_e² in T/T_c (4097 points, linear): |error| < 1e-6, ~50× faster.

    The field evaluations of every time step use this instead of the Newton solve of
    :func:`femmag.kernels.llb.equilibrium_magnetization` (0 for T ≥ T_c).

    Args:
        temperature: T [K], any shape (>= 0).
        curie_temperature: T_c [K] (scalar).
    """
    t_grid, me2 = _me_squared_table()
    t = np.asarray(temperature, dtype=float) / float(curie_temperature)
    return np.sqrt(np.interp(t, t_grid, me2, left=1.0, right=0.0))


def _vectors(m: ArrayLike) -> FloatArray:
    m = np.asarray(m, dtype=float)
    if m.ndim != 2 or m.shape[1] != 3:
        raise ValueError(f"micromagnetics: m must have shape (n, 3) (reduced magnetization per "
                         f"point); got {m.shape}.")
    return m


def inverse_perpendicular_susceptibility(temperature: ArrayLike,
                                         params: MicromagneticParameters) -> FloatArray:
    """1/χ̃_⊥ = 2 K(T)/(M_s0 m_e²) = 2 K0 m_e(T)/M_s0 [T] (0 for T ≥ T_c; m_e tabulated).

    Args:
        temperature: T [K], any shape.
        params: material constants.
    """
    m_e = equilibrium_magnetization_interp(temperature, params.curie_temperature)
    return 2.0 * params.anisotropy_constant * m_e / params.saturation_magnetization


def anisotropy_field(m: ArrayLike, temperature: ArrayLike,
                     params: MicromagneticParameters) -> FloatArray:
    """Uniaxial anisotropy field H_A = −(m_x, m_y, 0)/χ̃_⊥ [T] (easy axis z).

    Args:
        m: reduced magnetization, shape (n, 3).
        temperature: T [K], shape (n,) or scalar.
        params: material constants.

    Returns:
        H_A [T], shape (n, 3).
    """
    m = _vectors(m)
    inv_chi = np.broadcast_to(inverse_perpendicular_susceptibility(temperature, params),
                              (m.shape[0],))
    field = np.zeros_like(m)
    field[:, :2] = -inv_chi[:, None] * m[:, :2]
    return field


def demagnetizing_field(m: ArrayLike, params: MicromagneticParameters) -> FloatArray:
    """Local thin-film demagnetizing field H_d = −μ0 M_s0 m_z ẑ [T].

    Args:
        m: reduced magnetization, shape (n, 3).
        params: material constants.

    Returns:
        H_d [T], shape (n, 3).
    """
    m = _vectors(m)
    field = np.zeros_like(m)
    field[:, 2] = -MU0 * params.saturation_magnetization * m[:, 2]
    return field


def exchange_prefactor(params: MicromagneticParameters) -> float:
    """2 A(T)/(M_s0 m_e²) = 2 A0/M_s0 [T m²] (A = A0 m_e²; T-independent, limit used above T_c)."""
    return 2.0 * params.exchange_stiffness / params.saturation_magnetization


def exchange_field(laplacian_m: ArrayLike, params: MicromagneticParameters) -> FloatArray:
    """Exchange field H_ex = (2 A0/M_s0) ∇²m [T] from a discrete Laplacian of m.

    Args:
        laplacian_m: ∇²m [1/m²], shape (n, 3) (e.g. −M_L⁻¹ K m with the P1 stiffness K and the
            lumped mass M_L).
        params: material constants.

    Returns:
        H_ex [T], shape (n, 3).
    """
    return exchange_prefactor(params) * _vectors(laplacian_m)


def wall_width(temperature: float, params: MicromagneticParameters, *,
               demagnetization: bool = True) -> float:
    """Analytic wall-width parameter δ = √(A(T)/K_eff(T)) [m] of u_z = −tanh(x/δ).

    Args:
        temperature: T [K] (< T_c).
        params: material constants.
        demagnetization: include the local demag field (K_eff = K − μ0 M_s(T)²/2) or not
            (K_eff = K).

    Raises:
        ValueError: T ≥ T_c or K_eff ≤ 0 (no perpendicular domains).
    """
    m_e = float(equilibrium_magnetization(temperature, params.curie_temperature))
    if m_e <= 0:
        raise ValueError(f"wall_width: T = {temperature} K is not below T_c = "
                         f"{params.curie_temperature} K; there is no domain wall.")
    stiffness = params.exchange_stiffness * m_e**2
    k_eff = params.anisotropy_constant * m_e**3
    if demagnetization:
        k_eff -= 0.5 * MU0 * (params.saturation_magnetization * m_e) ** 2
    if k_eff <= 0:
        raise ValueError(f"wall_width: K_eff = {k_eff:.3g} J/m³ <= 0 at T = {temperature} K: the "
                         "film is not perpendicular; increase K0 or switch off demagnetization.")
    return math.sqrt(stiffness / k_eff)
