r"""Ballistic hot-electron energy transport: redistribution of the absorbed power along the depth.

The optics (:mod:`femmag.physics.optics.module`) gives where the pump *photons* are absorbed,
q_opt(ζ)/I_inc [1/m]. In noble metals the excited electrons first travel ballistically, close to the
Fermi velocity (~1 nm/fs), over a "ballistic range" δ_b before they share their energy with the
thermal electrons; in Au and Cu δ_b ≈ 100 nm (Hohlfeld et al., Chem. Phys. 251, 237 (2000), who
replace the optical penetration depth δ by δ + δ_b in the source of the two-temperature model;
Brorson et al., PRL 59, 1962 (1987)). In a multilayer, part of the energy absorbed in the top
electrode is thereby carried across a Cu spacer within ~100 fs — the superdiffusive picture of
Battiato, Carva & Oppeneer (PRL 105, 027203 (2010)) in its simplest, energy-only and
time-integrated form. This module returns the *thermalized* source q_b(ζ)/I_inc that replaces
q_opt in :class:`~femmag.physics.optics.module.PulsedAbsorption`:

    >>> from femmag.geometry import Layer, Stack
    >>> from femmag.materials import Library
    >>> from femmag.physics.optics.module import stack_optics
    >>> stack = Stack([Layer("Pt", "Pt", "3 nm"), Layer("Cu", "Cu", "20 nm"),
    ...                Layer("Co", "Co", "1 nm")], substrate=Layer("substrate", "fused_silica",
    ...                                                             "200 nm"))
    >>> optics = stack_optics(stack, 800e-9, Library.default())
    >>> profile = ballistic_depth_profile(optics.absorbed_power_density, stack,
    ...                                   {"Cu": "70 nm", "Pt": "2 nm", "Co": "3 nm"})
    >>> print(f"Co absorbs {profile.optical_layer_absorption()['Co']:.4f} of the pump, "
    ...       f"{profile.layer_absorption()['Co']:.4f} after ballistic transport")
    Co absorbs 0.0162 of the pump, 0.0282 after ballistic transport

In a run: ``Simulation(stack, pulse, absorption=ballistic_absorption({...}))``, or
``Simulation(..., optics={"ballistic_range": True})`` for the library's ranges.

Model (two-stream, along the film normal) [DER]
------------------------------------------------
A fraction f_b (``ballistic_fraction``, default 1) of the energy absorbed at ζ' is given to hot
electrons, half moving down (+ζ), half up (−ζ), along the normal. A stream loses its energy at the
rate 1/δ_b(ζ) per unit path (the material's ballistic range, piecewise constant per layer), i.e.
the energy still in flight after a path ℓ is exp(−∫ dℓ/δ_b) — exponential attenuation across
layers of different range, in both directions. With F_± the downward/upward energy fluxes
(fractions of I_inc):

    dF_+/dζ = −F_+/δ_b + f_b q_opt/2,     −dF_-/dζ = −F_-/δ_b + f_b q_opt/2,
    q_b(ζ) = (1 − f_b) q_opt(ζ) + (F_+ + F_-)/δ_b.

F_± are continuous across metal/metal interfaces (no interface scattering, as seed 000 assumes
for the spin current). Equivalently, U = F_+ + F_- obeys δ_b(δ_b U')' − U = −δ_b f_b q_opt: in a
homogeneous layer the deposited energy is the screened-Poisson smoothing q − δ_b² q'' = f_b q_opt
of the optical profile.

Boundaries (documented choices):

* **Transport only in metals.** Dielectric layers (the library's ``kind``) and metal layers with
  range 0 carry no ballistic electrons: what they absorb stays where it is absorbed, and they
  end a *transport segment* (a run of contiguous metal layers with δ_b > 0). Hot electrons do not
  cross them [ASSUMP: ~1.5 eV electrons against an oxide barrier of several eV]. Note that range 0
  is a *barrier*, whereas δ_b → 0⁺ is a *sink* (arriving electrons deposit at the face): give a
  metal that should absorb arriving electrons a short positive range (Pt, Co, Ta: 2-3 nm).
* **Faces of a segment** reflect a fraction r of the arriving flux (specular, energy kept in the
  electron system) and lose the rest: ``top_reflectivity`` at the free surface (ζ = 0, vacuum:
  internal photoemission needs > 4 eV, so r = 1 for an 800 nm pump), ``bottom_reflectivity`` at the
  substrate and ``barrier_reflectivity`` at a non-transporting layer. All default to 1 (the
  energy-conserving choice, as the Schottky-like barrier of glass/oxides reflects electrons below
  its height); r < 1 removes energy from the metal (e.g. hot-electron injection into a
  semiconductor substrate) — reported by :attr:`BallisticProfile.lost_fraction`.
* The deposition is **instantaneous**: the flight time (80 nm at 0.6-1 nm/fs: 80-130 fs) is
  neglected, so the thermalized source keeps the pulse's time envelope.

Analytic results (asserted in tests/verification/test_ballistic.py) [DER]
-------------------------------------------------------------------------
* Semi-infinite film, reflecting surface, q_opt = A e^{−ζ/δ}/δ, f_b = 1:

      q_b(ζ)/A = (δ e^{−ζ/δ} − δ_b e^{−ζ/δ_b}) / (δ² − δ_b²),

  symmetric in δ ↔ δ_b. At the surface q_b(0) = A/(δ + δ_b): exactly Hohlfeld's effective-depth
  source A e^{−ζ/(δ+δ_b)}/(δ+δ_b); the mean deposition depth is δ + δ_b²/(δ + δ_b) (Hohlfeld:
  δ + δ_b; equal if all electrons went downwards), and the tail decays with the longer of δ, δ_b.
* Homogeneous slab [0, L] with reflecting faces and a uniform source 1/a on [0, a]: the energy
  deposited in [z1, z2] (a ≤ z1) is λ sinh(a/λ) [sinh((L − z1)/λ) − sinh((L − z2)/λ)] /
  (a sinh(L/λ)) (λ = δ_b).
* δ_b → 0: q_b = q_opt + δ_b² q_opt'' + O(δ_b⁴) away from the faces.

Numerics: each layer of a segment is cut into sub-cells of at most ``max_cell`` and a quarter of
its range; F_± are propagated exactly through each sub-cell (transmission e^{−h/δ_b}) with the
source integrals done by ``gauss_points``-point Gauss-Legendre (scipy ``lfilter`` runs the
recursion, vectorized). The face conditions are a 2×2 linear solve per segment. Between the nodes,
q_b(ζ) is evaluated at the requested depths with the same exact propagation from the node above /
below (Gauss-Legendre on the partial sub-cell), so the callable is accurate to the quadrature error
at any ζ, and its integral equals ∫ q_opt dζ − the lost energy (the per-cell ledger
:meth:`BallisticProfile.layer_absorption` closes to round-off; the callable's integral to the
quadrature error, ~1e-12).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.signal import lfilter

from femmag.units import to_si

__all__ = ["PROPOSED_BALLISTIC_RANGES", "BallisticProfile", "ballistic_absorption",
           "ballistic_depth_profile", "ballistic_ranges"]

#: Proposed ``ballistic_range`` values [m] and their sources (for the materials library).
PROPOSED_BALLISTIC_RANGES: dict[str, tuple[float, str]] = {
    "Au": (100e-9, "[LIT: Hohlfeld et al., Chem. Phys. 251, 237 (2000); Brorson et al., PRL 59, "
                   "1962 (1987)] ~100 nm; ≥150 nm in Nano Lett. 23, 1127 (2023)"),
    "Ag": (140e-9, "[LIT: Hohlfeld et al. 2000 / Suárez, Bron & Juhasz, PRL 75, 4536 (1995)] "
                   "~100-150 nm [ASSUMP: not re-checked against the tables]"),
    "Cu": (70e-9, "[ASSUMP; LIT order: Hohlfeld et al. 2000 (noble metals, δ_b ~ 100 nm)] "
                  "scan 0-150 nm; Jarecki et al., arXiv:2512.17565 (2025) find diffusive "
                  "transport dominating through Cu thicker than 2 inelastic mean free paths"),
    "Pt": (2e-9, "[ASSUMP] inelastic mean free path of ~1.5 eV electrons in a 5d metal, ~1-3 nm "
                 "(lifetimes of a few fs × v ~ 0.5 nm/fs)"),
    "Co": (3e-9, "[ASSUMP; LIT order: Battiato, Carva & Oppeneer, PRL 105, 027203 (2010) (Ni/Fe "
                 "majority ~3-5 nm, minority ~1 nm)] spin-averaged"),
    "Ta": (2e-9, "[ASSUMP] short-range 5d metal, as Pt"),
}


def ballistic_ranges(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The proposed ranges by material (:data:`PROPOSED_BALLISTIC_RANGES`), with overrides.

    Args:
        overrides: material → range with unit (``{"Cu": "100 nm"}``; 0 = no transport).

    Returns:
        material → range with unit (``"7e-08 m"``), for :func:`ballistic_depth_profile`.
    """
    ranges: dict[str, Any] = {name: f"{value!r} m"
                              for name, (value, _) in PROPOSED_BALLISTIC_RANGES.items()}
    for name, value in (overrides or {}).items():
        _as_range(value, name)  # checked here, where the caller can see which entry is wrong
        ranges[name] = value
    return ranges


