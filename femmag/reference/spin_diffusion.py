"""Closed-form and semi-analytic references for 1D spin diffusion (physics-spec §7.1, §7.2, §7.4).

numpy/scipy only; never imports :mod:`femmag.physics`. Quantities (SI)::

    (N/2) ∂_tμ = ∂_z(g ∂_zμ) − (N/2) μ/τ_s + (N/2) S,   g = σ/(2e²),  D = σ/(e² N),  λ = √(D τ_s)
    number flux along +z:  J_s = −g ∂_zμ
    interface (no spin flip):  flux continuous,  flux from side a to side b = (G_s/2e²)(μ_a − μ_b)

μ is the spin accumulation [J], S a uniform source per layer [J/s], σ [S/m], N [1/(J m³)], τ_s [s],
G_s [S/m²].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from femmag.units import E_CHARGE

__all__ = [
    "MultilayerSteadyState",
    "bilayer_steady_state",
    "gaussian_spreading",
    "multilayer_steady_state",
]


def _g(sigma: float) -> float:
    """Spin conductivity g = σ/(2e²) [1/(J m s)] (flux per energy gradient)."""
    return sigma / (2.0 * E_CHARGE**2)


def _lambda(sigma: float, dos: float, tau_s: float) -> float:
    """Spin diffusion length λ = √(σ τ_s/(e² N)) [m]."""
    return float(np.sqrt(sigma * tau_s / (E_CHARGE**2 * dos)))


def bilayer_steady_state(zeta: np.ndarray, source: float, d_f: float, sigma_f: float, dos_f: float,
                         tau_f: float, d_n: float, sigma_n: float, dos_n: float, tau_n: float,
                         interface_conductance: float) -> tuple[np.ndarray, float]:
    """Steady state of an FM/NM bilayer with a uniform source in the FM (physics-spec §7.4).

    Coordinates of §7.4: FM on ζ ∈ [−d_F, 0], NM on ζ ∈ [0, d_N], zero flux at ζ = −d_F and ζ = d_N.
    (A femmag stack with the FM on top, z = 0 at the top and z < 0 downward, has ζ = −(z + d_F).)

    Args:
        zeta: positions [m]; ζ < 0 is evaluated in the FM, ζ ≥ 0 in the NM (ζ = 0: the NM side).
        source: S in the FM [J/s].
        d_f, sigma_f, dos_f, tau_f: FM thickness [m], conductivity [S/m], DOS [1/(J m³)], τ_s [s].
        d_n, sigma_n, dos_n, tau_n: the same for the NM.
        interface_conductance: G_s [S/m²].

    Returns:
        (μ(ζ) [J], J_s [1/(m² s)] the spin number flux from FM into NM).
    """
    zeta = np.asarray(zeta, dtype=float)
    g_f, g_n = _g(sigma_f), _g(sigma_n)
    lam_f, lam_n = _lambda(sigma_f, dos_f, tau_f), _lambda(sigma_n, dos_n, tau_n)
    r_f = lam_f / np.tanh(d_f / lam_f) / g_f
    r_n = lam_n / np.tanh(d_n / lam_n) / g_n
    r_i = 2.0 * E_CHARGE**2 / interface_conductance
    flux = source * tau_f / (r_i + r_f + r_n)
    mu_f = (source * tau_f
            - flux * (lam_f / g_f) * np.cosh((zeta + d_f) / lam_f) / np.sinh(d_f / lam_f))
    mu_n = flux * (lam_n / g_n) * np.cosh((zeta - d_n) / lam_n) / np.sinh(d_n / lam_n)
    return np.where(zeta < 0.0, mu_f, mu_n), float(flux)


@dataclass
class MultilayerSteadyState:
    """Steady μ(z) of an N-layer stack: per layer μ_i = A_i cosh(s/λ_i) + B_i sinh(s/λ_i) + S_i τ_i.

    s = z − c_i with c_i the layer centre; z = 0 at the top, layers downward (z < 0).

    Attributes:
        tops, bottoms: layer faces [m] (z_top > z_bottom).
        lambdas: spin diffusion lengths [m]; g: spin conductivities σ/(2e²).
        coef_a, coef_b: the 2N solved coefficients [J]; particular: S_i τ_i [J].
    """

    tops: np.ndarray
    bottoms: np.ndarray
    lambdas: np.ndarray
    g: np.ndarray
    coef_a: np.ndarray
    coef_b: np.ndarray
    particular: np.ndarray

    def __call__(self, z: np.ndarray, layer: int) -> np.ndarray:
        """μ [J] at positions z [m] evaluated with layer ``layer``'s formula (0 = top layer)."""
        s = (np.asarray(z, dtype=float) - 0.5 * (self.tops[layer] + self.bottoms[layer]))
        lam = self.lambdas[layer]
        return (self.coef_a[layer] * np.cosh(s / lam) + self.coef_b[layer] * np.sinh(s / lam)
                + self.particular[layer])

    def flux(self, z: np.ndarray, layer: int) -> np.ndarray:
        """Spin number flux along +z, −g ∂_zμ [1/(m² s)], with layer ``layer``'s formula."""
        s = (np.asarray(z, dtype=float) - 0.5 * (self.tops[layer] + self.bottoms[layer]))
        lam = self.lambdas[layer]
        dmu = (self.coef_a[layer] * np.sinh(s / lam) + self.coef_b[layer] * np.cosh(s / lam)) / lam
        return -self.g[layer] * dmu

    def layer_average(self, layer: int) -> float:
        """Thickness average of μ over layer ``layer`` [J]."""
        half = 0.5 * (self.tops[layer] - self.bottoms[layer])
        lam = self.lambdas[layer]
        # ∫_{-h}^{h} cosh(s/λ) ds = 2λ sinh(h/λ); the sinh part is odd
        return float(self.coef_a[layer] * lam * np.sinh(half / lam) / half + self.particular[layer])


