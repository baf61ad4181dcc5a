"""Magneto-optical Kerr read-out: synthesis from simulations and the seed-000 analysis (spec §8).

Synthesis (§8.1, §8.3). The complex polar Kerr angle Θ_K = θ_K + i ε_K is, to first order in the
off-diagonal permittivity ε_xy(ζ), Θ_K = ∫ w(ζ) ε_xy(ζ) dζ with the depth weight w(ζ) of
:meth:`femmag.physics.optics.planar.PlanarOptics.kerr_weight`. Per layer:

* magnetization (Voigt): ε_xy = i ε_xx Q m  → sub-vector (a + ib) m per FM layer;
* spin accumulation: ε_xy = c_μ μ_s           → (a' + ib') μ_s in FM layers, (a'' + ib'') μ_s in Cu.

Q (Co/Pt) and c_μ (per layer, per joule of μ_s) are not pinned at the probe wavelength: they are
fit parameters (§8.3). :class:`KerrSynthesizer` computes the sub-vectors and the Kerr angle of
simulated m(t) and μ_s(ζ, t) (uniform per layer, or sampled at Gauss points per layer).

Analysis (§8.1, §8.2, seed 000). Δθ̄ = Δθ_K/θ_K^{Ms}, Δε̄ = Δε_K/ε_K^{Ms}; the spin-accumulation
signal Δμ_s ≡ Δθ̄ − Δε̄ (Eq. 1) vanishes for a pure-M signal; P/AP half-sum and half-difference
(:func:`pap_decompose`); the apparent switching time (zero crossing of 1 + Δθ̄) and its shift when
the static signal Θ^{Ms} is off by a relative error e (2% in seed 000, U9):
1 + Δθ̄/(1 + e) crosses zero where Δθ̄ = −(1 + e), i.e. δt ≈ −e/(dΔθ̄/dt) at the crossing.

Measured traces (CSV, :func:`read_kerr_csv` / :func:`write_kerr_csv`)::

    # optional comment lines start with '#'
    time [ps],rotation [mrad],ellipticity [mrad]
    -0.5,0.0012,-0.0003
    ...

Three columns: time, Kerr rotation θ_K, Kerr ellipticity ε_K. Units in square brackets in the
header: time in s, ms, us, ns, ps, fs; angles in rad, mrad, urad, deg. The values may be absolute
angles or pump-induced changes (the analysis functions say which they expect).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from femmag.physics.optics.planar import PlanarOptics

__all__ = [
    "KerrSynthesizer",
    "KerrTrace",
    "eq1_spin_signal",
    "normalized_changes",
    "pap_decompose",
    "read_kerr_csv",
    "spin_signal",
    "switching_time",
    "switching_time_sensitivity",
    "write_kerr_csv",
]


def pap_decompose(parallel: np.ndarray, antiparallel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split P and AP signals into free- and ref-layer parts (physics-spec §8.2).

    With Δμ = Δμ^Free + p Δμ^Ref (p = +1 for P, −1 for AP):
    Δμ^Free = ½(Δμ^P + Δμ^AP), Δμ^Ref = ½(Δμ^P − Δμ^AP).

    Args:
        parallel: signal measured/simulated in the P state (any shape).
        antiparallel: the same in the AP state (same shape).

    Returns:
        (free-layer part, ref-layer part).
    """
    p = np.asarray(parallel, dtype=float)
    ap = np.asarray(antiparallel, dtype=float)
    if p.shape != ap.shape:
        raise ValueError(f"pap_decompose: P and AP signals must have the same shape, got "
                         f"{p.shape} and {ap.shape}; resample them on a common time axis first")
    return 0.5 * (p + ap), 0.5 * (p - ap)


TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "ps": 1e-12, "fs": 1e-15}
ANGLE_UNITS = {"rad": 1.0, "mrad": 1e-3, "urad": 1e-6, "deg": np.pi / 180.0}


# ------------------------------------------------------------------------------------------------
# traces and CSV
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KerrTrace:
    """A Kerr trace in SI units.

    Attributes:
        time: [s], increasing.
        rotation: θ_K [rad].
        ellipticity: ε_K [rad].
    """

    time: np.ndarray
    rotation: np.ndarray
    ellipticity: np.ndarray

    @property
    def complex_angle(self) -> np.ndarray:
        """Θ_K = θ_K + i ε_K [rad]."""
        return np.asarray(self.rotation) + 1j * np.asarray(self.ellipticity)