def _as_range(value: Any, where: str) -> float:
    if isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool):
        if value == 0:
            return 0.0
        raise ValueError(f"ballistic range of '{where}' = {value!r} has no unit; give e.g. "
                         f"'70 nm' (or 0 for no transport)")
    if value is None:
        return 0.0
    length = float(to_si(value, "length", f"ballistic range of '{where}'"))
    if not np.isfinite(length) or length < 0:
        raise ValueError(f"ballistic range of '{where}' = {value!r} must be finite and ≥ 0")
    return length


def _gauss(n: int) -> tuple[NDArray, NDArray]:
    x, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (x + 1.0), 0.5 * w  # on [0, 1]


@dataclass
class _Segment:
    """A run of contiguous transporting layers [top, bottom] (depths, m)."""

    top: float
    bottom: float
    nodes: NDArray            # sub-cell boundaries, ascending depth
    rng: NDArray              # range of each sub-cell [m]
    f_down: NDArray           # F_+ at the nodes
    f_up: NDArray             # F_- at the nodes
    cell_optical: NDArray     # ∫ q_opt over each sub-cell (Gauss-Legendre)
    lost: float               # flux lost at the two faces (fraction of I_inc)


class BallisticProfile:
    """The thermalized source q_b(ζ)/I_inc [1/m] after ballistic transport (a callable).

    Built by :func:`ballistic_depth_profile`; see the module docstring for the model.

    Attributes:
        optical: the optical profile ζ → q_opt/I_inc [1/m].
        ballistic_fraction: f_b.
        layer_names: the stack's layer names, top → bottom.
        layer_ranges: δ_b [m] per layer (0: no transport).
        lost_fraction: energy (fraction of I_inc) lost at non-reflecting faces.
    """

    def __init__(self, optical: Callable[[NDArray], NDArray], interfaces: NDArray,
                 layer_names: list[str], layer_ranges: NDArray, transports: NDArray,
                 ballistic_fraction: float, reflectivities: tuple[float, float, float],
                 max_cell: float, gauss_points: int, max_cells: int) -> None:
        self.optical = optical
        self.interfaces = np.asarray(interfaces, dtype=float)  # depths, top = 0, ascending
        self.layer_names = list(layer_names)
        self.layer_ranges = np.asarray(layer_ranges, dtype=float)
        self._transports = np.asarray(transports, dtype=bool)
        self.ballistic_fraction = float(ballistic_fraction)
        self._r_top, self._r_bottom, self._r_barrier = reflectivities
        self._gx, self._gw = _gauss(gauss_points)
        self.max_cell = max_cell
        self._max_cells = max_cells
        self.segments: list[_Segment] = []
        self._build_segments()
        self.lost_fraction = float(sum(s.lost for s in self.segments))

    # -- construction ------------------------------------------------------------------------------
    def _source(self, depth: NDArray) -> NDArray:
        """Ballistic part of the source, f_b q_opt [1/m]."""
        return self.ballistic_fraction * np.asarray(self.optical(depth), dtype=float)

    def _build_segments(self) -> None:
        n = len(self.layer_names)
        i = 0
        while i < n:
            if not self._transports[i]:
                i += 1
                continue
            j = i
            while j + 1 < n and self._transports[j + 1]:
                j += 1
            r_top = self._r_top if i == 0 else self._r_barrier
            r_bottom = self._r_bottom if j == n - 1 else self._r_barrier
            self.segments.append(self._solve_segment(i, j, r_top, r_bottom))
            i = j + 1

    def _solve_segment(self, first: int, last: int, r_top: float, r_bottom: float) -> _Segment:
        nodes, ranges = [], []
        for k in range(first, last + 1):
            a, b = self.interfaces[k], self.interfaces[k + 1]
            lam = self.layer_ranges[k]
            cells = max(1, int(np.ceil((b - a) / min(self.max_cell, 0.25 * lam))))
            nodes.append(np.linspace(a, b, cells + 1)[:-1])
            ranges.append(np.full(cells, lam))
        nodes.append(np.array([self.interfaces[last + 1]]))
        nodes = np.concatenate(nodes)
        ranges = np.concatenate(ranges)
        if ranges.size > self._max_cells:
            raise ValueError(f"ballistic transport: {ranges.size} sub-cells needed in layers "
                             f"{self.layer_names[first]}..{self.layer_names[last]} (a range of "
                             f"{ranges.min():.3g} m is tiny against the layers); use a larger "
                             f"range, 0 for no transport, or raise max_cells")
        h = np.diff(nodes)
        trans = np.exp(-h / ranges)
        # Gauss points of every sub-cell: source and its exponentially weighted integrals
        xg = nodes[:-1, None] + h[:, None] * self._gx[None, :]
        wg = h[:, None] * self._gw[None, :]
        optical = np.asarray(self.optical(xg.ravel()), dtype=float).reshape(xg.shape)
        s_half = 0.5 * self.ballistic_fraction * optical
        emit_down = np.sum(wg * np.exp(-(nodes[1:, None] - xg) / ranges[:, None]) * s_half, axis=1)
        emit_up = np.sum(wg * np.exp(-(xg - nodes[:-1, None]) / ranges[:, None]) * s_half, axis=1)
        # F_+ (downwards) with F_+(top) = 0, and its response to a unit F_+(top); likewise F_-
        down0 = self._recurrence(trans, emit_down)
        up0 = self._recurrence(trans[::-1], emit_up[::-1])[::-1]
        transmission = float(np.exp(-np.sum(h / ranges)))
        det = 1.0 - r_top * r_bottom * transmission**2
        if det < 1e-8:  # round-off grows as 1/det
            raise ValueError(f"ballistic transport: the ranges in "
                             f"{self.layer_names[first]}..{self.layer_names[last]} are so long "
                             f"against the thickness that reflecting faces trap the energy "
                             f"(transmission {transmission:.3g}); shorten a range or lower a "
                             f"reflectivity")
        # face conditions F_+(top) = r_top F_-(top), F_-(bottom) = r_bottom F_+(bottom)
        p_down, p_up = down0[-1], up0[0]
        f_top = r_top * (r_bottom * transmission * p_down + p_up) / det
        f_bottom = r_bottom * (transmission * f_top + p_down)
        cum = np.concatenate([[0.0], np.cumsum(h / ranges)])
        f_down = down0 + f_top * np.exp(-cum)
        f_up = up0 + f_bottom * np.exp(-(cum[-1] - cum))
        lost = (1.0 - r_top) * f_up[0] + (1.0 - r_bottom) * f_down[-1]
        return _Segment(nodes[0], nodes[-1], nodes, ranges, f_down, f_up,
                        np.sum(wg * optical, axis=1), float(lost))

    @staticmethod
    def _recurrence(trans: NDArray, emit: NDArray) -> NDArray:
        """y_0 = 0, y_{i+1} = T_i y_i + e_i; T is constant per layer, so lfilter runs per run."""
        out = np.zeros(trans.size + 1)
        edges = np.flatnonzero(np.diff(trans) != 0) + 1
        start = 0
        for stop in [*edges, trans.size]:
            t = trans[start]
            y, _ = lfilter([1.0], [1.0, -t], emit[start:stop], zi=[t * out[start]])
            out[start + 1:stop + 1] = y
            start = stop
        return out

    # -- evaluation -----------------------------------------------------------------------------
    def __call__(self, depth: ArrayLike) -> NDArray[np.float64]:
        """q_b(ζ)/I_inc [1/m] at depths ζ [m] (ζ ≥ 0 from the top of the stack)."""
        z = np.asarray(depth, dtype=float)
        shape = z.shape
        z = z.ravel()
        values = np.asarray(self.optical(z), dtype=float).copy()
        for seg in self.segments:
            inside = (z >= seg.top) & (z <= seg.bottom)
            if not np.any(inside):
                continue
            zi = z[inside]
            values[inside] = ((1.0 - self.ballistic_fraction) * values[inside]
                              + self._deposit(seg, zi))
        return values.reshape(shape)

    def _deposit(self, seg: _Segment, z: NDArray) -> NDArray:
        """(F_+ + F_-)/δ_b at depths z inside a segment."""
        cell = np.clip(np.searchsorted(seg.nodes, z, side="right") - 1, 0, seg.rng.size - 1)
        lam = seg.rng[cell]
        top, bottom = seg.nodes[cell], seg.nodes[cell + 1]
        # downward flux: from the node above, plus the source emitted in [top, z]
        d_above = z - top
        xg = top[:, None] + d_above[:, None] * self._gx[None, :]
        s_half = 0.5 * self._source(xg.ravel()).reshape(xg.shape)
        f_down = (seg.f_down[cell] * np.exp(-d_above / lam)
                  + d_above * np.sum(self._gw * np.exp(-(z[:, None] - xg) / lam[:, None])
                                     * s_half, axis=1))
        d_below = bottom - z
        xg = z[:, None] + d_below[:, None] * self._gx[None, :]
        s_half = 0.5 * self._source(xg.ravel()).reshape(xg.shape)
        f_up = (seg.f_up[cell + 1] * np.exp(-d_below / lam)
                + d_below * np.sum(self._gw * np.exp(-(xg - z[:, None]) / lam[:, None])
                                   * s_half, axis=1))
        return (f_down + f_up) / lam

    # -- bookkeeping ----------------------------------------------------------------------------
    def layer_absorption(self) -> dict[str, float]:
        """Energy deposited per layer (fraction of I_inc) from the per-cell flux ledger.

        In a transporting cell the deposit is (F_+ in − F_+ out) + (F_- in − F_- out) + the
        emitted source (Gauss-Legendre); elsewhere the optical absorption (Gauss-Legendre on
        ``max_cell`` sub-cells). Sums to ∫ q_opt dζ − :attr:`lost_fraction` to round-off.
        """
        out = {}
        for k, name in enumerate(self.layer_names):
            a, b = self.interfaces[k], self.interfaces[k + 1]
            if not self._transports[k]:
                out[name] = self._integrate(self.optical, a, b)
                continue
            seg = next(s for s in self.segments if s.top <= a and b <= s.bottom)
            i0 = int(np.argmin(np.abs(seg.nodes - a)))
            i1 = int(np.argmin(np.abs(seg.nodes - b)))
            flux_in = seg.f_down[i0] - seg.f_down[i1] + seg.f_up[i1] - seg.f_up[i0]
            out[name] = float(np.sum(seg.cell_optical[i0:i1])) + flux_in
        return out

    def optical_layer_absorption(self) -> dict[str, float]:
        """Optical absorption per layer (fraction of I_inc), for comparison."""
        return {name: self._integrate(self.optical, self.interfaces[k], self.interfaces[k + 1])
                for k, name in enumerate(self.layer_names)}

    def _integrate(self, func: Callable[[NDArray], NDArray], a: float, b: float) -> float:
        cells = max(1, int(np.ceil((b - a) / self.max_cell)))
        nodes = np.linspace(a, b, cells + 1)
        h = np.diff(nodes)
        xg = nodes[:-1, None] + h[:, None] * self._gx[None, :]
        return float(np.sum(h[:, None] * self._gw[None, :]
                            * np.asarray(func(xg.ravel()), dtype=float).reshape(xg.shape)))

    def summary(self) -> str:
        """One line: ranges, fraction, energy moved out of the layers' own absorption."""
        ranges = ", ".join(f"{n} {r * 1e9:g} nm" for n, r in
                           dict(zip(self.layer_names, self.layer_ranges, strict=True)).items()
                           if r > 0)
        return (f"ballistic hot-electron transport (two-stream, f_b = {self.ballistic_fraction:g}):"
                f" {ranges or 'none'}; lost at faces {self.lost_fraction:.3g} of I_inc")