def multilayer_steady_state(thicknesses: Sequence[float], conductivities: Sequence[float],
                            dos: Sequence[float], spin_relaxation_times: Sequence[float],
                            interface_conductances: Sequence[float], sources: Sequence[float],
                            outer: str | tuple[str, str] = "reflecting") -> MultilayerSteadyState:
    """Steady state of an N-layer stack with uniform sources, by one 2N×2N linear solve.

    Layers are listed from the top (z = 0) downward. At each interface: flux continuity and
    flux = (G_s/2e²)(μ_lower − μ_upper) along +z. Outer faces: "reflecting" (zero flux) or "sink"
    (μ = 0); a pair gives (top, bottom) separately.

    Args:
        thicknesses: [m], N values.
        conductivities: σ [S/m].
        dos: N [1/(J m³)] (both spins).
        spin_relaxation_times: τ_s [s].
        interface_conductances: G_s [S/m²], N − 1 values (top interface first).
        sources: uniform source S [J/s] per layer.
        outer: boundary condition at the outer faces.

    Returns:
        A :class:`MultilayerSteadyState` that evaluates μ(z).

    Raises:
        ValueError: on inconsistent lengths, non-positive parameters or an unknown ``outer``.
    """
    d = np.asarray(thicknesses, dtype=float)
    n = d.size
    sig, nn, tau = (np.asarray(v, dtype=float)
                    for v in (conductivities, dos, spin_relaxation_times))
    gi = np.asarray(interface_conductances, dtype=float)
    src = np.asarray(sources, dtype=float)
    if not (sig.size == nn.size == tau.size == src.size == n) or gi.size != n - 1:
        raise ValueError(f"multilayer_steady_state: need N values per layer and N-1 interface "
                         f"conductances; got N={n}, σ:{sig.size}, N:{nn.size}, τ:{tau.size}, "
                         f"S:{src.size}, G_s:{gi.size}")
    if np.any(d <= 0) or np.any(sig <= 0) or np.any(nn <= 0) or np.any(tau <= 0) or np.any(gi <= 0):
        raise ValueError("multilayer_steady_state: thicknesses, σ, N, τ_s and G_s must be > 0")
    bcs = (outer, outer) if isinstance(outer, str) else tuple(outer)
    for bc in bcs:
        if bc not in ("reflecting", "sink"):
            raise ValueError(f"multilayer_steady_state: outer must be 'reflecting' or 'sink', "
                             f"got {bc!r}")
    tops = -np.concatenate([[0.0], np.cumsum(d)[:-1]])
    bottoms = tops - d
    lam = np.sqrt(sig * tau / (E_CHARGE**2 * nn))
    g = sig / (2.0 * E_CHARGE**2)
    part = src * tau
    half = 0.5 * d

    # value and derivative rows at s = ±h: μ = a cosh + b sinh + p, μ' = (a sinh + b cosh)/λ
    def val(i: int, sgn: float) -> np.ndarray:
        row = np.zeros(2 * n)
        row[2 * i] = np.cosh(half[i] / lam[i])
        row[2 * i + 1] = sgn * np.sinh(half[i] / lam[i])
        return row

    def der(i: int, sgn: float) -> np.ndarray:
        row = np.zeros(2 * n)
        row[2 * i] = sgn * np.sinh(half[i] / lam[i]) / lam[i]
        row[2 * i + 1] = np.cosh(half[i] / lam[i]) / lam[i]
        return row

    rows, rhs = [], []
    # top outer face: s = +h of layer 0; bottom outer face: s = −h of layer n−1
    for bc, (i, sgn) in zip(bcs, ((0, 1.0), (n - 1, -1.0)), strict=True):
        if bc == "reflecting":
            rows.append(der(i, sgn))
            rhs.append(0.0)
        else:
            rows.append(val(i, sgn))
            rhs.append(-part[i])
    for k in range(n - 1):  # interface between layer k (upper, its s = −h) and k+1 (lower, s = +h)
        up, lo = k, k + 1
        rows.append(g[up] * der(up, -1.0) - g[lo] * der(lo, 1.0))  # flux continuity
        rhs.append(0.0)
        # −g_up μ_up' = (G/2e²)(μ_lo − μ_up)
        c = gi[k] / (2.0 * E_CHARGE**2)
        rows.append(-g[up] * der(up, -1.0) - c * (val(lo, 1.0) - val(up, -1.0)))
        rhs.append(c * (part[lo] - part[up]))
    mat = np.array(rows)
    # column scaling: the unknowns are energies of similar size, but rows differ by g; scale rows
    scale = np.max(np.abs(mat), axis=1)
    coef = np.linalg.solve(mat / scale[:, None], np.array(rhs) / scale)
    return MultilayerSteadyState(tops, bottoms, lam, g, coef[0::2], coef[1::2], part)


