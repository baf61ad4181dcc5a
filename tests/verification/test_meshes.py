"""Mesh builders and Domain: regions, volumes, interfaces, quadrature points, MPI invariance."""

from pathlib import Path

from mpi4py import MPI

import numpy as np
import pytest
from dolfinx import fem
from dolfinx.mesh import entities_to_geometry

from femmag.geometry import (
    Domain,
    Layer,
    MeshBuildError,
    MissingRegionError,
    Stack,
    build_1d,
    build_3d,
    build_axisymmetric,
)
from femmag.studies.seed000 import seed000_spin_valve
from femmag.studies.seed003 import seed003_film

REPO = Path(__file__).resolve().parents[2]
TOL = 1e-10


def assemble(form, comm):
    return comm.allreduce(fem.assemble_scalar(fem.form(form)), op=MPI.SUM)


def facet_coordinates(domain, name):
    """Vertex coordinates (n, 3) of the local facets of a named group."""
    tdim = domain.mesh.topology.dim
    facets = domain.facets(name)
    if len(facets) == 0:
        return np.zeros((0, 3))
    geom = entities_to_geometry(domain.mesh, tdim - 1, facets, False)
    return domain.mesh.geometry.x[geom].reshape(-1, 3)


def check_interfaces(domain, stack, comm):
    """Every interface group exists and all its vertices lie at the stack's z."""
    zi = stack.z_interfaces()
    names = ["top", *stack.interface_names(), "substrate_bottom"]
    assert len(names) == len(zi)
    scale = stack.total_thickness
    for name, z in zip(names, zi, strict=True):
        x = facet_coordinates(domain, name)
        assert comm.allreduce(len(x), op=MPI.SUM) > 0, name
        if len(x):
            assert np.max(np.abs(x[:, domain.z_index] - z)) < 1e-9 * scale, name


@pytest.fixture(scope="module")
def film():
    return seed003_film(substrate_thickness="1 um")


def test_1d_spin_valve_lengths_and_interfaces(comm):
    stack = seed000_spin_valve()
    domain = build_1d(stack, comm)
    assert domain.kind == "1d" and domain.z_index == 0
    assert set(domain.regions) == set(stack.names) | {"substrate"}
    assert set(domain.boundaries) == {"top", "substrate_bottom", *stack.interface_names()}
    for layer in stack.all_layers():
        assert domain.volume(layer.name) == pytest.approx(layer.thickness, rel=TOL)
    cu = assemble(1.0 * domain.dx("spacer_Cu"), comm)
    assert cu == pytest.approx(80e-9, rel=TOL)
    both = assemble(1.0 * domain.dx(["free_Co1", "free_Co2"]), comm)
    assert both == pytest.approx(1.2e-9, rel=TOL)
    check_interfaces(domain, stack, comm)
    # cells ≤ 1 nm and ≥ 4 per layer: 0.6 nm Co gets 4 cells of 0.15 nm
    n_co = comm.allreduce(len(domain.cells("free_Co1", include_ghosts=False)), op=MPI.SUM)
    n_cu = comm.allreduce(len(domain.cells("spacer_Cu", include_ghosts=False)), op=MPI.SUM)
    assert (n_co, n_cu) == (4, 80)


def test_rz_film_volumes_interfaces_and_boundaries(comm, film):
    R = 6e-6
    domain = build_axisymmetric(film, comm, radius="6 um", beam_radius="2 um",
                                cells_per_beam_radius=6, max_cell_size="2.5 nm")
    assert domain.kind == "rz" and domain.z_index == 1
    assert set(domain.regions) == {"CoPt", "substrate"}
    assert set(domain.boundaries) == {"top", "CoPt|substrate", "substrate_bottom", "axis", "outer"}
    r = domain.radial_weight
    film_volume = 2 * np.pi * assemble(r * domain.dx("CoPt"), comm)
    assert film_volume == pytest.approx(np.pi * R**2 * 10e-9, rel=TOL)
    assert domain.volume("substrate") == pytest.approx(np.pi * R**2 * 1e-6, rel=TOL)
    check_interfaces(domain, film, comm)
    # facet groups: lengths of top (exterior), the interface (interior), axis and outer
    assert assemble(1.0 * domain.ds("top"), comm) == pytest.approx(R, rel=TOL)
    assert assemble(1.0 * domain.dS("CoPt|substrate"), comm) == pytest.approx(R, rel=TOL)
    assert assemble(1.0 * domain.ds(["axis", "outer"]), comm) == pytest.approx(2 * 1.01e-6, rel=TOL)
    x_axis = facet_coordinates(domain, "axis")
    assert np.all(x_axis[:, 0] == 0.0)
    x_outer = facet_coordinates(domain, "outer")
    assert np.allclose(x_outer[:, 0], R, rtol=1e-14)


