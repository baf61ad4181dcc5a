r"""Fourier modal method (RCWA) for a lamellar grating at normal incidence (a reference).

An independent check of the finite-element grating of
:class:`~femmag.physics.optics.patterned.PatternedFilmOptics2D`: the same planar stack of
layers, of which some are *lamellar* (material in |x − c − kp| < w/2, ``gap`` material elsewhere),
under a unit plane wave from the top medium (index n_in, real) at normal incidence, transmitted
into a transparent substrate (index n_sub). Time convention e^{−iωt}, depth ζ = −z (downwards).

Fields are Fourier series over the period p, u(x, ζ) = Σ_m S_m(ζ) e^{i k_m x}, k_m = 2πm/p,
|m| ≤ M (N = 2M + 1 orders). In a layer the permittivity is ε(x) with Toeplitz matrices
[[ε]]_{mn} = ε̂_{m−n} and [[1/ε]]_{mn} = (1/ε)^_{m−n} of its Fourier coefficients
(ε̂_n = ε_gap δ_n0 + (ε_line − ε_gap) f sinc(n f) e^{−i k_n c}, f = w/p).

* **TE** (S = E_y; Moharam & Gaylord, JOSA 71, 811 (1981)): S'' = (K² − k0²[[ε]]) S, continuity
  of S and S' at the horizontal interfaces.
* **TM** (S = H_y; with Li's factorization rules, JOSA A 13, 1870 (1996); Lalanne & Morris,
  JOSA A 13, 779 (1996)): ∂ζH ∝ D_x is continuous across the vertical line edges, so
  E_x = [[1/ε]] ∂ζH (Laurent's rule), while E_z is continuous and D_z = ε E_z ∝ ∂_x H, so
  E_z ∝ [[ε]]⁻¹ K H (inverse rule). Hence [[1/ε]] S'' = (K [[ε]]⁻¹ K − k0²) S, with continuity
  of S and of [[1/ε]] S' (the tangential E_x).

In each layer S = W (X(ζ − ζ_top) a + X(ζ_bot − ζ) b) with W, q the eigenvectors/eigenvalues
(q² of the matrix above, Im q ≥ 0) and X(s) = diag(e^{iqs}), so that every exponential is ≤ 1
(numerically stable for any thickness); the interface conditions for all layers are solved at
once as one dense linear system (the stacks here have a few layers; size 2N(layers + 1)).

Outputs: reflected/transmitted order efficiencies and R, T (sums over the propagating orders),
A = 1 − R − T. TE fluxes ∝ Re(k_ζ)|S|², TM ∝ Re(k_ζ/ε)|S|², normalized by the incident flux.
The per-layer absorption is not computed (the FEM comparison uses the total A).

Convergence in the number of orders: TE ~ N⁻² (continuous E_y, ∂_x E_y), TM with Li's rules
~ N⁻¹ for strongly absorbing metals (the field of a metal corner); use :func:`extrapolated` (a
Richardson step in 1/N) for reference numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.linalg import toeplitz

__all__ = ["GratingResult", "extrapolated", "lamellar_grating"]


@dataclass(frozen=True)
class GratingResult:
    """R, T, A (fractions of the incident power) and the order efficiencies of a grating."""

    R: float
    T: float
    A: float
    reflected_orders: np.ndarray  # efficiency per order m = −M..M
    transmitted_orders: np.ndarray
    orders: int


def _fourier_toeplitz(eps_line: complex, eps_gap: complex, fill: float, centre: float,
                      period: float, M: int) -> tuple[np.ndarray, np.ndarray]:
    """[[ε]] and [[1/ε]] of the lamellar profile (N × N Toeplitz)."""
    n = np.arange(-2 * M, 2 * M + 1)
    shift = np.exp(-2j * math.pi * n * centre / period)
    box = fill * np.sinc(n * fill) * shift  # Fourier coefficients of the line indicator

    def coeffs(line: complex, gap: complex) -> np.ndarray:
        c = (line - gap) * box
        c[2 * M] += gap
        return c

    mats = []
    for c in (coeffs(eps_line, eps_gap), coeffs(1 / eps_line, 1 / eps_gap)):
        # T_{mn} = c_{m−n}: first column c_0, c_1, .., c_{2M}; first row c_0, c_−1, .., c_−2M
        mats.append(toeplitz(c[2 * M:], c[2 * M::-1]))
    return mats[0], mats[1]


def _kz(eps: complex, k0: float, kx: np.ndarray) -> np.ndarray:
    kz = np.sqrt(k0**2 * eps - kx**2 + 0j)
    return np.where(kz.imag < 0, -kz, kz)


def lamellar_grating(layers: Sequence[tuple[complex, float, bool]], wavelength: float,
                     period: float, stripe_width: float, *, n_incident: float = 1.0,
                     n_substrate: float = 1.5, polarization: str = "TE", orders: int = 41,
                     stripe_centre: float = 0.0, gap_index: complex | None = None
                     ) -> GratingResult:
    """R, T, A of a (partly) lamellar multilayer grating under a normally incident plane wave.

    Args:
        layers: ``(n + ik, thickness_m, lamellar)`` top to bottom; a lamellar layer has the index n
            in the lines and ``gap_index`` (default: ``n_incident``) between them.
        wavelength: vacuum wavelength [m].
        period, stripe_width: grating period and line width [m] (0 ≤ w ≤ p).
        n_incident, n_substrate: real indices above and below.
        polarization: ``"TE"`` (E along the lines) or ``"TM"`` (H along the lines).
        orders: number of Fourier orders N (odd; −M..M).
        stripe_centre: x of a line centre [m] (R, T, A do not depend on it).
        gap_index: index between the lines (default: the incident medium).

    Returns:
        :class:`GratingResult`.

    Raises:
        ValueError: an unknown polarization, an even or too small ``orders``, bad widths.
    """
    pol = str(polarization).upper()
    if pol not in ("TE", "TM"):
        raise ValueError(f"lamellar_grating: polarization = {polarization!r}; use 'TE' or 'TM'")
    if orders < 1 or orders % 2 == 0:
        raise ValueError(f"lamellar_grating: orders = {orders} must be odd and ≥ 1 (−M..M)")
    if not (period > 0 and 0 <= stripe_width <= period):
        raise ValueError(f"lamellar_grating: need period > 0 and 0 ≤ stripe_width ≤ period, got "
                         f"p = {period!r}, w = {stripe_width!r}")
    M = orders // 2
    N = 2 * M + 1
    k0 = 2 * math.pi / wavelength
    kx = 2 * math.pi * np.arange(-M, M + 1) / period
    K = np.diag(kx)
    eye = np.eye(N)
    eps_in, eps_sub = complex(n_incident) ** 2, complex(n_substrate) ** 2
    eps_gap = eps_in if gap_index is None else complex(gap_index) ** 2
    fill = stripe_width / period

    # per layer: W (fields), V (continuous "derivative" quantity per unit a − b), q, thickness
    modes = []
    for index, thickness, lamellar in layers:
        eps = complex(index) ** 2
        if lamellar:
            E, Einv = _fourier_toeplitz(eps, eps_gap, fill, stripe_centre, period, M)
        else:
            E, Einv = eps * eye, eye / eps
        if pol == "TE":
            op, P = k0**2 * E - K @ K, eye
        else:
            op, P = np.linalg.solve(Einv, k0**2 * eye - K @ np.linalg.solve(E, K)), Einv
        q2, W = np.linalg.eig(op)
        q = np.sqrt(q2 + 0j)
        q = np.where(q.imag < 0, -q, q)
        modes.append((W, P @ W * (1j * q)[None, :], q, float(thickness)))

    kz_in, kz_sub = _kz(eps_in, k0, kx), _kz(eps_sub, k0, kx)
    p_in = 1.0 if pol == "TE" else 1.0 / eps_in
    p_sub = 1.0 if pol == "TE" else 1.0 / eps_sub
    nl = len(modes)
    size = N * (2 * nl + 2)  # r, (a, b) per layer, t
    A = np.zeros((size, size), dtype=complex)
    rhs = np.zeros(size, dtype=complex)
    inc = np.zeros(N, dtype=complex)
    inc[M] = 1.0

    def block(j: int) -> slice:
        return slice(j * N, (j + 1) * N)

    r_blk, t_blk = block(0), block(2 * nl + 1)
    row = 0
    # top interface ζ = 0: S_in = inc + r, G_in = p_in i kz (inc − r)
    above_S = [(r_blk, eye)]
    above_G = [(r_blk, -p_in * np.diag(1j * kz_in))]
    rhs_S, rhs_G = -inc, -p_in * 1j * kz_in * inc
    for ell in range(nl + 1):
        if ell < nl:
            W, V, q, d = modes[ell]
            X = np.diag(np.exp(1j * q * d))
            a_blk, b_blk = block(1 + 2 * ell), block(2 + 2 * ell)
            below_S = [(a_blk, W), (b_blk, W @ X)]
            below_G = [(a_blk, V), (b_blk, -V @ X)]
        else:
            below_S = [(t_blk, eye)]
            below_G = [(t_blk, p_sub * np.diag(1j * kz_sub))]
        for above, below, source in ((above_S, below_S, rhs_S), (above_G, below_G, rhs_G)):
            rows = slice(row, row + N)
            for blk, mat in above:
                A[rows, blk] += mat
            for blk, mat in below:
                A[rows, blk] -= mat
            rhs[rows] = source
            row += N
        if ell < nl:
            above_S = [(a_blk, W @ X), (b_blk, W)]
            above_G = [(a_blk, V @ X), (b_blk, -V)]
            rhs_S = rhs_G = np.zeros(N, dtype=complex)
    sol = np.linalg.solve(A, rhs)
    r, t = sol[r_blk], sol[t_blk]
    flux_in = (p_in * kz_in[M]).real
    eta_r = np.abs(r) ** 2 * (p_in * kz_in).real / flux_in
    eta_t = np.abs(t) ** 2 * (p_sub * kz_sub).real / flux_in
    R, T = float(eta_r.sum()), float(eta_t.sum())
    return GratingResult(R, T, 1.0 - R - T, eta_r, eta_t, N)


def extrapolated(layers: Sequence[tuple[complex, float, bool]], wavelength: float,
                 period: float, stripe_width: float, *, orders: tuple[int, int] = (101, 201),
                 rate: float = 1.0, **kwargs) -> tuple[GratingResult, GratingResult, np.ndarray]:
    """Richardson extrapolation in the number of orders, error ~ N^−rate.

    Returns:
        (result at the smaller N, at the larger N, extrapolated [R, T, A]).
    """
    lo = lamellar_grating(layers, wavelength, period, stripe_width, orders=orders[0], **kwargs)
    hi = lamellar_grating(layers, wavelength, period, stripe_width, orders=orders[1], **kwargs)
    ratio = (orders[1] / orders[0]) ** rate
    values = np.array([[lo.R, lo.T, lo.A], [hi.R, hi.T, hi.A]])
    return lo, hi, values[1] + (values[1] - values[0]) / (ratio - 1.0)