def gaussian_spreading(z: np.ndarray, t: float, diffusivity: float, tau_s: float, center: float,
                       width: float, amplitude: float,
                       walls: tuple[float, float] | None = None, n_images: int = 6) -> np.ndarray:
    """Gaussian spin-accumulation pulse spreading and relaxing in one homogeneous layer.

    μ(z, 0) = A exp(−(z − z0)²/(2w²));  μ(z, t) = A (w/w_t) exp(−(z − z0)²/(2w_t²)) e^{−t/τ_s},
    w_t² = w² + 2 D t (physics-spec §7.4, the free-space solution started from a finite width).

    Args:
        z: positions [m].
        t: time [s].
        diffusivity: D [m²/s].
        tau_s: spin relaxation time [s] (``np.inf``: none).
        center: z0 [m]; width: w [m]; amplitude: A [J].
        walls: optional (z_low, z_high) reflecting faces, handled by the method of images.
        n_images: images on each side when ``walls`` is given.

    Returns:
        μ(z, t) [J].
    """
    z = np.asarray(z, dtype=float)
    wt2 = width**2 + 2.0 * diffusivity * t
    decay = 1.0 if np.isinf(tau_s) else np.exp(-t / tau_s)

    def g(z0: float) -> np.ndarray:
        return np.exp(-((z - z0) ** 2) / (2.0 * wt2))

    total = g(center)
    if walls is not None:
        lo, hi = walls
        period = 2.0 * (hi - lo)
        for k in range(-n_images, n_images + 1):
            if k != 0:
                total = total + g(center + k * period)
            total = total + g(2.0 * lo - center + k * period)
    return amplitude * np.sqrt(width**2 / wt2) * total * decay