def _unit(header: str, table: Mapping[str, float], what: str, path: Path) -> float:
    match = re.search(r"\[\s*([A-Za-zµ]+)\s*\]", header)
    if match is None:
        raise ValueError(f"{path}: the {what} column header {header!r} has no unit in brackets; "
                         f"write it as e.g. '{what} [{next(iter(table))}]' (units: "
                         f"{sorted(table)})")
    unit = match.group(1).replace("µ", "u")
    if unit not in table:
        raise ValueError(f"{path}: unknown {what} unit {unit!r} in {header!r}; use one of "
                         f"{sorted(table)}")
    return table[unit]


def read_kerr_csv(path: str | Path) -> KerrTrace:
    """Read a measured Kerr trace (time, rotation, ellipticity) from CSV (format: module doc).

    Args:
        path: the CSV file.

    Returns:
        :class:`KerrTrace` in SI units, sorted by time.

    Raises:
        ValueError: missing units, fewer than 3 columns or 2 rows, repeated times.
    """
    path = Path(path)
    with path.open(newline="") as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].lstrip().startswith("#")]
    if len(rows) < 3 or len(rows[0]) < 3:
        raise ValueError(f"{path}: need a header 'time [ps],rotation [mrad],ellipticity [mrad]' "
                         f"and at least 2 data rows with 3 columns")
    header = rows[0]
    scales = [_unit(header[0], TIME_UNITS, "time", path),
              _unit(header[1], ANGLE_UNITS, "rotation", path),
              _unit(header[2], ANGLE_UNITS, "ellipticity", path)]
    try:
        data = np.array([[float(v) for v in r[:3]] for r in rows[1:]])
    except ValueError as err:
        raise ValueError(f"{path}: non-numeric data row ({err})") from None
    data = data[np.argsort(data[:, 0])] * np.array(scales)
    if np.any(np.diff(data[:, 0]) <= 0):
        raise ValueError(f"{path}: repeated time values; average repeated scans first")
    return KerrTrace(data[:, 0], data[:, 1], data[:, 2])


def write_kerr_csv(path: str | Path, trace: KerrTrace, time_unit: str = "ps",
                   angle_unit: str = "mrad", comment: str = "") -> None:
    """Write a :class:`KerrTrace` in the CSV format of :func:`read_kerr_csv`.

    Args:
        path: output file.
        trace: the trace (SI).
        time_unit: unit of the time column (``TIME_UNITS``).
        angle_unit: unit of both angle columns (``ANGLE_UNITS``).
        comment: optional comment written as '#' lines on top.
    """
    if time_unit not in TIME_UNITS or angle_unit not in ANGLE_UNITS:
        raise ValueError(f"write_kerr_csv: time_unit must be one of {sorted(TIME_UNITS)} and "
                         f"angle_unit one of {sorted(ANGLE_UNITS)}")
    with Path(path).open("w", newline="") as fh:
        for line in comment.splitlines():
            fh.write(f"# {line}\n")
        writer = csv.writer(fh)
        writer.writerow([f"time [{time_unit}]", f"rotation [{angle_unit}]",
                         f"ellipticity [{angle_unit}]"])
        ts, sa = TIME_UNITS[time_unit], ANGLE_UNITS[angle_unit]
        for t, r, e in zip(trace.time, trace.rotation, trace.ellipticity, strict=True):
            writer.writerow([repr(float(t / ts)), repr(float(r / sa)), repr(float(e / sa))])


