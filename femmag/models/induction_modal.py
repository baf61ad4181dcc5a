"""Thin-sheet modal response to an axisymmetric impressed flux (physics-spec §3.6) [DER].

A conducting sheet (sheet conductance σd, in vacuum) is threaded by an impressed flux density
``B_IFE(r, t) = f(t) exp(-r²/r0²)``. Its Hankel spectrum is

    exp(-r²/r0²) = ∫_0^∞ k b̂(k) J0(kr) dk,        b̂(k) = (r0²/2) exp(-k² r0²/4).

Each Bessel mode ``A = a_k J1(kr)`` of the sheet current ``K = -σd ∂_t(A + A_IFE)`` produces
``A = μ0 K/(2k) e^{-k|z|}``, so the *total* flux density of the mode obeys the low-pass filter

    τ_k dB_k/dt + B_k = B_IFE,k,          τ_k = μ0 σ d / (2k),

and at the beam centre (r = 0, on the sheet)

    B_i(0, t) = ∫_0^∞ k b̂(k) [f ⊗ g_k](t) dk,       g_k(t) = Θ(t) e^{-t/τ_k} / τ_k.

With the substitution ``p = k r0/2`` the weight becomes ``k b̂(k) dk = 2 p e^{-p²} dp`` and
``τ_k = τ_sheet / (2p)`` with the sheet time ``τ_sheet = μ0 σ d r0 / 2``. The integrand is
analytic in p (the Gaussian pulse makes the convolution analytic in 1/τ_k); composite
Gauss–Legendre quadrature on geometrically shrinking panels towards p = 0 (the late-time response
is carried by ever slower modes) converges exponentially at all times. The convolution of the
Gaussian pulse
``f(t) = B_peak exp(-t²/(2s²))`` (s = τ_p / (2√(2 ln 2)), pulse peak at t = 0) with an exponential
is exact:

    (f ⊗ g_τ)(t) = B_peak (s/τ) √(π/2) exp(-t²/(2s²)) erfcx(x),   x = (s/τ - t/s)/√2,

evaluated through ``erfcx`` for x ≥ 0 and through ``exp(s²/(2τ²) - t/τ) erfc(x)`` for x < 0
(both overflow-free). Everything here is numpy/scipy only; times are relative to the pulse peak.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from femmag.units import MU0

__all__ = [
    "PulseResponse",
    "gaussian_exponential_convolution",
    "mode_time_constant",
    "pulse_response_metrics",
    "seed_exponential_response",
    "sheet_time",
    "single_mode_step_response",
    "thin_sheet_centre_response",
]

_FWHM_TO_SIGMA = 1.0 / (2.0 * np.sqrt(2.0 * np.log(2.0)))


def _check_positive(**values: float) -> None:
    for name, value in values.items():
        if not np.all(np.isfinite(value)) or np.any(np.asarray(value) <= 0):
            raise ValueError(f"induction_modal: {name} = {value!r} must be a positive finite "
                             f"number in SI units (e.g. conductivity 8e6 S/m, thickness 10e-9 m).")


def sheet_time(conductivity: float, thickness: float, beam_radius: float) -> float:
    """The sheet time τ_sheet = μ0 σ d r0 / 2 [s], the only material time of the problem.

    Args:
        conductivity: film conductivity σ [S/m].
        thickness: film thickness d [m].
        beam_radius: 1/e radius r0 of the impressed flux [m] (r0 = D/2).
    """
    _check_positive(conductivity=conductivity, thickness=thickness, beam_radius=beam_radius)
    return MU0 * conductivity * thickness * beam_radius / 2.0


def mode_time_constant(wavenumber: np.ndarray | float, conductivity: float,
                       thickness: float) -> np.ndarray:
    """Decay time τ_k = μ0 σ d / (2k) [s] of the Bessel mode J0(kr) of a thin sheet.

    Args:
        wavenumber: radial wavenumber k [1/m].
        conductivity: σ [S/m].
        thickness: d [m].
    """
    _check_positive(wavenumber=wavenumber, conductivity=conductivity, thickness=thickness)
    return MU0 * conductivity * thickness / (2.0 * np.asarray(wavenumber, dtype=float))


def gaussian_exponential_convolution(t: np.ndarray, pulse_duration: float,
                                     time_constant: np.ndarray | float) -> np.ndarray:
    """(f ⊗ g_τ)(t) for a unit-peak Gaussian f (FWHM τ_p, peak at t = 0) and g_τ = Θ e^{-t/τ}/τ.

    Args:
        t: times relative to the pulse peak [s]; any shape.
        pulse_duration: intensity FWHM τ_p [s].
        time_constant: τ [s]; broadcast against ``t``.

    Returns:
        The convolution (dimensionless, peak < 1), shape of ``broadcast(t, τ)``.
    """
    _check_positive(pulse_duration=pulse_duration, time_constant=time_constant)
    s = pulse_duration * _FWHM_TO_SIGMA
    t = np.asarray(t, dtype=float)
    tau = np.asarray(time_constant, dtype=float)
    x = (s / tau - t / s) / np.sqrt(2.0)
    prefactor = (s / tau) * np.sqrt(np.pi / 2.0)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        # x ≥ 0: exp(-t²/2s²) erfcx(x); x < 0: exp(s²/2τ² - t/τ) erfc(x), whose exponent is
        # bounded there because t > s²/τ.
        positive = np.exp(-t**2 / (2 * s**2)) * special.erfcx(np.maximum(x, 0.0))
        negative = np.exp(s**2 / (2 * tau**2) - t / tau) * special.erfc(np.minimum(x, 0.0))
    return prefactor * np.where(x >= 0.0, positive, negative)


def _mode_quadrature(nodes_per_panel: int, p_max: float,
                     n_panels: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss–Legendre nodes/weights for ∫_0^{p_max} 2p e^{-p²} (·) dp.

    Panels halve towards p = 0 ([p_max/2, p_max], [p_max/4, p_max/2], …): at late times t the
    response is carried by the slow modes p ~ τ_sheet/t, a peak that shrinks towards 0.
    """
    x, wx = np.polynomial.legendre.leggauss(nodes_per_panel)
    edges = np.concatenate([[0.0], p_max * 2.0 ** -np.arange(n_panels - 1, -1, -1.0)])
    lo, hi = edges[:-1, None], edges[1:, None]
    p = (0.5 * (hi - lo) * (x + 1.0) + lo).ravel()
    w = (0.5 * (hi - lo) * wx).ravel() * 2.0 * p * np.exp(-p**2)
    return p, w


