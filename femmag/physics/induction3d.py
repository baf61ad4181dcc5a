r"""3D eddy-current induction with first-kind Nédélec (N1curl) elements (spec §3.4).

Unknown: the induced vector potential A ∈ H(curl) (N1curl, degree 1), temporal gauge, μ_r = 1:

.. math::

    ∫ σ\,\frac{A^{n+1} - A^n}{Δt}·v + ∫ ν_0\,∇×A^{n+1}·∇×v
      = -∫ σ_{film}\,∂_tA_{IFE}·v + ∫ M·∇×v ,\qquad B = ∇×A + B_{IFE}.

Backward Euler in time; the *same* discrete derivative is applied to the separable impressed
potential A_IFE = g(t)·a_h (so ∂_tA_IFE → (g^{n+1} - g^n)/Δt · a_h, exact for the total potential).

Gauge (spec §3.4 option 1): a small artificial conductivity σ_air = ``air_conductivity_ratio``·σ
in the non-conducting regions makes the σ-mass + curl-curl matrix non-singular; the relative
perturbation of B is O(σ_air/σ). The source term uses the film conductivity only.

Boundary: n×A = 0 on the whole outer boundary of the box (Dirichlet on the N1curl dofs of the
exterior facets). Solver: MUMPS (``femmag.solvers.lu_options``), the matrix assembled and factorized
once per distinct Δt.

Impressed source: the azimuthal A_IFE = a(ρ)(-y/ρ, x/ρ, 0), a(ρ) = ``source.vector_potential(ρ)``,
interpolated into N1curl (∇·A_IFE = 0 and tangential to the film faces, spec §3.2).

Mesh (:func:`disk_box_mesh`): a cylindrical box z ∈ [-H, H], ρ ≤ R_box, built with gmsh on rank 0 by
*extruding* a graded 2D triangulation of the disk cross-section through z-layers (graded towards the
film, ``film_layers`` layers across the film [-d, 0]); the conducting disk ρ ≤ R_d is resolved. The
prisms are split into tetrahedra by gmsh (conforming).

Accuracy against :class:`~femmag.physics.induction.AxisymmetricInduction` (resolved film
d = 0.4 µm spanning a box R = H = 5 r0, r0 = 5 µm, σ = 2e6 S/m, τ_p = 2 ps, same backward-Euler
Δt = τ_p/20; Gaussian-weighted (ρ_w = r0/2) film average of B_z; reference peak 0.4587 at
747 fs after the pulse peak), in-plane size h = r0/n with 2 prism layers across the film:
n = 2 (18k dofs): peak +0.97 %, delay -52 fs; n = 3 (30k): +0.71 %, -27 fs; n = 4 (42k):
+0.63 %, -18 fs (-2.4 %); n = 6 (74k): +0.58 %, -11 fs (-1.5 %). See
``tests/verification/test_induction3d.py``.

Point values of the degree-1 curl are piecewise constant (their value at a vertex depends on the
cell picked, and so on the partition): use :meth:`Induction3D.film_average_field_z` or
:meth:`Induction3D.ball_average_curl` for comparisons.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mpi4py import MPI
from petsc4py import PETSc

import basix.ufl
import dolfinx
import ufl
from dolfinx import fem
from dolfinx.fem import petsc as fem_petsc

from femmag.solvers import check_ksp, lu_solver
from femmag.units import MU0

__all__ = ["DiskBoxMesh", "Induction3D", "Induction3DTrace", "disk_box_mesh"]


@dataclass
class DiskBoxMesh:
    """A 3D cylindrical air box with a resolved conducting disk (film top at z = 0).

    Attributes:
        mesh: the dolfinx mesh (tetrahedra).
        cell_tags: cell markers ("film", "air").
        markers: physical-group name → integer tag.
        thickness: disk thickness d [m] (the disk occupies z ∈ [-d, 0]).
        disk_radius: R_d [m].
        box_radius: R_box [m].
        half_height: H [m]; the box spans z ∈ [-H, H].
        film_spacing: in-plane cell size near the axis [m].
    """

    mesh: dolfinx.mesh.Mesh
    cell_tags: dolfinx.mesh.MeshTags
    markers: dict[str, int]
    thickness: float
    disk_radius: float
    box_radius: float
    half_height: float
    film_spacing: float


def _graded_layers(length: float, first: float, growth: float) -> np.ndarray:
    """Layer thicknesses from ``first``, growing by ``growth``, that fill ``length`` [m]."""
    sizes = []
    total, h = 0.0, first
    while total + h < length * (1 - 1e-9):
        sizes.append(h)
        total += h
        h *= growth
    if sizes and length - total < 0.5 * sizes[-1]:
        sizes[-1] += length - total  # merge a thin remainder into the last layer
    else:
        sizes.append(length - total)
    return np.array(sizes)


def disk_box_mesh(comm: MPI.Comm, *, beam_radius: float, thickness: float,
                  disk_radius: float | None = None, box_radius: float | None = None,
                  half_height: float | None = None, cells_per_radius: float = 3.0,
                  refined_factor: float = 1.5, far_cell_factor: float = 1.5,
                  film_layers: int = 2, layer_growth: float = 1.6) -> DiskBoxMesh:
    """Build the extruded 3D disk-in-box mesh with gmsh on rank 0 and distribute it.

    Args:
        comm: MPI communicator.
        beam_radius: r0 [m]; sets the mesh sizes.
        thickness: disk thickness d [m] (disk occupies z ∈ [-d, 0]).
        disk_radius: R_d [m] (default: the box radius, i.e. a film spanning the box).
        box_radius: R_box [m] (default 5 r0).
        half_height: H [m] (default R_box).
        cells_per_radius: in-plane cell size h0 = r0/cells_per_radius for ρ < refined_factor·r0.
        refined_factor: radius of the uniformly refined zone, in r0.
        far_cell_factor: in-plane cell size at the box edge, in r0 (linear growth in between).
        film_layers: tetrahedral prism layers across the disk.
        layer_growth: growth factor of the z-layers away from the disk (the first air layer is
            layer_growth·d/film_layers).

    Returns:
        :class:`DiskBoxMesh`.
    """
    import gmsh

    r0, d = float(beam_radius), float(thickness)
    R = 5.0 * r0 if box_radius is None else float(box_radius)
    Rd = R if disk_radius is None else float(disk_radius)
    H = R if half_height is None else float(half_height)
    if not (r0 > 0 and d > 0 and 0 < Rd <= R and H > d):
        raise ValueError(f"disk_box_mesh: need beam_radius > 0, thickness > 0, 0 < disk_radius ≤ "
                         f"box_radius and half_height > thickness (got r0={r0!r}, d={d!r}, "
                         f"R_d={Rd!r}, R_box={R!r}, H={H!r}) [m]; give SI values.")
    if film_layers < 1 or layer_growth < 1:
        raise ValueError(f"disk_box_mesh: film_layers={film_layers} must be ≥ 1 and "
                         f"layer_growth={layer_growth} ≥ 1.")
    h0 = r0 / cells_per_radius
    L1 = refined_factor * r0
    h_far = far_cell_factor * r0
    markers = {"air": 1, "film": 2}

    model = None
    if comm.rank == 0:
        if not gmsh.is_initialized():
            gmsh.initialize(interruptible=False)
        gmsh.option.setNumber("General.Terminal", 0)
        gmsh.model.add("femmag_disk_box")
        geo = gmsh.model.geo
        centre = geo.addPoint(0, 0, -H)

        def circle(radius: float) -> list[int]:
            pts = [geo.addPoint(radius * math.cos(a), radius * math.sin(a), -H)
                   for a in (0, 0.5 * math.pi, math.pi, 1.5 * math.pi)]
            return [geo.addCircleArc(pts[i], centre, pts[(i + 1) % 4]) for i in range(4)]

        inner = geo.addCurveLoop(circle(Rd))
        surfaces = [geo.addPlaneSurface([inner])]
        if Rd < R * (1 - 1e-12):
            outer = geo.addCurveLoop(circle(R))
            surfaces.append(geo.addPlaneSurface([outer, inner]))
        is_film = [True] + [False] * (len(surfaces) - 1)
        geo.synchronize()

        # z-layers: graded away from the disk on both sides
        first = d / film_layers
        below = _graded_layers(H - d, first * layer_growth, layer_growth)[::-1]
        above = _graded_layers(H, first * layer_growth, layer_growth)
        segments = [(below, False), (np.full(film_layers, first), True), (above, False)]
        volumes = {"air": [], "film": []}
        current = [(2, s) for s in surfaces]
        for layers, film_segment in segments:
            height = float(np.sum(layers))
            fractions = list(np.cumsum(layers) / height)
            fractions[-1] = 1.0
            out = geo.extrude(current, 0, 0, height, numElements=[1] * len(layers),
                              heights=fractions)
            geo.synchronize()
            tops, k = [], 0
            for surf_index, (_, s) in enumerate(current):
                n_sides = len(gmsh.model.getBoundary([(2, s)], oriented=False))
                top, vol = out[k][1], out[k + 1][1]
                tops.append((2, top))
                conducting = film_segment and is_film[surf_index]
                volumes["film" if conducting else "air"].append(vol)
                k += 2 + n_sides
            current = tops
        gmsh.model.addPhysicalGroup(3, volumes["air"], markers["air"], name="air")
        gmsh.model.addPhysicalGroup(3, volumes["film"], markers["film"], name="film")

        size = gmsh.model.mesh.field.add("MathEval")
        slope = (h_far - h0) / max(R - L1, 1e-300)
        gmsh.model.mesh.field.setString(
            size, "F", f"{h0} + {slope}*Max(0, Sqrt(x*x + y*y) - {L1})")
        gmsh.model.mesh.field.setAsBackgroundMesh(size)
        gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 0)
        gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 0)
        gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", 0)
        gmsh.model.mesh.generate(3)
        model = gmsh.model

    partitioner = dolfinx.mesh.create_cell_partitioner(dolfinx.mesh.GhostMode.shared_facet, 3)
    mesh_data = dolfinx.io.gmsh.model_to_mesh(model, comm, 0, gdim=3, partitioner=partitioner)
    if comm.rank == 0:
        gmsh.model.remove()
    return DiskBoxMesh(mesh=mesh_data.mesh, cell_tags=mesh_data.cell_tags, markers=markers,
                       thickness=d, disk_radius=Rd, box_radius=R, half_height=H, film_spacing=h0)


@dataclass
class Induction3DTrace:
    """Traces recorded by :meth:`Induction3D.run` (SI units).

    Attributes:
        times: t [s], shape (n_t,).
        points: probe points [m], shape (n_p, 3).
        field: B = ∇×A + B_IFE at the points [T], shape (n_t, n_p, 3).
        impressed_field_z: B_IFE,z at the points [T], shape (n_t, n_p).
        average_field_z: Gaussian-weighted film average of B_z (see
            :meth:`Induction3D.film_average_field_z`) [T], shape (n_t,) (NaN if not requested).
        magnetic_energy: ∫ |∇×A|²/(2μ0) dV over the box [J], shape (n_t,).
    """

    times: np.ndarray
    points: np.ndarray
    field: np.ndarray
    impressed_field_z: np.ndarray
    average_field_z: np.ndarray
    magnetic_energy: np.ndarray


class _PointProbe:
    """Values of a DG0 vector function at fixed points (each from the lowest rank owning it)."""

    def __init__(self, mesh: dolfinx.mesh.Mesh, points: np.ndarray) -> None:
        self.comm = mesh.comm
        self.points = np.asarray(points, dtype=float).reshape(-1, 3)
        tdim = mesh.topology.dim
        n_owned = mesh.topology.index_map(tdim).size_local
        tree = dolfinx.geometry.bb_tree(mesh, tdim, entities=np.arange(n_owned, dtype=np.int32))
        cand = dolfinx.geometry.compute_collisions_points(tree, self.points)
        cells = dolfinx.geometry.compute_colliding_cells(mesh, cand, self.points)
        self.found = np.array([i for i in range(len(self.points)) if len(cells.links(i))],
                              dtype=int)
        self.cells = np.array([cells.links(i)[0] for i in self.found], dtype=np.int32)
        missing = self.comm.allreduce(np.isin(np.arange(len(self.points)), self.found)
                                      .astype(int), op=MPI.SUM)
        if np.any(missing == 0):
            raise ValueError(f"Induction3D probe: points {self.points[missing == 0]} lie outside "
                             f"the mesh; give points inside the box [m].")

    def evaluate(self, dg0_vector: fem.Function) -> np.ndarray:
        """(n_p, 3) values, collective."""
        local = np.full((len(self.points), 3), np.nan)
        if len(self.found):
            local[self.found] = dg0_vector.x.array.reshape(-1, 3)[self.cells]
        merged = np.full_like(local, np.nan)
        for g in self.comm.allgather(local):
            take = np.isnan(merged[:, 0]) & ~np.isnan(g[:, 0])
            merged[take] = g[take]
        return merged


class Induction3D:
    """3D eddy-current induction, A ∈ N1curl (degree 1), backward Euler, MUMPS.

    Args:
        disk_mesh: a :class:`DiskBoxMesh` (from :func:`disk_box_mesh`) or any object with ``mesh``,
            ``cell_tags`` and ``markers["film"]``.
        conductivity: film conductivity σ [S/m].
        source: impressed flux with ``amplitude(t)``, ``vector_potential(ρ)`` [T m] and
            ``flux_density(ρ)`` [T] (e.g. :class:`~femmag.physics.induction.GaussianImpressedFlux`),
            centred on the z axis; None for no IFE.
        air_conductivity_ratio: σ_air/σ of the gauging conductivity (spec §3.4 option 1).
        degree: N1curl degree (1 or 2).
        t_start: initial time [s] (A = 0 there).

    Attributes:
        vector_potential: the committed A [T m] (N1curl Function).
        magnetization: M [A/m] (DG0 vector Function, zero by default; enters as ∫ M·∇×v).
        curl: ∇×A of the committed state [T] (DG vector Function, updated by :meth:`commit`).
    """

    name = "induction3d"

    def __init__(self, disk_mesh: Any, *, conductivity: float, source: Any = None,
                 air_conductivity_ratio: float = 1e-6, degree: int = 1,
                 t_start: float = 0.0) -> None:
        if not (np.isfinite(conductivity) and conductivity > 0):
            raise ValueError(f"Induction3D: conductivity={conductivity!r} must be a positive "
                             f"number in S/m (e.g. 8e6).")
        if not 0 < air_conductivity_ratio < 1e-2:
            raise ValueError(f"Induction3D: air_conductivity_ratio={air_conductivity_ratio!r} "
                             f"must lie in (0, 1e-2) (1e-6…1e-8 recommended, spec §3.4).")
        self.disk_mesh = disk_mesh
        mesh = disk_mesh.mesh
        self.comm = mesh.comm
        self.conductivity = float(conductivity)
        self.source = source
        self.t = float(t_start)
        element = basix.ufl.element("N1curl", mesh.basix_cell(), degree)
        self.V = fem.functionspace(mesh, element)
        self.W = fem.functionspace(mesh, ("Discontinuous Lagrange", degree - 1, (3,)))
        V = self.V
        u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
        dx = ufl.Measure("dx", domain=mesh, subdomain_data=disk_mesh.cell_tags)
        film = disk_mesh.markers["film"]
        # σ(x): film σ, gauging σ_air elsewhere (DG0)
        Q0 = fem.functionspace(mesh, ("Discontinuous Lagrange", 0))
        sigma = fem.Function(Q0, name="conductivity")
        sigma.x.array[:] = air_conductivity_ratio * self.conductivity
        film_cells = disk_mesh.cell_tags.find(film)
        sigma.x.array[film_cells] = self.conductivity
        sigma.x.scatter_forward()
        self.sigma = sigma
        self._dt = fem.Constant(mesh, PETSc.ScalarType(1.0))
        self._a_form = fem.form(sigma / self._dt * ufl.inner(u, v) * dx
                                + (1.0 / MU0) * ufl.inner(ufl.curl(u), ufl.curl(v)) * dx)
        self.M_sigma = fem_petsc.assemble_matrix(fem.form(sigma * ufl.inner(u, v) * dx))
        self.M_sigma.assemble()
        # the impressed EMF acts on the film only
        self.M_film = fem_petsc.assemble_matrix(
            fem.form(self.conductivity * ufl.inner(u, v) * dx(film)))
        self.M_film.assemble()
        self.magnetization = fem.Function(fem.functionspace(mesh, ("Discontinuous Lagrange", 0,
                                                                   (3,))), name="magnetization")
        self._m_form = fem.form(ufl.inner(self.magnetization, ufl.curl(v)) * dx)

        tdim = mesh.topology.dim
        mesh.topology.create_connectivity(tdim - 1, tdim)
        boundary_facets = dolfinx.mesh.exterior_facet_indices(mesh.topology)
        bdofs = fem.locate_dofs_topological(V, tdim - 1, boundary_facets)
        zero = fem.Function(V)
        self.bc = fem.dirichletbc(zero, bdofs)

        self.vector_potential = fem.Function(V, name="vector_potential")
        self._trial = fem.Function(V)
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
        self._g_now = self._amplitude(self.t)
        self._rhs = fem_petsc.create_vector(V)
        self._b_m = fem_petsc.create_vector(V)
        self._solvers: dict[float, PETSc.KSP] = {}
        self.curl = fem.Function(self.W, name="curl_vector_potential")
        self._curl_expr = fem.Expression(ufl.curl(self.vector_potential),
                                         self.W.element.interpolation_points)
        self._impressed_flux = fem.Function(fem.functionspace(mesh, ("Lagrange", 2)))
        if source is not None:
            self._impressed_flux.interpolate(
                lambda x: np.asarray(source.flux_density(np.hypot(x[0], x[1])), dtype=float)
                * np.ones_like(x[0]))
        self._g_const = fem.Constant(mesh, PETSc.ScalarType(self._g_now))
        self._dx_film = dx(film)
        self._average_forms: dict[float, tuple[fem.Form, float]] = {}
        curl_a = ufl.curl(self.vector_potential)
        self._energy_form = fem.form(0.5 / MU0 * ufl.inner(curl_a, curl_a) * dx)
        self.solve_count = 0
        self.factorization_count = 0

    def _amplitude(self, t: float) -> float:
        return 0.0 if self.source is None else float(self.source.amplitude(t))

    def summary(self) -> str:
        """Sizes and parameters (collective)."""
        ndofs = self.V.dofmap.index_map.size_global * self.V.dofmap.index_map_bs
        ncells = self.comm.allreduce(
            self.V.mesh.topology.index_map(3).size_local, op=MPI.SUM)
        return (f"induction3d: A ∈ N1curl, {ndofs} dofs, {ncells} tets, "
                f"σ = {self.conductivity:.3g} S/m, backward Euler, MUMPS")

    def _solver(self, dt: float) -> PETSc.KSP:
        key = float(f"{dt:.12e}")
        ksp = self._solvers.get(key)
        if ksp is None:
            self._dt.value = dt
            A = fem_petsc.assemble_matrix(self._a_form, bcs=[self.bc])
            A.assemble()
            ksp = lu_solver(A, "induction3d")
            self._solvers[key] = ksp
            self.factorization_count += 1
        return ksp

    def step(self, t: float, dt: float) -> None:
        """Compute the trial A at t + dt from the committed state at t (call :meth:`commit`)."""
        if not dt > 0:
            raise ValueError(f"Induction3D.step: dt = {dt!r} s must be positive.")
        if abs(t - self.t) > 1e-9 * dt + 1e-24:
            raise ValueError(f"Induction3D.step: t = {t!r} s differs from the committed time "
                             f"{self.t!r} s; steps must be consecutive.")
        g_new = self._amplitude(t + dt)
        rate = (g_new - self._g_now) / dt
        # rhs = M_σ A^n/Δt - M_film a_h·(Δg/Δt) + ∫ M·∇×v
        rhs = self._rhs
        self.M_sigma.mult(self.vector_potential.x.petsc_vec, rhs)
        rhs.scale(1.0 / dt)
        rhs.axpy(-rate, self._profile_film)
        has_m = self.comm.allreduce(bool(np.any(self.magnetization.x.array != 0.0)), op=MPI.LOR)
        if has_m:
            with self._b_m.localForm() as loc:
                loc.set(0.0)
            fem_petsc.assemble_vector(self._b_m, self._m_form)
            self._b_m.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
            rhs.axpy(1.0, self._b_m)
        fem_petsc.set_bc(rhs, [self.bc])
        ksp = self._solver(dt)
        ksp.solve(rhs, self._trial.x.petsc_vec)
        check_ksp(ksp, "induction3d (A, N1curl)")
        self._trial.x.scatter_forward()
        self.solve_count += 1
        self._trial_step = (t + dt, g_new)

    def commit(self) -> None:
        """Accept the trial state of the last :meth:`step` and update :attr:`curl`."""
        self.t, self._g_now = self._trial_step
        self.vector_potential.x.array[:] = self._trial.x.array
        self.curl.interpolate(self._curl_expr)

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
        den = self.comm.allreduce(fem.assemble_scalar(fem.form(w * ufl.dx)), op=MPI.SUM)
        curl_a = ufl.curl(self.vector_potential)
        return np.array([self.comm.allreduce(fem.assemble_scalar(fem.form(w * curl_a[i] * ufl.dx)),
                                             op=MPI.SUM) for i in range(3)]) / den

    def magnetic_energy(self) -> float:
        """W = ∫ |∇×A|²/(2μ0) dV of the induced field over the box [J] (collective)."""
        return self.comm.allreduce(fem.assemble_scalar(self._energy_form), op=MPI.SUM)

    def probe(self, points: Sequence[Sequence[float]] | np.ndarray) -> _PointProbe:
        """A reusable point probe (points (n, 3) [m] inside the box). Collective."""
        return _PointProbe(self.V.mesh, np.asarray(points, dtype=float))

    def field_at(self, probe: _PointProbe) -> np.ndarray:
        """B = ∇×A + B_IFE ẑ at the probe points, (n, 3) [T]. Collective."""
        b = probe.evaluate(self.curl)
        b[:, 2] += self.impressed_field_z(probe.points)
        return b

    def run(self, times: Sequence[float] | np.ndarray,
            points: Sequence[Sequence[float]] | np.ndarray,
            average_radius: float | None = None) -> Induction3DTrace:
        """Step through ``times`` (first = current time) and record B at ``points``.

        Args:
            times: increasing instants [s].
            points: probe points (n, 3) [m].
            average_radius: if given, also record :meth:`film_average_field_z` with this ρ_w [m].

        Returns:
            :class:`Induction3DTrace`.
        """
        times = np.asarray(times, dtype=float)
        if abs(times[0] - self.t) > 1e-24 or np.any(np.diff(times) <= 0):
            raise ValueError("Induction3D.run: times must increase and start at the current "
                             f"time {self.t!r} s.")
        probe = self.probe(points)
        fields, ife, avg, energy = [], [], [], []

        def record() -> None:
            fields.append(self.field_at(probe))
            ife.append(self.impressed_field_z(probe.points))
            avg.append(np.nan if average_radius is None
                       else self.film_average_field_z(average_radius))
            energy.append(self.magnetic_energy())

        record()
        for t0, t1 in zip(times[:-1], times[1:], strict=True):
            self.step(t0, t1 - t0)
            self.commit()
            record()
        return Induction3DTrace(times=times, points=probe.points, field=np.array(fields),
                                impressed_field_z=np.array(ife), average_field_z=np.array(avg),
                                magnetic_energy=np.array(energy))