# ------------------------------------------------------------------------------------------------
# synthesis
# ------------------------------------------------------------------------------------------------
class KerrSynthesizer:
    """Kerr angle of simulated M(z, t) and μ_s(z, t) through the optics depth weight (§8.3).

    Args:
        optics: a solved :class:`femmag.physics.optics.planar.PlanarOptics` of the probe (wavelength,
            side: ``from_substrate_side=True`` for probing through the substrate), at normal
            incidence and s polarization: the polar Kerr weight at oblique incidence mixes the s
            and p solutions (r_ps ∝ ∫ ε_xy E_x^p E_y^s dζ) and is not implemented, for want of an
            exact 4×4 (anisotropic) transfer-matrix reference to verify it against; such optics
            are refused here with that explanation.
        voigt: optics layer name → Voigt parameter Q (ε_xy = i ε_xx Q m); layers with M.
        spin_mo: optics layer name → c_μ [1/J] (ε_xy = c_μ μ_s); layers whose μ_s is seen.
        points_per_layer: Gauss-Legendre points per layer for depth-resolved μ_s.
    """

    def __init__(self, optics: PlanarOptics, voigt: Mapping[str, complex] | None = None,
                 spin_mo: Mapping[str, complex] | None = None, points_per_layer: int = 16) -> None:
        optics._kerr_solution("KerrSynthesizer")  # normal incidence, s: refused early otherwise
        self.optics = optics
        names = list(optics.layer_names)
        self.voigt = dict(voigt or {})
        self.spin_mo = dict(spin_mo or {})
        for what, table in (("voigt", self.voigt), ("spin_mo", self.spin_mo)):
            unknown = set(table) - set(names)
            if unknown:
                raise ValueError(f"KerrSynthesizer: {what} names unknown optics layer(s) "
                                 f"{sorted(unknown)}; the stack has {names}")
        self._layers = {la.name: la for la in optics.layers}
        self.points_per_layer = int(points_per_layer)
        self._nodes, self._weights = np.polynomial.legendre.leggauss(self.points_per_layer)

    def magnetization_vector(self, layer: str) -> complex:
        """a + ib: Kerr angle per unit reduced magnetization of ``layer`` [rad]."""
        eps_xx = self._layers[layer].permittivity
        exy = 1j * eps_xx * complex(self.voigt[layer])
        return complex(self.optics.kerr_layer_integrals({layer: exy})[
            list(self.optics.layer_names).index(layer)])

    def spin_vector(self, layer: str) -> complex:
        """a' + ib' (FM) or a'' + ib'' (Cu): Kerr angle per joule of uniform μ_s [rad/J]."""
        exy = complex(self.spin_mo[layer])
        return complex(self.optics.kerr_layer_integrals({layer: exy})[
            list(self.optics.layer_names).index(layer)])

    def depth_points(self, layer: str) -> np.ndarray:
        """Gauss points ζ [m] (depth from the stack top, ζ = −z) of ``layer``."""
        la = self._layers[layer]
        return la.top + 0.5 * la.thickness * (self._nodes + 1.0)

    def spin_weights(self, layer: str) -> np.ndarray:
        """Complex weights W_q [rad/J] with Θ = Σ_q W_q μ_s(ζ_q) for μ_s sampled at
        :meth:`depth_points` of ``layer`` (Gauss-Legendre on w(ζ) c_μ)."""
        la = self._layers[layer]
        zeta = self.depth_points(layer)
        return (0.5 * la.thickness * self._weights * self.optics.kerr_weight(zeta)
                * complex(self.spin_mo[layer]))

    def synthesize(self, magnetization: Mapping[str, np.ndarray] | None = None,
                   spin_uniform: Mapping[str, np.ndarray] | None = None,
                   spin_profiles: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
        """Θ_K(t) = Σ (a+ib)_l m_l(t) + Σ (a'+ib')_l μ̄_l(t) + Σ_q W_q μ(ζ_q, t) [rad].

        Args:
            magnetization: layer → m(t) (reduced, lab frame).
            spin_uniform: layer → layer-uniform μ_s(t) [J].
            spin_profiles: layer → μ_s at :meth:`depth_points` [J], shape (n_t, points_per_layer).

        Returns:
            complex Θ_K(t).
        """
        total = 0.0
        for name, m in (magnetization or {}).items():
            total = total + self.magnetization_vector(name) * np.asarray(m, dtype=float)
        for name, mu in (spin_uniform or {}).items():
            total = total + self.spin_vector(name) * np.asarray(mu, dtype=float)
        for name, prof in (spin_profiles or {}).items():
            prof = np.asarray(prof, dtype=float)
            if prof.shape[-1] != self.points_per_layer:
                raise ValueError(f"KerrSynthesizer.synthesize: profile of {name!r} has "
                                 f"{prof.shape[-1]} points per time, expected "
                                 f"{self.points_per_layer} (sample at depth_points({name!r}))")
            total = total + prof @ self.spin_weights(name)
        return np.asarray(total, dtype=complex)


# ------------------------------------------------------------------------------------------------
# analysis
# ------------------------------------------------------------------------------------------------
def normalized_changes(change: np.ndarray, static: complex) -> tuple[np.ndarray, np.ndarray]:
    """Δθ̄ = Δθ_K/θ_K^{Ms}, Δε̄ = Δε_K/ε_K^{Ms} (§8.1).

    Args:
        change: pump-induced ΔΘ_K(t) = Δθ_K + iΔε_K [rad] (complex array).
        static: Θ_K^{Ms} = θ^{Ms} + i ε^{Ms} [rad], the static signal of the saturated sample.

    Returns:
        (Δθ̄, Δε̄), dimensionless.
    """
    static = complex(static)
    if static.real == 0 or static.imag == 0:
        raise ValueError(f"normalized_changes: both parts of the static signal Θ^Ms must be "
                         f"nonzero to normalize, got {static}")
    change = np.asarray(change, dtype=complex)
    return change.real / static.real, change.imag / static.imag


def spin_signal(dtheta_bar: np.ndarray, deps_bar: np.ndarray) -> np.ndarray:
    """Δμ_s ≡ Δθ̄ − Δε̄ (seed 000 Eq. 1): zero for a pure-M signal."""
    return np.asarray(dtheta_bar, dtype=float) - np.asarray(deps_bar, dtype=float)


def eq1_spin_signal(magnetization_vector: complex, fm_spin_vector: complex,
                    cu_spin_vector: complex, saturation: float, dmu_fm: np.ndarray,
                    dmu_cu: np.ndarray, form: str = "ratio") -> np.ndarray:
    """Right-hand side of Eq. 1 for given sub-vectors (§8.1).

    Θ^M = (a + ib) M, Θ^FM = (a' + ib') μ^FM, Θ^Cu = (a'' + ib'') μ^Cu, θ^Ms = a M_s.

    Args:
        magnetization_vector: a + ib (per unit M).
        fm_spin_vector: a' + ib'.
        cu_spin_vector: a'' + ib''.
        saturation: M_s (same unit as the M that multiplies a + ib).
        dmu_fm, dmu_cu: Δμ_s^FM(t), Δμ_s^Cu(t).
        form: "ratio": (1/M_s)(b'/a)(a'/b' − a/b) Δμ^FM + (1/M_s)(b''/a)(a''/b'' − a/b) Δμ^Cu;
            "difference": (1/M_s)[(a'/a − b'/b) Δμ^FM + (a''/a − b''/b) Δμ^Cu].

    Returns:
        Δμ_s(t) = Δθ̄ − Δε̄.
    """
    a, b = magnetization_vector.real, magnetization_vector.imag
    a1, b1 = fm_spin_vector.real, fm_spin_vector.imag
    a2, b2 = cu_spin_vector.real, cu_spin_vector.imag
    dmu_fm = np.asarray(dmu_fm, dtype=float)
    dmu_cu = np.asarray(dmu_cu, dtype=float)
    if form == "ratio":
        return ((b1 / a) * (a1 / b1 - a / b) * dmu_fm
                + (b2 / a) * (a2 / b2 - a / b) * dmu_cu) / saturation
    if form == "difference":
        return ((a1 / a - b1 / b) * dmu_fm + (a2 / a - b2 / b) * dmu_cu) / saturation
    raise ValueError(f"eq1_spin_signal: form must be 'ratio' or 'difference', got {form!r}")


def switching_time(time: np.ndarray, magnetization: np.ndarray, level: float = 0.0) -> float:
    """First time [s] at which a (normalized) magnetization trace crosses ``level`` downward.

    Linear interpolation between samples. Raises ValueError if it never crosses.
    """
    t = np.asarray(time, dtype=float)
    m = np.asarray(magnetization, dtype=float) - level
    below = np.flatnonzero(m <= 0)
    if below.size == 0 or below[0] == 0:
        raise ValueError(f"switching_time: the trace never crosses {level} downward (it starts "
                         f"{'below' if m[0] <= 0 else 'above'} and ends at {m[-1] + level:.3g})")
    k = below[0]
    return float(t[k - 1] + (t[k] - t[k - 1]) * m[k - 1] / (m[k - 1] - m[k]))


def switching_time_sensitivity(time: np.ndarray, dtheta_bar: np.ndarray,
                               relative_error: float = 0.02) -> dict[str, float]:
    """Shift of the apparent switching time when Θ^{Ms} is off by a relative error (U9).

    The apparent normalized magnetization is 1 + Δθ̄; with a static signal (1 + e)Θ^{Ms} it is
    1 + Δθ̄/(1 + e), which crosses zero where Δθ̄ = −(1 + e).

    Args:
        time: [s].
        dtheta_bar: normalized change Δθ̄(t) computed with the nominal Θ^{Ms}.
        relative_error: e (0.02 = 2%).

    Returns:
        dict with ``t_switch`` (nominal), ``t_plus`` / ``t_minus`` (static signal × (1 ± e);
        NaN when that trace never crosses), ``shift_plus`` = t_plus − t_switch and
        ``shift_linear`` = −e/(dΔθ̄/dt) at the nominal crossing [s].
    """
    t = np.asarray(time, dtype=float)
    d = np.asarray(dtheta_bar, dtype=float)
    e = float(relative_error)
    t0 = switching_time(t, 1.0 + d)

    def crossing(scale: float) -> float:
        try:
            return switching_time(t, 1.0 + d / scale)
        except ValueError:
            return float("nan")

    t_plus, t_minus = crossing(1.0 + e), crossing(1.0 - e)
    slope = float(np.interp(t0, 0.5 * (t[1:] + t[:-1]), np.diff(d) / np.diff(t)))
    return {"t_switch": t0, "t_plus": t_plus, "t_minus": t_minus,
            "shift_plus": t_plus - t0, "shift_minus": t_minus - t0,
            "shift_linear": -e / slope if slope != 0 else float("inf")}