def thin_sheet_centre_response(t: np.ndarray, *, conductivity: float, thickness: float,
                               beam_radius: float, pulse_duration: float,
                               peak_field: float = 1.0, n_modes: int = 12,
                               p_max: float = 7.0) -> np.ndarray:
    """B_i(r = 0, t) of a thin sheet driven by a Gaussian impressed flux (§3.6) [T].

    Args:
        t: times relative to the pulse peak [s].
        conductivity: σ [S/m].
        thickness: d [m].
        beam_radius: 1/e radius r0 of B_IFE [m] (D/2).
        pulse_duration: FWHM τ_p of B_IFE(t) [s].
        peak_field: B_IFE peak at the centre [T].
        n_modes: Gauss–Legendre nodes per panel in p = k r0/2 (40 geometric panels; 12 nodes
            give ~1e-10 relative accuracy from the pulse to t ~ 10⁴ τ_sheet).
        p_max: upper end of the p integral (the weight 2p e^{-p²} is < 1e-20 beyond 7).

    Returns:
        B_i(0, t) [T], same shape as ``t``.
    """
    tau_sheet = sheet_time(conductivity, thickness, beam_radius)
    p, w = _mode_quadrature(n_modes, p_max)
    t = np.asarray(t, dtype=float)
    tau_k = tau_sheet / (2.0 * p)
    response = gaussian_exponential_convolution(t[..., None], pulse_duration, tau_k)
    return peak_field * response @ w


def seed_exponential_response(t: np.ndarray, *, decay_time: float, pulse_duration: float,
                              peak_field: float = 1.0) -> np.ndarray:
    """Seed-003 single-exponential form B_i = f ⊗ g, g = Θ e^{-t/τ0}/τ0 (§3.8) [T]."""
    return peak_field * gaussian_exponential_convolution(t, pulse_duration, decay_time)


