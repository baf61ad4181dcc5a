"""Scalar beam-centre model of seed 003 ("analytic B_i", physics-spec §3.8), vectorized over a grid.

At the beam centre, with m ∥ z::

    T_e(t), T_l(t):  0D two-temperature model (S003-A, :mod:`femmag.models.two_temperature_0d`)
                     or any supplied electron-temperature trace per fluence (e.g. the 1D reference);
    B_i(t) = B0 + (f ⊗ g)(t),   f(t) = h κ_IFE F0 exp(-4 ln2 (t - t0)²/τ_p²)            [T]
             g = thin-sheet kernel of §3.6 (default; D, σ, d enter) or the seed's single
                 exponential g = Θ e^{-t/τ0}/τ0;
    m(t):            classical LLB (:func:`femmag.kernels.llb.llb_advance`) with T_e and B_i ẑ.

"Switched": m_z at the end has the opposite sign of the initial M+ state. Every grid point
(fluence, diameter, κ_IFE, helicity, B0) is one LLB point, so a whole phase diagram is one
vectorized run. Pulse peak at t = 0.

Note: the 0D 2TM has no heat loss to the substrate; it is a fair stand-in for the first
picosecond only (its lattice stays hotter later, e.g. T_l → ~620 K > T_c at 2.6 mJ/cm², where the
1D S003-A solve gives 544 K at 20 ps). For final states (≥ 20 ps) pass the electron temperature of
the 1D reference through ``electron_temperature=``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from femmag.kernels.llb import LLBParameters, equilibrium_magnetization, llb_advance
from femmag.materials import Library, micromagnetic_parameters
from femmag.models import induction_modal as modal
from femmag.models.two_temperature_0d import S003A, TwoTemperature0D, solve_two_temperature_0d

__all__ = ["S003A_CONDUCTIVITY", "S003_LLB", "ScalarModelResult", "induced_field_traces",
           "run_scalar_model", "scalar_time_grid"]

#: Seed-003 film conductivity σ [S/m] (library ``CoPt_S003A``; the ~60 fs induction delay, §3.6).
S003A_CONDUCTIVITY = float(
    Library.default().get("CoPt_S003A").prop("electrical_conductivity").value)
#: Seed-003 LLB set (spec §5.5, library ``CoPt_S003A``): T_c = 550 K, μ_at = 1.2 μB, λ = 0.045.
S003_LLB = micromagnetic_parameters("CoPt_S003A").llb


def scalar_time_grid(t_end: float, *, pulse_duration: float = 140e-15, dt_fine: float = 2e-15,
                     fine_until: float = 2e-12, dt_max: float = 100e-15,
                     growth: float = 1.05) -> np.ndarray:
    """Times from -3τ_p: ``dt_fine`` until ``fine_until``, then growing up to ``dt_max`` [s]."""
    if not (t_end > 0 and 0 < dt_fine <= dt_max):
        raise ValueError(f"scalar_time_grid: need t_end > 0 and 0 < dt_fine ≤ dt_max (got "
                         f"{t_end}, {dt_fine}, {dt_max}) [s].")
    times = [-3 * pulse_duration]
    dt = dt_fine
    while times[-1] < t_end - 1e-3 * dt_fine:
        if times[-1] >= fine_until:
            dt = min(dt * growth, dt_max)
        times.append(min(times[-1] + dt, t_end))
    return np.array(times)


def induced_field_traces(times: np.ndarray, *, fluence: np.ndarray, diameter: np.ndarray,
                         ife_coefficient: np.ndarray, helicity: np.ndarray,
                         disturbance: np.ndarray | float = 0.0, kernel: str = "thin_sheet",
                         conductivity: float = S003A_CONDUCTIVITY, thickness: float = 10e-9,
                         pulse_duration: float = 140e-15,
                         decay_time: float | None = None) -> np.ndarray:
    """B_i(t) = B0 + f ⊗ g at the beam centre for every grid point [T], shape (n_t, n).

    Args:
        times: t relative to the pulse peak [s], shape (n_t,).
        fluence: F0 [J/m²], shape (n,).
        diameter: D = 2 r0 [m], shape (n,) (only used by the thin-sheet kernel).
        ife_coefficient: κ_IFE [T m²/J] (1 T per mJ/cm² = 0.1 T m²/J), shape (n,).
        helicity: h = +1 (σ+), -1 (σ-), 0 (linear), shape (n,).
        disturbance: B0 [T] (along z), scalar or (n,).
        kernel: "thin_sheet" (§3.6) or "exponential" (seed form; needs ``decay_time``).
        conductivity, thickness: film σ [S/m] and d [m] (thin sheet).
        pulse_duration: FWHM τ_p [s].
        decay_time: τ0 [s] of the exponential kernel.
    """
    amplitude = np.asarray(helicity, float) * np.asarray(ife_coefficient, float) \
        * np.asarray(fluence, float)
    n = amplitude.size
    shape = np.empty((len(times), n))
    if kernel == "thin_sheet":
        diameter = np.broadcast_to(np.asarray(diameter, float), (n,))
        unique, inverse = np.unique(diameter, return_inverse=True)
        for j, D in enumerate(unique):  # the shape depends on D only; amplitude scales it
            shape[:, inverse == j] = modal.thin_sheet_centre_response(
                times, conductivity=conductivity, thickness=thickness, beam_radius=D / 2,
                pulse_duration=pulse_duration)[:, None]
    elif kernel == "exponential":
        if decay_time is None:
            raise ValueError("induced_field_traces: kernel='exponential' needs decay_time=τ0 [s] "
                             "(e.g. 460e-15).")
        shape[:] = modal.seed_exponential_response(times, decay_time=decay_time,
                                                   pulse_duration=pulse_duration)[:, None]
    else:
        raise ValueError(f"induced_field_traces: kernel={kernel!r}; choose 'thin_sheet' or "
                         f"'exponential'.")
    return np.broadcast_to(np.asarray(disturbance, float), (n,)) + shape * amplitude


@dataclass
class ScalarModelResult:
    """Output of :func:`run_scalar_model` (SI).

    Attributes:
        times: t [s], shape (n_t,).
        magnetization_z: reduced m_z(t) per grid point, shape (n_t, n).
        induced_field: B_i(t) [T], shape (n_t, n).
        electron_temperature: T_e(t) [K], shape (n_t, n).
        switched: final m_z < 0 (the initial state is M+), shape (n,).
    """

    times: np.ndarray
    magnetization_z: np.ndarray
    induced_field: np.ndarray
    electron_temperature: np.ndarray
    switched: np.ndarray

    @property
    def minimum_magnetization(self) -> np.ndarray:
        """min_t |m_z| per grid point."""
        return np.min(np.abs(self.magnetization_z), axis=0)


def run_scalar_model(fluence: Sequence[float] | np.ndarray, *,
                     diameter: Sequence[float] | np.ndarray | float = 10e-6,
                     ife_coefficient: Sequence[float] | np.ndarray | float = 0.1,
                     helicity: Sequence[float] | np.ndarray | float = -1.0,
                     disturbance: Sequence[float] | np.ndarray | float = 0.0,
                     times: np.ndarray | None = None, t_end: float = 3e-12,
                     kernel: str = "thin_sheet", decay_time: float | None = None,
                     conductivity: float = S003A_CONDUCTIVITY, thermal: TwoTemperature0D = S003A,
                     electron_temperature: Callable[[float, np.ndarray], np.ndarray] | None = None,
                     llb: LLBParameters = S003_LLB) -> ScalarModelResult:
    """Run the coupled scalar model on a grid of points (all inputs broadcast to one shape (n,)).

    Args:
        fluence: F0 [J/m²] (1 mJ/cm² = 10 J/m²).
        diameter: D [m].
        ife_coefficient: κ_IFE [T m²/J] (default 0.1 = 1 T per mJ/cm²).
        helicity: +1 σ+, -1 σ-, 0 linear.
        disturbance: B0 [T].
        times: time grid [s] from before the pulse (default :func:`scalar_time_grid`).
        t_end: end of the default grid [s].
        kernel, decay_time, conductivity: see :func:`induced_field_traces`.
        thermal: 0D 2TM parameters (default S003-A), used when ``electron_temperature`` is None.
        electron_temperature: optional callable (F0 [J/m²], times [s]) → T_e [K] array.
        llb: LLB parameters (default S003-A set, λ = 0.045).

    Returns:
        :class:`ScalarModelResult`.
    """
    arrays = np.broadcast_arrays(*(np.atleast_1d(np.asarray(a, float)) for a in
                                   (fluence, diameter, ife_coefficient, helicity, disturbance)))
    fluence, diameter, kappa, helicity, disturbance = (a.ravel().copy() for a in arrays)
    if np.any(fluence < 0) or np.any(diameter <= 0):
        raise ValueError("run_scalar_model: fluence must be ≥ 0 J/m² and diameter > 0 m "
                         "(SI: 2.6 mJ/cm² = 26 J/m², 10 µm = 1e-5 m).")
    times = scalar_time_grid(t_end, pulse_duration=thermal.pulse_fwhm) if times is None \
        else np.asarray(times, float)
    n = fluence.size
    field_z = induced_field_traces(times, fluence=fluence, diameter=diameter,
                                   ife_coefficient=kappa, helicity=helicity,
                                   disturbance=disturbance, kernel=kernel,
                                   conductivity=conductivity, thickness=thermal.thickness,
                                   pulse_duration=thermal.pulse_fwhm, decay_time=decay_time)
    temperature = np.empty((len(times), n))
    unique, inverse = np.unique(fluence, return_inverse=True)
    for j, F in enumerate(unique):  # one 2TM solve per distinct fluence
        if electron_temperature is not None:
            te = electron_temperature(F, times)
        else:
            te_of_t, _ = solve_two_temperature_0d(F, thermal, t_start=times[0], t_end=times[-1])
            te = te_of_t(times)
        temperature[:, inverse == j] = np.asarray(te, float)[:, None]
    m = np.zeros((n, 3))
    m[:, 2] = equilibrium_magnetization(temperature[0], llb.curie_temperature)
    mz = np.empty((len(times), n))
    mz[0] = m[:, 2]
    field = np.zeros((n, 3))
    for i in range(len(times) - 1):
        dt = times[i + 1] - times[i]
        # T_e and B_i held at the step midpoint (second-order splitting in time)
        field[:, 2] = 0.5 * (field_z[i] + field_z[i + 1])
        m, _ = llb_advance(m, field, 0.5 * (temperature[i] + temperature[i + 1]), dt, llb)
        mz[i + 1] = m[:, 2]
    return ScalarModelResult(times=times, magnetization_z=mz, induced_field=field_z,
                             electron_temperature=temperature, switched=mz[-1] < 0)
