r"""3D eddy-current induction with first-kind Nédélec (N1curl) elements (spec §3.4).

Unknown: the induced vector potential A ∈ H(curl) (N1curl, degree 1 or 2), temporal gauge, μ_r = 1:

.. math::

    ∫ σ\,D_tA·v + ∫ ν_0\,∇×A^{θ}·∇×v = -∫ σ_c\,D_tA_{IFE}·v + ∫ M^{θ}·∇×v ,
    \qquad B = ∇×A + B_{IFE},\quad E = -D_t(A + χ_c A_{IFE}),\quad j = σE .

Time schemes (``scheme=``, as :class:`~femmag.physics.induction.axisymmetric.AxisymmetricInduction`):
``"euler"``, variable-step ``"bdf2"`` (default; first step Euler) and Crank–Nicolson ``"cn"``
(θ = 1/2, exact discrete energy balance). The *same* discrete derivative D_t is applied to the
separable impressed potential A_IFE = g(t)·a_h, so the scheme is exact for the total potential
and a step of the impressed flux needs no Dirac source. Measured temporal orders (film average,
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
c0 M_σ + θK is combined and factorized once per distinct (Δt, scheme coefficient).

Impressed source: the azimuthal A_IFE = a(ρ)(-y/ρ, x/ρ, 0), a(ρ) = ``source.vector_potential(ρ)``,
interpolated into N1curl (∇·A_IFE = 0 and tangential to the film faces, spec §3.2); a uniform
step field is :class:`UniformStepField` (a(ρ) = B0ρ/2).

Meshes: :func:`disk_box_mesh`, a cylindrical box z ∈ [-H, H], ρ ≤ R_box, built with gmsh on rank
0 by *extruding* a graded 2D triangulation of the disk cross-section through z-layers (graded
towards the film, ``film_layers`` layers across the film [-d, 0]; prisms split into tetrahedra);
:func:`sphere_box_mesh`, a gmsh OCC sphere in a cubic air box, graded, optionally with quadratic
(curved) geometry.

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
import math
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

from femmag.physics.induction.axisymmetric import time_derivative_weights
from femmag.solvers import check_ksp, lu_solver
from femmag.units import MU0

__all__ = ["DiskBoxMesh", "Induction3D", "Induction3DTrace", "SphereBoxMesh", "UniformStepField",
           "disk_box_mesh", "sphere_box_mesh"]


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
                  half_height: float | None = None, cells_per_radius: float = 6.0,
                  refined_factor: float = 0.75, far_cell_factor: float = 2.5,
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
class SphereBoxMesh:
    """A conducting sphere (centre 0, radius a) in a cubic air box [-L, L]³ (tetrahedra).

    Attributes:
        mesh: the dolfinx mesh.
        cell_tags: cell markers ("sphere", "air").
        markers: physical-group name → integer tag.
        sphere_radius: a [m].
        box_half_size: L [m].
        sphere_spacing: cell size inside the sphere [m].
    """

    mesh: dolfinx.mesh.Mesh
    cell_tags: dolfinx.mesh.MeshTags
    markers: dict[str, int]
    sphere_radius: float
    box_half_size: float
    sphere_spacing: float


def sphere_box_mesh(comm: MPI.Comm, *, sphere_radius: float, box_factor: float = 6.0,
                    cells_per_radius: float = 6.0, far_cell_factor: float = 1.5,
                    geometry_order: int = 1) -> SphereBoxMesh:
    """Build a graded gmsh (OCC) mesh of a sphere inside a cubic air box, on rank 0.

    The cell size is h0 = a/cells_per_radius inside the sphere and grows linearly with the
    distance from the sphere surface up to ``far_cell_factor``·a at the box faces.

    Args:
        comm: MPI communicator.
        sphere_radius: a [m].
        box_factor: L/a, the box half-size in sphere radii (the n×A = 0 box acts as a
            superconducting shell: it raises the field seen by the sphere by ~(a/L)³).
        cells_per_radius: a/h0.
        far_cell_factor: cell size at the box faces, in a.
        geometry_order: 1 (flat tetrahedra) or 2 (curved, quadratic geometry: the sphere's volume
            error drops from O(h²) to O(h⁴)).

    Returns:
        :class:`SphereBoxMesh`.
    """
    import gmsh

    a = float(sphere_radius)
    if not (a > 0 and box_factor > 1.5 and cells_per_radius > 0):
        raise ValueError(f"sphere_box_mesh: need sphere_radius > 0 (got {a!r} m), box_factor > 1.5 "
                         f"(got {box_factor!r}) and cells_per_radius > 0; give SI values.")
    if geometry_order not in (1, 2):
        raise ValueError(f"sphere_box_mesh: geometry_order={geometry_order!r} must be 1 or 2.")
    L = box_factor * a
    h0 = a / cells_per_radius
    h_far = far_cell_factor * a
    markers = {"air": 1, "sphere": 2}
    model = None
    if comm.rank == 0:
        if not gmsh.is_initialized():
            gmsh.initialize(interruptible=False)
        gmsh.option.setNumber("General.Terminal", 0)
        gmsh.model.add("femmag_sphere_box")
        occ = gmsh.model.occ
        sphere = occ.addSphere(0, 0, 0, a)
        box = occ.addBox(-L, -L, -L, 2 * L, 2 * L, 2 * L)
        occ.fragment([(3, box)], [(3, sphere)])
        occ.synchronize()
        inside, outside = [], []
        for _, tag in gmsh.model.getEntities(3):
            xmin, _, _, xmax, _, _ = gmsh.model.getBoundingBox(3, tag)
            (inside if xmax - xmin < 2.5 * a else outside).append(tag)
        gmsh.model.addPhysicalGroup(3, outside, markers["air"], name="air")
        gmsh.model.addPhysicalGroup(3, inside, markers["sphere"], name="sphere")
        size = gmsh.model.mesh.field.add("MathEval")
        slope = (h_far - h0) / (L - a)
        gmsh.model.mesh.field.setString(
            size, "F", f"{h0} + {slope}*Max(0, Sqrt(x*x + y*y + z*z) - {a})")
        gmsh.model.mesh.field.setAsBackgroundMesh(size)
        gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 0)
        gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 0)
        gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", 0)
        gmsh.model.mesh.generate(3)
        if geometry_order == 2:
            gmsh.model.mesh.setOrder(2)
        model = gmsh.model
    partitioner = dolfinx.mesh.create_cell_partitioner(dolfinx.mesh.GhostMode.shared_facet, 3)
    mesh_data = dolfinx.io.gmsh.model_to_mesh(model, comm, 0, gdim=3, partitioner=partitioner)
    if comm.rank == 0:
        gmsh.model.remove()
    return SphereBoxMesh(mesh=mesh_data.mesh, cell_tags=mesh_data.cell_tags, markers=markers,
                         sphere_radius=a, box_half_size=L, sphere_spacing=h0)


@dataclass(frozen=True)
class UniformStepField:
    """A uniform impressed field B0 ẑ switched on as a step just after ``switch_on_time``.

    A_imp = (B0 ρ/2) φ̂ (so ∇×A_imp = B0 ẑ). With the solvers' discrete time derivative the step
    is an impulse of the impressed EMF over the first step after t_on (no Dirac source needed).

    Attributes:
        peak_field: B0 [T].
        switch_on_time: t_on [s]; the amplitude is 0 for t ≤ t_on and 1 after.
    """

    peak_field: float
    switch_on_time: float = 0.0

    def amplitude(self, t: float) -> float:
        """Heaviside step (1 for t > t_on)."""
        return 1.0 if t > self.switch_on_time else 0.0

    def flux_density(self, rho: np.ndarray) -> np.ndarray:
        """B_z = B0 [T]."""
        return self.peak_field * np.ones_like(np.asarray(rho, dtype=float))

    def vector_potential(self, rho: np.ndarray) -> np.ndarray:
        """A_φ = B0 ρ/2 [T m]."""
        return 0.5 * self.peak_field * np.asarray(rho, dtype=float)


@dataclass
class Induction3DTrace:
    """Traces recorded by :meth:`Induction3D.run` (SI units).

    Attributes:
        times: t [s], shape (n_t,).
        points: probe points [m], shape (n_p, 3).
        field: B = ∇×A + B_IFE at the points [T], shape (n_t, n_p, 3).
        impressed_field_z: B_IFE,z at the points [T], shape (n_t, n_p).
        average_field_z: Gaussian-weighted conductor average of B_z (see
            :meth:`Induction3D.film_average_field_z`) [T], shape (n_t,) (NaN if not requested).
        magnetic_energy: ∫ |∇×A|²/(2μ0) dV over the box [J], shape (n_t,).
        magnetic_moment: ½∫ x × j dV over the conductor [A m²], shape (n_t, 3).
        joule_energy: cumulative ∫∫ σ|E|² dV dt [J], shape (n_t,).
        source_work: cumulative work of the impressed EMF and of the magnetization source [J].
        numerical_dissipation: cumulative (θ - ½)ΔAᵀKΔA of the θ-scheme [J] (0 for CN).
    """

    times: np.ndarray
    points: np.ndarray
    field: np.ndarray
    impressed_field_z: np.ndarray
    average_field_z: np.ndarray
    magnetic_energy: np.ndarray
    magnetic_moment: np.ndarray
    joule_energy: np.ndarray
    source_work: np.ndarray
    numerical_dissipation: np.ndarray

    @property
    def energy_imbalance(self) -> np.ndarray:
        """(ΔW + Joule + numerical dissipation - source work) / max|source work| (≈ 0)."""
        scale = max(np.max(np.abs(self.source_work)), 1e-300)
        return (self.magnetic_energy - self.magnetic_energy[0] + self.joule_energy
                + self.numerical_dissipation - self.source_work) / scale


class _PointProbe:
    """Values of a vector Function at fixed points (each from the lowest rank owning it)."""

    def __init__(self, mesh: dolfinx.mesh.Mesh, points: np.ndarray,
                 allow_outside: bool = False) -> None:
        self.comm = mesh.comm
        self.points = np.asarray(points, dtype=float).reshape(-1, 3)
        tdim = mesh.topology.dim
        n_owned = mesh.topology.index_map(tdim).size_local
        tree = dolfinx.geometry.bb_tree(mesh, tdim, entities=np.arange(n_owned, dtype=np.int32))
        cand = dolfinx.geometry.compute_collisions_points(tree, self.points)
        cells = dolfinx.geometry.compute_colliding_cells(mesh, cand, self.points)
        counts = np.diff(cells.offsets)
        self.found = np.flatnonzero(counts > 0)
        self.cells = cells.array[cells.offsets[self.found]].astype(np.int32)
        hit = np.zeros(len(self.points), dtype=np.int32)
        hit[self.found] = self.comm.rank + 1
        # every point from the lowest rank that owns a cell containing it
        owner = np.where(hit > 0, hit, self.comm.size + 1).astype(np.int32)
        self.comm.Allreduce(MPI.IN_PLACE, owner, op=MPI.MIN)
        #: points found in no cell of any rank (their values are 0 with allow_outside)
        self.outside = owner > self.comm.size
        if np.any(self.outside) and not allow_outside:
            raise ValueError(f"Induction3D probe: points {self.points[owner > self.comm.size]} lie "
                             f"outside the mesh; give points inside the box [m].")
        mine = owner[self.found] == self.comm.rank + 1
        self.found, self.cells = self.found[mine], self.cells[mine]

    def evaluate(self, function: fem.Function) -> np.ndarray:
        """(n_p, 3) values, collective."""
        local = np.zeros((len(self.points), 3))
        if len(self.found):
            local[self.found] = np.asarray(function.eval(self.points[self.found],
                                                         self.cells)).reshape(-1, 3)
        self.comm.Allreduce(MPI.IN_PLACE, local, op=MPI.SUM)
        return local


_SCHEMES = ("euler", "bdf2", "cn")


class Induction3D:
    r"""3D eddy-current induction, A ∈ N1curl, backward Euler / BDF2 / Crank–Nicolson, MUMPS.

    Args:
        disk_mesh: a :class:`DiskBoxMesh`, :class:`SphereBoxMesh` or any object with ``mesh``,
            ``cell_tags`` and ``markers[conductor]``.
        conductivity: conductor conductivity σ [S/m].
        source: impressed flux with ``amplitude(t)``, ``vector_potential(ρ)`` [T m] and
            ``flux_density(ρ)`` [T] (e.g. :class:`~femmag.physics.induction.axisymmetric.GaussianImpressedFlux`
            or :class:`UniformStepField`), centred on the z axis; None for no IFE. Its EMF acts
            on the conductor only.
        air_conductivity_ratio: σ_air/σ of the gauging conductivity (spec §3.4 option 1).
        degree: N1curl degree (1 or 2).
        scheme: ``"bdf2"`` (default, variable step, first step Euler), ``"euler"`` or ``"cn"``
            (Crank–Nicolson, exact discrete energy balance), as
            :class:`~femmag.physics.induction.axisymmetric.AxisymmetricInduction`.
        conductor: the cell-tag name of the conducting region (``"film"``, ``"sphere"``).
        quadrature_degree: of the volume forms (default: exact for affine cells; 2·degree + 2 on
            curved, quadratic-geometry cells).
        t_start: initial time [s] (A = 0 there).

    Attributes:
        vector_potential: the committed A [T m] (N1curl Function).
        magnetization: M [A/m] (DG0 vector Function, zero by default; enters as ∫ M·∇×v; set it
            before :meth:`step` to the value at the end of the step).
        curl: ∇×A of the committed state [T] (DG vector Function, updated by :meth:`commit`).
        joule_energy, source_work, numerical_dissipation: cumulative energies [J] (see
            :attr:`Induction3DTrace.energy_imbalance`).
    """

    name = "induction3d"

    def __init__(self, disk_mesh: Any, *, conductivity: float, source: Any = None,
                 air_conductivity_ratio: float = 1e-6, degree: int = 1, scheme: str = "bdf2",
                 conductor: str = "film", quadrature_degree: int | None = None,
                 t_start: float = 0.0) -> None:
        if not (np.isfinite(conductivity) and conductivity > 0):
            raise ValueError(f"Induction3D: conductivity={conductivity!r} must be a positive "
                             f"number in S/m (e.g. 8e6).")
        if not 0 < air_conductivity_ratio < 1e-2:
            raise ValueError(f"Induction3D: air_conductivity_ratio={air_conductivity_ratio!r} "
                             f"must lie in (0, 1e-2) (1e-6…1e-8 recommended, spec §3.4).")
        if scheme not in _SCHEMES:
            raise ValueError(f"Induction3D: scheme={scheme!r} is unknown; choose one of "
                             f"{_SCHEMES}.")
        if degree not in (1, 2):
            raise ValueError(f"Induction3D: degree={degree!r} must be 1 or 2.")
        if conductor not in disk_mesh.markers:
            raise ValueError(f"Induction3D: conductor={conductor!r} is not a cell group of the "
                             f"mesh (groups: {sorted(disk_mesh.markers)}).")
        self.disk_mesh = disk_mesh
        mesh = disk_mesh.mesh
        self.comm = mesh.comm
        self.conductivity = float(conductivity)
        self.source = source
        self.scheme = scheme
        self.degree = degree
        self.t = float(t_start)
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
            return A

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
        self.vector_potential = fem.Function(V, name="vector_potential")
        self._previous = fem.Function(V)
        self._trial = fem.Function(V)
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
        self._g_now = self._amplitude(self.t)
        self._g_prev = self._g_now
        self._dg_now = 0.0  # D_t g of the committed step
        self._dt_prev: float | None = None
        self._rhs = fem_petsc.create_vector(V)
        self._work = self._rhs.duplicate()
        self._scratch = self._rhs.duplicate()
        self._b_m = self._rhs.duplicate()  # ∫ M·∇×v of the committed state
        self._b_m.set(0.0)
        self._b_m_trial = self._rhs.duplicate()
        self._b_m_trial.set(0.0)
        self._solvers: dict[tuple[float, float], PETSc.KSP] = {}
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
        self._cell_volume = fem_petsc.assemble_vector(fem.form(w0 * dx))
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
        # energy bookkeeping (cumulative) and committed powers [W]
        self.joule_energy = 0.0
        self.source_work = 0.0
        self.numerical_dissipation = 0.0
        self._powers = (0.0, 0.0)
        self._trial_energy = (0.0, 0.0, 0.0)
        self._trial_powers = (0.0, 0.0)
        self.solve_count = 0
        self.factorization_count = 0

    def _amplitude(self, t: float) -> float:
        return 0.0 if self.source is None else float(self.source.amplitude(t))

    def summary(self) -> str:
        """Sizes and parameters (collective)."""
        ndofs = self.V.dofmap.index_map.size_global * self.V.dofmap.index_map_bs
        ncells = self.comm.allreduce(
            self.V.mesh.topology.index_map(3).size_local, op=MPI.SUM)
        return (f"induction3d: A ∈ N1curl (degree {self.degree}), {ndofs} dofs, {ncells} tets, "
                f"σ = {self.conductivity:.3g} S/m, scheme {self.scheme}, MUMPS")

    def _solver(self, c0: float, theta: float) -> PETSc.KSP:
        key = (float(f"{c0:.12e}"), theta)
        ksp = self._solvers.get(key)
        if ksp is None:
            # c0 M_σ + θ K (same sparsity), Dirichlet rows and columns replaced by the identity
            A = self.K.copy()
            A.scale(theta)
            A.axpy(c0, self.M_sigma, structure=PETSc.Mat.Structure.SAME_NONZERO_PATTERN)
            A.zeroRowsColumns(self._bc_rows, diag=1.0)
            ksp = lu_solver(A, "induction3d")
            self._solvers[key] = ksp
            self.factorization_count += 1
        return ksp

    def step(self, t: float, dt: float) -> None:
        """Compute the trial A at t + dt from the committed state at t (call :meth:`commit`).

        The magnetization source is the current content of :attr:`magnetization` (taken as M at
        t + dt; Crank–Nicolson averages it with the committed one).
        """
        if not dt > 0:
            raise ValueError(f"Induction3D.step: dt = {dt!r} s must be positive.")
        if abs(t - self.t) > 1e-9 * dt + 1e-24:
            raise ValueError(f"Induction3D.step: t = {t!r} s differs from the committed time "
                             f"{self.t!r} s; steps must be consecutive.")
        theta, (c0, c1, c2) = time_derivative_weights(self.scheme, dt, self._dt_prev)
        use_bdf2 = c2 != 0.0  # a two-step BDF2 step (not its Euler start)
        g_new = self._amplitude(t + dt)
        dg = c0 * g_new + c1 * self._g_now + c2 * self._g_prev
        A_n = self.vector_potential.x.petsc_vec
        A_nm1 = self._previous.x.petsc_vec
        # rhs = -M_σ(c1 A^n + c2 A^{n-1}) - D_tg M_film a_h - (1-θ) K A^n + θ b_M^{n+1}
        #       + (1-θ) b_M^n
        hist = self._work
        hist.set(0.0)
        hist.axpy(c1, A_n)
        if c2 != 0.0:
            hist.axpy(c2, A_nm1)
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
        ksp = self._solver(c0, theta)
        A_new = self._trial.x.petsc_vec
        ksp.solve(rhs, A_new)
        check_ksp(ksp, "induction3d (A, N1curl)")
        self._trial.x.scatter_forward()
        self.solve_count += 1

        # D_tA^{n+1} and the energy increments (exact identities for the θ-schemes)
        rate = self._trial_rate.x.petsc_vec
        rate.set(0.0)
        rate.axpy(c0, A_new)
        rate.axpy(c1, A_n)
        if c2 != 0.0:
            rate.axpy(c2, A_nm1)
        self._trial_rate.x.scatter_forward()
        # conductor E = -(D_tA + D_tg a_h); P_J = EᵀM_film E + (D_tA)ᵀ M_air D_tA
        field = hist
        rate.copy(field)
        field.axpy(dg, self.impressed_profile.x.petsc_vec)
        field.scale(-1.0)
        scratch = self._trial.x.petsc_vec.duplicate()
        self.M_film.mult(field, scratch)
        joule_power = field.dot(scratch)
        source_power = -dg * self.impressed_profile.x.petsc_vec.dot(scratch)
        self.M_air.mult(rate, scratch)
        joule_power += rate.dot(scratch)
        source_power += rate.dot(magnetization_load)  # work of the magnetization source
        if use_bdf2:  # trapezoidal in time: second order like the scheme
            joule = 0.5 * dt * (joule_power + self._powers[0])
            work = 0.5 * dt * (source_power + self._powers[1])
        else:  # the exact discrete identity of the θ-scheme
            joule, work = dt * joule_power, dt * source_power
        # θ-scheme: ΔAᵀK(θA^{n+1} + (1-θ)A^n) = ΔW + (θ - ½)ΔAᵀKΔA exactly (BDF2: left out,
        # the balance then closes to O(Δt²))
        if use_bdf2:
            dissipation = 0.0
        else:
            A_new.copy(field)
            field.axpy(-1.0, A_n)
            self.K.mult(field, scratch)
            dissipation = (theta - 0.5) * field.dot(scratch)
        scratch.destroy()
        self._trial_energy = (joule, work, dissipation)
        self._trial_powers = (joule_power, source_power)
        self._trial_step = (t + dt, dt, g_new, dg)

    def commit(self) -> None:
        """Accept the trial state of the last :meth:`step` and update :attr:`curl`."""
        t_new, dt, g_new, dg = self._trial_step
        self._previous.x.array[:] = self.vector_potential.x.array
        self.vector_potential.x.array[:] = self._trial.x.array
        self._rate.x.array[:] = self._trial_rate.x.array
        self._g_prev, self._g_now, self._dg_now = self._g_now, g_new, dg
        self._dt_prev = dt
        self.t = t_new
        self._b_m_trial.copy(self._b_m)
        joule, work, dissipation = self._trial_energy
        self._powers = self._trial_powers
        self.joule_energy += joule
        self.source_work += work
        self.numerical_dissipation += dissipation
        self.curl.interpolate(self._curl_expr)

    def reject(self) -> None:
        """Nothing to undo: a step computes a trial state from the committed one."""

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
        return Induction3DTrace(times=times, points=probe.points, field=r["field"],
                                impressed_field_z=r["ife"], average_field_z=r["avg"],
                                magnetic_energy=r["energy"], magnetic_moment=r["moment"],
                                joule_energy=r["joule"], source_work=r["work"],
                                numerical_dissipation=r["diss"])