def test_rz_air_boxes_triangles(comm, film):
    R = 4e-6
    domain = build_axisymmetric(film, comm, radius="4 um", cells_per_beam_radius=3,
                                air_above="3 um", air_below="2 um", max_cell_size="5 nm",
                                cell_type="triangle")
    assert domain.mesh.topology.cell_name() == "triangle"
    assert set(domain.regions) == {"CoPt", "substrate", "air"}
    assert {"top", "substrate_bottom", "air_boundary", "axis", "outer"} <= set(domain.boundaries)
    assert domain.volume("air") == pytest.approx(np.pi * R**2 * 5e-6, rel=TOL)
    assert domain.volume(["CoPt", "substrate"]) == pytest.approx(np.pi * R**2 * 1.01e-6, rel=TOL)
    # with air above, "top" is an interior facet group
    assert assemble(1.0 * domain.dS("top"), comm) == pytest.approx(R, rel=TOL)
    # air boundary: top lid + bottom lid + lateral side of both boxes
    assert assemble(1.0 * domain.ds("air_boundary"), comm) == pytest.approx(2 * R + 5e-6, rel=TOL)
    check_interfaces(domain, film, comm)


def test_3d_box_and_disk(comm, film):
    box = build_3d(film, comm, shape="box", size=("2 um", "1 um"), cells_per_side=(4, 2),
                   max_cell_size="5 nm")
    assert box.kind == "3d" and box.z_index == 2
    assert box.volume("CoPt") == pytest.approx(2e-12 * 10e-9, rel=TOL)
    assert assemble(1.0 * box.dx("substrate"), comm) == pytest.approx(2e-12 * 1e-6, rel=TOL)
    check_interfaces(box, film, comm)
    disk = build_3d(film, comm, shape="disk", radius="1 um", cells_per_radius=4,
                    max_cell_size="5 nm")
    top_area = assemble(1.0 * disk.ds("top"), comm)
    assert top_area == pytest.approx(np.pi * 1e-12, rel=0.05)  # polygonal rim
    assert disk.volume("CoPt") == pytest.approx(top_area * 10e-9, rel=TOL)
    assert disk.volume("substrate") == pytest.approx(top_area * 1e-6, rel=TOL)
    outer = assemble(1.0 * disk.ds("outer"), comm)
    assert outer / 1.01e-6 == pytest.approx(2 * np.pi * 1e-6, rel=0.05)


@pytest.mark.parametrize("kind", ["1d", "rz-quad", "rz-tri", "3d-box"])
def test_quadrature_points_weights_and_dof_order(comm, film, kind):
    if kind == "1d":
        domain = build_1d(film, comm, max_cell_size="2.5 nm", quadrature_degree=3)
        volume = 10e-9
    elif kind.startswith("rz"):
        domain = build_axisymmetric(film, comm, radius="3 um", cells_per_beam_radius=4,
                                    max_cell_size="2.5 nm", quadrature_degree=2,
                                    cell_type="triangle" if kind == "rz-tri" else "quadrilateral")
        volume = np.pi * 9e-12 * 10e-9
    else:
        domain = build_3d(film, comm, shape="box", size="1 um", cells_per_side=3,
                          max_cell_size="5 nm", quadrature_degree=2)
        volume = 1e-12 * 10e-9
    cells, points, weights = domain.quadrature_points("CoPt")
    nq = domain.points_per_cell
    z = points[:, domain.z_index]
    assert points.shape == (len(cells) * nq, 3) and weights.shape == (len(cells) * nq,)
    assert comm.allreduce(weights.sum(), op=MPI.SUM) == pytest.approx(volume, rel=TOL)
    assert np.all((z <= 1e-20) & (z >= -10e-9))  # the points lie inside the film
    # a quadrature Function filled in dof order (cell * nq + q) integrates like the weights
    Q = fem.functionspace(domain.mesh, domain.quadrature_element())
    f = fem.Function(Q)
    f.x.array[(cells[:, None] * nq + np.arange(nq)).ravel()] = z**2 + points[:, 0]
    integral = domain.measure_factor * assemble(
        f * domain.radial_weight * domain.dx_qp("CoPt"), comm)
    expected = comm.allreduce(np.sum(weights * (z**2 + points[:, 0])), op=MPI.SUM)
    assert integral == pytest.approx(expected, rel=1e-12)


def test_global_point_ids_same_on_any_rank_count(comm, film):
    kw = dict(radius="3 um", cells_per_beam_radius=4, max_cell_size="2.5 nm")
    parallel = build_axisymmetric(film, comm, **kw)
    ids = parallel.global_point_ids("CoPt")
    _, points, weights = parallel.quadrature_points("CoPt")
    assert len(np.unique(ids)) == len(ids)
    all_ids = np.concatenate(comm.allgather(ids))
    all_points = np.concatenate(comm.allgather(points))
    all_weights = np.concatenate(comm.allgather(weights))
    serial = build_axisymmetric(film, MPI.COMM_SELF, **kw)
    s_ids = serial.global_point_ids("CoPt")
    _, s_points, s_weights = serial.quadrature_points("CoPt")
    assert np.array_equal(np.sort(all_ids), np.sort(s_ids))
    order, s_order = np.argsort(all_ids), np.argsort(s_ids)
    assert np.allclose(all_points[order], s_points[s_order], rtol=0, atol=1e-20)
    assert np.allclose(all_weights[order], s_weights[s_order], rtol=1e-13, atol=0)


