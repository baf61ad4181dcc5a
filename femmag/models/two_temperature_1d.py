"""Independent 1D (depth) finite-volume two-temperature model with scipy (physics-spec §4).

Reference for the finite-element heat solver: a stack of layers on a substrate, laterally uniform
(the 1D-in-z limit of §4.1, exact on ≤ 100 ps for µm spots). In metal layers

    C_e(T_e) ∂T_e/∂t = ∂_ζ(κ_e ∂_ζT_e) - G (T_e - T_l) + q(ζ, t),   C_e = γ_e T_e (or constant),
    C_l ∂T_l/∂t     = ∂_ζ(κ_l ∂_ζT_l) + G (T_e - T_l),              κ_e = κ_e0 T_e/T_l,

in dielectric layers and the substrate a single temperature, C ∂T/∂t = ∂_ζ(κ ∂_ζT) (+ q if it
absorbs). Interfaces (§4.2): metal/metal perfect contact for both baths; metal/dielectric blocks the
electrons and couples the lattice perfectly or through a Kapitza conductance h_K; the top surface
is adiabatic; the substrate bottom is held at T0 or adiabatic. The source is
q(ζ, t) = (q/I)(ζ) I(0, t) with (q/I) from :mod:`femmag.physics.optics.transfer_matrix`, averaged
exactly over each cell (Poynting-flux difference), and I(0, t) the Gaussian pulse of §1.4.

Method of lines: cell-centred finite volumes (face conductance = series resistance of the two
half cells), then ``scipy.integrate.solve_ivp`` (BDF by default) with the sparse Jacobian pattern;
the pulse window is integrated with a step limit of τ/10. Inputs are plain SI numbers;
:func:`material_layer` fills a layer dict from a material of :mod:`femmag.materials`.

Example (seed-003 set S003-A, physics-spec §4.5):
    >>> film = material_layer("CoPt", "CoPt_S003A", 10e-9, 10)
    >>> silica = material_layer("silica", "fused_silica_S003A", 4e-6, 60)
    >>> run = solve_two_temperature_1d([film], silica, fluence=26.0, duration=140e-15,
    ...                                arrival=0.0, t_end=2e-12)  # 2.6 mJ/cm²
    >>> round(run.peak("electron", "CoPt")[0] / 550, 2)  # T_e,max / T_c
    2.34
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.integrate import solve_ivp
from scipy.optimize import brentq
from scipy.special import erf

from femmag.physics.optics.transfer_matrix import TransferMatrixResult, tmm_stack_si

__all__ = [
    "StackGrid",
    "TwoTemperature1DResult",
    "build_grid",
    "material_layer",
    "solve_two_temperature_1d",
    "two_temperature_system",
]

_FOUR_LN2 = 4.0 * np.log(2.0)
_METAL_KEYS = {"name", "thickness", "cells", "n", "gamma_e", "G", "C_l", "kappa_e0", "kappa_l",
               "C_e"}
_DIELECTRIC_KEYS = {"name", "thickness", "cells", "n", "C", "kappa", "first_cell"}
_METAL_REQUIRED = ("thickness", "cells", "gamma_e", "G", "C_l", "kappa_e0", "kappa_l")
_DIELECTRIC_REQUIRED = ("thickness", "cells", "C", "kappa")


#: layer-dict key → (library property) of metals and of dielectrics
_METAL_PROPERTIES = {"gamma_e": "electron_heat_capacity_coefficient",
                     "G": "electron_phonon_coupling", "C_l": "lattice_heat_capacity",
                     "kappa_e0": "electron_thermal_conductivity",
                     "kappa_l": "lattice_thermal_conductivity"}
_DIELECTRIC_PROPERTIES = {"C": "lattice_heat_capacity", "kappa": "lattice_thermal_conductivity"}


def material_layer(name: str, material: str, thickness: float, cells: int, *,
                   wavelength: float = 800e-9, library: Any = None) -> dict[str, Any]:
    """A layer dict of :func:`solve_two_temperature_1d` with the values of a library material.

    Args:
        name: layer name.
        material: material name in the library (e.g. ``"CoPt_S003A"``).
        thickness: thickness [m].
        cells: number of cells.
        wavelength: pump wavelength [m] of the refractive index.
        library: a :class:`femmag.materials.Library` (default: the packaged one).

    Returns:
        ``{"name", "thickness", "cells", "n", ...}`` with γ_e, G, C_l, κ_e0, κ_l of a metal or
        C, κ of a dielectric (constant properties; SI).
    """
    from femmag.materials import Library

    mat = (Library.default() if library is None else library).get(material)
    index = complex(mat.refractive_index(wavelength))
    keys = _METAL_PROPERTIES if mat.is_metal else _DIELECTRIC_PROPERTIES
    return {"name": name, "thickness": float(thickness), "cells": int(cells),
            "n": index if index.imag else index.real,
            **{key: float(mat.prop(prop).value) for key, prop in keys.items()}}


# ---------------------------------------------------------------------------------------------
# grid
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StackGrid:
    """Cell-centred 1D grid over layers + substrate, with per-cell material data (SI).

    Attributes:
        faces: cell faces ζ [m], ζ = 0 at the top surface (n_cells + 1).
        widths: cell widths [m].
        layer_of_cell: index into ``layer_names`` per cell (the substrate is the last name).
        layer_names: names of the layers (top first), then of the substrate.
        metal: True for cells with an electron bath.
        gamma_e, coupling, electron_conductivity0: γ_e [J/m³K²], G [W/m³K], κ_e0 [W/mK]
            (0 in dielectric cells).
        constant_electron_capacity: C_e [J/m³K] where a constant C_e was requested, else NaN.
        lattice_capacity, lattice_conductivity: C_l or C [J/m³K], κ_l or κ [W/mK].
        layer_thickness: thickness per layer (and substrate) [m].
        layer_index: complex optical index per layer (None where not given).
    """

    faces: NDArray[np.float64]
    widths: NDArray[np.float64]
    layer_of_cell: NDArray[np.int64]
    layer_names: tuple[str, ...]
    metal: NDArray[np.bool_]
    gamma_e: NDArray[np.float64]
    coupling: NDArray[np.float64]
    electron_conductivity0: NDArray[np.float64]
    constant_electron_capacity: NDArray[np.float64]
    lattice_capacity: NDArray[np.float64]
    lattice_conductivity: NDArray[np.float64]
    layer_thickness: NDArray[np.float64]
    layer_index: tuple[complex | None, ...]

    @property
    def centres(self) -> NDArray[np.float64]:
        """Cell centres ζ [m]."""
        return 0.5 * (self.faces[1:] + self.faces[:-1])

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return int(self.widths.size)

    def cells_of(self, name: str) -> NDArray[np.int64]:
        """Indices of the cells of the layer (or substrate) called ``name``."""
        if name not in self.layer_names:
            hint = difflib.get_close_matches(name, self.layer_names, n=1)
            extra = f" Did you mean {hint[0]!r}?" if hint else ""
            raise KeyError(f"no layer called {name!r}; layers are {list(self.layer_names)}.{extra}")
        indices = [i for i, n in enumerate(self.layer_names) if n == name]
        return np.flatnonzero(np.isin(self.layer_of_cell, indices))


def _check_keys(entry: Mapping[str, Any], where: str, metal: bool) -> None:
    allowed = _METAL_KEYS if metal else _DIELECTRIC_KEYS
    required = _METAL_REQUIRED if metal else _DIELECTRIC_REQUIRED
    for key in entry:
        if key not in allowed:
            hint = difflib.get_close_matches(key, sorted(allowed), n=1)
            extra = f" Did you mean {hint[0]!r}?" if hint else ""
            raise ValueError(f"{where}: unknown key {key!r}.{extra} Allowed keys "
                             f"({'metal' if metal else 'dielectric'}): {sorted(allowed)}.")
    missing = [key for key in required if key not in entry]
    if missing:
        raise ValueError(f"{where}: missing {missing} (SI units: thickness m, gamma_e J/m³K², "
                         "G W/m³K, C_l and C J/m³K, kappa_e0/kappa_l/kappa W/mK).")
    for key in required:
        if key == "cells":
            if not isinstance(entry[key], int | np.integer) or entry[key] < 1:
                raise ValueError(f"{where}: cells must be an integer >= 1, got {entry[key]!r}.")
        elif not (np.isfinite(entry[key]) and entry[key] > 0):
            raise ValueError(f"{where}: {key} must be positive and finite (SI), "
                             f"got {entry[key]!r}.")


def _graded_widths(thickness: float, cells: int, first: float) -> NDArray[np.float64]:
    """Geometric cell widths from ``first`` summing to ``thickness`` (uniform if that fits)."""
    if cells == 1 or first * cells >= thickness:
        return np.full(cells, thickness / cells)

    def excess(ratio: float) -> float:
        return first * np.expm1(cells * np.log(ratio)) / (ratio - 1.0) - thickness

    # bracket: at the upper ratio the last cell alone has the full thickness
    ratio = brentq(excess, 1.0 + 1e-12, (thickness / first) ** (1.0 / (cells - 1)), xtol=1e-15)
    widths = first * ratio ** np.arange(cells)
    return widths * (thickness / widths.sum())


def build_grid(layers: Sequence[Mapping[str, Any]],
               substrate: Mapping[str, Any] | None = None) -> StackGrid:
    """Build the finite-volume grid and per-cell material arrays.

    Args:
        layers: top first. A metal layer is a dict with ``thickness`` [m], ``cells``,
            ``gamma_e`` [J/m³K²], ``G`` [W/m³K], ``C_l`` [J/m³K], ``kappa_e0`` [W/mK],
            ``kappa_l`` [W/mK], optional ``C_e`` (constant electron heat capacity [J/m³K],
            replaces γ_e T_e), ``n`` (complex index), ``name``. A dielectric layer has
            ``C`` [J/m³K] and ``kappa`` [W/mK] instead of the metal keys.
        substrate: a dielectric dict, optionally with ``first_cell`` [m] (default: the width of
            the last layer cell) for a geometrically graded grid; None for no substrate.

    Returns:
        The :class:`StackGrid`.
    """
    if len(layers) == 0:
        raise ValueError("build_grid: give at least one layer (top first).")
    widths, owner, names, indices, thicknesses = [], [], [], [], []
    columns: dict[str, list[NDArray]] = {key: [] for key in
                                         ("metal", "gamma", "G", "ke0", "Ce", "C", "kl")}

    def append(entry: Mapping[str, Any], cell_widths: NDArray, index: int, metal: bool) -> None:
        count = cell_widths.size
        widths.append(cell_widths)
        owner.append(np.full(count, index))
        columns["metal"].append(np.full(count, metal))
        columns["gamma"].append(np.full(count, float(entry.get("gamma_e", 0.0))))
        columns["G"].append(np.full(count, float(entry.get("G", 0.0))))
        columns["ke0"].append(np.full(count, float(entry.get("kappa_e0", 0.0))))
        columns["Ce"].append(np.full(count, float(entry.get("C_e", np.nan))))
        columns["C"].append(np.full(count, float(entry["C_l"] if metal else entry["C"])))
        columns["kl"].append(np.full(count, float(entry["kappa_l"] if metal else entry["kappa"])))

    for index, entry in enumerate(layers):
        metal = "gamma_e" in entry or "C_l" in entry
        name = str(entry.get("name", f"layer{index}"))
        _check_keys(entry, f"layer {index} ({name!r})", metal)
        if metal and "C_e" in entry and not entry["C_e"] > 0:
            raise ValueError(f"layer {index} ({name!r}): C_e must be > 0, got {entry['C_e']!r}.")
        append(entry, np.full(entry["cells"], entry["thickness"] / entry["cells"]), index, metal)
        names.append(name)
        indices.append(entry.get("n"))
        thicknesses.append(float(entry["thickness"]))
    if substrate is not None:
        name = str(substrate.get("name", "substrate"))
        _check_keys(substrate, f"substrate ({name!r})", metal=False)
        first = float(substrate.get("first_cell", widths[-1][-1]))
        append(substrate, _graded_widths(substrate["thickness"], substrate["cells"], first),
               len(layers), metal=False)
        names.append(name)
        indices.append(substrate.get("n"))
        thicknesses.append(float(substrate["thickness"]))
    cell_widths = np.concatenate(widths)
    return StackGrid(
        faces=np.concatenate(([0.0], np.cumsum(cell_widths))), widths=cell_widths,
        layer_of_cell=np.concatenate(owner), layer_names=tuple(names),
        metal=np.concatenate(columns["metal"]), gamma_e=np.concatenate(columns["gamma"]),
        coupling=np.concatenate(columns["G"]),
        electron_conductivity0=np.concatenate(columns["ke0"]),
        constant_electron_capacity=np.concatenate(columns["Ce"]),
        lattice_capacity=np.concatenate(columns["C"]),
        lattice_conductivity=np.concatenate(columns["kl"]),
        layer_thickness=np.asarray(thicknesses), layer_index=tuple(indices),
    )


# ---------------------------------------------------------------------------------------------
# result
# ---------------------------------------------------------------------------------------------
@dataclass
class TwoTemperature1DResult:
    """Solution of :func:`solve_two_temperature_1d`.

    Attributes:
        times: output times [s].
        electron_temperature: T_e [K], shape (n_times, n_cells); NaN in dielectric cells.
        lattice_temperature: T_l (or the single T of dielectrics) [K], shape (n_times, n_cells).
        grid: the :class:`StackGrid`.
        absorbed_fraction: absorbed fraction of the incident pulse per cell (Σ = A).
        optics: the transfer-matrix solution (None if ``absorbed_fraction`` was given).
        fluence, duration, arrival: the pulse [J/m², s, s].
        statistics: solver counters (nfev, njev, nlu) summed over the segments.
    """

    times: NDArray[np.float64]
    electron_temperature: NDArray[np.float64]
    lattice_temperature: NDArray[np.float64]
    grid: StackGrid
    absorbed_fraction: NDArray[np.float64]
    optics: TransferMatrixResult | None
    fluence: float
    duration: float
    arrival: float
    statistics: dict[str, int] = field(default_factory=dict)
    _dense: list[tuple[float, float, Callable]] = field(default_factory=list, repr=False)

    # --- evaluation at arbitrary times (dense output) ---------------------------------------
    def state_at(self, t: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(T_e, T_l) per cell at time t [s] from the solver's dense output."""
        electron, lattice = self.states_at(np.array([t]))
        return electron[0], lattice[0]

    def states_at(self, times: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(T_e, T_l), shape (n_times, n_cells), at any times [s] inside the solved interval."""
        times = np.atleast_1d(np.asarray(times, dtype=float))
        first, last = self._dense[0][0], self._dense[-1][1]
        if np.any(times < first) or np.any(times > last):
            raise ValueError(f"times must lie in the solved interval [{first}, {last}] s.")
        size = self.grid.n_cells + int(self.grid.metal.sum())
        y = np.empty((times.size, size))
        for start, end, interpolant in self._dense:
            inside = (times >= start) & (times <= end)
            if np.any(inside):
                y[inside] = interpolant(times[inside]).T
        n_metal = int(self.grid.metal.sum())
        electron = np.full((times.size, self.grid.n_cells), np.nan)
        electron[:, self.grid.metal] = y[:, :n_metal]
        return electron, y[:, n_metal:]

    # --- traces ------------------------------------------------------------------------------
    def _cells(self, where: str | None, bath: str) -> NDArray[np.int64]:
        cells = (np.flatnonzero(self.grid.metal) if where is None else self.grid.cells_of(where))
        if bath == "electron" and not np.all(self.grid.metal[cells]):
            raise ValueError(f"{where!r} has no electron bath (dielectric); ask for 'lattice'.")
        return cells

    def average(self, bath: Literal["electron", "lattice"] = "electron",
                where: str | None = None) -> NDArray[np.float64]:
        """Volume-averaged temperature trace [K] of a layer (``where`` = name; None = all metal)."""
        cells = self._cells(where, bath)
        values = self.electron_temperature if bath == "electron" else self.lattice_temperature
        weights = self.grid.widths[cells]
        return values[:, cells] @ weights / weights.sum()

    def top_cell(self, bath: Literal["electron", "lattice"] = "electron",
                 where: str | None = None) -> NDArray[np.float64]:
        """Temperature trace [K] of the top cell of a layer (None: of the stack)."""
        cell = self._cells(where, bath)[0]
        values = self.electron_temperature if bath == "electron" else self.lattice_temperature
        return values[:, cell]

    def _trace_at(self, times: ArrayLike, bath: str, where: str | None,
                  kind: str) -> NDArray[np.float64]:
        cells = self._cells(where, bath)
        electron, lattice = self.states_at(times)
        values = electron if bath == "electron" else lattice
        if kind == "top":
            return values[:, cells[0]]
        weights = self.grid.widths[cells]
        return values[:, cells] @ weights / weights.sum()

    def peak(self, bath: Literal["electron", "lattice"] = "electron", where: str | None = None,
             kind: Literal["average", "top"] = "average") -> tuple[float, float]:
        """(maximum [K], time of the maximum [s]) of a trace, refined on the dense output."""
        trace = self.average(bath, where) if kind == "average" else self.top_cell(bath, where)
        index = int(np.argmax(trace))
        lo = self.times[max(index - 1, 0)]
        hi = self.times[min(index + 1, self.times.size - 1)]
        probe = np.linspace(lo, hi, 201)
        values = self._trace_at(probe, bath, where, kind)
        best = int(np.argmax(values))
        return float(values[best]), float(probe[best])

    def time_below(self, threshold: float, bath: Literal["electron", "lattice"] = "electron",
                   where: str | None = None,
                   kind: Literal["average", "top"] = "average") -> float:
        """Last time [s] the trace falls below ``threshold`` [K] (inf if it ends above it)."""
        trace = self.average(bath, where) if kind == "average" else self.top_cell(bath, where)
        above = np.flatnonzero(trace >= threshold)
        if above.size == 0:
            return float("nan")
        last = above[-1]
        if last == trace.size - 1:
            return float("inf")
        return float(brentq(lambda t: self._trace_at(t, bath, where, kind)[0] - threshold,
                            self.times[last], self.times[last + 1], xtol=1e-18))

    # --- energy bookkeeping -----------------------------------------------------------------
    def internal_energy(self) -> NDArray[np.float64]:
        """Internal energy per unit area above 0 K, Σ_cells h [∫C_e dT_e + C_l T_l] [J/m²]."""
        grid = self.grid
        metal = grid.metal
        electron = np.nan_to_num(self.electron_temperature[:, metal])
        constant = grid.constant_electron_capacity[metal]
        electron_energy = np.where(np.isnan(constant), 0.5 * grid.gamma_e[metal] * electron**2,
                                   np.nan_to_num(constant) * electron)
        return (electron_energy @ grid.widths[metal]
                + self.lattice_temperature @ (grid.lattice_capacity * grid.widths))

    def absorbed_energy(self) -> NDArray[np.float64]:
        """Energy absorbed from the pulse by each output time [J/m²] (exact erf integral)."""
        shifted = (self.times - self.arrival) / self.duration
        start = (self._dense[0][0] - self.arrival) / self.duration
        delivered = 0.5 * (erf(np.sqrt(_FOUR_LN2) * shifted) - erf(np.sqrt(_FOUR_LN2) * start))
        return self.fluence * np.sum(self.absorbed_fraction) * delivered


# ---------------------------------------------------------------------------------------------
# solver
# ---------------------------------------------------------------------------------------------
def _face_conductance(width: NDArray, conductivity: NDArray,
                      extra_resistance: NDArray | float = 0.0) -> NDArray:
    """Conductance [W/m²K] of the faces between consecutive cells (series half-cells)."""
    return 1.0 / (0.5 * width[:-1] / conductivity[:-1] + 0.5 * width[1:] / conductivity[1:]
                  + extra_resistance)


def two_temperature_system(
    grid: StackGrid,
    absorbed_fraction: NDArray[np.float64],
    *,
    fluence: float,
    duration: float,
    arrival: float,
    boundary_temperature: float = 300.0,
    bottom: Literal["fixed", "adiabatic"] = "fixed",
    kapitza: float | None = None,
) -> tuple[Callable[[float, NDArray], NDArray], sp.csc_matrix]:
    """Semi-discrete right-hand side dy/dt = f(t, y) and its sparse Jacobian pattern.

    The state is y = [T_e of the metal cells (top first), T (lattice) of all cells] [K].

    Args:
        grid: the :class:`StackGrid`.
        absorbed_fraction: absorbed fraction of the pulse per cell.
        fluence, duration, arrival: Gaussian pulse [J/m², s, s].
        boundary_temperature: T0 at a fixed substrate bottom [K].
        bottom: ``"fixed"`` or ``"adiabatic"``.
        kapitza: h_K [W/m²K] at metal/dielectric lattice faces; None = perfect contact.

    Returns:
        (rhs(t, y), Jacobian pattern as a CSC matrix of ones).
    """
    fraction = np.asarray(absorbed_fraction, dtype=float)
    peak_intensity = fluence / (duration * np.sqrt(np.pi / _FOUR_LN2))
    metal = grid.metal
    metal_cells = np.flatnonzero(metal)
    n_metal, n_cells = metal_cells.size, grid.n_cells
    h = grid.widths
    h_metal = h[metal]
    # electron faces: between consecutive metal cells only (metal/dielectric blocks electrons)
    electron_face = metal[:-1] & metal[1:]
    left_e = np.flatnonzero(electron_face)  # global index of the upper cell of each face
    position = np.full(n_cells, -1)
    position[metal_cells] = np.arange(n_metal)
    left_pos, right_pos = position[left_e], position[left_e + 1]
    # lattice faces: all; Kapitza resistance on metal/dielectric faces
    mixed = metal[:-1] != metal[1:]
    resistance = np.where(mixed, 1.0 / kapitza, 0.0) if kapitza is not None else 0.0
    lattice_conductance = _face_conductance(h, grid.lattice_conductivity, resistance)
    bottom_conductance = (grid.lattice_conductivity[-1] / (0.5 * h[-1])
                          if bottom == "fixed" else 0.0)
    T0 = float(boundary_temperature)
    constant_ce = grid.constant_electron_capacity[metal]
    use_constant = ~np.isnan(constant_ce)
    gamma = grid.gamma_e[metal]
    coupling = grid.coupling[metal]
    ke0 = grid.electron_conductivity0[metal]
    lattice_energy_rate = grid.lattice_capacity * h
    source_metal = fraction[metal] * peak_intensity
    source_lattice = np.where(metal, 0.0, fraction) * peak_intensity

    def rhs(t: float, y: NDArray) -> NDArray:
        electron, lattice = y[:n_metal], y[n_metal:]
        envelope = np.exp(-_FOUR_LN2 * ((t - arrival) / duration) ** 2)
        # electrons: κ_e = κ_e0 T_e/T_l per cell, series conductance per face
        kappa_e = ke0 * electron / lattice[metal]
        conductance = 1.0 / (0.5 * h_metal[left_pos] / kappa_e[left_pos]
                             + 0.5 * h_metal[right_pos] / kappa_e[right_pos])
        flux_e = conductance * (electron[left_pos] - electron[right_pos])  # downward [W/m²]
        exchange = coupling * h_metal * (electron - lattice[metal])
        net_e = source_metal * envelope - exchange
        net_e[left_pos] -= flux_e  # each face has its own upper and lower cell
        net_e[right_pos] += flux_e
        capacity_e = np.where(use_constant, constant_ce, gamma * electron) * h_metal
        # lattice / dielectric
        flux_l = lattice_conductance * (lattice[:-1] - lattice[1:])
        net_l = source_lattice * envelope
        net_l[:-1] -= flux_l
        net_l[1:] += flux_l
        net_l[-1] -= bottom_conductance * (lattice[-1] - T0)
        net_l[metal] += exchange
        return np.concatenate((net_e / capacity_e, net_l / lattice_energy_rate))

    # Jacobian pattern: electron–electron neighbours, electron–lattice (same cell and the
    # neighbours through κ_e(T_l)), lattice–lattice neighbours
    size = n_metal + n_cells
    rows, cols = [np.arange(size)], [np.arange(size)]
    for a, b in ((left_pos, right_pos), (right_pos, left_pos)):
        rows += [a, a, a]
        cols += [b, n_metal + metal_cells[b], n_metal + metal_cells[a]]
    rows += [np.arange(n_metal), n_metal + metal_cells]
    cols += [n_metal + metal_cells, np.arange(n_metal)]
    rows += [n_metal + np.arange(n_cells - 1), n_metal + np.arange(1, n_cells)]
    cols += [n_metal + np.arange(1, n_cells), n_metal + np.arange(n_cells - 1)]
    pattern = sp.coo_matrix((np.ones(np.concatenate(rows).size),
                             (np.concatenate(rows), np.concatenate(cols))),
                            shape=(size, size)).tocsc()
    pattern.data[:] = 1.0

    return rhs, pattern


def solve_two_temperature_1d(
    layers: Sequence[Mapping[str, Any]],
    substrate: Mapping[str, Any] | None,
    *,
    fluence: float,
    duration: float,
    arrival: float = 0.0,
    t_end: float,
    wavelength: float = 800e-9,
    n_incident: complex = 1.0,
    from_substrate: bool = False,
    absorbed_fraction: ArrayLike | None = None,
    initial_temperature: float = 300.0,
    initial_electron_temperature: float | ArrayLike | None = None,
    bottom: Literal["fixed", "adiabatic"] = "fixed",
    kapitza: float | None = None,
    t_start: float | None = None,
    t_eval: ArrayLike | None = None,
    method: str = "BDF",
    rtol: float = 1e-7,
    atol: float = 1e-6,
    pulse_step: float | None = None,
) -> TwoTemperature1DResult:
    """Integrate the 1D two-temperature model of a multilayer on a substrate.

    Args:
        layers: layer dicts, top first (see :func:`build_grid`).
        substrate: substrate dict (dielectric; ``first_cell`` for grading) or None.
        fluence: peak fluence F0 of the Gaussian pulse [J/m²] (>= 0).
        duration: intensity FWHM τ [s].
        arrival: time of the pulse peak t0 [s].
        t_end: final time [s].
        wavelength: vacuum wavelength [m] for the transfer-matrix source.
        n_incident: index of the medium above the stack.
        from_substrate: pump through the substrate (backside).
        absorbed_fraction: per-cell absorbed fraction (Σ = A), instead of the TMM source.
        initial_temperature: T0 [K] of all baths, also the fixed bottom temperature.
        initial_electron_temperature: optional initial T_e [K] (scalar or per metal cell).
        bottom: ``"fixed"`` (T = T0 at the substrate bottom) or ``"adiabatic"``.
        kapitza: h_K [W/m²K] at metal/dielectric lattice interfaces; None = perfect contact.
        t_start: start time [s]; default arrival - 6σ.
        t_eval: output times [s]; default 1 fs steps through the pulse, then 200 per decade.
        method: ``solve_ivp`` method with sparse-Jacobian support (``"BDF"`` or ``"Radau"``).
        rtol, atol: solver tolerances (atol in K).
        pulse_step: maximum step inside the pulse window [s]; default τ/10.

    Returns:
        A :class:`TwoTemperature1DResult`.
    """
    grid = build_grid(layers, substrate)
    if not (np.isfinite(fluence) and fluence >= 0):
        raise ValueError(f"fluence must be >= 0 J/m², got {fluence!r}.")
    if not duration > 0:
        raise ValueError(f"duration must be > 0 s, got {duration!r}.")
    if bottom not in ("fixed", "adiabatic"):
        raise ValueError(f"bottom must be 'fixed' or 'adiabatic', got {bottom!r}.")
    if kapitza is not None and not kapitza > 0:
        raise ValueError(f"kapitza must be > 0 W/m²K (or None for perfect contact), "
                         f"got {kapitza!r}.")

    # --- source: absorbed fraction per cell --------------------------------------------------
    optics = None
    if absorbed_fraction is None:
        missing = [grid.layer_names[i] for i in range(len(layers)) if grid.layer_index[i] is None]
        if missing:
            raise ValueError(f"layers {missing} have no optical index 'n'; give 'n' for every "
                             "layer (and the substrate) or pass absorbed_fraction per cell.")
        n_sub = grid.layer_index[-1] if substrate is not None else 1.0
        n_sub = 1.0 if n_sub is None else n_sub
        optics = tmm_stack_si([grid.layer_index[i] for i in range(len(layers))],
                              grid.layer_thickness[: len(layers)], wavelength,
                              n_incident=n_incident, n_substrate=n_sub,
                              from_substrate=from_substrate)
        fraction = optics.absorbed_fraction_between(grid.faces[:-1], grid.faces[1:])
        if from_substrate and substrate is not None:
            fraction[grid.cells_of(grid.layer_names[-1])] = 0.0  # the pump comes through it
    else:
        fraction = np.asarray(absorbed_fraction, dtype=float)
        if fraction.shape != (grid.n_cells,):
            raise ValueError(f"absorbed_fraction needs one value per cell ({grid.n_cells}), "
                             f"got shape {fraction.shape}.")

    rhs, pattern = two_temperature_system(grid, fraction, fluence=fluence, duration=duration,
                                          arrival=arrival, boundary_temperature=initial_temperature,
                                          bottom=bottom, kapitza=kapitza)
    metal = grid.metal
    n_metal, n_cells = int(metal.sum()), grid.n_cells
    size = n_metal + n_cells
    T0 = float(initial_temperature)

    # --- initial state and time grid -------------------------------------------------------
    electron0 = (np.full(n_metal, T0) if initial_electron_temperature is None
                 else np.broadcast_to(np.asarray(initial_electron_temperature, float),
                                      (n_metal,)).copy())
    y0 = np.concatenate((electron0, np.full(n_cells, T0)))
    sigma = duration / np.sqrt(2.0 * _FOUR_LN2)
    start = arrival - 6.0 * sigma if t_start is None else float(t_start)
    if not t_end > start:
        raise ValueError(f"t_end = {t_end!r} s must be after the start {start!r} s.")
    pulse_end = float(np.clip(arrival + 6.0 * sigma, start, t_end))
    if t_eval is None:
        # ~1 fs through the pulse, then 200 points per decade of time after it
        fine = np.arange(start, pulse_end, min(1e-15, duration / 20.0))
        after = max(pulse_end - start, 1e-15)
        decades = np.log10(max((t_end - start) / after, 10.0))
        coarse = start + np.geomspace(after, t_end - start, int(200 * decades))
        # clip: start + geomspace(...) can overshoot t_end by a rounding error
        times = np.unique(np.clip(np.concatenate((fine, coarse[coarse > pulse_end], [t_end])),
                                  start, t_end))
    else:
        times = np.unique(np.asarray(t_eval, dtype=float))
        if times[0] < start or times[-1] > t_end:
            raise ValueError(f"t_eval must lie in [{start}, {t_end}] s.")

    segments = [(start, pulse_end, pulse_step or duration / 10.0), (pulse_end, t_end, np.inf)]
    segments = [segment for segment in segments if segment[1] > segment[0]]
    states, dense = [], []
    statistics = {"nfev": 0, "njev": 0, "nlu": 0}
    y_start = y0
    for seg_start, seg_end, max_step in segments:
        inside = times[(times >= seg_start) & (times <= seg_end)]
        if states:
            inside = inside[inside > seg_start]
        solution = solve_ivp(rhs, (seg_start, seg_end), y_start, method=method, rtol=rtol,
                             atol=atol, jac_sparsity=pattern, max_step=max_step,
                             dense_output=True, first_step=min(duration / 100, max_step)
                             if seg_start == start else None)
        if not solution.success:
            raise RuntimeError(f"solve_ivp failed on [{seg_start}, {seg_end}] s: "
                               f"{solution.message}")
        for key in statistics:
            statistics[key] += int(getattr(solution, key))
        states.append(solution.sol(inside).T if inside.size else np.empty((0, size)))
        dense.append((seg_start, seg_end, solution.sol))
        y_start = solution.y[:, -1]
    y = np.concatenate(states)
    electron = np.full((times.size, n_cells), np.nan)
    electron[:, metal] = y[:, :n_metal]
    return TwoTemperature1DResult(
        times=times, electron_temperature=electron, lattice_temperature=y[:, n_metal:],
        grid=grid, absorbed_fraction=fraction, optics=optics, fluence=float(fluence),
        duration=float(duration), arrival=float(arrival), statistics=statistics, _dense=dense)