def _layer_ranges(stack: Any, library_or_ranges: Any, library: Any) -> tuple[NDArray, NDArray]:
    """δ_b per layer and whether the layer transports (metal with δ_b > 0)."""
    from femmag.materials import Library

    if library is None:
        library = library_or_ranges if isinstance(library_or_ranges, Library) else \
            Library.default()
    ranges, transports, missing = [], [], []
    for layer in stack.layers:
        material = library.get(layer.material)
        if not material.is_metal:
            ranges.append(0.0)
            transports.append(False)
            continue
        if isinstance(library_or_ranges, Mapping):
            key = layer.name if layer.name in library_or_ranges else layer.material
            if key not in library_or_ranges:
                missing.append(f"{layer.name} ({layer.material})")
                ranges.append(0.0)
                transports.append(False)
                continue
            lam = _as_range(library_or_ranges[key], key)
        else:
            lam = float(material.prop("ballistic_range").value) \
                if material.has("ballistic_range") else None
            if lam is None:
                missing.append(f"{layer.name} ({layer.material})")
                lam = 0.0
        ranges.append(lam)
        transports.append(lam > 0)
    if missing:
        raise ValueError(f"ballistic_depth_profile: no ballistic range for the metal layer(s) "
                         f"{', '.join(missing)}; give one per material or layer name, e.g. "
                         f"{{'Cu': '70 nm'}} (0 for no transport), or see "
                         f"femmag.physics.optics.ballistic.ballistic_ranges() for proposed values")
    return np.asarray(ranges), np.asarray(transports)


