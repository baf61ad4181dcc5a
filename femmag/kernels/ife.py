"""Inverse Faraday effect (IFE): the impressed flux density of a circularly polarized pump.

Pure, vectorised numpy functions (no mesh, no DOLFINx); physics-spec §2.

Model (spec §2.3, femmag rule [ASSUMP]): the impressed IFE flux density along the film normal is

    B_IFE(r, ζ, t) = h · κ_IFE · F0 · exp(−r²/r0²) · exp(−4 ln2 (t − t0)²/τ_p²) · w(ζ)      [T]

with h the helicity index (σ+ = +1, σ− = −1, linear = 0; defined operationally so that σ+ drives
B_IFE along +z, spec §0.3), κ_IFE the IFE coefficient in T·m²/J (seed 003 quotes it in T per
mJ/cm²: 1 T/(mJ/cm²) = 0.1 T·m²/J), F0 the peak (centre) fluence in J/m², r0 the 1/e intensity
radius, τ_p the FWHM duration, t0 the pulse peak time and w(ζ) an optional depth weight
(w = |E(ζ)|²/⟨|E|²⟩_film, mean 1 over the film; w = 1 gives the uniform seed-003 model).

Conversion from the magneto-optical susceptibility α [A·m/V²] (M_IFE = α·i E×E*, spec §2.1): femmag
uses the *free-space* field of the incident pulse at its peak,

    |E_inc|² = 2 I_pk/(c ε0),   I_pk = F0 / (τ_p √(π/(4 ln 2))),   B = μ0 α |E_inc|²,

so κ_IFE = B/F0 = 2 μ0 α / (c ε0 τ_p √(π/(4 ln 2))). For α = 2.13e-11 A·m/V² and τ_p = 140 fs this
gives 1.35 T per mJ/cm² (seed 003 states "1 T per mJ/cm²": the factor 1.35 is not pinned, §2.2).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from femmag.units import C0, EPS0, MU0

__all__ = [
    "gaussian_peak_intensity",
    "helicity_index",
    "ife_coefficient_from_susceptibility",
    "ife_flux_density",
    "ife_susceptibility_from_coefficient",
    "incident_field_squared",
    "temporal_envelope",
]

#: Gaussian pulse of FWHM τ: F0 = I_pk τ √(π/(4 ln2)); this is the factor √(π/(4 ln2)).
_GAUSS_TIME_FACTOR = math.sqrt(math.pi / (4.0 * math.log(2.0)))

_HELICITY_NAMES: dict[str, int] = {
    "sigma+": 1, "σ+": 1, "s+": 1, "rcp": 1, "right": 1, "+1": 1,
    "sigma-": -1, "σ-": -1, "s-": -1, "lcp": -1, "left": -1, "-1": -1,
    "linear": 0, "lin": 0, "0": 0,
}


def helicity_index(polarization: Any) -> int:
    """The helicity index h of a pump polarization.

    Args:
        polarization: +1, −1, 0, or a name: ``"sigma+"``/``"σ+"``/``"rcp"``/``"right"`` (h = +1),
            ``"sigma-"``/``"σ-"``/``"lcp"``/``"left"`` (h = −1), ``"linear"`` (h = 0). The names
            follow femmag's operational convention (σ+ drives B_IFE along +z, spec §0.3).

    Returns:
        h in {−1, 0, +1}.

    Raises:
        ValueError: for any other value (the message lists the accepted ones).
    """
    if isinstance(polarization, bool):
        polarization = str(polarization)
    if isinstance(polarization, int | np.integer) and int(polarization) in (-1, 0, 1):
        return int(polarization)
    if isinstance(polarization, float | np.floating) and float(polarization) in (-1.0, 0.0, 1.0):
        return int(polarization)
    key = str(polarization).strip().lower().replace(" ", "")
    if key in _HELICITY_NAMES:
        return _HELICITY_NAMES[key]
    raise ValueError(
        f"unknown polarization {polarization!r}: give the helicity as +1 / 'sigma+' (σ+, B_IFE "
        f"along +z), -1 / 'sigma-' (σ−, along −z) or 0 / 'linear' (no IFE)."
    )


def _check_positive(value: float, name: str, unit: str) -> float:
    value = float(value)
    if not np.isfinite(value) or value <= 0.0:
        raise ValueError(f"{name} = {value!r} {unit}: must be a positive finite number (SI units).")
    return value


def gaussian_peak_intensity(peak_fluence: float, duration: float) -> float:
    """Peak intensity I_pk [W/m²] of a Gaussian pulse: I_pk = F0 / (τ_p √(π/(4 ln 2))).

    Args:
        peak_fluence: F0 [J/m²] (≥ 0).
        duration: FWHM of the intensity τ_p [s].
    """
    duration = _check_positive(duration, "duration", "s")
    if peak_fluence < 0:
        raise ValueError(f"peak_fluence = {peak_fluence!r} J/m^2 must not be negative.")
    return float(peak_fluence) / (duration * _GAUSS_TIME_FACTOR)


def incident_field_squared(intensity: npt.ArrayLike) -> np.ndarray:
    """|E_inc|² [V²/m²] of a plane wave in vacuum: 2 I/(c ε0) (complex amplitude, I = ½cε0|E|²)."""
    return 2.0 * np.asarray(intensity, dtype=float) / (C0 * EPS0)


def ife_coefficient_from_susceptibility(susceptibility: float, duration: float) -> float:
    """κ_IFE [T·m²/J] from the IFE susceptibility α [A·m/V²] with the free-space peak field.

    κ = μ0 α |E_inc,pk|²/F0 = 2 μ0 α / (c ε0 τ_p √(π/(4 ln 2))); see the module docstring.

    Args:
        susceptibility: α [A·m/V²] (seed 003: 2.13e-11).
        duration: FWHM pulse duration τ_p [s] (the conversion depends on it through I_pk).
    """
    duration = _check_positive(duration, "duration", "s")
    intensity_per_fluence = 1.0 / (duration * _GAUSS_TIME_FACTOR)  # I_pk/F0 [1/s]
    return float(MU0 * susceptibility * incident_field_squared(intensity_per_fluence))


def ife_susceptibility_from_coefficient(coefficient: float, duration: float) -> float:
    """Inverse of :func:`ife_coefficient_from_susceptibility`: α [A·m/V²] from κ [T·m²/J]."""
    return float(coefficient) / ife_coefficient_from_susceptibility(1.0, duration)


def temporal_envelope(t: npt.ArrayLike, peak_time: float, duration: float) -> np.ndarray:
    """Gaussian intensity envelope g(t) = exp(−4 ln2 (t − t0)²/τ_p²) (peak 1 at t = t0).

    Args:
        t: times [s] (any shape).
        peak_time: t0 [s].
        duration: FWHM τ_p [s].
    """
    duration = _check_positive(duration, "duration", "s")
    t = np.asarray(t, dtype=float)
    return np.exp(-4.0 * math.log(2.0) * (t - peak_time) ** 2 / duration**2)


def ife_flux_density(
    r: npt.ArrayLike,
    t: npt.ArrayLike,
    *,
    helicity: Any,
    peak_fluence: float,
    coefficient: float | None = None,
    susceptibility: float | None = None,
    spot_radius: float,
    duration: float,
    peak_time: float = 0.0,
    depth_weight: npt.ArrayLike = 1.0,
) -> np.ndarray:
    """Impressed IFE flux density B_IFE,z [T] (spec §2.3), broadcast over r, t and depth_weight.

    Args:
        r: lateral distance from the beam centre [m].
        t: time [s].
        helicity: +1 / −1 / 0 or a name accepted by :func:`helicity_index`.
        peak_fluence: peak (centre) fluence F0 [J/m²] (1 mJ/cm² = 10 J/m²).
        coefficient: κ_IFE [T·m²/J] (1 T per mJ/cm² = 0.1 T·m²/J). Give this *or* susceptibility.
        susceptibility: α [A·m/V²], converted with :func:`ife_coefficient_from_susceptibility`.
        spot_radius: 1/e intensity radius r0 = D/2 [m].
        duration: FWHM duration τ_p [s].
        peak_time: pulse peak time t0 [s].
        depth_weight: w(ζ), mean 1 over the film (default 1: uniform, seed-003 model).

    Returns:
        B_IFE,z [T], shape = broadcast of r, t and depth_weight.
    """
    h = helicity_index(helicity)
    if (coefficient is None) == (susceptibility is None):
        raise ValueError("ife_flux_density: give exactly one of coefficient (κ_IFE in T·m²/J) "
                         "or susceptibility (α in A·m/V²).")
    if coefficient is None:
        coefficient = ife_coefficient_from_susceptibility(float(susceptibility), duration)
    spot_radius = _check_positive(spot_radius, "spot_radius", "m")
    if peak_fluence < 0:
        raise ValueError(f"peak_fluence = {peak_fluence!r} J/m^2 must not be negative.")
    r = np.asarray(r, dtype=float)
    lateral = np.exp(-(r**2) / spot_radius**2)
    return (h * coefficient * peak_fluence) * lateral * temporal_envelope(t, peak_time, duration) \
        * np.asarray(depth_weight, dtype=float)
