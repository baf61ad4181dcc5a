r"""A conducting sphere in a suddenly applied uniform field (TEAM-type 3D eddy-current benchmark).

A sphere of radius a and conductivity σ (μ = μ0, in vacuum) sits in a uniform field B0 ẑ switched
on at t = 0 (magnetoquasistatic). Its magnetic polarizability at frequency ω is the classical result
of Landau & Lifshitz, *Electrodynamics of Continuous Media* (2nd ed.), §59, problem 1 (Gaussian
units α = -(3/8π)[1 - 3/(a²k²) + 3 cot(ak)/(ak)], k = (1 + i)/δ); in SI the induced dipole moment is

.. math::

    m(ω) = -\frac{2π a^3}{μ_0} B_0(ω) \Big[1 - \frac{3}{a^2k^2} + \frac{3\cot(ak)}{ak}\Big],
    \qquad k^2 = i ω μ_0 σ .

(the perfect-conductor limit is the superconducting sphere, m = -2πa³B0/μ0). With the Laplace
variable s (k² = -sμ0σ) and q = a√(sμ0σ) the bracket becomes F(q) = 1 + 3/q² - 3 coth(q)/q, and the
Mittag-Leffler expansion coth q = 1/q + 2q Σ 1/(q² + n²π²) gives
F = 1 - 6 Σ_n 1/(q² + n²π²), whose step response (F/s inverted term by term) is [DER]

.. math::

    m(t) = -\frac{2π a^3 B_0}{μ_0}\,\frac{6}{π^2} \sum_{n≥1} \frac{e^{-n^2 t/τ_1}}{n^2},
    \qquad τ_1 = \frac{μ_0 σ a^2}{π^2},\quad t > 0,

the series of diffusion modes j1(nπr/a) quoted by Smythe, *Static and Dynamic Electricity*
(3rd ed.), §11.06 (transients in a sphere); m(0⁺) is the perfect-diamagnet value (Σ 1/n² = π²/6).
The field at the centre follows from the same l = 1 solution (inside A_φ ∝ i1(qr/a) sin θ,
matched to the uniform + dipole field outside; B_c(s) = B0 q/(s sinh q)) [DER]:

.. math::

    B_c(t) = B_0 \Big[1 + 2 \sum_{n≥1} (-1)^n e^{-n^2 t/τ_1}\Big]
           = B_0\,ϑ_4\big(0, e^{-t/τ_1}\big),

0 at t = 0⁺ (flux excluded) and B0 at late times. For t < τ1 the alternating series cancels; there
the Poisson-summed (Jacobi-transformed) form is used instead,

.. math::

    B_c(t) = B_0 \sqrt{π τ_1/t}\; 2\sum_{k≥0} e^{-π^2 (k + 1/2)^2 τ_1/t},

which converges fast for small t. The moment's positive series is summed directly to 1e-15
(up to ~1e6 terms for t ≪ τ1). Plain numpy; SI units.
"""

from __future__ import annotations

import numpy as np

from femmag.units import MU0

__all__ = ["centre_field", "decay_time", "dipole_moment", "perfect_conductor_moment"]


def _check(radius: float, conductivity: float, times: np.ndarray) -> None:
    if not (np.isfinite(radius) and radius > 0 and np.isfinite(conductivity)
            and conductivity > 0):
        raise ValueError(f"conducting_sphere: radius={radius!r} m and conductivity="
                         f"{conductivity!r} S/m must be positive (SI units).")
    if np.any(times <= 0):
        raise ValueError("conducting_sphere: the series hold for t > 0 (the field is switched on "
                         "at t = 0); give positive times [s].")


def decay_time(radius: float, conductivity: float) -> float:
    """Slowest mode's time constant τ1 = μ0 σ a²/π² [s]."""
    return MU0 * conductivity * radius**2 / np.pi**2


def perfect_conductor_moment(radius: float, applied_field: float) -> float:
    """m(0⁺) = -2π a³ B0/μ0 [A m²] (superconducting sphere)."""
    return -2.0 * np.pi * radius**3 * applied_field / MU0


def _mode_sum(times: np.ndarray, tau1: float, weights: str) -> np.ndarray:
    """Σ_n w_n e^{-n² t/τ1} with w_n = 1/n² ("moment") or (-1)^n ("centre"), to 1e-15."""
    x = np.asarray(times, dtype=float) / tau1
    # terms below 1e-17 once n² x > 40
    n_max = int(np.ceil(np.sqrt(40.0 / np.min(x)))) + 2
    n_max = min(n_max, 2_000_000)
    n = np.arange(1, n_max + 1, dtype=float)
    w = 1.0 / n**2 if weights == "moment" else np.where(n % 2 == 1, -1.0, 1.0)
    out = np.empty_like(x)
    flat = x.ravel()
    for i, xi in enumerate(flat):  # one vectorized sum per time (times are few)
        out.flat[i] = np.sum(w * np.exp(-n**2 * xi))
    return out


def dipole_moment(times: np.ndarray, *, radius: float, conductivity: float,
                  applied_field: float) -> np.ndarray:
    """Induced dipole moment m_z(t) [A m²] of the sphere after the step B0 ẑ at t = 0.

    Args:
        times: t > 0 [s].
        radius: a [m].
        conductivity: σ [S/m].
        applied_field: B0 [T].
    """
    t = np.atleast_1d(np.asarray(times, dtype=float))
    _check(radius, conductivity, t)
    tau1 = decay_time(radius, conductivity)
    return (perfect_conductor_moment(radius, applied_field) * 6.0 / np.pi**2
            * _mode_sum(t, tau1, "moment")).reshape(np.shape(times))


def centre_field(times: np.ndarray, *, radius: float, conductivity: float,
                 applied_field: float) -> np.ndarray:
    """Total B_z(t) at the sphere's centre [T] after the step B0 ẑ at t = 0.

    Args:
        times: t > 0 [s].
        radius: a [m].
        conductivity: σ [S/m].
        applied_field: B0 [T].
    """
    t = np.atleast_1d(np.asarray(times, dtype=float))
    _check(radius, conductivity, t)
    y = t / decay_time(radius, conductivity)
    late = 1.0 + 2.0 * _mode_sum(np.maximum(y, 1.0), 1.0, "centre")
    k = np.arange(0, 40, dtype=float)[:, None]
    early = np.sqrt(np.pi / y) * 2.0 * np.sum(np.exp(-np.pi**2 * (k + 0.5) ** 2 / y), axis=0)
    return (applied_field * np.where(y < 1.0, early, late)).reshape(np.shape(times))
