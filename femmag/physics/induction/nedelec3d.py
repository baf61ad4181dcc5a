r"""3D eddy-current induction with first-kind Nédélec (N1curl) elements (spec §3.4).

Unknown: the induced vector potential A ∈ H(curl) (N1curl, degree 1 or 2), temporal gauge, μ_r = 1:

.. math::

    ∫ σ\,D_tA·v + ∫ ν_0\,∇×A^{θ}·∇×v = -∫ σ_c\,D_tA_{IFE}·v + ∫ M^{θ}·∇×v ,
    \qquad B = ∇×A + B_{IFE},\quad E = -D_t(A + χ_c A_{IFE}),\quad j = σE .

Time schemes (``scheme=``, shared with the r-z solver through
:class:`~femmag.physics.induction.stepping.InductionStepper`): ``"euler"``, variable-step
``"bdf2"`` (default; first step Euler) and Crank–Nicolson ``"cn"`` (θ = 1/2, exact discrete energy
balance). The *same* discrete derivative D_t is applied to the separable impressed potential
A_IFE = g(t)·a_h, so the scheme is exact for the total potential and a step of the impressed flux
needs no Dirac source. Measured temporal orders (film average,
self-convergence): Euler 0.98, BDF2 1.94, CN 2.00.

Joule output: E = -(D_tA + D_tg·a_h) in the conductor (χ_c) and -D_tA in the gauge air;
:meth:`Induction3D.joule_power` (∫σ|E|²), :meth:`Induction3D.update_joule_power_density` (cell
averages, DG0), :meth:`Induction3D.update_current_density` (j = σE) and
:meth:`Induction3D.magnetic_moment` (½∫x×j). The energy bookkeeping (``joule_energy``,
``source_work`` incl. the magnetization source, ``numerical_dissipation`` = (θ - ½)ΔAᵀKΔA)
closes the balance ΔW + Joule + dissipation = work to 1e-14 for Euler and CN (O(Δt²) for BDF2).
The Joule power of a thin film driven by a broad impressed flux is a difference of large
screened/impressed terms in the outer film: it converges more slowly with the mesh than B (the
total over a 5 r0 film: +24 % against the r-z solver with the default 2.5 r0 outer cells, +7 %
with cells ≤ 0.75 r0 everywhere).

Gauge (spec §3.4 option 1): a small artificial conductivity σ_air = ``air_conductivity_ratio``·σ
in the non-conducting regions makes the σ-mass + curl-curl matrix non-singular; the relative
perturbation of B is O(σ_air/σ). The source term uses the conductor's conductivity only.

Boundary: n×A = 0 on the whole outer boundary of the box (Dirichlet on the N1curl dofs of the
exterior facets). Solver: MUMPS (``femmag.solvers.lu_solver``); M_σ and K are assembled once and
c0 M_σ + θK is combined and factorized once per distinct scheme coefficient c0 (the last few
kept, :class:`~femmag.solvers.StepSolverCache`).

Impressed source: the azimuthal A_IFE = a(ρ)(-y/ρ, x/ρ, 0), a(ρ) = ``source.vector_potential(ρ)``,
interpolated into N1curl (∇·A_IFE = 0 and tangential to the film faces, spec §3.2); a uniform
step field is :class:`UniformStepField` (a(ρ) = B0ρ/2).

Meshes (:mod:`femmag.geometry.induction_meshes`): :func:`disk_box_mesh`, a cylindrical box
z ∈ [-H, H], ρ ≤ R_box, built with gmsh on rank 0 by *extruding* a graded 2D triangulation of the
disk cross-section through z-layers (graded towards the film, ``film_layers`` layers across the
film [-d, 0]; prisms split into tetrahedra); :func:`sphere_box_mesh`, a gmsh OCC sphere in a cubic
air box, graded, optionally with quadratic (curved) geometry.

Accuracy against the axisymmetric solver (resolved film d = 0.4 µm spanning a box R = H = 5 r0,
r0 = 5 µm, σ = 2e6 S/m, τ_p = 2 ps, same BDF2 Δt; Gaussian-weighted (ρ_w = r0/2) film average of
B_z; reference peak 0.4611 at 793 fs after the pulse peak). The error is spatial (Euler, BDF2 and
CN give the same relative errors to 0.01 %) and set by the in-plane size at the beam centre:
uniform h = r0/4 to 1.5 r0 (42k dofs): peak +0.58 %, delay -2.38 %; h = r0/6 within 0.75 r0 and
2.5 r0 at the box edge (the default, 27k dofs): +0.03 %, -1.26 %; h = r0/8 within 0.5 r0: +0.23 %,
-0.92 %. Conducting sphere in a step field (``tests/verification/test_induction3d_sphere.py``):
degree 2 on curved cells at a/3 gives the dipole moment to 0.44 % over 0.2-2 τ1.

Point values of the degree-1 curl are piecewise constant (their value at a vertex depends on the
cell picked, and so on the partition): use :meth:`Induction3D.film_average_field_z` or
:meth:`Induction3D.ball_average_curl` for comparisons, or probe points strictly inside cells.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mpi4py import MPI
from petsc4py import PETSc

import basix.ufl
import dolfinx
import numpy as np
import ufl
from dolfinx import fem
from dolfinx.fem import petsc as fem_petsc

from femmag.physics.induction.probes import FieldProbe
from femmag.physics.induction.stepping import (
    InductionStepper,
    InductionTrace,
    persistent_matrix,
    persistent_vector,
)
from femmag.units import MU0, to_si

__all__ = ["Induction3D", "UniformStepField"]


@dataclass(frozen=True, init=False)
class UniformStepField:
    """A uniform impressed field B0 ẑ switched on as a step just after ``switch_on_time``.

    A_imp = (B0 ρ/2) φ̂ (so ∇×A_imp = B0 ẑ). With the solvers' discrete time derivative the step
    is an impulse of the impressed EMF over the first step after t_on (no Dirac source needed).

    Example:
        >>> field = UniformStepField("10 mT", switch_on_time="0 ps")
        >>> field.peak_field, field.amplitude(1e-15)
        (0.01, 1.0)

    Args:
        peak_field: B0, e.g. ``"10 mT"``.
        switch_on_time: t_on, e.g. ``"0 ps"`` (default 0); the amplitude is 0 for t ≤ t_on and
            1 after.

    Every quantity carries its unit (a string or a pint quantity); a bare number is an error.
    :meth:`from_si` takes SI floats.

    Attributes (SI): peak_field [T], switch_on_time [s].
    """

    peak_field: float
    switch_on_time: float

    def __init__(self, peak_field: Any, switch_on_time: Any = None) -> None:
        self._set(to_si(peak_field, "field", "UniformStepField.peak_field"),
                  0.0 if switch_on_time is None else
                  to_si(switch_on_time, "time", "UniformStepField.switch_on_time"))

    @classmethod
    def from_si(cls, peak_field: float, switch_on_time: float = 0.0) -> UniformStepField:
        """The same from SI floats (T, s): the internal path, no unit parsing."""
        field = cls.__new__(cls)
        field._set(float(peak_field), float(switch_on_time))
        return field

    def _set(self, peak_field: float, switch_on_time: float) -> None:
        if not (np.isfinite(peak_field) and np.isfinite(switch_on_time)):
            raise ValueError(f"UniformStepField: peak_field = {peak_field!r} T and "
                             f"switch_on_time = {switch_on_time!r} s must be finite.")
        object.__setattr__(self, "peak_field", peak_field)
        object.__setattr__(self, "switch_on_time", switch_on_time)

    def amplitude(self, t: float) -> float:
        """Heaviside step (1 for t > t_on)."""
        return 1.0 if t > self.switch_on_time else 0.0

    def flux_density(self, rho: np.ndarray) -> np.ndarray:
        """B_z = B0 [T]."""
        return self.peak_field * np.ones_like(np.asarray(rho, dtype=float))

    def vector_potential(self, rho: np.ndarray) -> np.ndarray:
        """A_φ = B0 ρ/2 [T m]."""
        return 0.5 * self.peak_field * np.asarray(rho, dtype=float)


class Induction3D(InductionStepper):
    r"""3D eddy-current induction, A ∈ N1curl, backward Euler / BDF2 / Crank–Nicolson, MUMPS.

    Args:
        disk_mesh: a :class:`~femmag.geometry.induction_meshes.DiskBoxMesh`,
            :class:`~femmag.geometry.induction_meshes.SphereBoxMesh` or any object with ``mesh``,
            ``cell_tags`` and ``markers[conductor]``.
        conductivity: conductor conductivity σ, e.g. ``"8e6 S/m"`` (or a pint quantity).
        source: impressed flux with ``amplitude(t)``, ``vector_potential(ρ)`` [T m] and
            ``flux_density(ρ)`` [T] (e.g.
            :class:`~femmag.physics.induction.axisymmetric.GaussianImpressedFlux` or
            :class:`UniformStepField`), centred on the z axis; None for no IFE. Its EMF acts
            on the conductor only.
        air_conductivity_ratio: σ_air/σ of the gauging conductivity (spec §3.4 option 1).
        degree: N1curl degree (1 or 2).
        scheme: ``"bdf2"`` (default, variable step, first step Euler), ``"euler"`` or ``"cn"``
            (Crank–Nicolson, exact discrete energy balance), as
            :class:`~femmag.physics.induction.axisymmetric.AxisymmetricInduction`.
        conductor: the cell-tag name of the conducting region (``"film"``, ``"sphere"``).
        quadrature_degree: of the volume forms (default: exact for affine cells; 2·degree + 2 on
            curved, quadratic-geometry cells).
        t_start: initial time, e.g. ``"-0.3 ps"`` (A = 0 there); default 0.

    The quantities carry their units (a bare number is an error naming the unit);
    :meth:`from_si` takes SI floats (internal callers). The stepping and output methods
    (:meth:`step`, :meth:`run`, :meth:`film_average_field_z`, probes) take SI seconds and
    metres: they are called per step. :meth:`destroy` frees the PETSc objects at once
    (collective); a dropped solver's are freed by :func:`femmag.parallel.collect_garbage`.

    Example (a 400 nm film across a 5 r0 box, driven by a 2 ps impressed flux; coarse mesh):
        >>> from mpi4py import MPI
        >>> from femmag.induction import GaussianImpressedFlux, disk_box_mesh
        >>> disk = disk_box_mesh(MPI.COMM_WORLD, beam_radius="5 um", thickness="400 nm",
        ...                      cells_per_radius=2, far_cell_factor=4.0)
        >>> flux = GaussianImpressedFlux("1 T", "5 um", "2 ps")
        >>> solver = Induction3D(disk, conductivity="2e6 S/m", source=flux, t_start="-3 ps")
        >>> trace = solver.run([-3e-12, -2e-12, -1e-12, 0.0], points=[[0, 0, -2e-7]])
        >>> print(f"B_z at the centre, pulse peak: {trace.field[-1, 0, 2]:.2f} T")  # 1 T impressed
        B_z at the centre, pulse peak: 0.75 T
        >>> solver.destroy()

    Attributes:
        vector_potential: the committed A [T m] (N1curl Function).
        magnetization: M [A/m] (DG0 vector Function, zero by default; enters as ∫ M·∇×v; set it
            before :meth:`step` to the value at the end of the step).
        curl: ∇×A of the committed state [T] (DG vector Function, updated by :meth:`commit`).
        joule_energy, source_work, numerical_dissipation: cumulative energies [J] (see
            :attr:`~femmag.physics.induction.stepping.InductionTrace.energy_imbalance`).
    """

    name = "induction3d"

    def __init__(self, disk_mesh: Any, *, conductivity: Any, source: Any = None,
                 air_conductivity_ratio: float = 1e-6, degree: int = 1, scheme: str = "bdf2",
                 conductor: str = "film", quadrature_degree: int | None = None,
                 t_start: Any = None) -> None:
        self._build(disk_mesh, to_si(conductivity, "conductivity", "Induction3D.conductivity"),
                    source=source, air_conductivity_ratio=air_conductivity_ratio, degree=degree,
                    scheme=scheme, conductor=conductor, quadrature_degree=quadrature_degree,
                    t_start=0.0 if t_start is None else
                    to_si(t_start, "time", "Induction3D.t_start"))

    @classmethod
    def from_si(cls, disk_mesh: Any, *, conductivity: float, t_start: float = 0.0,
                **options: Any) -> Induction3D:
        """The same from SI floats (conductivity [S/m], t_start [s]): the internal path, no unit
        parsing; ``options`` are the constructor's other keywords."""
        solver = cls.__new__(cls)
        solver._build(disk_mesh, float(conductivity), t_start=float(t_start), **options)
        return solver

    def _build(self, disk_mesh: Any, conductivity: float, *, source: Any = None,
               air_conductivity_ratio: float = 1e-6, degree: int = 1, scheme: str = "bdf2",
               conductor: str = "film", quadrature_degree: int | None = None,
               t_start: float = 0.0) -> None:
        super().__init__(source=source, scheme=scheme, t_start=t_start, solver_name="induction3d")
        if not (np.isfinite(conductivity) and conductivity > 0):
            raise ValueError(f"Induction3D: conductivity = {conductivity!r} S/m must be positive, "
                             f"e.g. '8e6 S/m'.")
        if not 0 < air_conductivity_ratio < 1e-2:
            raise ValueError(f"Induction3D: air_conductivity_ratio={air_conductivity_ratio!r} "
                             f"must lie in (0, 1e-2) (1e-6…1e-8 recommended, spec §3.4).")
        if degree not in (1, 2):
            raise ValueError(f"Induction3D: degree={degree!r} must be 1 or 2.")
        if conductor not in disk_mesh.markers:
            raise ValueError(f"Induction3D: conductor={conductor!r} is not a cell group of the "
                             f"mesh (groups: {sorted(disk_mesh.markers)}).")
        self.disk_mesh = disk_mesh
        mesh = disk_mesh.mesh
        self.comm = mesh.comm
        self.conductivity = float(conductivity)
        self.degree = degree
        element = basix.ufl.element("N1curl", mesh.basix_cell(), degree)
        self.V = fem.functionspace(mesh, element)
        self.W = fem.functionspace(mesh, ("Discontinuous Lagrange", degree - 1, (3,)))
        V = self.V
        u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
        if quadrature_degree is None and mesh.geometry.cmaps[0].degree > 1:
            # curved cells: the Piola maps are rational, UFL's estimate would be far too high
            quadrature_degree = 2 * degree + 2
        metadata = {} if quadrature_degree is None else {"quadrature_degree": quadrature_degree}
        dx = ufl.Measure("dx", domain=mesh, subdomain_data=disk_mesh.cell_tags,
                         metadata=metadata)
        marker = disk_mesh.markers[conductor]
        # σ(x): σ in the conductor, gauging σ_air elsewhere (DG0); χ: conductor indicator
        Q0 = fem.functionspace(mesh, ("Discontinuous Lagrange", 0))
        self.Q0 = Q0
        conductor_cells = disk_mesh.cell_tags.find(marker)
        indicator = fem.Function(Q0, name="conductor_indicator")
        indicator.x.array[conductor_cells] = 1.0
        indicator.x.scatter_forward()
        sigma = fem.Function(Q0, name="conductivity")
        sigma.x.array[:] = air_conductivity_ratio * self.conductivity
        sigma.x.array[conductor_cells] = self.conductivity
        sigma.x.scatter_forward()
        self.sigma, self._indicator = sigma, indicator
        curl_curl = (1.0 / MU0) * ufl.inner(ufl.curl(u), ufl.curl(v))

        def matrix(form: Any) -> PETSc.Mat:
            A = fem_petsc.assemble_matrix(fem.form(form))
            A.assemble()
            # on COMM_WORLD, where a dropped solver's objects are collected (persistent_vector)
            return persistent_matrix(A)

        # assembled once; the system matrices c0 M_σ + θ K are combined from them (no reassembly)
        self.M_sigma = matrix(sigma * ufl.inner(u, v) * dx)  # σ and σ_air: the eddy-current mass
        self.M_film = matrix(self.conductivity * ufl.inner(u, v) * dx(marker))  # impressed EMF
        self.M_air = self.M_sigma.copy()  # gauge currents (Joule bookkeeping)
        self.M_air.axpy(-1.0, self.M_film, structure=PETSc.Mat.Structure.SUBSET_NONZERO_PATTERN)
        self.K = matrix(curl_curl * dx)
        self.magnetization = fem.Function(fem.functionspace(mesh, ("Discontinuous Lagrange", 0,
                                                                   (3,))), name="magnetization")
        self._m_form = fem.form(ufl.inner(self.magnetization, ufl.curl(v)) * dx)

        tdim = mesh.topology.dim
        mesh.topology.create_connectivity(tdim - 1, tdim)
        boundary_facets = dolfinx.mesh.exterior_facet_indices(mesh.topology)
        bdofs = fem.locate_dofs_topological(V, tdim - 1, boundary_facets)
        self.bc = fem.dirichletbc(fem.Function(V), bdofs)
        index_map = V.dofmap.index_map
        owned = bdofs[bdofs < index_map.size_local]
        self._bc_rows = (owned + index_map.local_range[0]).astype(PETSc.IntType)

        # state: A^n (committed), A^{n-1}, trial A^{n+1}; D_tA of the committed step
        self._init_state(V)
        self._rate = fem.Function(V, name="vector_potential_rate")
        self._trial_rate = fem.Function(V)
        self.impressed_profile = fem.Function(V, name="impressed_vector_potential")
        if source is not None:
            def azimuthal(x: np.ndarray) -> np.ndarray:
                rho = np.hypot(x[0], x[1])
                safe = np.where(rho > 0, rho, 1.0)
                a_over_rho = np.where(rho > 0, source.vector_potential(rho) / safe, 0.0)
                return np.vstack([-x[1] * a_over_rho, x[0] * a_over_rho, np.zeros_like(x[0])])

            self.impressed_profile.interpolate(azimuthal)
        self._profile_film = self.M_film.createVecLeft()
        self.M_film.mult(self.impressed_profile.x.petsc_vec, self._profile_film)
        self._rhs = persistent_vector(V)
        self._work = persistent_vector(V)
        self._scratch = persistent_vector(V)
        self._scratch_product = persistent_vector(V)
        self._b_m = persistent_vector(V)  # ∫ M·∇×v of the committed state
        self._b_m_trial = persistent_vector(V)
        self.curl = fem.Function(self.W, name="curl_vector_potential")
        self._curl_expr = fem.Expression(ufl.curl(self.vector_potential),
                                         self.W.element.interpolation_points)
        self._impressed_flux = fem.Function(fem.functionspace(mesh, ("Lagrange", 2)))
        if source is not None:
            self._impressed_flux.interpolate(
                lambda x: np.asarray(source.flux_density(np.hypot(x[0], x[1])), dtype=float)
                * np.ones_like(x[0]))
        self._g_const = fem.Constant(mesh, PETSc.ScalarType(self._g_now))
        self._dg_const = fem.Constant(mesh, PETSc.ScalarType(0.0))
        self._dx = dx
        self._dx_film = dx(marker)
        self._average_forms: dict[float, tuple[fem.Form, float]] = {}
        curl_a = ufl.curl(self.vector_potential)
        self._energy_form = fem.form(0.5 / MU0 * ufl.inner(curl_a, curl_a) * dx)
        # E = -(D_tA + D_tg·χ a_h): the impressed EMF acts in the conductor only
        self._electric_field = -(self._rate + self._dg_const * indicator * self.impressed_profile)
        self._current_density = sigma * self._electric_field
        joule = sigma * ufl.inner(self._electric_field, self._electric_field)
        self._joule_form = fem.form(joule * dx)
        w0 = ufl.TestFunction(Q0)
        self._joule_cell_form = fem.form(joule * w0 * dx)
        self._cell_volume = persistent_vector(Q0)
        fem_petsc.assemble_vector(self._cell_volume, fem.form(w0 * dx))
        self._cell_volume.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        self.joule_power_density = fem.Function(Q0, name="joule_power_density")
        self.current_density = fem.Function(
            fem.functionspace(mesh, ("Discontinuous Lagrange", degree, (3,))),
            name="current_density")
        self._current_expr = fem.Expression(
            self._current_density, self.current_density.function_space.element.interpolation_points)
        x = ufl.SpatialCoordinate(mesh)
        moment = 0.5 * ufl.cross(x, self._current_density)
        self._moment_forms = [fem.form(moment[i] * self._dx_film) for i in range(3)]

    def _petsc_objects(self) -> list[Any]:
        return [self.M_sigma, self.M_film, self.M_air, self.K, self._profile_film, self._rhs,
                self._work, self._scratch, self._scratch_product, self._b_m, self._b_m_trial,
                self._cell_volume]

    def summary(self) -> str:
        """Sizes and parameters (collective)."""
        ndofs = self.V.dofmap.index_map.size_global * self.V.dofmap.index_map_bs
        ncells = self.comm.allreduce(
            self.V.mesh.topology.index_map(3).size_local, op=MPI.SUM)
        return (f"induction3d: A ∈ N1curl (degree {self.degree}), {ndofs} dofs, {ncells} tets, "
                f"σ = {self.conductivity:.3g} S/m, scheme {self.scheme}, MUMPS")

    def _system_matrix(self, c0: float) -> PETSc.Mat:
        # c0 M_σ + θ K (same sparsity), Dirichlet rows and columns replaced by the identity
        A = self.K.copy()
        A.scale(self.theta)
        A.axpy(c0, self.M_sigma, structure=PETSc.Mat.Structure.SAME_NONZERO_PATTERN)
        A.zeroRowsColumns(self._bc_rows, diag=1.0)
        return A

    def step(self, t: float, dt: float) -> None:
        """Compute the trial A at t + dt from the committed state at t (call :meth:`commit`).

        The magnetization source is the current content of :attr:`magnetization` (taken as M at
        t + dt; Crank–Nicolson averages it with the committed one).
        """
        c0, c1, c2, g_new, dg = self._begin_step(t, dt)
        theta = self.theta
        A_n = self.vector_potential.x.petsc_vec
        # rhs = -M_σ(c1 A^n + c2 A^{n-1}) - D_tg M_film a_h - (1-θ) K A^n + θ b_M^{n+1}
        #       + (1-θ) b_M^n
        hist = self._combine(self._work, None, c1, c2)
        rhs = self._rhs
        self.M_sigma.mult(hist, rhs)
        rhs.scale(-1.0)
        rhs.axpy(-dg, self._profile_film)
        if theta != 1.0:
            self.K.mult(A_n, hist)
            rhs.axpy(-(1.0 - theta), hist)
        has_m = self.comm.allreduce(bool(np.any(self.magnetization.x.array != 0.0)), op=MPI.LOR)
        b_m = self._b_m_trial
        if has_m:
            with b_m.localForm() as loc:
                loc.set(0.0)
            fem_petsc.assemble_vector(b_m, self._m_form)
            b_m.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        else:
            b_m.set(0.0)
        magnetization_load = self._scratch  # θ b^{n+1} + (1-θ) b^n
        b_m.copy(magnetization_load)
        if theta != 1.0:
            magnetization_load.scale(theta)
            magnetization_load.axpy(1.0 - theta, self._b_m)
        rhs.axpy(1.0, magnetization_load)
        fem_petsc.set_bc(rhs, [self.bc])
        A_new = self._solve(c0, rhs, "induction3d (A, N1curl)")

        # D_tA^{n+1} and the energy increments (exact identities for the θ-schemes)
        rate = self._combine(self._trial_rate.x.petsc_vec, c0, c1, c2)
        self._trial_rate.x.scatter_forward()
        # conductor E = -(D_tA + D_tg a_h); P_J = EᵀM_film E + (D_tA)ᵀ M_air D_tA
        field = hist
        rate.copy(field)
        field.axpy(dg, self.impressed_profile.x.petsc_vec)
        field.scale(-1.0)
        scratch = self._scratch_product
        self.M_film.mult(field, scratch)
        joule_power = field.dot(scratch)
        source_power = -dg * self.impressed_profile.x.petsc_vec.dot(scratch)
        self.M_air.mult(rate, scratch)
        joule_power += rate.dot(scratch)
        source_power += rate.dot(magnetization_load)  # work of the magnetization source
        # θ-scheme: ΔAᵀK(θA^{n+1} + (1-θ)A^n) = ΔW + (θ - ½)ΔAᵀKΔA exactly (BDF2: left out,
        # the balance then closes to O(Δt²))
        two_step = c2 != 0.0  # a two-step BDF2 step (not its Euler start)
        if two_step:
            dissipation = 0.0
        else:
            A_new.copy(field)
            field.axpy(-1.0, A_n)
            self.K.mult(field, scratch)
            dissipation = (theta - 0.5) * field.dot(scratch)
        self._end_step(t, dt, g_new, dg, two_step=two_step, joule_power=joule_power,
                       source_power=source_power, dissipation=dissipation)

    def _commit_state(self) -> None:
        """Accept the trial fields and update :attr:`curl`."""
        super()._commit_state()
        self._rate.x.array[:] = self._trial_rate.x.array
        self._b_m_trial.copy(self._b_m)
        self.curl.interpolate(self._curl_expr)

    def _state_functions(self) -> dict[str, Any]:
        # D_tA of the committed step (E, Joule density, current) and the magnetization whose
        # load b_M^n the next Crank–Nicolson step uses
        return {"vector_potential_rate": self._rate, "magnetization": self.magnetization}

    def _restored(self) -> None:
        b_m = self._b_m
        if self.comm.allreduce(bool(np.any(self.magnetization.x.array != 0.0)), op=MPI.LOR):
            with b_m.localForm() as loc:
                loc.set(0.0)
            fem_petsc.assemble_vector(b_m, self._m_form)
            b_m.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        else:
            b_m.set(0.0)
        self.curl.interpolate(self._curl_expr)

    # --- outputs -------------------------------------------------------------------------------
    def impressed_field_z(self, points: np.ndarray) -> np.ndarray:
        """B_IFE,z at ``points`` (n, 3) [T] at the committed time."""
        if self.source is None:
            return np.zeros(len(points))
        rho = np.hypot(points[:, 0], points[:, 1])
        return self._g_now * self.source.flux_density(rho)

    def film_average_field_z(self, weight_radius: float) -> float:
        """⟨B_z⟩ = ∫_film w B_z dV / ∫_film w dV, w = exp(-ρ²/ρ_w²), at the committed time [T].

        B_z = (∇×A)_z + B_IFE,z. The smooth weight is integrated exactly against the piecewise
        polynomial curl, so this centre average is free of the cell-to-cell scatter of point
        values of a degree-1 N1curl curl. Collective.

        Args:
            weight_radius: ρ_w [m].
        """
        if not weight_radius > 0:
            raise ValueError(f"film_average_field_z: weight_radius={weight_radius!r} m must be "
                             f"positive.")
        key = float(weight_radius)
        if key not in self._average_forms:
            x = ufl.SpatialCoordinate(self.V.mesh)
            w = ufl.exp(-(x[0] ** 2 + x[1] ** 2) / key**2)
            b_z = ufl.curl(self.vector_potential)[2] + self._g_const * self._impressed_flux
            den = fem.assemble_scalar(fem.form(w * self._dx_film))
            self._average_forms[key] = (fem.form(w * b_z * self._dx_film),
                                        self.comm.allreduce(den, op=MPI.SUM))
        form, den = self._average_forms[key]
        self._g_const.value = self._g_now
        return self.comm.allreduce(fem.assemble_scalar(form), op=MPI.SUM) / den

    def ball_average_curl(self, centre: Sequence[float], radius: float) -> np.ndarray:
        """∫ w ∇×A dV / ∫ w dV with w = exp(-|x - c|²/ρ²): the induced field near c [T], (3,).

        A smooth, partition-independent replacement for a point value of the piecewise-constant
        curl (whose value at a vertex or on an edge depends on the cell picked). Collective;
        the forms are rebuilt on each call (meant for a few probes).

        Args:
            centre: c (3,) [m].
            radius: ρ [m] (keep the weight inside the box).
        """
        if not radius > 0:
            raise ValueError(f"ball_average_curl: radius={radius!r} m must be positive.")
        x = ufl.SpatialCoordinate(self.V.mesh)
        c = [float(v) for v in centre]
        w = ufl.exp(-sum((x[i] - c[i]) ** 2 for i in range(3)) / radius**2)
        den = self.comm.allreduce(fem.assemble_scalar(fem.form(w * self._dx)), op=MPI.SUM)
        curl_a = ufl.curl(self.vector_potential)
        return np.array([self.comm.allreduce(
            fem.assemble_scalar(fem.form(w * curl_a[i] * self._dx)), op=MPI.SUM)
            for i in range(3)]) / den

    def magnetic_energy(self) -> float:
        """W = ∫ |∇×A|²/(2μ0) dV of the induced field over the box [J] (collective)."""
        return self.comm.allreduce(fem.assemble_scalar(self._energy_form), op=MPI.SUM)

    def joule_power(self) -> float:
        """P = ∫ σ|E|² dV [W] of the committed step (conductor and gauge currents; collective).

        E = -(D_tA + D_tg·a_h) in the conductor and -D_tA in the air (the impressed EMF acts
        on the conductor only); D_t is the scheme's discrete derivative of the last step.
        """
        self._dg_const.value = self._dg_now
        return self.comm.allreduce(fem.assemble_scalar(self._joule_form), op=MPI.SUM)

    def update_joule_power_density(self) -> fem.Function:
        """σ|E|² averaged over each cell [W/m³] of the committed step (DG0, returned)."""
        self._dg_const.value = self._dg_now
        out = self.joule_power_density.x.petsc_vec
        with out.localForm() as loc:
            loc.set(0.0)
        fem_petsc.assemble_vector(out, self._joule_cell_form)
        out.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        out.pointwiseDivide(out, self._cell_volume)
        self.joule_power_density.x.scatter_forward()
        return self.joule_power_density

    def update_current_density(self) -> fem.Function:
        """j = σE of the committed step [A/m²] (discontinuous vector Function, returned)."""
        self._dg_const.value = self._dg_now
        self.current_density.interpolate(self._current_expr)
        return self.current_density

    def magnetic_moment(self) -> np.ndarray:
        """m = ½∫_conductor x × j dV [A m²] of the committed step, (3,) (collective)."""
        self._dg_const.value = self._dg_now
        return np.array([self.comm.allreduce(fem.assemble_scalar(f), op=MPI.SUM)
                         for f in self._moment_forms])

    def probe(self, points: Sequence[Sequence[float]] | np.ndarray) -> FieldProbe:
        """A reusable point probe (points (n, 3) [m] inside the box). Collective."""
        return FieldProbe(self.V.mesh, points)

    def field_at(self, probe: FieldProbe) -> np.ndarray:
        """B = ∇×A + B_IFE ẑ at the probe points, (n, 3) [T]. Collective."""
        b = probe.evaluate(self.curl)
        b[:, 2] += self.impressed_field_z(probe.points)
        return b

    def run(self, times: Sequence[float] | np.ndarray,
            points: Sequence[Sequence[float]] | np.ndarray,
            average_radius: float | None = None) -> InductionTrace:
        """Step through ``times`` (first = current time) and record B at ``points``.

        Args:
            times: increasing instants [s].
            points: probe points (n, 3) [m].
            average_radius: if given, also record :meth:`film_average_field_z` with this ρ_w [m].

        Returns:
            :class:`~femmag.physics.induction.stepping.InductionTrace`.
        """
        times = self._check_times(times)
        probe = self.probe(points)
        rec: dict[str, list] = {k: [] for k in ("field", "ife", "avg", "energy", "moment",
                                                "joule", "work", "diss")}

        def record() -> None:
            rec["field"].append(self.field_at(probe))
            rec["ife"].append(self.impressed_field_z(probe.points))
            rec["avg"].append(np.nan if average_radius is None
                              else self.film_average_field_z(average_radius))
            rec["energy"].append(self.magnetic_energy())
            rec["moment"].append(self.magnetic_moment())
            rec["joule"].append(self.joule_energy)
            rec["work"].append(self.source_work)
            rec["diss"].append(self.numerical_dissipation)

        record()
        for t0, t1 in itertools.pairwise(times):
            self.step(t0, t1 - t0)
            self.commit()
            record()
        r = {k: np.array(v) for k, v in rec.items()}
        return InductionTrace(times=times, points=probe.points, field=r["field"],
                                impressed_field_z=r["ife"], average_field_z=r["avg"],
                                magnetic_energy=r["energy"], magnetic_moment=r["moment"],
                                joule_energy=r["joule"], source_work=r["work"],
                                numerical_dissipation=r["diss"])
