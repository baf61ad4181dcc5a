"""Transient 1D spin diffusion across a multilayer with interface spin conductances (spec §7).

Equation per layer (conservative form, §6.2/§7.2), μ = spin accumulation μ_s [J]::

    (N/2) ∂_tμ = ∂_z((σ/2e²) ∂_zμ) − (N/2) μ/τ_s + (N/2) S

Interfaces (no interface spin flip, §7.2): the spin number flux is continuous and equals
(G_s/2e²)(μ_a − μ_b) from side a to side b, so μ jumps. Outer faces: "reflecting" (zero flux) or
"sink" (μ = 0, imposed weakly by Nitsche so that spin bookkeeping stays exact).

Discretization: discontinuous Galerkin (DG1 default, DG2 optional) on a 1D interval mesh whose cell
boundaries fall on the layer faces. Inside a layer the facets carry symmetric interior penalty
(SIPG) terms, which make μ continuous there in the limit; on the layer interfaces the SIPG terms are
replaced by the interface flux term ∫_Γ (G_s/2e²)[μ][v] (the FESTIM way of gluing subdomains with a
discontinuity). With the test function v = 1 every facet term vanishes, hence the discrete total
spin ∫(N/2)μ dz obeys d/dt(total) = source − relaxation − surface loss exactly (tested to 1e-8).

Time stepping: θ-scheme (θ = 1 backward Euler, ½ Crank–Nicolson); mass M and stiffness K are
assembled once, A = M/dt + θK and its MUMPS factorization are cached per dt.

The mesh is distributed on ``comm`` (DOLFINx partitions the interval; interior-facet ghosts from
``GhostMode.shared_facet``), so the same code runs under ``mpiexec``. Mesh building lives in
:func:`build_layered_interval_mesh`, which femmag.geometry can replace: :class:`SpinDiffusion1D`
only needs a :class:`LayeredMesh` (mesh, cell tags = layer index + 1, facet tags).

Sources: per ferromagnetic layer a function S(t) [J/s] (uniform over the layer), e.g. from a
magnetization trace via :class:`MagnetizationRateSource` (S_FM = −η_s (2/(N μ_B)) dM/dt, §7.1), or a
spatial density (:meth:`SpinDiffusion1D.set_source_density`, used by the MMS test), or a cell
source (:meth:`SpinDiffusion1D.set_cell_source`, the pointwise coupling of
:mod:`femmag.physics.spin.module`). The θ-scheme stepping is that of
:class:`~femmag.physics.spin.dg_theta.DGThetaSpinDiffusion`.

Parallel note: a 1D stack has a few hundred unknowns; distributing it costs more in communication
than it saves (≈1 ms/step on 2 ranks vs ≈0.1 ms serial). Pass ``comm=MPI.COMM_SELF`` to keep a
private copy per rank when the 1D solve is a side model of a distributed simulation.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

import femmag  # noqa: F401  (dolfinx_solver before dolfinx)
import dolfinx
import dolfinx.fem.petsc
import ufl
from dolfinx import fem
from mpi4py import MPI
from petsc4py import PETSc

from femmag.physics.spin.dg_theta import DGThetaSpinDiffusion
from femmag.units import E_CHARGE, MU_B, Q, to_si, to_si_array

__all__ = [
    "LayeredMesh",
    "MagnetizationRateSource",
    "SpinDiffusion1D",
    "SpinLayer",
    "build_layered_interval_mesh",
    "read_magnetization_trace",
    "spin_source_from_rate",
    "with_unit",
]

def with_unit(value: Any, unit: str) -> Any:
    """A bare number as a pint quantity in ``unit`` (SI values of internal callers); anything
    else (a string, a quantity) unchanged, for :func:`~femmag.units.to_si` at the door."""
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return Q(float(value), unit)
    return value


TAG_BULK_FACET = 1
TAG_TOP = 2
TAG_BOTTOM = 3
TAG_INTERFACE0 = 100  # interface k (between layer k and k+1, counted from the top) has tag 100 + k


@dataclass(frozen=True, init=False)
class SpinLayer:
    """One layer of the spin-transport stack: quantities with their units, stored in SI.

    The transport parameters are those of the literature: the conductivity σ, the spin diffusion
    constant D *or* the density of states N at E_F (the other follows from the Einstein relation
    σ = e² N D), and the spin relaxation time τ_s *or* the spin diffusion length λ_sf = √(D τ_s).

    Example:
        >>> cu = SpinLayer("Cu", "80 nm", "3.5e7 S/m", diffusivity="8.75e-3 m^2/s",
        ...                spin_diffusion_length="350 nm")
        >>> f"{cu.dos:.4g} 1/(J m^3)"      # N = σ/(e² D)
        '1.558e+47 1/(J m^3)'

    Args:
        name: layer name ("Co_free", "Cu", ...).
        thickness: e.g. ``"3.2 nm"``.
        conductivity: σ, e.g. ``"5e6 S/m"``.
        diffusivity: the spin diffusion constant D, e.g. ``"1.7e-4 m^2/s"`` or ``"1.7 cm^2/s"``.
        dos: alternatively the density of states at E_F (both spins) N, e.g.
            ``"1.13e48 1/(J*m^3)"`` or ``"181 1/(eV*nm^3)"``.
        spin_relaxation_time: τ_s, e.g. ``"0.05 ps"``.
        spin_diffusion_length: alternatively λ_sf, e.g. ``"40 nm"``.
        is_ferromagnet: only ferromagnetic layers carry sources from dM/dt.

    Give exactly one of ``diffusivity``/``dos`` and one of ``spin_relaxation_time``/
    ``spin_diffusion_length``; every quantity carries its unit (strings or pint quantities; a bare
    number is an error naming the expected unit). :meth:`from_si` takes SI floats (for code that
    already holds SI values, e.g. from the materials library).

    Attributes (SI):
        thickness [m], conductivity [S/m], dos [1/(J m³)], spin_relaxation_time [s] or None,
        spin_diffusion_length [m] or None; :attr:`diffusivity`, :attr:`tau_s`,
        :attr:`lambda_sf` derived.
    """

    name: str
    thickness: float
    conductivity: float
    dos: float
    spin_relaxation_time: float | None
    spin_diffusion_length: float | None
    is_ferromagnet: bool

    def __init__(self, name: str, thickness: Any, conductivity: Any, *,
                 diffusivity: Any = None, dos: Any = None, spin_relaxation_time: Any = None,
                 spin_diffusion_length: Any = None, is_ferromagnet: bool = False) -> None:
        where = f"SpinLayer '{name}'"
        if (diffusivity is None) == (dos is None):
            raise ValueError(f"{where}: give exactly one of diffusivity (the spin diffusion "
                             f"constant D, e.g. '1.7e-4 m^2/s') and dos (N, e.g. "
                             f"'1.13e48 1/(J*m^3)'); the other follows from σ = e² N D")
        if (spin_relaxation_time is None) == (spin_diffusion_length is None):
            raise ValueError(f"{where}: give exactly one of spin_relaxation_time (e.g. '0.05 ps') "
                             f"and spin_diffusion_length (e.g. '40 nm')")
        sigma = to_si(conductivity, "conductivity", f"{where} conductivity")
        if diffusivity is not None:
            D = to_si(diffusivity, "diffusivity", f"{where} diffusivity")
            if not (np.isfinite(D) and D > 0):
                raise ValueError(f"{where}: diffusivity must be positive and finite, got "
                                 f"{diffusivity!r}")
            n_dos = sigma / (E_CHARGE**2 * D)  # Einstein relation σ = e² N D
        else:
            n_dos = to_si(dos, "density_of_states", f"{where} dos")
        self._set(name, to_si(thickness, "thickness", f"{where} thickness"), sigma, n_dos,
                  None if spin_relaxation_time is None else
                  to_si(spin_relaxation_time, "time", f"{where} spin_relaxation_time"),
                  None if spin_diffusion_length is None else
                  to_si(spin_diffusion_length, "length", f"{where} spin_diffusion_length"),
                  is_ferromagnet)

    @classmethod
    def from_si(cls, name: str, thickness: float, conductivity: float, dos: float,
                spin_relaxation_time: float | None = None,
                spin_diffusion_length: float | None = None,
                is_ferromagnet: bool = False) -> SpinLayer:
        """A layer from SI floats (m, S/m, 1/(J m³), s, m): the internal path, no unit parsing."""
        if (spin_relaxation_time is None) == (spin_diffusion_length is None):
            raise ValueError(f"SpinLayer '{name}': give exactly one of spin_relaxation_time (s) "
                             f"and spin_diffusion_length (m)")
        layer = cls.__new__(cls)
        layer._set(name, thickness, conductivity, dos, spin_relaxation_time,
                   spin_diffusion_length, is_ferromagnet)
        return layer

    def _set(self, name: str, thickness: float, conductivity: float, dos: float,
             spin_relaxation_time: float | None, spin_diffusion_length: float | None,
             is_ferromagnet: bool) -> None:
        where = f"SpinLayer '{name}'"
        values = {"thickness": thickness, "conductivity": conductivity, "dos": dos,
                  "spin_relaxation_time": spin_relaxation_time,
                  "spin_diffusion_length": spin_diffusion_length}
        for field_name, value in values.items():
            if value is not None and not (np.isfinite(value) and value > 0):
                raise ValueError(f"{where}: {field_name} must be positive and finite, got "
                                 f"{value!r} (SI)")
        object.__setattr__(self, "name", name)
        for field_name, value in values.items():
            object.__setattr__(self, field_name, None if value is None else float(value))
        object.__setattr__(self, "is_ferromagnet", bool(is_ferromagnet))

    @property
    def diffusivity(self) -> float:
        """The spin diffusion constant D = σ/(e² N) [m²/s] (Einstein relation)."""
        return self.conductivity / (E_CHARGE**2 * self.dos)

    @property
    def tau_s(self) -> float:
        """Spin relaxation time τ_s [s] (from λ_sf if that was given)."""
        if self.spin_relaxation_time is not None:
            return self.spin_relaxation_time
        return self.spin_diffusion_length**2 / self.diffusivity

    @property
    def lambda_sf(self) -> float:
        """Spin diffusion length λ_sf = √(D τ_s) [m]."""
        return float(np.sqrt(self.diffusivity * self.tau_s))

    @property
    def spin_conductivity(self) -> float:
        """g = σ/(2e²) [1/(J m s)]: number flux per energy gradient."""
        return self.conductivity / (2.0 * E_CHARGE**2)


class LayeredMesh(NamedTuple):
    """A 1D mesh of a layer stack: z = 0 at the top, layers downward (z < 0).

    Attributes:
        mesh: the DOLFINx interval mesh (distributed on its communicator).
        cell_tags: layer index + 1 on every cell (top layer = 1).
        facet_tags: TAG_BULK_FACET on facets inside layers, TAG_INTERFACE0 + k on interface k,
            TAG_TOP / TAG_BOTTOM on the outer faces.
        faces: layer faces [m], top first (len = n_layers + 1).
    """

    mesh: dolfinx.mesh.Mesh
    cell_tags: dolfinx.mesh.MeshTags
    facet_tags: dolfinx.mesh.MeshTags
    faces: np.ndarray


def build_layered_interval_mesh(comm: MPI.Comm, thicknesses: Sequence[float],
                                cells_per_layer: Sequence[int]) -> LayeredMesh:
    """Interval mesh with ``cells_per_layer[i]`` uniform cells in layer i, layer faces on vertices.

    Args:
        comm: communicator the mesh is distributed on.
        thicknesses: layer thicknesses [m], top layer first.
        cells_per_layer: cells per layer (≥ 1 each).

    Returns:
        A :class:`LayeredMesh` (the function femmag.geometry can later replace).
    """
    d = np.asarray(thicknesses, dtype=float)
    counts = np.asarray(cells_per_layer, dtype=int)
    faces = -np.concatenate([[0.0], np.cumsum(d)])
    n_total = int(counts.sum())
    msh = dolfinx.mesh.create_interval(comm, n_total, [0.0, float(n_total)],
                                       ghost_mode=dolfinx.mesh.GhostMode.shared_facet)
    # map the uniform index coordinate ξ ∈ [0, n_total] piecewise-linearly onto z ∈ [faces[-1], 0]
    xi_breaks = np.concatenate([[0.0], np.cumsum(counts)]).astype(float)
    x = msh.geometry.x
    x[:, 0] = np.interp(x[:, 0], xi_breaks, faces)

    tdim = msh.topology.dim
    msh.topology.create_connectivity(tdim - 1, tdim)
    n_cells = msh.topology.index_map(tdim).size_local + msh.topology.index_map(tdim).num_ghosts
    cells = np.arange(n_cells, dtype=np.int32)
    mid = dolfinx.mesh.compute_midpoints(msh, tdim, cells)[:, 0]
    layer_of_cell = np.clip(np.searchsorted(-faces, -mid) - 1, 0, d.size - 1)
    cell_tags = dolfinx.mesh.meshtags(msh, tdim, cells, (layer_of_cell + 1).astype(np.int32))

    n_facets = (msh.topology.index_map(tdim - 1).size_local
                + msh.topology.index_map(tdim - 1).num_ghosts)
    facets = np.arange(n_facets, dtype=np.int32)
    zf = dolfinx.mesh.compute_midpoints(msh, tdim - 1, facets)[:, 0]
    tol = 1e-6 * float(np.min(d / counts))
    values = np.full(n_facets, TAG_BULK_FACET, dtype=np.int32)
    for k, zk in enumerate(faces[1:-1]):
        values[np.abs(zf - zk) < tol] = TAG_INTERFACE0 + k
    values[np.abs(zf - faces[0]) < tol] = TAG_TOP
    values[np.abs(zf - faces[-1]) < tol] = TAG_BOTTOM
    facet_tags = dolfinx.mesh.meshtags(msh, tdim - 1, facets, values)
    return LayeredMesh(msh, cell_tags, facet_tags, faces)


def read_magnetization_trace(path: str | Path, time_unit: str | None = None
                             ) -> tuple[Any, np.ndarray]:
    """Read a magnetization trace from CSV: first column time, second column M/M_s.

    The time unit comes from the header (``time [ps]``, ``time_fs``, ``t (ps)``) or from
    ``time_unit``; any time unit of :mod:`femmag.units` is understood (``fs``, ``ps``, ``ns``,
    ``us``, ``s``, ...).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> path = Path(tempfile.mkdtemp()) / "free_layer.csv"
        >>> _ = path.write_text("time [ps],M/M_s\\n0,1\\n0.1,0.8\\n0.2,0.7\\n")
        >>> time, m = read_magnetization_trace(path)
        >>> print(time.m_as("fs"), m)  # fs, M/M_s
        [  0. 100. 200.] [1.  0.8 0.7]
        >>> source = MagnetizationRateSource(time, m, "1.4e6 A/m", "1.13e48 1/(J*m^3)",
        ...                                  efficiency=0.1)
        >>> print(f"S(50 fs) = {source(50e-15):.3e} J/s")
        S(50 fs) = 4.676e-08 J/s

    Args:
        path: CSV file with a header row.
        time_unit: the unit of the first column, e.g. ``"ps"``; overrides the header.

    Returns:
        (time as a pint quantity in seconds, reduced magnetization M/M_s as an array), sorted by
        time: the time carries its unit into :class:`MagnetizationRateSource`
        (``time.m_as("ps")`` gives plain numbers).

    Raises:
        ValueError: if the unit cannot be found or is not a time, the file has fewer than 2
            rows or times repeat.
    """
    path = Path(path)
    with path.open(newline="") as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].lstrip().startswith("#")]
    if len(rows) < 3:
        raise ValueError(f"{path}: need a header and at least 2 data rows (time, M/M_s)")
    header, data = rows[0], np.array([[float(v) for v in r[:2]] for r in rows[1:]])
    unit = time_unit
    if unit is None:
        match = re.search(r"[\[\(_ ]([A-Za-zµμ]+)[\]\)]?\s*$", header[0].strip())
        if match is None:
            raise ValueError(f"{path}: cannot read the time unit from the header {header[0]!r}; "
                             f"write it as 'time [ps]' or pass time_unit='ps'")
        unit = match.group(1)
    try:
        scale = to_si(f"1 {unit}", "time", f"{path}: time unit")
    except ValueError as err:
        raise ValueError(f"{path}: the time unit {unit!r} is not a unit of time ({err}); write "
                         f"the header as 'time [ps]' or pass time_unit='ps'") from None
    order = np.argsort(data[:, 0])
    t = data[order, 0] * scale
    if np.any(np.diff(t) <= 0):
        raise ValueError(f"{path}: repeated time values; the trace must be a function of time")
    return Q(t, "s"), data[order, 1]


def spin_source_from_rate(reduced_rate: np.ndarray | float, saturation_magnetization: float,
                          dos: float, efficiency: float = 1.0, polarity: int = 1
                          ) -> np.ndarray | float:
    """Spin source S = −p η_s (2/(N μ_B)) M_s dm/dt [J/s] of an FM layer (physics-spec §7.1).

    Args:
        reduced_rate: dm/dt [1/s] (m = M/M_s), e.g. the layer average of the simulated
            "magnetization_rate".
        saturation_magnetization: M_s [A/m].
        dos: N of the layer [1/(J m³)].
        efficiency: η_s, fraction of the lost angular momentum that goes into itinerant spins.
        polarity: +1, or −1 for a layer magnetized opposite to the reference frame.

    Returns:
        S [J/s] (demagnetization, dm/dt < 0, gives S > 0 for p = +1).
    """
    if polarity not in (1, -1):
        raise ValueError(f"spin source: polarity must be +1 (P) or -1 (AP), got {polarity!r}")
    return -polarity * efficiency * 2.0 * saturation_magnetization / (dos * MU_B) * reduced_rate


class MagnetizationRateSource:
    """Spin source of an FM layer from its magnetization trace: S = −p η_s (2/(N μ_B)) M_s dm/dt.

    (physics-spec §7.1; one electron spin flip changes M by 2μ_B.) dm/dt is the centred finite
    difference of the trace, interpolated linearly in time and zero outside the trace.

    Example:
        >>> from femmag.units import Q
        >>> t = Q([0.0, 0.1, 0.2], "ps")
        >>> source = MagnetizationRateSource(t, [1.0, 0.8, 0.7], "1.4e6 A/m",
        ...                                  "1.13e48 1/(J*m^3)", efficiency=0.1)
        >>> print(f"S(0.1 ps) = {source(0.1e-12):.3e} J/s")  # the source is called with SI times
        S(0.1 ps) = 4.008e-08 J/s

    Args:
        time: trace times with their unit, increasing: a pint quantity array (``Q(t, "ps")``),
            a ``(numbers, "ps")`` tuple, or the time :func:`read_magnetization_trace` returns.
        reduced_magnetization: M/M_s at those times (dimensionless).
        saturation_magnetization: M_s, e.g. ``"1.4e6 A/m"``.
        dos: N of the layer, e.g. ``"1.13e48 1/(J*m^3)"``, or the layer's :class:`SpinLayer`
            (its N).
        efficiency: η_s (fraction of lost angular momentum going into itinerant spins).
        polarity: +1, or −1 for a reversed layer (the ref layer in the AP state, seen from the
            free layer's frame).

    Every quantity carries its unit (a bare number or array is an error naming the unit);
    :meth:`from_si` takes SI arrays and floats (internal callers). The source is called per
    step with t in seconds and returns S [J/s].
    """

    def __init__(self, time: Any, reduced_magnetization: Any, saturation_magnetization: Any,
                 dos: Any, efficiency: float = 1.0, polarity: int = 1) -> None:
        who = "MagnetizationRateSource"
        self._set(to_si_array(time, "time", f"{who}.time"), reduced_magnetization,
                  to_si(saturation_magnetization, "A/m", f"{who}.saturation_magnetization"),
                  dos.dos if isinstance(dos, SpinLayer) else
                  to_si(dos, "density_of_states", f"{who}.dos"), efficiency, polarity)

    @classmethod
    def from_si(cls, time: np.ndarray, reduced_magnetization: np.ndarray,
                saturation_magnetization: float, dos: float, efficiency: float = 1.0,
                polarity: int = 1) -> MagnetizationRateSource:
        """The same from SI values (time [s], M_s [A/m], N [1/(J m³)]): no unit parsing."""
        source = cls.__new__(cls)
        source._set(time, reduced_magnetization, saturation_magnetization, dos, efficiency,
                    polarity)
        return source

    def _set(self, time: Any, reduced_magnetization: Any, saturation_magnetization: float,
             dos: float, efficiency: float, polarity: int) -> None:
        self.time = np.asarray(time, dtype=float)
        m = np.asarray(reduced_magnetization, dtype=float)
        if self.time.ndim != 1 or m.shape != self.time.shape or self.time.size < 2:
            raise ValueError(f"MagnetizationRateSource: time and reduced_magnetization must be "
                             f"1D arrays of the same length ≥ 2 (got shapes {self.time.shape} "
                             f"and {m.shape})")
        if np.any(np.diff(self.time) <= 0):
            raise ValueError("MagnetizationRateSource: the trace times must increase")
        self.rate = np.gradient(m, self.time)
        self.prefactor = spin_source_from_rate(1.0, saturation_magnetization, dos, efficiency,
                                               polarity)

    def __call__(self, t: float) -> float:
        """S(t) [J/s] at t [s]."""
        return float(self.prefactor * np.interp(t, self.time, self.rate, left=0.0, right=0.0))


class SpinDiffusion1D(DGThetaSpinDiffusion):
    """Transient spin diffusion through a 1D stack, DG in z, interface jumps, θ time stepping.

    Set up once, step many times::

        sd = SpinDiffusion1D(layers, ["6.5e14 S/m^2", "1.96e15 S/m^2"], MPI.COMM_WORLD)
        sd.set_layer_source("Co_free", lambda t: ...)   # J/s
        for _ in range(n):
            sd.advance(dt)                              # dt [s]

    Default mesh (neither ``cells_per_layer`` nor ``cell_size``): each layer of thickness d gets
    ⌈n_p d / min(d, λ_sf)⌉ uniform cells, i.e. cells of size min(d, λ_sf)/n_p, with n_p =
    :attr:`CELLS_PER_DIFFUSION_LENGTH` (64 for DG1, 6 for DG2): μ varies on the scale λ_sf next to
    interfaces and sources, and within a layer thinner than λ_sf on the scale d. These counts keep
    analytic (Valet–Fert) steady states within 1e-4 of max|μ|: worst measured 4.3e-5 (DG1) and
    1.7e-5 (DG2) on FM(1-3.2 nm, λ_sf = 1.3-13 nm)/Cu(80 nm)/FM(7 nm) valves with sources in both
    FM layers, reflecting and sink faces (1 nm DG1 cells: up to 2.7e-2 with sinks);
    tests/verification/test_spin_diffusion.py checks it at the defaults. DG2 needs ~7× fewer
    unknowns than DG1 for the same accuracy (DG1 with a spin sink converges slowly).

    Args:
        layers: the stack (:class:`SpinLayer`), top layer first.
        interface_conductances: G_s of the N − 1 interfaces, top interface first, with units
            (``["6.5e14 S/m^2", ...]`` or pint quantities).
        comm: communicator for the mesh.
        cells_per_layer: an int (all layers) or one int per layer.
        cell_size: alternatively, the largest cell size (``"1 nm"``); each layer gets
            max(min_cells, ceil(d/h)) cells.
        outer: "reflecting" or "sink", or a pair (top, bottom).
        degree: DG degree (1 or 2).
        theta: time-stepping weight (1 = backward Euler, 0.5 = Crank–Nicolson).
        penalty: SIPG penalty factor (times degree²).
        min_cells: minimum cells per layer with ``cell_size`` (and the default mesh).
        layered_mesh: a prebuilt :class:`LayeredMesh` (skips the internal mesh builder).
    """

    name = "spin_diffusion"
    #: default mesh: cells per spin-diffusion length λ_sf, by DG degree
    CELLS_PER_DIFFUSION_LENGTH: dict[int, int] = {1: 64, 2: 6}

    def __init__(self, layers: Sequence[SpinLayer], interface_conductances: Sequence[Any],
                 comm: MPI.Comm = MPI.COMM_WORLD,
                 cells_per_layer: int | Sequence[int] | None = None,
                 cell_size: Any = None, outer: str | tuple[str, str] = "reflecting",
                 degree: int = 1, theta: float = 0.5, penalty: float = 10.0, min_cells: int = 4,
                 layered_mesh: LayeredMesh | None = None) -> None:
        self.layers = list(layers)
        n = len(self.layers)
        if n == 0:
            raise ValueError("SpinDiffusion1D: the stack has no layers")
        names = [la.name for la in self.layers]
        if len(set(names)) != n:
            raise ValueError(f"SpinDiffusion1D: layer names must be unique, got {names}")
        if isinstance(interface_conductances, str):
            interface_conductances = [interface_conductances]
        self.interface_conductances = np.array([
            to_si(G, "interface_conductance", f"SpinDiffusion1D.interface_conductances[{k}]")
            for k, G in enumerate(interface_conductances)], dtype=float)
        if self.interface_conductances.size != n - 1:
            raise ValueError(f"SpinDiffusion1D: {n} layers need {n - 1} interface conductances "
                             f"G_s [S/m²] (top interface first), got "
                             f"{self.interface_conductances.size}")
        if np.any(~(self.interface_conductances > 0)):
            raise ValueError(f"SpinDiffusion1D: interface conductances must be > 0 S/m², got "
                             f"{self.interface_conductances}")
        bcs = (outer, outer) if isinstance(outer, str) else tuple(outer)
        if len(bcs) != 2 or any(b not in ("reflecting", "sink") for b in bcs):
            raise ValueError(f"SpinDiffusion1D: outer must be 'reflecting', 'sink' or a (top, "
                             f"bottom) pair of those, got {outer!r}")
        self._check_scheme("SpinDiffusion1D", degree, theta)
        self.outer = bcs
        self.degree = degree
        self.theta = float(theta)
        self.comm = comm
        self.layer_index = {name: i for i, name in enumerate(names)}

        if layered_mesh is None:
            counts = self._cell_counts(cells_per_layer, cell_size, min_cells)
            layered_mesh = build_layered_interval_mesh(
                comm, [la.thickness for la in self.layers], counts)
        self.layered_mesh = layered_mesh
        self.mesh = layered_mesh.mesh
        self.faces = layered_mesh.faces
        self._setup_forms(penalty)
        self._init_stepping()
        self._sources: dict[int, Callable[[float], float]] = {}
        self._density_vec: PETSc.Vec | None = None
        self._density_rate = 0.0
        self._density_time: Callable[[float], float] = lambda t: 1.0

    # ------------------------------------------------------------------ set-up
    def _cell_counts(self, cells_per_layer, cell_size, min_cells) -> list[int]:
        n = len(self.layers)
        if cells_per_layer is not None and cell_size is not None:
            raise ValueError("SpinDiffusion1D: give at most one of cells_per_layer and cell_size "
                             "(neither: the default mesh from the spin-diffusion lengths)")
        if cells_per_layer is None and cell_size is None:  # the default mesh
            per_length = self.CELLS_PER_DIFFUSION_LENGTH[self.degree]
            return [max(min_cells, int(np.ceil(
                per_length * la.thickness / min(la.thickness, la.lambda_sf) * (1 - 1e-12))))
                for la in self.layers]
        if cell_size is not None:
            h = to_si(cell_size, "length", "SpinDiffusion1D.cell_size")
            if not h > 0:
                raise ValueError(f"SpinDiffusion1D: cell_size must be > 0, got {cell_size!r}")
            return [max(min_cells, int(np.ceil(la.thickness / h * (1 - 1e-12))))
                    for la in self.layers]
        counts = [int(cells_per_layer)] * n if np.isscalar(cells_per_layer) \
            else [int(c) for c in cells_per_layer]
        if len(counts) != n or min(counts) < 1:
            raise ValueError(f"SpinDiffusion1D: cells_per_layer needs one integer >= 1 per layer "
                             f"({n}), got {cells_per_layer!r}")
        return counts

    def _layer_dg0(self, values: Sequence[float]) -> fem.Function:
        f = fem.Function(self.V0)
        tags = self.layered_mesh.cell_tags
        dofs = self.V0.dofmap.list[tags.indices, 0]
        f.x.array[dofs] = np.asarray(values, dtype=float)[tags.values - 1]
        f.x.scatter_forward()
        return f

    def _setup_forms(self, penalty: float) -> None:
        msh = self.mesh
        self.V = fem.functionspace(msh, ("DG", self.degree))
        self.V0 = fem.functionspace(msh, ("DG", 0))
        half_dos = self._layer_dg0([0.5 * la.dos for la in self.layers])
        g = self._layer_dg0([la.spin_conductivity for la in self.layers])
        relax = self._layer_dg0([0.5 * la.dos / la.tau_s for la in self.layers])
        self._half_dos, self._g, self._relax = half_dos, g, relax

        u, v = ufl.TrialFunction(self.V), ufl.TestFunction(self.V)
        dx = ufl.Measure("dx", domain=msh, subdomain_data=self.layered_mesh.cell_tags)
        dS = ufl.Measure("dS", domain=msh, subdomain_data=self.layered_mesh.facet_tags)
        ds = ufl.Measure("ds", domain=msh, subdomain_data=self.layered_mesh.facet_tags)
        n = ufl.FacetNormal(msh)
        h = ufl.CellDiameter(msh)
        alpha = penalty * self.degree**2
        self._dx = dx

        mass = half_dos * u * v * dx
        stiff = g * ufl.inner(ufl.grad(u), ufl.grad(v)) * dx + relax * u * v * dx
        # SIPG inside layers (g is constant within a layer: avg(g) is the layer's g)
        stiff += (-ufl.inner(ufl.avg(g * ufl.grad(u)), ufl.jump(v, n))
                  - ufl.inner(ufl.jump(u, n), ufl.avg(g * ufl.grad(v)))
                  + alpha * ufl.avg(g) / ufl.avg(h) * ufl.inner(ufl.jump(u, n), ufl.jump(v, n))
                  ) * dS(TAG_BULK_FACET)
        for k, G in enumerate(self.interface_conductances):
            c = fem.Constant(msh, PETSc.ScalarType(G / (2.0 * E_CHARGE**2)))
            stiff += c * ufl.jump(u) * ufl.jump(v) * dS(TAG_INTERFACE0 + k)
        self._sink_tags = [tag for tag, bc in zip((TAG_TOP, TAG_BOTTOM), self.outer, strict=True)
                           if bc == "sink"]
        mu = fem.Function(self.V, name="spin_accumulation")
        self.mu = mu
        loss_form = 0
        for tag in self._sink_tags:  # Nitsche μ = 0
            stiff += (-g * ufl.inner(ufl.grad(u), n) * v - g * ufl.inner(ufl.grad(v), n) * u
                      + alpha * g / h * u * v) * ds(tag)
            loss_form += (-g * ufl.inner(ufl.grad(mu), n) + alpha * g / h * mu) * ds(tag)

        self._mass_form = fem.form(mass)
        self._stiff_form = fem.form(stiff)
        self.M = dolfinx.fem.petsc.assemble_matrix(self._mass_form)
        self.M.assemble()
        self.K = dolfinx.fem.petsc.assemble_matrix(self._stiff_form)
        self.K.assemble()
        # per-layer source vectors b_i = ∫_layer (N/2) v: F(t) = Σ S_i(t) b_i
        self._layer_vecs = [dolfinx.fem.petsc.assemble_vector(
            fem.form(half_dos * v * dx(i + 1))) for i in range(len(self.layers))]
        for b in self._layer_vecs:
            b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)

        # scalar diagnostics (independent of the matrices, used by the conservation test)
        self._total_form = fem.form(half_dos * mu * dx)
        self._relax_form = fem.form(relax * mu * dx)
        self._loss_form = fem.form(loss_form) if self._sink_tags else None
        # ∫_layer v dz per layer: layer averages are then one dot product each (cheap per step)
        self._avg_vecs = [dolfinx.fem.petsc.assemble_vector(fem.form(v * dx(i + 1)))
                          for i in range(len(self.layers))]
        for w in self._avg_vecs:
            w.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        self._layer_spin_capacity = np.array([
            self._allsum(fem.assemble_scalar(fem.form(half_dos * dx(i + 1))))
            for i in range(len(self.layers))])
        self._spin_vectors = self._layer_vecs  # b_i = ∫_layer_i (N/2) v
        self._init_state()

    # ------------------------------------------------------------------ sources and state
    def set_layer_source(self, layer: str, source: float | Callable[[float], float]) -> None:
        """Uniform spin source S(t) [J/s] in a ferromagnetic layer (replaces a previous one).

        Args:
            layer: layer name.
            source: a constant or a function of time t [s] → S [J/s], e.g. a
                :class:`MagnetizationRateSource`.
        """
        i = self._index(layer)
        if not self.layers[i].is_ferromagnet:
            raise ValueError(f"SpinDiffusion1D: layer '{layer}' is not ferromagnetic; spin sources "
                             f"(from dM/dt) live only in layers with is_ferromagnet=True")
        self._sources[i] = source if callable(source) else (lambda t, s=float(source): s)

    def set_source_density(self, per_layer: dict[str, Callable[[np.ndarray], np.ndarray]],
                           time_factor: Callable[[float], float] | None = None) -> None:
        """A spatially varying source S(z) [J/s] (times an optional time factor), any layer.

        Args:
            per_layer: layer name → function of z [m] (numpy array) giving S [J/s]; layers not
                listed have no density source. Interpolated into DG(degree + 2).
            time_factor: f(t), S(z, t) = S(z) f(t); default 1.
        """
        W = fem.functionspace(self.mesh, ("DG", self.degree + 2))
        s = fem.Function(W)
        tags = self.layered_mesh.cell_tags
        for name, func in per_layer.items():
            cells = tags.indices[tags.values == self._index(name) + 1]
            s.interpolate(lambda x, f=func: np.asarray(f(x[0]), dtype=float) * np.ones(x.shape[1]),
                          cells0=cells)
        s.x.scatter_forward()
        v = ufl.TestFunction(self.V)
        self._density_vec = dolfinx.fem.petsc.assemble_vector(
            fem.form(self._half_dos * s * v * self._dx))
        self._density_vec.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        self._density_rate = self._allsum(fem.assemble_scalar(
            fem.form(self._half_dos * s * self._dx)))
        self._density_time = time_factor if time_factor is not None else (lambda t: 1.0)

    def set_initial(self, value: float | dict[str, Callable[[np.ndarray], np.ndarray]] = 0.0
                    ) -> None:
        """Set μ at the current time: a constant [J] or layer name → function of z [m]."""
        if np.isscalar(value):
            self.mu.x.array[:] = float(value)
        else:
            self.mu.x.array[:] = 0.0
            tags = self.layered_mesh.cell_tags
            for name, func in value.items():
                cells = tags.indices[tags.values == self._index(name) + 1]
                self.mu.interpolate(
                    lambda x, f=func: np.asarray(f(x[0]), dtype=float) * np.ones(x.shape[1]),
                    cells0=cells)
        self.mu.x.scatter_forward()
        self._sync_committed()

    def _index(self, layer: str) -> int:
        try:
            return self.layer_index[layer]
        except KeyError:
            raise ValueError(f"SpinDiffusion1D: no layer named {layer!r}; layers are "
                             f"{list(self.layer_index)}") from None

    def _cell_source_forms(self) -> None:
        v = ufl.TestFunction(self.V)
        self._cell_form = fem.form(self._half_dos * self._cell_source * v * self._dx)

    def _set_cell_values(self, values: np.ndarray) -> None:
        if values.shape != self._cell_source.x.array.shape:
            raise ValueError(f"SpinDiffusion1D.set_cell_source: need one value per cell "
                             f"({self._cell_source.x.array.shape[0]}), got {values.shape}")
        self._cell_source.x.array[:] = values

    @property
    def _has_source(self) -> bool:
        return bool(self._sources) or self._density_vec is not None or \
            self._cell_source is not None

    def _source_vector(self, t: float, out: PETSc.Vec) -> None:
        out.set(0.0)
        for i, s in self._sources.items():
            out.axpy(s(t), self._layer_vecs[i])
        if self._density_vec is not None:
            out.axpy(self._density_time(t), self._density_vec)
        if self._cell_source is not None:
            out.axpy(1.0, self._cell_vec)

    # ------------------------------------------------------------------ solving
    def run(self, t_end: Any, dt: Any, depths: Sequence[tuple[float, str]] = (),
            ) -> dict[str, np.ndarray]:
        """Step to ``t_end`` with step ``dt``, recording a history.

        Args:
            t_end: final time, e.g. ``"2 ps"``.
            dt: time step, e.g. ``"5 fs"`` (the last step is shortened to hit t_end).
            depths: (z [m], layer name) probes recorded every step.

        Returns:
            dict with "time" [s], "total_spin" [1/m²], "layer_average" [J] (n_t, n_layers) and
            "probes" [J] (n_t, n_probes), including the initial state.
        """
        t_end = to_si(t_end, "time", "SpinDiffusion1D.run t_end")
        dt = to_si(dt, "time", "SpinDiffusion1D.run dt")
        if not dt > 0:
            raise ValueError(f"SpinDiffusion1D.run: dt must be > 0, got {dt!r} s")
        rec: dict[str, list] = {"time": [], "total_spin": [], "layer_average": [], "probes": []}

        def record() -> None:
            rec["time"].append(self.t)
            rec["total_spin"].append(self.total_spin())
            rec["layer_average"].append(self.layer_averages())
            rec["probes"].append(self.values_at(depths) if depths else np.zeros(0))

        record()
        while self.t < t_end * (1 - 1e-12):
            self.advance(min(dt, t_end - self.t) if t_end - self.t > 1e-9 * dt else dt)
            record()
        return {k: np.array(v) for k, v in rec.items()}

    # ------------------------------------------------------------------ outputs
    def source_rate(self, t: float | None = None) -> float:
        """∫ (N/2) S dz [1/(m² s)] at time t (default the current time)."""
        t = self.t if t is None else t
        total = sum(s(t) * self._layer_spin_capacity[i] for i, s in self._sources.items())
        if self._density_vec is not None:
            total += self._density_time(t) * self._density_rate
        return float(total)

    def layer_averages(self) -> np.ndarray:
        """Thickness-averaged μ of every layer [J], top layer first."""
        x = self.mu.x.petsc_vec
        return np.array([w.dot(x) / la.thickness
                         for w, la in zip(self._avg_vecs, self.layers, strict=True)])

    def values_at(self, depths: Sequence[tuple[float, str]]) -> np.ndarray:
        """μ [J] at points (z [m], layer name): a point on an interface takes that layer's side.

        Same values on all ranks.
        """
        key = tuple((float(z), name) for z, name in depths)
        points = np.zeros((len(key), 3))
        points[:, 0] = [z for z, _ in key]
        return self._probe(key, points)

    def _locate(self, key) -> tuple[np.ndarray, np.ndarray]:
        """For each probe, a local owned cell of the right layer (on exactly one rank)."""
        msh = self.mesh
        tdim = msh.topology.dim
        n_owned = msh.topology.index_map(tdim).size_local
        layer_of = np.zeros(n_owned + msh.topology.index_map(tdim).num_ghosts, dtype=int)
        tags = self.layered_mesh.cell_tags
        layer_of[tags.indices] = tags.values - 1
        x = msh.geometry.x[:, 0]
        cdofs = msh.geometry.dofmaps[0]
        zmin, zmax = x[cdofs].min(axis=1), x[cdofs].max(axis=1)
        cells = np.full(len(key), -1, dtype=np.int32)
        for j, (z, name) in enumerate(key):
            i = self._index(name)
            lay = self.layers[i]
            top, bot = self.faces[i], self.faces[i + 1]
            if not (bot - 1e-12 * lay.thickness <= z <= top + 1e-12 * lay.thickness):
                raise ValueError(f"SpinDiffusion1D.values_at: z = {z:.6g} m is outside layer "
                                 f"'{name}' [{bot:.6g}, {top:.6g}] m")
            tol = 1e-9 * lay.thickness
            hit = np.flatnonzero((zmin[:n_owned] - tol <= z) & (z <= zmax[:n_owned] + tol)
                                 & (layer_of[:n_owned] == i))
            if hit.size:
                cells[j] = hit[0]
        # keep each probe on the lowest rank that found it
        owner = self._lowest_owner(cells)
        if np.any(owner == self.comm.size):
            raise ValueError(f"SpinDiffusion1D.values_at: probes {key} not located on any rank")
        mine = owner == self.comm.rank
        return cells, mine

    def profile(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """μ(z) at all DG nodes, gathered on every rank.

        Returns:
            (z [m], μ [J], layer index), sorted from the top; interface positions appear once per
            side (the jump is visible).
        """
        tdim = self.mesh.topology.dim
        n_owned = self.mesh.topology.index_map(tdim).size_local
        tags = self.layered_mesh.cell_tags
        layer_of = np.zeros(self.mesh.topology.index_map(tdim).size_local
                            + self.mesh.topology.index_map(tdim).num_ghosts, dtype=int)
        layer_of[tags.indices] = tags.values - 1
        dofs = self.V.dofmap.list[:n_owned]
        coords = self.V.tabulate_dof_coordinates()[:, 0]
        z = coords[dofs].ravel()
        mu = self.mu.x.array[dofs].ravel()
        lay = np.repeat(layer_of[:n_owned], dofs.shape[1])
        z, mu, lay = (np.concatenate(self.comm.allgather(a)) for a in (z, mu, lay))
        order = np.lexsort((mu, lay, -z))
        return z[order], mu[order], lay[order]

    def summary(self) -> str:
        """One line per layer: thickness, D, τ_s, λ_sf; the interface conductances."""
        lines = [f"spin diffusion 1D: DG{self.degree}, θ = {self.theta}, outer = {self.outer}, "
                 f"{self.V.dofmap.index_map.size_global * self.V.dofmap.index_map_bs} dofs"]
        for la in self.layers:
            lines.append(f"  {la.name:>10s}: d = {la.thickness * 1e9:.4g} nm, D = "
                         f"{la.diffusivity:.3e} m²/s, τ_s = {la.tau_s * 1e12:.4g} ps, λ_sf = "
                         f"{la.lambda_sf * 1e9:.4g} nm{' (FM)' if la.is_ferromagnet else ''}")
        lines.append(f"  G_s = {self.interface_conductances} S/m²")
        return "\n".join(lines)

    @property
    def _petsc_objects(self) -> list:
        return [*self._layer_vecs, *self._avg_vecs]
