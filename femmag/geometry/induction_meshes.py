"""gmsh meshes of the induction solvers: an r-z film box and 3D conductor-in-air boxes.

Each builder meshes on rank 0 with gmsh and distributes the mesh; it returns a small record with
the mesh, its tags, the name → tag markers and the geometric sizes the solvers need.

- :func:`rz_film_mesh`: the meridian half-plane (x[0] = r, x[1] = z) of a film in an air/substrate
  box, the film either an internal line (thin sheet) or a meshed layer;
- :func:`disk_box_mesh`: a cylindrical air box with a resolved conducting disk (extruded, graded
  towards the film);
- :func:`sphere_box_mesh`: a conducting sphere in a cubic air box (OCC), optionally curved.

Lengths are given with their unit (``"5 um"``, ``"10 nm"`` or pint quantities) and parsed by
:func:`femmag.units.to_si`; a bare number is an error naming the expected unit. The records hold
SI metres.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from mpi4py import MPI

import dolfinx

from femmag.units import to_si

__all__ = ["DiskBoxMesh", "RZFilmMesh", "SphereBoxMesh", "disk_box_mesh", "rz_film_mesh",
           "sphere_box_mesh"]

FILM_REPRESENTATIONS = ("sheet", "resolved")
#: rz_film_mesh: the cell size at the box boundary is at least this fraction of the box radius
_FAR_CELL_FRACTION = 1 / 20


@dataclass
class RZFilmMesh:
    """An r-z mesh of film + air + substrate (x[0] = r, x[1] = z, film top at z = 0).

    Attributes:
        mesh: the dolfinx mesh (triangles).
        cell_tags: cell markers ("air", "substrate" and, if resolved, "film").
        facet_tags: facet markers ("film" line if sheet, "boundary").
        markers: physical-group name → integer tag.
        representation: "sheet" or "resolved".
        thickness: film thickness d [m].
        film_z: z of the sheet line (-d/2) or of the film mid-plane (-d/2) [m].
        radius: box radius R [m]; the box spans z ∈ [-R, R].
        film_spacing: radial node spacing on the film near the axis [m].
    """

    mesh: dolfinx.mesh.Mesh
    cell_tags: dolfinx.mesh.MeshTags
    facet_tags: dolfinx.mesh.MeshTags
    markers: dict[str, int]
    representation: str
    thickness: float
    film_z: float
    radius: float
    film_spacing: float


def rz_film_mesh(comm: MPI.Comm, *, beam_radius: Any, thickness: Any,
                 representation: str = "sheet", box_factor: float = 20.0,
                 cells_per_radius: float = 10.0, refined_factor: float = 3.0,
                 growth: float = 1.12, far_cell_factor: float = 2.0,
                 film_layers: int = 2, box_radius: Any = None) -> RZFilmMesh:
    """Build the r-z film mesh with gmsh on rank 0 and distribute it.

    Args:
        comm: MPI communicator.
        beam_radius: r0, e.g. ``"5 um"``; sets all mesh sizes.
        thickness: film thickness d, e.g. ``"10 nm"``.
        representation: "sheet" (film = internal line at z = -d/2) or "resolved" (layer [-d, 0]
            with ``film_layers`` structured cell layers).
        box_factor: box radius and half-height in units of r0 (≥ 20 recommended).
        box_radius: alternatively the box radius and half-height R itself, e.g. ``"2 mm"``
            (overrides ``box_factor``; the eddy currents of a thin sheet spread outwards at
            2/(μ0σd) after the pulse, see
            :func:`femmag.physics.induction.module.induction_box_radius`).
        cells_per_radius: film node spacing h0 = r0/cells_per_radius for r < refined_factor·r0,
            and the cell size within that distance of the beam centre.
        refined_factor: radius of the uniformly refined zone, in r0.
        growth: geometric growth of the film spacing beyond the refined zone.
        far_cell_factor: cell size at the outer boundary, in r0 (at least R/20: a large box keeps
            20 cells per box radius at its boundary).
        film_layers: cell layers across a resolved film.

    Returns:
        :class:`RZFilmMesh`.
    """
    import gmsh

    beam_radius = to_si(beam_radius, "length", "rz_film_mesh beam_radius")
    thickness = to_si(thickness, "thickness", "rz_film_mesh thickness")
    if box_radius is not None:
        box_factor = to_si(box_radius, "length", "rz_film_mesh box_radius") / beam_radius
    if representation not in FILM_REPRESENTATIONS:
        raise ValueError(f"rz_film_mesh: representation={representation!r}; choose one of "
                         f"{FILM_REPRESENTATIONS}.")
    if not (thickness > 0 and beam_radius > 0 and thickness < 0.1 * beam_radius):
        raise ValueError(f"rz_film_mesh: need 0 < thickness ({thickness!r} m) < 0.1·beam_radius "
                         f"({beam_radius!r} m).")
    if box_factor < 5:
        raise ValueError(f"rz_film_mesh: box_factor={box_factor} is too small for the Dirichlet "
                         f"truncation; use ≥ 20 (the error scales as box_factor⁻³).")
    if not 0 < refined_factor < box_factor:
        raise ValueError(f"rz_film_mesh: refined_factor={refined_factor} must lie in (0, "
                         f"box_factor={box_factor}): the refined zone ends inside the box.")
    r0, d = beam_radius, thickness
    R = box_factor * r0
    h0 = r0 / cells_per_radius
    L1 = refined_factor * r0
    h_far = max(far_cell_factor * r0, R * _FAR_CELL_FRACTION)
    film_z = -d / 2
    markers = {"air": 1, "substrate": 2, "film": 3, "boundary": 4}

    model = None
    if comm.rank == 0:
        if not gmsh.is_initialized():
            gmsh.initialize(interruptible=False)
        gmsh.option.setNumber("General.Terminal", 0)
        gmsh.model.add(f"femmag_rz_film_{representation}")
        geo = gmsh.model.geo
        n1 = max(2, math.ceil(L1 / h0))
        # geometric progression from h0 up to ~h_far over [L1, R]
        n2 = max(2, math.ceil(math.log(1 + (R - L1) * (growth - 1) / h0) / math.log(growth)))
        n2 = min(n2, math.ceil((R - L1) / h0))

        def film_line_points(z: float) -> tuple[int, int, int]:
            return (geo.addPoint(0, z, 0), geo.addPoint(L1, z, 0), geo.addPoint(R, z, 0))

        def film_lines(p: tuple[int, int, int]) -> tuple[int, int]:
            a = geo.addLine(p[0], p[1])
            b = geo.addLine(p[1], p[2])
            geo.mesh.setTransfiniteCurve(a, n1 + 1)
            geo.mesh.setTransfiniteCurve(b, n2 + 1, "Progression", growth)
            return a, b

        bottom_left, bottom_right = geo.addPoint(0, -R, 0), geo.addPoint(R, -R, 0)
        top_left, top_right = geo.addPoint(0, R, 0), geo.addPoint(R, R, 0)
        if representation == "sheet":
            fp = film_line_points(film_z)
            fa, fb = film_lines(fp)
            upper_pts, lower_pts, upper_lines, lower_lines = fp, fp, (fa, fb), (fa, fb)
        else:
            up = film_line_points(0.0)
            lo = film_line_points(-d)
            ua, ub = film_lines(up)
            la, lb = film_lines(lo)
            upper_pts, lower_pts, upper_lines, lower_lines = up, lo, (ua, ub), (la, lb)
            verticals = [geo.addLine(lo[i], up[i]) for i in range(3)]
            for v in verticals:
                geo.mesh.setTransfiniteCurve(v, film_layers + 1)
            film_surfaces = []
            for i in range(2):
                loop = geo.addCurveLoop([lower_lines[i], verticals[i + 1], -upper_lines[i],
                                         -verticals[i]])
                s = geo.addPlaneSurface([loop])
                geo.mesh.setTransfiniteSurface(s)
                film_surfaces.append(s)
        # substrate: below the lower film line
        l_bottom = geo.addLine(bottom_left, bottom_right)
        l_sub_right = geo.addLine(bottom_right, lower_pts[2])
        l_sub_axis = geo.addLine(lower_pts[0], bottom_left)
        sub_loop = geo.addCurveLoop([l_bottom, l_sub_right, -lower_lines[1], -lower_lines[0],
                                     l_sub_axis])
        substrate = geo.addPlaneSurface([sub_loop])
        l_air_right = geo.addLine(upper_pts[2], top_right)
        l_top = geo.addLine(top_right, top_left)
        l_air_axis = geo.addLine(top_left, upper_pts[0])
        air_loop = geo.addCurveLoop([upper_lines[0], upper_lines[1], l_air_right, l_top,
                                     l_air_axis])
        air = geo.addPlaneSurface([air_loop])
        centre = upper_pts[0]  # beam centre on the film (an existing node)
        geo.synchronize()

        outer = [l_bottom, l_sub_right, l_sub_axis, l_air_right, l_top, l_air_axis]
        if representation == "resolved":
            outer += [verticals[0], verticals[2]]
        gmsh.model.addPhysicalGroup(2, [air], markers["air"], name="air")
        gmsh.model.addPhysicalGroup(2, [substrate], markers["substrate"], name="substrate")
        if representation == "resolved":
            gmsh.model.addPhysicalGroup(2, film_surfaces, markers["film"], name="film")
        else:
            gmsh.model.addPhysicalGroup(1, [fa, fb], markers["film"], name="film")
        gmsh.model.addPhysicalGroup(1, outer, markers["boundary"], name="boundary")

        # size field: h0 near the beam centre, growing linearly to h_far at the box edge
        dist = gmsh.model.mesh.field.add("Distance")
        gmsh.model.mesh.field.setNumbers(dist, "PointsList", [centre])
        thr = gmsh.model.mesh.field.add("Threshold")
        gmsh.model.mesh.field.setNumber(thr, "InField", dist)
        gmsh.model.mesh.field.setNumber(thr, "SizeMin", h0)
        gmsh.model.mesh.field.setNumber(thr, "SizeMax", h_far)
        gmsh.model.mesh.field.setNumber(thr, "DistMin", L1)
        gmsh.model.mesh.field.setNumber(thr, "DistMax", R)
        gmsh.model.mesh.field.setAsBackgroundMesh(thr)
        gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 0)
        gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 0)
        gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", 0)
        gmsh.option.setNumber("Mesh.Algorithm", 6)
        gmsh.model.mesh.generate(2)
        model = gmsh.model

    partitioner = dolfinx.mesh.create_cell_partitioner(dolfinx.mesh.GhostMode.shared_facet, 2)
    mesh_data = dolfinx.io.gmsh.model_to_mesh(model, comm, 0, gdim=2, partitioner=partitioner)
    if comm.rank == 0:
        gmsh.model.remove()
    return RZFilmMesh(mesh=mesh_data.mesh, cell_tags=mesh_data.cell_tags,
                      facet_tags=mesh_data.facet_tags, markers=markers,
                      representation=representation, thickness=d, film_z=film_z, radius=R,
                      film_spacing=h0)


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


def disk_box_mesh(comm: MPI.Comm, *, beam_radius: Any, thickness: Any,
                  disk_radius: Any = None, box_radius: Any = None,
                  half_height: Any = None, cells_per_radius: float = 6.0,
                  refined_factor: float = 0.75, far_cell_factor: float = 2.5,
                  film_layers: int = 2, layer_growth: float = 1.6) -> DiskBoxMesh:
    """Build the extruded 3D disk-in-box mesh with gmsh on rank 0 and distribute it.

    Args:
        comm: MPI communicator.
        beam_radius: r0, e.g. ``"5 um"``; sets the mesh sizes.
        thickness: disk thickness d, e.g. ``"10 nm"`` (disk occupies z ∈ [-d, 0]).
        disk_radius: R_d (default: the box radius, i.e. a film spanning the box).
        box_radius: R_box (default 5 r0).
        half_height: H (default R_box).
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

    r0 = to_si(beam_radius, "length", "disk_box_mesh beam_radius")
    d = to_si(thickness, "thickness", "disk_box_mesh thickness")
    R = 5.0 * r0 if box_radius is None else to_si(box_radius, "length", "disk_box_mesh box_radius")
    Rd = R if disk_radius is None else to_si(disk_radius, "length", "disk_box_mesh disk_radius")
    H = R if half_height is None else to_si(half_height, "length", "disk_box_mesh half_height")
    if not (r0 > 0 and d > 0 and 0 < Rd <= R and H > d):
        raise ValueError(f"disk_box_mesh: need beam_radius > 0, thickness > 0, 0 < disk_radius ≤ "
                         f"box_radius and half_height > thickness (got r0={r0!r}, d={d!r}, "
                         f"R_d={Rd!r}, R_box={R!r}, H={H!r}) [m].")
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
        sphere_radius: a, e.g. ``"10 um"``.
        box_half_size: L [m].
        sphere_spacing: cell size inside the sphere [m].
    """

    mesh: dolfinx.mesh.Mesh
    cell_tags: dolfinx.mesh.MeshTags
    markers: dict[str, int]
    sphere_radius: float
    box_half_size: float
    sphere_spacing: float


def sphere_box_mesh(comm: MPI.Comm, *, sphere_radius: Any, box_factor: float = 6.0,
                    cells_per_radius: float = 6.0, far_cell_factor: float = 1.5,
                    geometry_order: int = 1) -> SphereBoxMesh:
    """Build a graded gmsh (OCC) mesh of a sphere inside a cubic air box, on rank 0.

    The cell size is h0 = a/cells_per_radius inside the sphere and grows linearly with the
    distance from the sphere surface up to ``far_cell_factor``·a at the box faces.

    Args:
        comm: MPI communicator.
        sphere_radius: a, e.g. ``"10 um"``.
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

    a = to_si(sphere_radius, "length", "sphere_box_mesh sphere_radius")
    if not (a > 0 and box_factor > 1.5 and cells_per_radius > 0):
        raise ValueError(f"sphere_box_mesh: need sphere_radius > 0 (got {a!r} m), box_factor > 1.5 "
                         f"(got {box_factor!r}) and cells_per_radius > 0.")
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
