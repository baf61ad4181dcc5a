"""Zero-dimensional two-temperature model (reference for the LLB calibration, spec §4.5, §5.5).

A thin metal film without heat loss, uniformly heated by a Gaussian pulse::

    γ_e T_e dT_e/dt = −G (T_e − T_l) + S(t),      C_l dT_l/dt = G (T_e − T_l),
    S(t) = (A F0 / d) · (2√(ln 2)/(τ_p √π)) · exp(−4 ln 2 (t − t0)²/τ_p²)        [W/m³]

with τ_p the intensity FWHM. Solved with scipy's Radau (tight tolerances, dense output). A 10 nm
film on silica loses little heat to the substrate within ~1 ps, so this is a fair stand-in for the
1D S003-A solve for the first picosecond (it overestimates T_e later).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

__all__ = ["S003A", "TwoTemperature0D", "gaussian_pulse", "solve_two_temperature_0d"]


@dataclass(frozen=True)
class TwoTemperature0D:
    """0D 2TM parameters (SI).

    Attributes:
        electron_heat_coefficient: γ_e in C_e = γ_e T_e [J/(m³ K²)].
        electron_phonon_coupling: G [W/(m³ K)].
        lattice_heat_capacity: C_l [J/(m³ K)].
        absorptance: absorbed fraction A of the incident fluence.
        thickness: film thickness d [m].
        pulse_fwhm: intensity FWHM τ_p [s].
        initial_temperature: T0 [K].
    """

    electron_heat_coefficient: float
    electron_phonon_coupling: float
    lattice_heat_capacity: float
    absorptance: float
    thickness: float
    pulse_fwhm: float
    initial_temperature: float = 300.0

    @classmethod
    def from_material(cls, material: str, *, thickness: float, pulse_fwhm: float,
                      substrate: str, wavelength: float = 800e-9, library: Any = None,
                      initial_temperature: float = 300.0) -> TwoTemperature0D:
        """γ_e, G, C_l of a library material; A from the transfer matrix of the film
        (library refractive index, ``thickness``) on a semi-infinite ``substrate`` in air.

        Args:
            material: film material name (e.g. ``"CoPt_S003A"``).
            thickness: film thickness d [m].
            pulse_fwhm: intensity FWHM τ_p [s].
            substrate: substrate material name (its refractive index enters A).
            wavelength: pump wavelength [m].
            library: a :class:`femmag.materials.Library` (default: the packaged one).
            initial_temperature: T0 [K].
        """
        from femmag.materials import Library
        from femmag.physics.optics.transfer_matrix import tmm_stack_si

        lib = Library.default() if library is None else library
        film = lib.get(material)
        optics = tmm_stack_si([film.refractive_index(wavelength)], [thickness], wavelength,
                              n_substrate=lib.get(substrate).refractive_index(wavelength))
        return cls(
            electron_heat_coefficient=float(
                film.prop("electron_heat_capacity_coefficient").value),
            electron_phonon_coupling=float(film.prop("electron_phonon_coupling").value),
            lattice_heat_capacity=float(film.prop("lattice_heat_capacity").value),
            absorptance=float(optics.layer_absorption[0]),
            thickness=float(thickness), pulse_fwhm=float(pulse_fwhm),
            initial_temperature=initial_temperature)


#: Seed-003 set S003-A (spec §4.5): CoPt 10 nm on fused silica, 800 nm, 140 fs (A = 0.3725).
S003A = TwoTemperature0D.from_material("CoPt_S003A", thickness=10e-9, pulse_fwhm=140e-15,
                                       substrate="fused_silica_S003A")


def gaussian_pulse(t: float | np.ndarray, fwhm: float, peak_time: float = 0.0) -> np.ndarray:
    """Unit-area Gaussian g(t) [1/s]: intensity FWHM ``fwhm`` [s], peak at ``peak_time`` [s]."""
    t = np.asarray(t, dtype=float)
    return (2.0 * math.sqrt(math.log(2.0)) / (fwhm * math.sqrt(math.pi))) * np.exp(
        -4.0 * math.log(2.0) * (t - peak_time) ** 2 / fwhm**2
    )


def solve_two_temperature_0d(
    fluence: float,
    params: TwoTemperature0D = S003A,
    *,
    t_start: float = -0.5e-12,
    t_end: float = 2e-12,
    peak_time: float = 0.0,
) -> tuple[Callable[[float], float], Callable[[float], float]]:
    """Solve the 0D 2TM and return interpolants of T_e(t) and T_l(t) [K].

    Args:
        fluence: incident fluence F0 [J/m²] (1 mJ/cm² = 10 J/m²).
        params: :class:`TwoTemperature0D` (default S003-A).
        t_start: start time [s] (T = T0 there; well before the pulse).
        t_end: end time [s].
        peak_time: pulse peak time [s].

    Returns:
        (electron_temperature(t), lattice_temperature(t)) callables of t [s] (scalar or array).
    """
    p = params
    energy_density = p.absorptance * fluence / p.thickness  # [J/m³]

    def rhs(t, y):
        te, tl = y
        exchange = p.electron_phonon_coupling * (te - tl)
        source = energy_density * gaussian_pulse(t, p.pulse_fwhm, peak_time)
        return [(-exchange + source) / (p.electron_heat_coefficient * te),
                exchange / p.lattice_heat_capacity]

    sol = solve_ivp(rhs, (t_start, t_end), [p.initial_temperature] * 2, method="Radau",
                    rtol=1e-10, atol=1e-8, dense_output=True, max_step=5e-15)
    if not sol.success:  # pragma: no cover
        raise RuntimeError(f"0D two-temperature solve failed: {sol.message}")
    return (lambda t: sol.sol(t)[0]), (lambda t: sol.sol(t)[1])