def ballistic_depth_profile(depth_profile: Callable[[NDArray], NDArray] | None, stack: Any,
                            library_or_ranges: Any, *, library: Any = None,
                            wavelength: Any = "800 nm",
                            ballistic_fraction: float = 1.0, top_reflectivity: float = 1.0,
                            bottom_reflectivity: float = 1.0, barrier_reflectivity: float = 1.0,
                            max_cell: Any = "0.5 nm", gauss_points: int = 8,
                            max_cells: int = 2_000_000) -> BallisticProfile:
    """The absorbed power density after ballistic hot-electron transport (module docstring).

    Args:
        depth_profile: optical profile ζ [m] → q/I_inc [1/m] (e.g. the transfer matrix's
            ``absorbed_power_density``), or None for the transfer matrix of ``stack`` at
            ``wavelength``.
        stack: the :class:`~femmag.geometry.stack.Stack` (layers top → bottom; ζ = 0 at its top).
        library_or_ranges: ballistic range per material or per layer name, with units
            (``{"Cu": "70 nm", "Pt": "2 nm"}``; 0 = no transport), or a materials Library with a
            ``ballistic_range`` property on every metal.
        library: materials library for the layer kinds (metal/dielectric) and the optics
            (default: ``library_or_ranges`` if it is one, else the packaged library).
        wavelength: pump wavelength when ``depth_profile`` is None.
        ballistic_fraction: f_b ∈ [0, 1], the part of the absorbed energy that travels.
        top_reflectivity: fraction of the flux reflected at the free surface (ζ = 0).
        bottom_reflectivity: ... at the substrate.
        barrier_reflectivity: ... at a non-transporting (dielectric or zero-range) layer.
        max_cell: largest transport sub-cell, with unit (also ≤ range/4 in each layer).
        gauss_points: Gauss-Legendre points per sub-cell.
        max_cells: guard against absurdly fine sub-cells (tiny ranges).

    Returns:
        A :class:`BallisticProfile` (callable ζ → q_b/I_inc) for
        ``PulsedAbsorption(depth_profile=...)``.

    Raises:
        ValueError: a metal layer without a range, a range without unit, a reflectivity or
            fraction outside [0, 1], trapped energy (ranges ≫ thickness with reflecting faces).
    """
    for name, value in (("ballistic_fraction", ballistic_fraction),
                        ("top_reflectivity", top_reflectivity),
                        ("bottom_reflectivity", bottom_reflectivity),
                        ("barrier_reflectivity", barrier_reflectivity)):
        if not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"ballistic_depth_profile: {name} = {value!r} must lie in [0, 1]")
    from femmag.materials import Library

    lib = library if library is not None else (
        library_or_ranges if isinstance(library_or_ranges, Library) else Library.default())
    if depth_profile is None:
        from femmag.physics.optics.module import stack_optics

        depth_profile = stack_optics(stack, to_si(wavelength, "length", "wavelength"),
                                     lib).absorbed_power_density
    ranges, transports = _layer_ranges(stack, library_or_ranges, lib)
    interfaces = np.concatenate([[0.0], np.cumsum([layer.thickness for layer in stack.layers])])
    return BallisticProfile(depth_profile, interfaces, stack.names, ranges, transports,
                            ballistic_fraction,
                            (float(top_reflectivity), float(bottom_reflectivity),
                             float(barrier_reflectivity)),
                            float(to_si(max_cell, "length", "max_cell")), int(gauss_points),
                            int(max_cells))