def test_missing_group_error_and_dg0(comm, film):
    domain = build_1d(film, comm, max_cell_size="2.5 nm")
    with pytest.raises(MissingRegionError,
                       match=r"mesh has no region 'Cu'; it has: \['CoPt', 'substrate'\]; rebuild"):
        domain.dx("Cu")
    with pytest.raises(MissingRegionError, match="mesh has no boundary 'bottom'"):
        domain.ds("bottom")
    with pytest.raises(MissingRegionError, match="mesh has no region 'Cu'"):
        domain.cells(["CoPt", "Cu"])
    sigma = domain.dg0({"CoPt": 8e6, "substrate": 0.0}, "conductivity")
    assert assemble(sigma * domain.dx(), comm) == pytest.approx(8e6 * 10e-9, rel=TOL)
    with pytest.raises(ValueError, match=r"no value for regions \['substrate'\]"):
        domain.dg0({"CoPt": 1.0})
    assert domain.material_of("CoPt") == "CoPt_S003A"
    assert domain.material_of("substrate") == "fused_silica"
    assert domain.metal_regions() == ["CoPt"]
    assert domain.magnetic_regions() == ["CoPt"]
    assert "CoPt" in domain.summary()


def test_from_msh_small_film(comm):
    stack = Stack([Layer("CoPt", "CoPt_S003A", "10 nm")],
                  substrate=Layer("substrate", "fused_silica", "200 nm"))
    domain = Domain.from_msh(REPO / "meshes" / "film_small.msh", comm, stack=stack)
    assert domain.kind == "rz"
    assert set(domain.regions) == {"CoPt", "substrate"}
    assert domain.volume("CoPt") == pytest.approx(np.pi * 4e-12 * 10e-9, rel=TOL)
    assert domain.volume("substrate") == pytest.approx(np.pi * 4e-12 * 200e-9, rel=TOL)
    check_interfaces(domain, stack, comm)
    with pytest.raises(MeshBuildError, match="no mesh file"):
        Domain.from_msh(REPO / "meshes" / "does_not_exist.msh", comm)
    wrong = Stack([Layer("Co", "Co", "10 nm")])
    with pytest.raises(ValueError, match=r"mesh regions \['CoPt'\] are not layers of the stack"):
        Domain.from_msh(REPO / "meshes" / "film_small.msh", comm, stack=wrong)


def test_written_msh_round_trip(comm, film, tmp_path):
    path = Path(comm.bcast(str(tmp_path / "film_1d.msh"), root=0))
    built = build_1d(film, comm, msh_file=path)
    comm.Barrier()
    read = Domain.from_msh(path, comm, stack=film)
    assert read.kind == "1d"
    assert read.boundaries == built.boundaries and read.regions == built.regions
    assert read.volume("substrate") == pytest.approx(1e-6, rel=TOL)


def test_rank0_error_is_raised_on_every_rank(comm, film, tmp_path):
    blocker = Path(comm.bcast(str(tmp_path / "blocker"), root=0))
    if comm.rank == 0:
        blocker.write_text("a file, not a folder")
    comm.Barrier()
    with pytest.raises(MeshBuildError, match="building the gmsh model failed"):
        build_1d(film, comm, msh_file=blocker / "sub" / "x.msh")


def test_existing_gmsh_session_is_kept(comm, film):
    import gmsh

    gmsh.initialize()
    gmsh.model.add("user_model")
    try:
        build_1d(film, comm, max_cell_size="5 nm")
        assert gmsh.isInitialized()
        assert gmsh.model.getCurrent() == "user_model"
    finally:
        gmsh.finalize()


def test_invalid_builder_arguments(comm, film):
    with pytest.raises(ValueError, match="cell_type = 'hex'"):
        build_axisymmetric(film, comm, radius="1 um", cell_type="hex")
    with pytest.raises(Exception, match="radius = 5 has no unit"):
        build_axisymmetric(film, comm, radius=5)
    with pytest.raises(ValueError, match="shape='disk' needs radius="):
        build_3d(film, comm)
    with pytest.raises(TypeError, match="expected a femmag.geometry.Stack"):
        build_1d([("Co", "Co", "1 nm")], comm)


def test_recommended_seed003_rz_mesh_size(comm):
    """The main-demo mesh stays small: 31 radial × 40 axial quads (pinned; see meshes/README.md)."""
    domain = build_axisymmetric(seed003_film(), comm, radius="15 um", beam_radius="5 um",
                                cells_per_beam_radius=20)
    n_cells = comm.allreduce(domain.num_owned_cells, op=MPI.SUM)
    assert n_cells == 31 * 40
    assert domain.mesh.topology.index_map(0).size_global == 32 * 41
    film_cells = comm.allreduce(len(domain.cells("CoPt", include_ghosts=False)), op=MPI.SUM)
    assert film_cells == 31 * 10
    assert domain.volume("CoPt") == pytest.approx(np.pi * (15e-6) ** 2 * 10e-9, rel=TOL)