def single_mode_step_response(t: np.ndarray, wavenumber: float, conductivity: float,
                              thickness: float) -> np.ndarray:
    """Total field of the mode J0(kr) after a unit step of the impressed flux at t = 0.

    The sheet current first cancels the step (B = 0 at t = 0+), then decays: B = 1 - e^{-t/τ_k}.
    The *induced* part alone (B_i - B_IFE) is -e^{-t/τ_k}.
    """
    tau = mode_time_constant(wavenumber, conductivity, thickness)
    t = np.asarray(t, dtype=float)
    return np.where(t >= 0.0, 1.0 - np.exp(-np.maximum(t, 0.0) / tau), 0.0)


@dataclass(frozen=True)
class PulseResponse:
    """Characteristics of a pulse response B_i(t) at the beam centre.

    Attributes:
        peak_delay: Δt_peak, time of the B_i maximum after the pulse peak [s].
        peak_ratio: B_i,peak / B_IFE,peak (dimensionless).
        decay_time: time from the B_i peak until B_i = B_i,peak/e [s].
    """

    peak_delay: float
    peak_ratio: float
    decay_time: float


def pulse_response_metrics(t: np.ndarray, response: np.ndarray,
                           peak_field: float = 1.0) -> PulseResponse:
    """Δt_peak, peak ratio and 1/e decay time of a sampled response (t relative to pulse peak).

    The peak is refined by a parabola through the three samples around the discrete maximum;
    the 1/e crossing is interpolated linearly. Sample densely (≤ 1 fs) for fs accuracy.

    Args:
        t: increasing sample times [s].
        response: B_i(t) [T].
        peak_field: B_IFE peak [T].
    """
    t = np.asarray(t, dtype=float)
    y = np.asarray(response, dtype=float)
    i = int(np.argmax(y))
    if i == 0 or i == len(y) - 1:
        raise ValueError("pulse_response_metrics: the maximum lies at the end of the time window; "
                         "extend the window on both sides of the pulse.")
    t0, t1, t2 = t[i - 1:i + 2]
    y0, y1, y2 = y[i - 1:i + 2]
    # parabola through three (possibly unevenly spaced) points
    denom = (t0 - t1) * (t0 - t2) * (t1 - t2)
    a = (t2 * (y1 - y0) + t1 * (y0 - y2) + t0 * (y2 - y1)) / denom
    b = (t2**2 * (y0 - y1) + t1**2 * (y2 - y0) + t0**2 * (y1 - y2)) / denom
    c = (t1 * t2 * (t1 - t2) * y0 + t2 * t0 * (t2 - t0) * y1 + t0 * t1 * (t0 - t1) * y2) / denom
    t_peak = -b / (2 * a) if a < 0 else t1
    y_peak = a * t_peak**2 + b * t_peak + c if a < 0 else y1
    target = y_peak / np.e
    after = np.nonzero(y[i:] < target)[0]
    if len(after) == 0:
        decay = np.nan
    else:
        j = i + after[0]
        t_cross = t[j - 1] + (target - y[j - 1]) * (t[j] - t[j - 1]) / (y[j] - y[j - 1])
        decay = t_cross - t_peak
    return PulseResponse(peak_delay=float(t_peak), peak_ratio=float(y_peak / peak_field),
                         decay_time=float(decay))


def _table() -> str:  # pragma: no cover - printed summary
    t = np.arange(-600e-15, 8e-12, 0.25e-15)
    rows = ["D [um]  sigma [S/m]  tau_sheet [fs]  dt_peak [fs]  peak ratio  1/e decay [fs]"]
    from femmag.materials import Library

    for sigma in (Library.default().get("CoPt_S003A").prop("electrical_conductivity").value,):
        for diameter in (2e-6, 5e-6, 10e-6, 15e-6, 20e-6):
            r0 = diameter / 2
            y = thin_sheet_centre_response(t, conductivity=sigma, thickness=10e-9,
                                           beam_radius=r0, pulse_duration=140e-15)
            m = pulse_response_metrics(t, y)
            rows.append(f"{diameter * 1e6:6.0f}  {sigma:11.3g}  "
                        f"{sheet_time(sigma, 10e-9, r0) * 1e15:14.1f}  {m.peak_delay * 1e15:12.2f}"
                        f"  {m.peak_ratio:10.4f}  {m.decay_time * 1e15:14.1f}")
    return "\n".join(rows)


if __name__ == "__main__":  # pragma: no cover
    print(_table())