def ballistic_absorption(library_or_ranges: Any, *, scale: float = 1.0,
                         **options: Any) -> Callable[[Any, Any, Any], Any]:
    """A factory for ``Simulation(absorption=...)``: planar optics + ballistic transport.

    Args:
        library_or_ranges: ranges as in :func:`ballistic_depth_profile`.
        scale: multiplies the absorbed power density (an absorption calibration factor; 1 = the
            transfer matrix).
        options: keyword arguments of :func:`ballistic_depth_profile`.

    Returns:
        ``(domain, pulse, library) -> PulsedAbsorption`` whose depth profile is the ballistic one;
        the factory's ``.profile`` attribute holds the last :class:`BallisticProfile` built.
    """
    if not scale > 0:
        raise ValueError(f"ballistic_absorption: scale = {scale!r} must be > 0")

    def factory(domain: Any, pulse: Any, library: Any) -> Any:
        from femmag.physics.optics.module import PulsedAbsorption, stack_optics

        base = getattr(pulse, "pulse", pulse)
        optics = stack_optics(domain.stack, base.wavelength, library)
        profile = ballistic_depth_profile(optics.absorbed_power_density, domain.stack,
                                          library_or_ranges, library=library, **options)
        factory.profile = profile
        absorption = PulsedAbsorption(domain, pulse, library,
                                      depth_profile=lambda z: scale * profile(z))
        absorption.optics = optics  # absorptance() and summary() report the transfer matrix
        summary = absorption.summary

        def summary_with_transport() -> str:
            return f"{summary()}; absorption × {scale:g}; {profile.summary()}"

        absorption.summary = summary_with_transport
        return absorption

    factory.profile = None
    return factory
