r"""Loop/eddy-current induction in a conducting film: axisymmetric A_φ(r, z) (spec §3.3).

Unknown: the azimuthal vector potential of the *induced* field, :math:`A = A_φ(r, z, t)`, on the
meridian half-plane (x[0] = r ≥ 0, x[1] = z), film top at z = 0, air above, substrate below
(σ = 0 in both). Magnetoquasistatic, temporal gauge, μ_r = 1:

.. math::

    σ ∂_t(A + A_{IFE}) + ∇×(ν_0 ∇×A) = ∇×M,\qquad
    B_i = ∇×A + B_{IFE},\qquad E = -∂_t(A + A_{IFE}),\qquad j = σE.

Weak form with the r-weighted measure (the common factor 2π dropped), test function v:

.. math::

    ∫ σ\,D_t(A + A_{IFE})\,v\,r\,dr\,dz
      + ∫ ν_0\,[∂_zA\,∂_zv + (A/r + ∂_rA)(v/r + ∂_rv)]\,r\,dr\,dz
    = ∫ [-M_r ∂_zv + M_z (v/r + ∂_rv)]\,r\,dr\,dz .

Two film representations (``representation=``):

* ``"sheet"`` (default): the film is the internal line Γ_f at z = -d/2 carrying the sheet
  conductance σd; the σ-terms become :math:`∫_{Γ_f} σd\,D_t(A + A_{IFE})\,v\,r\,dr` and the
  magnetization term :math:`∫_{Γ_f} d[-M_r\,\{∂_zv\} + M_z(v/r + ∂_rv)]\,r\,dr` ({·}: mean of the
  two sides). Exact to O(d/δ_skin).
* ``"resolved"``: the film is a meshed layer [-d, 0] with volume conductivity σ.

Time discretization: :math:`D_t` is backward Euler (``"euler"``), variable-step BDF2
(``"bdf2"``, default; first step Euler) or Crank–Nicolson (``"cn"``, the θ = 1/2 scheme, which
conserves the discrete energy exactly). The *same* discrete derivative is applied to the impressed
potential (A_IFE = g(t) a(r) is separable), so the scheme is exact for the total potential
A + A_IFE and a step of the impressed flux is handled without a Dirac source. The system matrix
``c0 M_σ + θ K`` is assembled and factorized (MUMPS) once per distinct c0 (the last few kept, see
:class:`~femmag.physics.induction.stepping.InductionStepper`).

Boundary conditions: A = 0 on the axis (symmetry) and on the outer boundary of the box (radius and
half-height ≥ 20 r0: the dipolar far field makes the truncation error ~1e-4).

Magnetization source: M_z on the sheet is exact (ring currents; tested against a uniformly
magnetized disk and a Gaussian M_z). In-plane M_r on the *sheet* is a dipole layer (a jump of A
by μ0 M_r d) that a continuous A cannot carry: fields away from the sheet are right, the on-sheet
B_r is not (use the resolved film for in-plane M, where B_r = μ0 M_r inside is reproduced).

Accuracy (D = 10 µm, σ = 8e6 S/m, d = 10 nm, τ_p = 140 fs, BDF2, Δt = 7 fs; reference §3.6:
Δt_peak = 62.13 fs, B_i,peak/B_IFE,peak = 0.5006): film spacing r0/5 → 60.1 fs / 0.4990,
r0/10 → 61.8 fs / 0.4996, r0/20 → 62.3 fs / 0.4997; the resolved film at r0/10: 62.8 fs / 0.5002.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special

from mpi4py import MPI
from petsc4py import PETSc

import dolfinx
import ufl
from dolfinx import fem
from dolfinx.fem import petsc as fem_petsc

from femmag.geometry.induction_meshes import RZFilmMesh
from femmag.physics.induction.probes import FieldProbe
from femmag.physics.induction.stepping import (
    InductionStepper,
    InductionTrace,
    persistent_matrix,
    persistent_vector,
)
from femmag.units import MU0, to_si

if TYPE_CHECKING:
    from femmag.fields import FieldRegistry

__all__ = [
    "AxisymmetricInduction",
    "BesselImpressedFlux",
    "GaussianImpressedFlux",
    "pulse_time_grid",
    "pulse_time_grid_si",
]


# ----------------------------------------------------------------------------------------------
# Impressed flux (IFE) sources: A_IFE,φ(r, t) = amplitude(t) · vector_potential(r)
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, init=False)
class GaussianImpressedFlux:
    """Gaussian impressed flux B_IFE = B_peak e^{-r²/r0²} e^{-4 ln2 (t-t0)²/τ_p²} ẑ (§2.3, §3.2).

    Example:
        >>> flux = GaussianImpressedFlux("-2.6 T", "5 um", "140 fs", pulse_peak_time="0.3 ps")
        >>> print(f"{flux.beam_radius:.3g} m, {flux.pulse_duration:.3g} s")
        5e-06 m, 1.4e-13 s

    Args:
        peak_field: B_peak = h κ_IFE F0 at the beam centre and pulse peak, e.g. ``"-2.6 T"``
            (sign = helicity).
        beam_radius: 1/e radius r0 = D/2, e.g. ``"5 um"``.
        pulse_duration: intensity FWHM τ_p, e.g. ``"140 fs"``.
        pulse_peak_time: t0, e.g. ``"0.3 ps"`` (default 0).
        later_peak_times: peak times of further identical pulses of a train (the drive is
            linear, so the envelope is the sum of the pulses' envelopes), e.g. ``["3.3 ps"]``.

    Every quantity carries its unit (a string or a pint quantity); a bare number is an error.
    :meth:`from_si` takes SI floats (internal callers).

    Attributes (SI): peak_field [T], beam_radius [m], pulse_duration [s], pulse_peak_time [s],
    later_peak_times [s].
    """

    peak_field: float
    beam_radius: float
    pulse_duration: float
    pulse_peak_time: float
    later_peak_times: tuple[float, ...]

    def __init__(self, peak_field: Any, beam_radius: Any, pulse_duration: Any,
                 pulse_peak_time: Any = None, later_peak_times: Sequence[Any] = ()) -> None:
        who = "GaussianImpressedFlux"
        self._set(to_si(peak_field, "field", f"{who}.peak_field"),
                  to_si(beam_radius, "length", f"{who}.beam_radius"),
                  to_si(pulse_duration, "duration", f"{who}.pulse_duration"),
                  0.0 if pulse_peak_time is None else
                  to_si(pulse_peak_time, "time", f"{who}.pulse_peak_time"),
                  tuple(to_si(t, "time", f"{who}.later_peak_times[{k}]")
                        for k, t in enumerate(later_peak_times)))

    @classmethod
    def from_si(cls, peak_field: float, beam_radius: float, pulse_duration: float,
                pulse_peak_time: float = 0.0, later_peak_times: Sequence[float] = ()
                ) -> GaussianImpressedFlux:
        """The same from SI floats (T, m, s): the internal path, no unit parsing."""
        flux = cls.__new__(cls)
        flux._set(float(peak_field), float(beam_radius), float(pulse_duration),
                  float(pulse_peak_time), tuple(float(t) for t in later_peak_times))
        return flux

    def _set(self, peak_field: float, beam_radius: float, pulse_duration: float,
             pulse_peak_time: float, later_peak_times: tuple[float, ...]) -> None:
        for name, value in (("beam_radius", beam_radius), ("pulse_duration", pulse_duration)):
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"GaussianImpressedFlux.{name} = {value!r} (SI) must be positive "
                                 f"and finite, e.g. beam_radius='5 um', pulse_duration='140 fs'.")
        if not np.isfinite(peak_field):
            raise ValueError(f"GaussianImpressedFlux.peak_field = {peak_field!r} T must be finite")
        for name, value in (("peak_field", peak_field), ("beam_radius", beam_radius),
                            ("pulse_duration", pulse_duration),
                            ("pulse_peak_time", pulse_peak_time),
                            ("later_peak_times", later_peak_times)):
            object.__setattr__(self, name, value)

    def amplitude(self, t: float) -> float:
        """Temporal envelope g(t) (dimensionless, 1 at t0; summed over a train)."""
        return sum(math.exp(-4.0 * math.log(2.0) * (t - t0) ** 2 / self.pulse_duration**2)
                   for t0 in (self.pulse_peak_time, *self.later_peak_times))

    def flux_density(self, r: np.ndarray) -> np.ndarray:
        """B_IFE,z(r) at unit amplitude [T]."""
        return self.peak_field * np.exp(-(np.asarray(r) / self.beam_radius) ** 2)

    def vector_potential(self, r: np.ndarray) -> np.ndarray:
        """A_IFE,φ(r) = B_peak (r0²/2r)(1 - e^{-r²/r0²}) at unit amplitude [T m] (0 on the axis)."""
        r = np.asarray(r, dtype=float)
        x = (r / self.beam_radius) ** 2
        # -expm1(-x)/x → 1 as x → 0 without cancellation
        ratio = np.where(x > 1e-12, -np.expm1(-x) / np.where(x > 1e-12, x, 1.0), 1.0 - x / 2)
        return self.peak_field * 0.5 * r * ratio


@dataclass(frozen=True, init=False)
class BesselImpressedFlux:
    """Single Bessel mode B_IFE = B_peak J0(kr) ẑ switched on as a step at ``switch_on_time``.

    The thin sheet answers with B_i = B_peak J0(kr) (1 - e^{-(t - t_on)/τ_k}), τ_k = μ0σd/(2k)
    (spec §3.7). Used for verification.

    Args:
        peak_field: B_peak, e.g. ``"1 T"``.
        wavenumber: k, e.g. ``"0.5 1/um"``.
        switch_on_time: t_on, e.g. ``"0 ps"`` (default 0).

    Attributes (SI): peak_field [T], wavenumber [1/m], switch_on_time [s].
    """

    peak_field: float
    wavenumber: float
    switch_on_time: float

    def __init__(self, peak_field: Any, wavenumber: Any, switch_on_time: Any = None) -> None:
        who = "BesselImpressedFlux"
        values = {"peak_field": to_si(peak_field, "field", f"{who}.peak_field"),
                  "wavenumber": to_si(wavenumber, "1/m", f"{who}.wavenumber"),
                  "switch_on_time": 0.0 if switch_on_time is None else
                  to_si(switch_on_time, "time", f"{who}.switch_on_time")}
        if not values["wavenumber"] > 0:
            raise ValueError(f"{who}.wavenumber = {wavenumber!r} must be positive")
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def amplitude(self, t: float) -> float:
        """Heaviside step (1 for t ≥ t_on)."""
        return 1.0 if t >= self.switch_on_time else 0.0

    def flux_density(self, r: np.ndarray) -> np.ndarray:
        """B_IFE,z = B_peak J0(kr) [T]."""
        return self.peak_field * special.j0(self.wavenumber * np.asarray(r))

    def vector_potential(self, r: np.ndarray) -> np.ndarray:
        """A_IFE,φ = B_peak J1(kr)/k [T m]."""
        return self.peak_field * special.j1(self.wavenumber * np.asarray(r)) / self.wavenumber


def pulse_time_grid(t_start: Any, t_end: Any, *, pulse_peak_time: Any, pulse_duration: Any,
                    dt_pulse: Any = None, dt_max: Any = "50 fs", pulse_window: float = 3.0,
                    steps_per_level: int = 10) -> np.ndarray:
    """Time instants with Δt ≤ τ_p/20 during the pulse, then doubling every ``steps_per_level``.

    Piecewise-constant steps keep the number of distinct Δt (hence of factorizations) small.

    Example:
        >>> times = pulse_time_grid("-0.4 ps", "2 ps", pulse_peak_time="0 ps",
        ...                         pulse_duration="140 fs", dt_max="50 fs")
        >>> steps = np.diff(times) * 1e15  # fs
        >>> print(f"{len(times)} instants, steps from {steps.min():.0f} to {steps.max():.0f} fs")
        172 instants, steps from 7 to 50 fs

    Args:
        t_start, t_end: the window, e.g. ``"-0.4 ps"``, ``"1 ps"``.
        pulse_peak_time: t0, e.g. ``"0 ps"``.
        pulse_duration: τ_p (FWHM), e.g. ``"140 fs"``.
        dt_pulse: step inside t0 ± pulse_window·τ_p, e.g. ``"5 fs"`` (default τ_p/20).
        dt_max: largest step, e.g. ``"50 fs"`` (the default).
        pulse_window: half-width of the fine zone in units of τ_p.
        steps_per_level: steps before each doubling after the pulse.

    Every time carries its unit (a string or a pint quantity); a bare number is an error.
    :func:`pulse_time_grid_si` takes SI seconds (internal callers).

    Returns:
        Increasing array of times starting at t_start and ending at t_end, in seconds (the
        solvers' :meth:`~AxisymmetricInduction.run` takes SI times).
    """
    who = "pulse_time_grid"
    return pulse_time_grid_si(
        to_si(t_start, "time", f"{who}: t_start"), to_si(t_end, "time", f"{who}: t_end"),
        pulse_peak_time=to_si(pulse_peak_time, "time", f"{who}: pulse_peak_time"),
        pulse_duration=to_si(pulse_duration, "duration", f"{who}: pulse_duration"),
        dt_pulse=None if dt_pulse is None else to_si(dt_pulse, "duration", f"{who}: dt_pulse"),
        dt_max=to_si(dt_max, "duration", f"{who}: dt_max"), pulse_window=pulse_window,
        steps_per_level=steps_per_level)


def pulse_time_grid_si(t_start: float, t_end: float, *, pulse_peak_time: float,
                       pulse_duration: float, dt_pulse: float | None = None,
                       dt_max: float = 50e-15, pulse_window: float = 3.0,
                       steps_per_level: int = 10) -> np.ndarray:
    """:func:`pulse_time_grid` from SI seconds (internal callers; no unit parsing)."""
    dt_pulse = pulse_duration / 20 if dt_pulse is None else dt_pulse
    if not (t_end > t_start and dt_pulse > 0 and dt_max >= dt_pulse):
        raise ValueError(f"pulse_time_grid: need t_end > t_start and 0 < dt_pulse ≤ dt_max "
                         f"(got {t_start}, {t_end}, {dt_pulse}, {dt_max}) [s].")
    fine_end = pulse_peak_time + pulse_window * pulse_duration
    times = [t_start]
    dt, count = dt_pulse, 0
    t = t_start
    while t < t_end - 1e-6 * dt_pulse:
        if t >= fine_end:
            count += 1
            if count > steps_per_level and dt < dt_max:
                dt, count = min(2 * dt, dt_max), 0
        t = min(t + dt, t_end)
        times.append(t)
    return np.array(times)


class _FilmLineProbe(FieldProbe):
    """A, B_z = A/r + ∂_rA and B_r = -∂_zA at fixed points (r, z), averaged over z ± ε.

    Each point (on both sides) is evaluated in the owned cell that contains it best (largest
    minimal barycentric coordinate; on the axis, a cell with an edge on it, where A = r·(P1)
    exactly and A/r → ∂_rA holds) by dense rows over the cell dofs.
    """

    def __init__(self, V: fem.FunctionSpace, radii: np.ndarray, z: float, eps: float) -> None:
        mesh = V.mesh
        self.radii = np.asarray(radii, dtype=float)
        self.n = len(self.radii)
        self._x = mesh.geometry.x[:, :2]
        self._geometry_dofs = mesh.geometry.dofmaps[0]
        scale = float(np.max(np.abs(self._x))) if len(self._x) else 1.0
        self._scale = mesh.comm.allreduce(scale, op=MPI.MAX)
        points = np.zeros((2 * self.n, 3))  # above the line, then below
        points[:, 0] = np.tile(self.radii, 2)
        points[:, 1] = np.repeat([z + eps, z - eps], self.n)
        super().__init__(mesh, points)
        element = V.ufl_element().basix_element
        rows = np.zeros((3, len(self.found), element.dim))  # value, ∂_r, ∂_z
        for k, (i, c) in enumerate(zip(self.found, self.cells, strict=True)):
            J, X = self._reference_coordinates(i, c)
            tab = element.tabulate(1, X[None, :])[:, 0, :, 0]  # (3, ndofs): value, d/dX, d/dY
            rows[0, k] = tab[0]
            rows[1:, k] = np.linalg.solve(J.T, tab[1:3])  # physical gradient
        self._rows = rows
        self._dofs = np.array([V.dofmap.cell_dofs(c) for c in self.cells],
                              dtype=np.int32).reshape(len(self.cells), element.dim)

    def _reference_coordinates(self, index: int, cell: int) -> tuple[np.ndarray, np.ndarray]:
        xc = self._x[self._geometry_dofs[cell]]
        J = np.column_stack([xc[1] - xc[0], xc[2] - xc[0]])
        return J, np.linalg.solve(J, self.points[index, :2] - xc[0])

    def _choose_cell(self, index: int, cells: np.ndarray) -> int:
        best = None
        for c in cells:
            _, X = self._reference_coordinates(index, c)
            score = min(X[0], X[1], 1 - X[0] - X[1])
            if self.points[index, 0] == 0.0:
                xc = self._x[self._geometry_dofs[c]]
                score += float(np.sum(np.abs(xc[:, 0]) < 1e-12 * self._scale) >= 2)
            if best is None or score > best[0]:
                best = (score, int(c))
        return best[1]

    def evaluate(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(A, B_z, B_r) at the probe points from the local dof array (incl. ghosts)."""
        local = np.zeros((2 * self.n, 3))
        if len(self.found):
            a = values[self._dofs]
            for j in range(3):
                local[self.found, j] = np.einsum("ij,ij->i", self._rows[j], a)
        both = self.reduce(local)
        a_val, dr, dz = (0.5 * (both[:self.n, j] + both[self.n:, j]) for j in range(3))
        r = self.radii
        # on the axis A = r·(P1 polynomial) exactly, so A/r → ∂_rA
        a_over_r = np.where(r > 0, a_val / np.where(r > 0, r, 1.0), dr)
        return a_val, a_over_r + dr, -dz


# ----------------------------------------------------------------------------------------------
# the solver
# ----------------------------------------------------------------------------------------------
class AxisymmetricInduction(InductionStepper):
    """Eddy/loop-current induction in a film, A_φ(r, z) formulation (thin sheet or resolved).

    Args:
        film_mesh: an :class:`~femmag.geometry.induction_meshes.RZFilmMesh` (from
            :func:`~femmag.geometry.induction_meshes.rz_film_mesh`).
        conductivity: film conductivity σ, e.g. ``"8e6 S/m"`` (or a pint quantity).
        source: impressed flux with ``amplitude(t)``, ``vector_potential(r)`` [T m] and
            ``flux_density(r)`` [T] (e.g. :class:`GaussianImpressedFlux`); None for no IFE.
        degree: Lagrange degree of A (2 recommended).
        scheme: "bdf2" (default), "euler" or "cn".
        t_start: initial time, e.g. ``"0 ps"`` (A = 0 there; the impressed amplitude is taken at
            t_start); default 0.

    The stepping methods (:meth:`step`, :meth:`run`) take SI seconds and metres: they are
    called per step by the coupled modules (:func:`pulse_time_grid` returns such times).

    Attributes:
        vector_potential: the committed A_φ [T m] (dolfinx Function).
        magnetization_radial, magnetization_axial: M_r, M_z [A/m] (Functions in the space of A;
            only their film values enter). Fill them with :meth:`set_magnetization`.
    """

    name = "induction"
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ("induced_field", "current_density")

    def __init__(self, film_mesh: RZFilmMesh, *, conductivity: Any, source: Any = None,
                 degree: int = 2, scheme: str = "bdf2", t_start: Any = None) -> None:
        sigma = to_si(conductivity, "conductivity", "AxisymmetricInduction.conductivity")
        t_start = 0.0 if t_start is None else to_si(t_start, "time",
                                                    "AxisymmetricInduction.t_start")
        # one rank: PETSc's own LU solves this 2D system 2.5× faster than MUMPS (same answer
        # to round-off); several ranks: MUMPS
        super().__init__(source=source, scheme=scheme, t_start=t_start, solver_name="induction",
                         sequential_lu=film_mesh.mesh.comm.size == 1)
        if not (np.isfinite(sigma) and sigma > 0):
            raise ValueError(f"AxisymmetricInduction: conductivity = {conductivity!r} must be "
                             f"positive, e.g. '8e6 S/m'.")
        self.film_mesh = film_mesh
        self.conductivity = float(sigma)
        self.thickness = film_mesh.thickness
        self.degree = degree
        mesh = film_mesh.mesh
        self.comm = mesh.comm
        self.V = fem.functionspace(mesh, ("Lagrange", degree))
        # M in the same space as A: with P1, the nodal M_z has a spurious slope on the axis
        # cell, i.e. a current -∂_rM_z that does not vanish like r there (an O(h) error at the
        # centre, measured 1.8 % at h = a/10 for a Gaussian M_z)
        self.VM = fem.functionspace(mesh, ("Lagrange", degree))
        V = self.V

        # measures: film (line or layer) and the r weight
        x = ufl.SpatialCoordinate(mesh)
        r = x[0]
        u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
        film = film_mesh.markers["film"]
        d = self.thickness
        self.magnetization_radial = fem.Function(self.VM, name="magnetization_radial")
        self.magnetization_axial = fem.Function(self.VM, name="magnetization_axial")
        Mr, Mz = self.magnetization_radial, self.magnetization_axial
        curl_v = v / r + v.dx(0)
        if film_mesh.representation == "sheet":
            dS = ufl.Measure("dS", domain=mesh, subdomain_data=film_mesh.facet_tags)(film)
            sigma_mass = self.conductivity * d * u("+") * v("+") * r("+") * dS
            m_source = d * (-Mr("+") * ufl.avg(v.dx(1)) + Mz("+") * curl_v("+")) * r("+") * dS
        else:
            dx_film = ufl.Measure("dx", domain=mesh, subdomain_data=film_mesh.cell_tags)(film)
            sigma_mass = self.conductivity * u * v * r * dx_film
            m_source = (-Mr * v.dx(1) + Mz * curl_v) * r * dx_film
        stiffness = (1.0 / MU0) * (u.dx(1) * v.dx(1) + (u / r + u.dx(0)) * curl_v) * r * ufl.dx
        self._c0 = fem.Constant(mesh, PETSc.ScalarType(1.0))
        self._a_form = fem.form(self._c0 * sigma_mass + self.theta * stiffness)
        self._m_form = fem.form(m_source)

        tdim = mesh.topology.dim
        mesh.topology.create_connectivity(tdim - 1, tdim)
        boundary_facets = dolfinx.mesh.exterior_facet_indices(mesh.topology)
        bdofs = fem.locate_dofs_topological(V, tdim - 1, boundary_facets)
        self.bc = fem.dirichletbc(PETSc.ScalarType(0.0), bdofs, V)
        self._bc_dofs = bdofs

        # matrices without bcs (energy, power, right-hand sides); they and the vectors below
        # live on COMM_WORLD, where a dropped solver's objects can be collected
        # (stepping.persistent_vector)
        self.M_sigma = fem_petsc.assemble_matrix(fem.form(sigma_mass))
        self.M_sigma.assemble()
        self.M_sigma = persistent_matrix(self.M_sigma)
        self.K = fem_petsc.assemble_matrix(fem.form(stiffness))
        self.K.assemble()
        self.K = persistent_matrix(self.K)

        # state: committed A^n, A^{n-1}; trial A^{n+1}; E; impressed profile a_h
        self._init_state(V)
        self.electric_field = fem.Function(V, name="electric_field")
        self._trial_E = fem.Function(V)
        self.impressed_profile = fem.Function(V, name="impressed_vector_potential")
        if source is not None:
            self.impressed_profile.interpolate(lambda xx: source.vector_potential(xx[0]))
        self._b_m = persistent_vector(V)
        self._b_m_trial = persistent_vector(V)
        self._magnetization_changed = False
        self._rhs = persistent_vector(V)
        self._work = persistent_vector(V)
        self._profile_mass = self.M_sigma.createVecLeft()
        self._scratch_mass = self.M_sigma.createVecLeft()
        self._scratch_stiffness = self.K.createVecLeft()
        self._scratch_increment = persistent_vector(V)
        self.M_sigma.mult(self.impressed_profile.x.petsc_vec, self._profile_mass)

    def _petsc_objects(self) -> list[Any]:
        return [self.M_sigma, self.K, self._b_m, self._b_m_trial, self._rhs, self._work,
                self._profile_mass, self._scratch_mass, self._scratch_stiffness,
                self._scratch_increment]

    # --- FieldRegistry protocol -------------------------------------------------------------
    def setup(self, fields: FieldRegistry) -> None:
        """Declare the written fields (the values are this object's Functions)."""
        fields.declare("induced_field", "T", "B_i = ∇×A + B_IFE at the film (axisymmetric)",
                       self.name, self)
        fields.declare("current_density", "A/m^2", "azimuthal eddy current j = σE in the film",
                       self.name, self.electric_field)

    def summary(self) -> str:
        """Sizes and parameters (collective: sums the dof count over ranks)."""
        ndofs = self.V.dofmap.index_map.size_global
        return (f"induction: A_φ(r,z), {self.film_mesh.representation} film, P{self.degree}, "
                f"{ndofs} dofs, σ = {self.conductivity:.3g} S/m, d = {self.thickness:.3g} m, "
                f"scheme {self.scheme}")

    # --- sources ----------------------------------------------------------------------------
    def set_magnetization(self, axial: Callable[[np.ndarray], np.ndarray] | None = None,
                          radial: Callable[[np.ndarray], np.ndarray] | None = None) -> None:
        """Set the film magnetization for the *next* step: M_z(r), M_r(r) [A/m].

        Args:
            axial: vectorized callable r [m] → M_z [A/m] (None: zero).
            radial: vectorized callable r [m] → M_r [A/m] (None: zero).
        """
        for func, callable_ in ((self.magnetization_axial, axial),
                                (self.magnetization_radial, radial)):
            if callable_ is None:
                func.x.array[:] = 0.0
            else:
                func.interpolate(lambda xx, c=callable_: np.asarray(c(xx[0]), dtype=float)
                                 * np.ones_like(xx[0]))
        self._magnetization_changed = True

    def _assemble_magnetization(self, out: PETSc.Vec) -> None:
        with out.localForm() as loc:
            loc.set(0.0)
        fem_petsc.assemble_vector(out, self._m_form)
        out.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)

    # --- time stepping -----------------------------------------------------------------------
    def _system_matrix(self, c0: float) -> PETSc.Mat:
        self._c0.value = c0
        A = fem_petsc.assemble_matrix(self._a_form, bcs=[self.bc])
        A.assemble()
        return A

    def step(self, t: float, dt: float) -> None:
        """Compute the trial A at t + dt from the committed state at t (call :meth:`commit`)."""
        c0, c1, c2, g_new, dg = self._begin_step(t, dt)
        theta = self.theta
        A_n = self.vector_potential.x.petsc_vec
        # rhs = -M_σ (c1 A^n + c2 A^{n-1} + D_t g · a_h) - (1-θ) K A^n + θ b_M^{n+1} + (1-θ) b_M^n
        hist = self._combine(self._work, None, c1, c2)
        rhs = self._rhs
        self.M_sigma.mult(hist, rhs)
        rhs.scale(-1.0)
        rhs.axpy(-dg, self._profile_mass)
        if theta != 1.0:
            self.K.mult(A_n, hist)
            rhs.axpy(-(1.0 - theta), hist)
        if self._magnetization_changed:
            self._assemble_magnetization(self._b_m_trial)
        rhs.axpy(theta, self._b_m_trial)
        if theta != 1.0:
            rhs.axpy(1.0 - theta, self._b_m)
        fem_petsc.set_bc(rhs, [self.bc])
        rhs.ghostUpdate(addv=PETSc.InsertMode.INSERT, mode=PETSc.ScatterMode.FORWARD)
        A_new = self._solve(c0, rhs, "induction (A_φ)")

        # E^{n+1} = -D_t(A + A_IFE) on the film
        E = self._combine(self._trial_E.x.petsc_vec, -c0, -c1, -c2)
        E.axpy(-dg, self.impressed_profile.x.petsc_vec)
        self._trial_E.x.scatter_forward()
        # energy increments (factor 2π: r dr dz → dV); exact identities for the θ-schemes
        ME = self._scratch_mass
        self.M_sigma.mult(E, ME)
        joule_power = 2 * np.pi * E.dot(ME)
        source_power = 2 * np.pi * (-dg) * self.impressed_profile.x.petsc_vec.dot(ME)
        dA = self._scratch_increment
        A_new.copy(dA)
        dA.axpy(-1.0, A_n)
        KdA = self._scratch_stiffness
        self.K.mult(dA, KdA)
        # θ-scheme: ΔAᵀK(θA^{n+1} + (1-θ)A^n) = ΔW + (θ - 1/2)ΔAᵀKΔA exactly. BDF2 has no such
        # one-step identity (its dissipation is O(Δt³) per step): left out, the balance then
        # closes to O(Δt²).
        two_step = c2 != 0.0  # a two-step BDF2 step (not its Euler start)
        dissipation = 0.0 if two_step else 2 * np.pi * (theta - 0.5) * dA.dot(KdA)
        self._end_step(t, dt, g_new, dg, two_step=two_step, joule_power=joule_power,
                       source_power=source_power, dissipation=dissipation)

    def _commit_state(self) -> None:
        super()._commit_state()
        self.electric_field.x.array[:] = self._trial_E.x.array
        self._b_m_trial.copy(self._b_m)
        self._magnetization_changed = False

    def _state_functions(self) -> dict[str, Any]:
        # E of the committed step (film probe, Joule density) and the magnetization whose load
        # b_M^n the next step uses (Crank–Nicolson; BDF2 without a new M)
        return {"electric_field": self.electric_field,
                "magnetization_axial": self.magnetization_axial,
                "magnetization_radial": self.magnetization_radial}

    def _restored(self) -> None:
        self._assemble_magnetization(self._b_m)
        self._b_m.copy(self._b_m_trial)
        self._magnetization_changed = False

    # --- outputs -----------------------------------------------------------------------------
    def magnetic_energy(self) -> float:
        """W = ∫ |∇×A|²/(2μ0) dV = π Aᵀ K A [J] (collective)."""
        A = self.vector_potential.x.petsc_vec
        KA = self._scratch_stiffness  # a scratch of the step: no vector per call
        self.K.mult(A, KA)
        return float(np.pi * A.dot(KA))

    def joule_power(self) -> float:
        """P = ∫ σ|E|² dV [W] with the committed E (collective)."""
        E = self.electric_field.x.petsc_vec
        ME = self._scratch_mass  # a scratch of the step: no vector per call
        self.M_sigma.mult(E, ME)
        return float(2 * np.pi * E.dot(ME))

    def film_probe(self, radii: Sequence[float] | np.ndarray) -> _FilmLineProbe:
        """A reusable probe on the film line (sheet) or mid-plane (resolved) at ``radii`` [m]."""
        radii = np.asarray(radii, dtype=float)
        if np.any(radii < 0) or np.any(radii >= self.film_mesh.radius):
            raise ValueError(f"film_probe: radii must lie in [0, {self.film_mesh.radius:.3g}) m.")
        fm = self.film_mesh
        # both sides of the sheet (B_r jumps there), well inside the cells; within the layer
        eps = 0.25 * fm.thickness if fm.representation == "resolved" else 1e-3 * fm.film_spacing
        return _FilmLineProbe(self.V, radii, fm.film_z, eps)

    def film_fields(self, probe: _FilmLineProbe) -> dict[str, np.ndarray]:
        """B_i,z, B_i,r, B_IFE,z [T], E_φ [V/m], j = σE [A/m²], σ|E|² [W/m³] at the probe points.

        Collective. B_i = ∇×A + B_IFE at the committed time.
        """
        A = self.vector_potential.x.array
        _, curl_z, curl_r = probe.evaluate(A)
        E, _, _ = probe.evaluate(self.electric_field.x.array)
        g = self._g_now
        b_ife = (g * self.source.flux_density(probe.radii) if self.source is not None
                 else np.zeros(probe.n))
        return {"induced_field_z": curl_z + b_ife, "induced_field_r": curl_r,
                "impressed_field_z": b_ife, "electric_field": E,
                "current_density": self.conductivity * E,
                "joule_power_density": self.conductivity * E**2}

    def run(self, times: Sequence[float] | np.ndarray,
            radii: Sequence[float] | np.ndarray = (0.0,)) -> InductionTrace:
        """Step through ``times`` (the first must equal the current time) and record traces.

        Args:
            times: increasing instants [s] (e.g. from :func:`pulse_time_grid`).
            radii: probe radii on the film [m].

        Returns:
            :class:`InductionTrace`.
        """
        times = self._check_times(times)
        probe = self.film_probe(radii)
        rec: dict[str, list] = {k: [] for k in ("induced_field_z", "induced_field_r",
                                                "impressed_field_z", "electric_field")}
        energy, joule, work, diss = [], [], [], []

        def record() -> None:
            f = self.film_fields(probe)
            for k in rec:
                rec[k].append(f[k])
            energy.append(self.magnetic_energy())
            joule.append(self.joule_energy)
            work.append(self.source_work)
            diss.append(self.numerical_dissipation)

        record()
        for t0, t1 in itertools.pairwise(times):
            self.step(t0, t1 - t0)
            self.commit()
            record()
        return InductionTrace(times=times, radii=probe.radii,
                              **{k: np.array(v) for k, v in rec.items()},
                              magnetic_energy=np.array(energy), joule_energy=np.array(joule),
                              source_work=np.array(work), numerical_dissipation=np.array(diss))

