"""Mesh builders: a :class:`~femmag.geometry.stack.Stack` → a
:class:`~femmag.geometry.domain.Domain`.

All three builders make *layered tensor-product* meshes: one node distribution across the
thickness (z), shared by every lateral position, with nodes on every interface. In z the layers
get uniform cells (≤ ``max_cell_size``, at least ``min_cells_per_layer``), the substrate and the
optional air boxes are graded geometrically away from the film. Laterally:

* :func:`build_1d` — an interval mesh (x[0] = z);
* :func:`build_axisymmetric` — the r-z half plane [0, R] × z (x[0] = r, x[1] = z);
  **quadrilaterals** by default (``cell_type="triangle"`` splits each quad in two); uniform in r
  across the beam radius, then graded to the outer radius. Thin, wide cells in the film are
  intended (heat and magnetization vary on the beam scale laterally, on nm scales across it);
* :func:`build_3d` — hexahedra: a structured O-grid disk or a rectangular box in x-y, extruded
  through the stack (x[2] = z).

gmsh runs on rank 0 only, with discrete entities (node coordinates computed here with numpy), and
:func:`dolfinx.io.gmsh.model_to_mesh` distributes the mesh. Errors are decided on rank 0 and
broadcast, so no rank is left waiting. An already initialised gmsh session is left running.

Physical groups (names, never numbers, are the interface to the rest of femmag):
cells — one per layer name, ``"substrate"``, ``"air"`` (if air boxes are requested); facets —
``"top"`` (z = 0), ``"<upper>|<lower>"`` for every internal interface, ``"substrate_bottom"`` (or
``"bottom"`` without substrate), ``"axis"`` (r = 0, r-z only), ``"outer"`` (lateral boundary of
layers and substrate, 2D/3D), ``"air_boundary"`` (outer boundary of the air boxes).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from femmag.geometry.gmsh_io import MeshBuildError, gmsh_session
from femmag.geometry.stack import Stack
from femmag.units import to_si

# gmsh element type ids
_GMSH_POINT, _GMSH_LINE, _GMSH_TRIANGLE, _GMSH_QUAD, _GMSH_HEX = 15, 1, 2, 3, 5


# -- node distributions -----------------------------------------------------------------------
def graded_sizes(length: float, first: float, largest: float, growth: float) -> np.ndarray:
    """Cell sizes covering ``length``: ``first``, then × ``growth`` per cell, capped at ``largest``.

    The sizes are scaled by one common factor so that they sum exactly to ``length`` (a last
    cell that would overshoot by more than half its size is dropped first).

    Args:
        length: length to cover [m].
        first: size of the first cell [m].
        largest: cap on the cell size [m].
        growth: ratio of neighbouring cells (≥ 1).

    Returns:
        Cell sizes [m], first to last.
    """
    if length <= 0:
        raise ValueError(f"graded_sizes: length {length} must be positive")
    first = min(first, length)
    largest = max(largest, first)
    sizes = []
    total, h = 0.0, first
    while total < length * (1 - 1e-12):
        sizes.append(h)
        total += h
        h = min(h * growth, largest)
    sizes_arr = np.asarray(sizes)
    if len(sizes_arr) > 1 and total - length > 0.5 * sizes_arr[-1]:
        # the last cell overshoots by more than half: drop it and stretch the others slightly
        sizes_arr = sizes_arr[:-1]
    return sizes_arr * (length / sizes_arr.sum())


def _graded_layer(thickness: float, edge: float, largest: float, growth: float) -> np.ndarray:
    """Cell sizes across a layer, ``edge`` at both faces growing by ``growth`` to ``largest``
    in the middle (symmetric; uniform if the layer is thinner than a few edge cells)."""
    if thickness <= 4 * edge:
        n = max(1, math.ceil(thickness / edge * (1 - 1e-9)))
        return np.full(n, thickness / n)
    half = graded_sizes(0.5 * thickness, edge, max(largest, edge), growth)
    return np.concatenate([half, half[::-1]])


#: time scale of the boundary layers the graded mesh resolves [s]: the electron-lattice
#: equilibration of metals (~0.1-1 ps) and the pump durations of interest (≥ 25 fs)
GRADING_TIME = 100e-15


#: cells at the faces / inside, as fractions of the boundary-layer / interior length at 0.1 %,
#: and their growth ratio: calibrated on bench/bench_2tm_vs_udkm1dsim.py (the lattice kink of
#: the 1 nm Co between Pt and Cu is the hardest feature: 0.02 % of its rise with these)
GRADING_EDGE = 0.07
GRADING_INTERIOR = 0.075
GRADING_GROWTH = 1.15


def physical_grading(stack: Stack, library: Any, accuracy: float = 1e-3, *,
                     wavelength: float = 800e-9, time_scale: float = GRADING_TIME
                     ) -> dict[str, tuple[float, float]]:
    """Cell sizes across each layer from the physics of the two-temperature model.

    P1 elements have an error ∝ (h/ℓ)² on a feature of length ℓ, so cells are ℓ·c·√accuracy
    with the smallest ℓ each layer has to resolve:

    * at both faces (``edge``): the lattice boundary layer √(κ_l τ/C_l) at τ =
      ``time_scale`` of this layer and of its neighbours: across an interface where G or γ_e
      jumps, the lattice of the strongly coupled side heats ~ps before its neighbour's and the
      kink in T_l diffuses only that far (sub-nm); also the substrate's top cells start from it;
    * inside (``largest``): the optical absorption length λ/(4πk) and the electron diffusion
      length √(κ_e0/G) (T_e varies on these lengths, the lattice follows T_e).

    Args:
        stack: the layers.
        library: materials library (the layers' parameters).
        accuracy: target relative error of the temperatures (e.g. 1e-3 for 0.1 %).
        wavelength: pump wavelength [m] (absorption length).
        time_scale: τ of the lattice boundary layer [s].

    Returns:
        ``{layer name: (edge cell, largest cell)}`` [m] for :func:`thickness_grid`.
    """
    if not 0.0 < accuracy < 1.0:
        raise ValueError(f"accuracy = {accuracy!r}: give a relative error, e.g. 1e-3 (0.1 %)")
    scale = math.sqrt(accuracy / 1e-3)  # P1: error ∝ h²; the factors below are for 0.1 %

    def at_300K(mat: Any, name: str) -> float | None:
        return float(mat.prop(name).numpy(300.0, 300.0)) if mat.has(name) else None

    def lattice_length(material: str) -> float:
        mat = library.get(material)
        kappa = at_300K(mat, "lattice_thermal_conductivity")
        capacity = at_300K(mat, "lattice_heat_capacity")
        if not kappa or not capacity:
            return 1e-6  # not a thermal material: nothing to resolve
        return math.sqrt(kappa * time_scale / capacity)

    def interior_length(material: str) -> float:
        mat = library.get(material)
        lengths = [1e-6]
        if mat.optics is not None:
            k = float(np.imag(mat.refractive_index(wavelength)))
            if k > 0:
                lengths.append(wavelength / (4 * math.pi * k))
        kappa_e = at_300K(mat, "electron_thermal_conductivity")
        coupling = at_300K(mat, "electron_phonon_coupling")
        if kappa_e and coupling:
            lengths.append(math.sqrt(kappa_e / coupling))
        return min(lengths)

    materials = [layer.material for layer in stack.layers]
    substrate = [stack.substrate.material] if stack.substrate is not None else []
    boundary = [lattice_length(m) for m in materials + substrate]
    out = {}
    for i, layer in enumerate(stack.layers):
        neighbours = boundary[max(0, i - 1):i + 2]
        edge = GRADING_EDGE * scale * min(neighbours)
        largest = GRADING_INTERIOR * scale * interior_length(layer.material)
        out[layer.name] = (edge, max(largest, edge))
    return out


@dataclass
class _Slab:
    """One region across the thickness: its name and the global z-node indices it spans."""

    region: str
    first: int  # index of its top node in the (descending) z array
    last: int  # index of its bottom node


@dataclass
class ThicknessGrid:
    """The z nodes of a layered mesh (descending: top of the mesh first) and the named slabs.

    Attributes:
        z: node heights [m], descending.
        slabs: regions top → bottom with their node-index ranges.
        level_names: facet group name of each named node level (index → name).
    """

    z: np.ndarray
    slabs: list[_Slab]
    level_names: dict[int, str]

    @property
    def num_cells(self) -> int:
        return len(self.z) - 1


def _length(value: Any, name: str) -> float:
    return to_si(value, "length", name=name)


#: most cells across the layers of a stack (a guard against unit slips, e.g. "10 m" for "10 nm")
MAX_CELLS_ACROSS = 200_000


def thickness_grid(
    stack: Stack,
    *,
    max_cell_size: Any = "1 nm",
    min_cells_per_layer: int = 4,
    substrate_growth: float = 1.3,
    substrate_max_cell: Any = None,
    air_above: Any = None,
    air_below: Any = None,
    air_growth: float = 1.3,
    air_max_cell: Any = None,
    force: bool = False,
    grading: dict[str, tuple[float, float]] | None = None,
    grading_growth: float = GRADING_GROWTH,
) -> ThicknessGrid:
    """The z-node distribution shared by all builders.

    Args:
        stack: the layers (top → bottom), substrate and ambient.
        max_cell_size: largest cell across a layer, with unit (default ``"1 nm"``).
        min_cells_per_layer: fewest cells across any layer (``Layer.min_cells`` overrides upwards).
        substrate_growth: ratio of neighbouring substrate cells, from the last layer's cell size.
        substrate_max_cell: cap on substrate cells, with unit (default: substrate thickness / 10).
        air_above: thickness of an air box above z = 0, with unit (None: no air above).
        air_below: thickness of an air box below the substrate, with unit (None: none).
        air_growth: ratio of neighbouring air cells.
        air_max_cell: cap on air cells, with unit (default: air thickness / 10).
        force: allow more than :data:`MAX_CELLS_ACROSS` cells across the layers.
        grading: ``{layer name: (edge cell, largest cell)}`` [m]: that layer's cells grow by
            ``grading_growth`` from ``edge cell`` at both of its faces (interfaces and the free
            surface) up to ``largest cell`` (and ``max_cell_size``) inside; see
            :func:`physical_grading`. Layers not named keep uniform cells.
        grading_growth: ratio of neighbouring cells in a graded layer.

    Returns:
        The :class:`ThicknessGrid`.
    """
    if not 1.0 < grading_growth <= 2.0:
        raise ValueError(f"grading_growth = {grading_growth}: use 1 < growth ≤ 2")
    h_layer = _length(max_cell_size, "max_cell_size")
    if h_layer <= 0:
        raise ValueError(f"max_cell_size = {max_cell_size!r} must be positive")
    if not isinstance(min_cells_per_layer, int | np.integer) or min_cells_per_layer < 1:
        raise ValueError(f"min_cells_per_layer = {min_cells_per_layer!r}: give an integer ≥ 1")
    for label, g in (("substrate_growth", substrate_growth), ("air_growth", air_growth)):
        if not 1.0 <= g <= 3.0:
            raise ValueError(f"{label} = {g}: use a ratio between 1 (uniform) and 3")
    above = _length(air_above, "air_above") if air_above is not None else 0.0
    below = _length(air_below, "air_below") if air_below is not None else 0.0
    if (above or below) and stack.ambient is None:
        raise ValueError("air boxes were requested but the stack has ambient=None; give "
                         "Stack(..., ambient='air')")
    if air_below is not None and stack.substrate is None:
        raise ValueError("air_below needs a substrate (the air box lies below it)")
    if above < 0 or below < 0:
        raise ValueError("air_above/air_below must be positive thicknesses")

    # Count the cells before allocating them: a unit slip ("10 m") must not become a 74 GiB array.
    counts = {layer.name: max(min_cells_per_layer, math.ceil(layer.thickness / h_layer),
                              layer.min_cells or 1) for layer in stack.layers}
    total = sum(counts.values())
    if total > MAX_CELLS_ACROSS and not force:
        biggest = max(counts, key=counts.get)
        raise MeshBuildError(
            f"the stack would need {total:.3g} cells across its thickness (layer '{biggest}': "
            f"{counts[biggest]:.3g} cells of ≤ {h_layer * 1e9:g} nm), more than the limit "
            f"{MAX_CELLS_ACROSS:.0e}: check the layer thicknesses and their units, raise "
            f"max_cell_size, or build it anyway with force=True (mesh_options / [mesh] force = "
            f"true / femmag run --force)")

    # Each segment: (region, sizes top → bottom)
    segments: list[tuple[str, np.ndarray]] = []
    layer_sizes = []
    for layer in stack.layers:
        n = max(min_cells_per_layer, math.ceil(layer.thickness / h_layer * (1 - 1e-9)),
                layer.min_cells or 1)
        sizes = np.full(n, layer.thickness / n)
        if grading is not None and layer.name in grading:
            edge, largest = grading[layer.name]
            graded = _graded_layer(layer.thickness, edge, min(largest, h_layer), grading_growth)
            if len(graded) >= max(min_cells_per_layer, layer.min_cells or 1):
                sizes = graded
        layer_sizes.append(sizes)
    if above:
        cap = _length(air_max_cell, "air_max_cell") if air_max_cell is not None else above / 10
        sizes = graded_sizes(above, layer_sizes[0][0], cap, air_growth)
        segments.append(("air", sizes[::-1]))  # fine next to the film, at the bottom of this box
    segments += [(layer.name, s) for layer, s in zip(stack.layers, layer_sizes, strict=True)]
    if stack.substrate is not None:
        d_sub = stack.substrate.thickness
        cap = (_length(substrate_max_cell, "substrate_max_cell")
               if substrate_max_cell is not None else d_sub / 10)
        first = layer_sizes[-1][-1]
        if stack.substrate.min_cells:
            cap = min(cap, d_sub / stack.substrate.min_cells)
        segments.append(("substrate", graded_sizes(d_sub, first, cap, substrate_growth)))
        if below:
            cap = _length(air_max_cell, "air_max_cell") if air_max_cell is not None else below / 10
            segments.append(("air", graded_sizes(below, segments[-1][1][-1], cap, air_growth)))

    # z nodes, top → bottom; the layer nodes are then placed exactly on the stack's interfaces
    all_sizes = np.concatenate([sizes for _, sizes in segments])
    z = above - np.concatenate([[0.0], np.cumsum(all_sizes)])
    slabs = []
    node = 0
    for region, sizes in segments:
        slabs.append(_Slab(region, node, node + len(sizes)))
        node += len(sizes)
    zi = stack.z_interfaces()
    stack_slabs = slabs[1:] if above else slabs
    for i, slab in enumerate(stack_slabs[:len(zi) - 1]):
        if slab.region == "substrate":
            z[slab.first], z[slab.last] = zi[i], zi[i + 1]
        elif grading is None or slab.region not in grading:  # uniform cells
            z[slab.first:slab.last + 1] = np.linspace(zi[i], zi[i + 1], slab.last - slab.first + 1)
        else:  # the layer's graded sizes, scaled to end exactly on zi[i + 1]
            sizes = all_sizes[slab.first:slab.last]
            fraction = np.concatenate([[0.0], np.cumsum(sizes)]) / np.sum(sizes)
            z[slab.first:slab.last + 1] = zi[i] + (zi[i + 1] - zi[i]) * fraction
            z[slab.last] = zi[i + 1]
    z[0] = above if above else 0.0
    if below:
        z[-1] = zi[-1] - below

    # facet names of the slab boundaries
    names = [layer.name for layer in stack.all_layers()]
    level_names: dict[int, str] = {}
    for upper, lower in itertools.pairwise(slabs):
        level = upper.last
        if upper.region == "air":
            level_names[level] = "top"
        elif lower.region == "air":
            level_names[level] = "substrate_bottom"
        else:
            level_names[level] = f"{upper.region}|{lower.region}"
    if slabs[0].region == "air":
        level_names[0] = "air_boundary"
    else:
        level_names[0] = "top"
    bottom = slabs[-1]
    if bottom.region == "air":
        level_names[bottom.last] = "air_boundary"
    else:
        level_names[bottom.last] = "substrate_bottom" if stack.substrate is not None else "bottom"
    assert all(s.region in names + ["air"] for s in slabs)
    return ThicknessGrid(z=z, slabs=slabs, level_names=level_names)


def radial_nodes(
    radius: float,
    beam_radius: float,
    cells_per_beam_radius: int,
    growth: float,
    max_cell: float,
) -> np.ndarray:
    """r nodes [m]: uniform on [0, beam_radius], then graded up to ``max_cell`` until ``radius``."""
    r_uniform = min(beam_radius, radius)
    h = beam_radius / cells_per_beam_radius
    n_uniform = max(1, round(r_uniform / h))
    r = list(np.linspace(0.0, r_uniform, n_uniform + 1))
    if radius > r_uniform * (1 + 1e-12):
        sizes = graded_sizes(radius - r_uniform, h * growth, max(max_cell, h), growth)
        r += list(r_uniform + np.cumsum(sizes))
        r[-1] = radius
    return np.asarray(r)


@dataclass
class _DiscreteMesh:
    """Mesh data computed with numpy, to be handed to gmsh as discrete entities.

    ``nodes`` has shape (n, 3); element connectivities are 0-based node indices.
    """

    nodes: np.ndarray
    cell_type: int  # gmsh element type of the cells
    facet_type: int
    cells: list[tuple[str, np.ndarray]]  # (region name, connectivity) in order; names may repeat
    facets: list[tuple[str, np.ndarray]]


def _add_discrete_model(gmsh: Any, data: _DiscreteMesh, tdim: int) -> None:
    """Create discrete entities, nodes, elements and named physical groups in the current model."""
    node_tags = np.arange(1, len(data.nodes) + 1, dtype=np.uint64)
    element_tag = itertools.count(1)
    region_entities: dict[str, list[int]] = {}
    entity = itertools.count(1)
    first_entity = None
    for region, conn in data.cells:
        tag = next(entity)
        gmsh.model.addDiscreteEntity(tdim, tag)
        if first_entity is None:
            first_entity = tag
            gmsh.model.mesh.addNodes(tdim, tag, node_tags, data.nodes.ravel())
        tags = np.fromiter((next(element_tag) for _ in range(len(conn))), dtype=np.uint64,
                           count=len(conn))
        gmsh.model.mesh.addElementsByType(tag, data.cell_type, tags,
                                          (conn.astype(np.uint64) + 1).ravel())
        region_entities.setdefault(region, []).append(tag)
    facet_entities: dict[str, list[int]] = {}
    entity_f = itertools.count(1)
    for name, conn in data.facets:
        if len(conn) == 0:
            continue
        tag = next(entity_f)
        gmsh.model.addDiscreteEntity(tdim - 1, tag)
        tags = np.fromiter((next(element_tag) for _ in range(len(conn))), dtype=np.uint64,
                           count=len(conn))
        gmsh.model.mesh.addElementsByType(tag, data.facet_type, tags,
                                          (conn.astype(np.uint64) + 1).ravel())
        facet_entities.setdefault(name, []).append(tag)
    for ptag, (region, tags) in enumerate(region_entities.items(), start=1):
        gmsh.model.addPhysicalGroup(tdim, tags, ptag, name=region)
    for ptag, (name, tags) in enumerate(facet_entities.items(), start=1):
        gmsh.model.addPhysicalGroup(tdim - 1, tags, ptag, name=name)


def _distribute(
    comm: Any,
    make: Callable[[], _DiscreteMesh],
    tdim: int,
    msh_file: str | Path | None,
) -> tuple[Any, dict[str, float]]:
    """Build the discrete model on rank 0, optionally write it, distribute it; return MeshData."""
    import dolfinx.mesh as dmesh
    from dolfinx.io import gmsh as gmshio

    # ghost the cells across rank boundaries: DG face terms (spin diffusion) need both cells of
    # every interior facet on the rank that integrates it
    partitioner = dmesh.create_cell_partitioner(dmesh.GhostMode.shared_facet, tdim)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if comm.rank != 0:
        error = comm.bcast(None, root=0)
        if error is not None:
            raise MeshBuildError(error)
        data = gmshio.model_to_mesh(None, comm, 0, gdim=tdim, partitioner=partitioner)
        timings["distribute_s"] = comm.bcast(None, root=0)
        return data, timings
    with gmsh_session("femmag_stack") as gmsh:
        error = None
        try:
            discrete = make()
            _add_discrete_model(gmsh, discrete, tdim)
            if msh_file is not None:
                Path(msh_file).parent.mkdir(parents=True, exist_ok=True)
                gmsh.option.setNumber("Mesh.MshFileVersion", 4.1)
                gmsh.write(str(msh_file))
        except Exception as err:  # decided here, raised on every rank below
            error = f"building the gmsh model failed: {type(err).__name__}: {err}"
        comm.bcast(error, root=0)
        if error is not None:
            raise MeshBuildError(error)
        timings["gmsh_s"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        data = gmshio.model_to_mesh(gmsh.model, comm, 0, gdim=tdim, partitioner=partitioner)
        timings["distribute_s"] = time.perf_counter() - t1
    comm.bcast(timings["distribute_s"], root=0)
    return data, timings


def _finish(data: Any, kind: str, stack: Stack, comm: Any, timings: dict[str, float],
            quadrature_degree: int, info: dict[str, Any]) -> Any:
    from femmag.geometry.domain import Domain

    domain = Domain(data.mesh, data.cell_tags, data.facet_tags, data.physical_groups, kind=kind,
                    stack=stack, quadrature_degree=quadrature_degree)
    domain.build_info = {**info, **timings}
    return domain


def _default_comm(comm: Any) -> Any:
    if comm is None:
        from mpi4py import MPI

        return MPI.COMM_WORLD
    return comm


def _check_stack(stack: Any) -> None:
    if not isinstance(stack, Stack):
        raise TypeError(f"expected a femmag.geometry.Stack, got {type(stack).__name__}; build one "
                        "with Stack([...]) or Stack.from_spec([...])")


# -- 1D ----------------------------------------------------------------------------------------
def build_1d(
    stack: Stack,
    comm: Any = None,
    *,
    max_cell_size: Any = "1 nm",
    min_cells_per_layer: int = 4,
    substrate_growth: float = 1.3,
    substrate_max_cell: Any = None,
    quadrature_degree: int = 2,
    msh_file: str | Path | None = None,
    force: bool = False,
    grading: dict[str, tuple[float, float]] | None = None,
    grading_growth: float = GRADING_GROWTH,
) -> Any:
    """Interval mesh across the stack (x[0] = z, top at 0): nodes on every interface.

    Args:
        stack: the layers, substrate (graded cells) and ambient (not meshed in 1D).
        comm: MPI communicator (default ``MPI.COMM_WORLD``).
        max_cell_size: largest cell in a layer, with unit.
        min_cells_per_layer: fewest cells per layer.
        substrate_growth: geometric growth of the substrate cells away from the film.
        substrate_max_cell: cap on substrate cells (default: substrate thickness / 10), with unit.
        quadrature_degree: the Domain's quadrature degree.
        msh_file: also write the gmsh model to this .msh file (rank 0).
        force: build even beyond the cell-count guard (:data:`MAX_CELLS_ACROSS` across the stack).
        grading: cells graded toward every interface and the free surface, ``{layer: (edge
            cell, largest cell)}`` [m], e.g. from :func:`physical_grading` (what
            ``Simulation(accuracy=...)`` passes); see :func:`thickness_grid`.
        grading_growth: ratio of neighbouring cells in the graded layers.

    Returns:
        A :class:`~femmag.geometry.domain.Domain` of kind ``"1d"``.
    """
    _check_stack(stack)
    comm = _default_comm(comm)
    grid = thickness_grid(stack, force=force, max_cell_size=max_cell_size, grading=grading,
                          grading_growth=grading_growth,
                          min_cells_per_layer=min_cells_per_layer,
                          substrate_growth=substrate_growth, substrate_max_cell=substrate_max_cell)

    def make() -> _DiscreteMesh:
        nodes = np.zeros((len(grid.z), 3))
        nodes[:, 0] = grid.z
        cells = [(s.region, np.column_stack([np.arange(s.first, s.last),
                                             np.arange(s.first + 1, s.last + 1)]))
                 for s in grid.slabs]
        facets = [(name, np.array([[level]])) for level, name in sorted(grid.level_names.items())]
        return _DiscreteMesh(nodes, _GMSH_LINE, _GMSH_POINT, cells, facets)

    data, timings = _distribute(comm, make, 1, msh_file)
    return _finish(data, "1d", stack, comm, timings, quadrature_degree,
                   {"z_cells": grid.num_cells})


# -- r-z ---------------------------------------------------------------------------------------
def build_axisymmetric(
    stack: Stack,
    comm: Any = None,
    *,
    radius: Any,
    beam_radius: Any = None,
    cells_per_beam_radius: int = 20,
    radial_growth: float = 1.25,
    max_radial_cell: Any = None,
    air_above: Any = None,
    air_below: Any = None,
    max_cell_size: Any = "1 nm",
    min_cells_per_layer: int = 4,
    substrate_growth: float = 1.3,
    substrate_max_cell: Any = None,
    air_growth: float = 1.3,
    air_max_cell: Any = None,
    cell_type: str = "quadrilateral",
    quadrature_degree: int = 2,
    msh_file: str | Path | None = None,
    force: bool = False,
    grading: dict[str, tuple[float, float]] | None = None,
    grading_growth: float = GRADING_GROWTH,
) -> Any:
    """Axisymmetric r-z mesh: [0, R] × (layers, substrate, optional air boxes).

    Cells are quadrilaterals (or triangles: two per quad), structured: uniform in r across the beam
    radius (``cells_per_beam_radius`` cells), then growing by ``radial_growth`` up to
    ``max_radial_cell`` at r = R; in z as :func:`thickness_grid`. Coordinates: x[0] = r ≥ 0,
    x[1] = z. Forms must carry the weight r (``Domain.radial_weight``).

    Args:
        stack: the layers, substrate and ambient.
        comm: MPI communicator (default ``MPI.COMM_WORLD``).
        radius: outer radius R, with unit (e.g. ``"15 um"`` ≈ 3 beam radii).
        beam_radius: 1/e radius of the pump r0, with unit (default R/3); sets the lateral
            resolution near the axis.
        cells_per_beam_radius: cells across [0, r0].
        radial_growth: ratio of neighbouring cells beyond r0.
        max_radial_cell: cap on the radial cell size (default R/10), with unit.
        air_above, air_below: air box thicknesses above z = 0 / below the substrate (None: none).
        max_cell_size, min_cells_per_layer, substrate_growth, substrate_max_cell, air_growth,
            air_max_cell: see :func:`thickness_grid`.
        cell_type: ``"quadrilateral"`` (default) or ``"triangle"``.
        quadrature_degree: the Domain's quadrature degree.
        msh_file: also write the gmsh model to this .msh file (rank 0).
        force: build even beyond the cell-count guard (:data:`MAX_CELLS_ACROSS` across the stack).
        grading: cells graded toward every interface and the free surface, ``{layer: (edge
            cell, largest cell)}`` [m], e.g. from :func:`physical_grading` (what
            ``Simulation(accuracy=...)`` passes); see :func:`thickness_grid`.
        grading_growth: ratio of neighbouring cells in the graded layers.

    Returns:
        A :class:`~femmag.geometry.domain.Domain` of kind ``"rz"``.
    """
    _check_stack(stack)
    comm = _default_comm(comm)
    if cell_type not in ("quadrilateral", "triangle"):
        raise ValueError(f"cell_type = {cell_type!r}: use 'quadrilateral' or 'triangle'")
    R = _length(radius, "radius")
    if R <= 0:
        raise ValueError(f"radius = {radius!r} must be positive")
    r0 = _length(beam_radius, "beam_radius") if beam_radius is not None else R / 3
    if r0 <= 0:
        raise ValueError(f"beam_radius = {beam_radius!r} must be positive")
    if not isinstance(cells_per_beam_radius, int | np.integer) or cells_per_beam_radius < 1:
        raise ValueError(f"cells_per_beam_radius = {cells_per_beam_radius!r}: give an integer ≥ 1")
    if not 1.0 <= radial_growth <= 3.0:
        raise ValueError(f"radial_growth = {radial_growth}: use a ratio between 1 and 3")
    h_max = _length(max_radial_cell, "max_radial_cell") if max_radial_cell is not None else R / 10
    grid = thickness_grid(stack, force=force, max_cell_size=max_cell_size, grading=grading,
                          grading_growth=grading_growth,
                          min_cells_per_layer=min_cells_per_layer,
                          substrate_growth=substrate_growth, substrate_max_cell=substrate_max_cell,
                          air_above=air_above, air_below=air_below, air_growth=air_growth,
                          air_max_cell=air_max_cell)
    r = radial_nodes(R, r0, int(cells_per_beam_radius), radial_growth, h_max)
    nr = len(r)

    def make() -> _DiscreteMesh:
        rr, zz = np.meshgrid(r, grid.z)  # node (k, i) → index k*nr + i
        nodes = np.column_stack([rr.ravel(), zz.ravel(), np.zeros(rr.size)])

        def idx(i: np.ndarray, k: np.ndarray) -> np.ndarray:
            return k * nr + i

        cells = []
        for slab in grid.slabs:
            i, k = np.meshgrid(np.arange(nr - 1), np.arange(slab.first, slab.last))
            i, k = i.ravel(), k.ravel()
            # counter-clockwise in (r, z): z decreases with k
            a, b, c, d = idx(i, k + 1), idx(i + 1, k + 1), idx(i + 1, k), idx(i, k)
            if cell_type == "quadrilateral":
                conn = np.column_stack([a, b, c, d])
            else:
                conn = np.vstack([np.column_stack([a, b, c]), np.column_stack([a, c, d])])
            cells.append((slab.region, conn))
        facets = []
        i = np.arange(nr - 1)
        for level, name in sorted(grid.level_names.items()):
            facets.append((name, np.column_stack([idx(i, level), idx(i + 1, level)])))
        k = np.arange(len(grid.z) - 1)
        facets.append(("axis", np.column_stack([idx(0, k), idx(0, k + 1)])))
        for slab in grid.slabs:
            k = np.arange(slab.first, slab.last)
            name = "air_boundary" if slab.region == "air" else "outer"
            facets.append((name, np.column_stack([idx(nr - 1, k), idx(nr - 1, k + 1)])))
        cell_gmsh = _GMSH_QUAD if cell_type == "quadrilateral" else _GMSH_TRIANGLE
        return _DiscreteMesh(nodes, cell_gmsh, _GMSH_LINE, cells, facets)

    data, timings = _distribute(comm, make, 2, msh_file)
    factor = 1 if cell_type == "quadrilateral" else 2
    return _finish(data, "rz", stack, comm, timings, quadrature_degree,
                   {"z_cells": grid.num_cells, "r_cells": nr - 1,
                    "cells": factor * grid.num_cells * (nr - 1), "cell_type": cell_type})


# -- 3D ----------------------------------------------------------------------------------------
def _box_plane(size_x: float, size_y: float, n_x: int, n_y: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rectangle [-Lx/2, Lx/2] × [-Ly/2, Ly/2]: points (n, 2), quads (ccw), boundary edges."""
    x = np.linspace(-size_x / 2, size_x / 2, n_x + 1)
    y = np.linspace(-size_y / 2, size_y / 2, n_y + 1)
    xx, yy = np.meshgrid(x, y)  # node (j, i) → j*(n_x+1) + i
    points = np.column_stack([xx.ravel(), yy.ravel()])
    i, j = np.meshgrid(np.arange(n_x), np.arange(n_y))
    i, j = i.ravel(), j.ravel()
    w = n_x + 1
    quads = np.column_stack([j * w + i, j * w + i + 1, (j + 1) * w + i + 1, (j + 1) * w + i])
    ix, jy = np.arange(n_x), np.arange(n_y)
    edges = np.vstack([
        np.column_stack([ix, ix + 1]),  # y = -Ly/2
        np.column_stack([n_y * w + ix, n_y * w + ix + 1]),  # y = +Ly/2
        np.column_stack([jy * w, (jy + 1) * w]),  # x = -Lx/2
        np.column_stack([jy * w + n_x, (jy + 1) * w + n_x]),  # x = +Lx/2
    ])
    return points, quads, edges


def _disk_plane(gmsh: Any, radius: float, cells_per_radius: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Structured O-grid quad mesh of a disk (gmsh geo kernel, transfinite, recombined)."""
    gmsh.model.add("femmag_disk_plane")
    geo = gmsh.model.geo
    a = 0.5 * radius / math.sqrt(2)  # half side of the inner square
    c = radius / math.sqrt(2)
    centre = geo.addPoint(0, 0, 0)
    sq = [geo.addPoint(sx * a, sy * a, 0) for sx, sy in ((1, 1), (-1, 1), (-1, -1), (1, -1))]
    ci = [geo.addPoint(sx * c, sy * c, 0) for sx, sy in ((1, 1), (-1, 1), (-1, -1), (1, -1))]
    square = [geo.addLine(sq[k], sq[(k + 1) % 4]) for k in range(4)]
    arcs = [geo.addCircleArc(ci[k], centre, ci[(k + 1) % 4]) for k in range(4)]
    spokes = [geo.addLine(sq[k], ci[k]) for k in range(4)]
    surfaces = [geo.addPlaneSurface([geo.addCurveLoop(square)])]
    for k in range(4):
        loop = geo.addCurveLoop([spokes[k], arcs[k], -spokes[(k + 1) % 4], -square[k]])
        surfaces.append(geo.addPlaneSurface([loop]))
    geo.synchronize()
    n_side = max(2, round(cells_per_radius * 1.2))  # nodes along the square sides and arcs
    n_spoke = max(2, round(cells_per_radius * (radius - a * math.sqrt(2)) / radius) + 1)
    for curve in square + arcs:
        gmsh.model.mesh.setTransfiniteCurve(curve, n_side)
    for curve in spokes:
        gmsh.model.mesh.setTransfiniteCurve(curve, n_spoke)
    for s in surfaces:
        gmsh.model.mesh.setTransfiniteSurface(s)
        gmsh.model.mesh.setRecombine(2, s)
    gmsh.model.mesh.generate(2)
    tags, coords, _ = gmsh.model.mesh.getNodes()
    order = np.argsort(tags)
    tags, coords = tags[order], coords.reshape(-1, 3)[order]
    index = np.full(int(tags.max()) + 1, -1, dtype=np.int64)
    index[tags.astype(np.int64)] = np.arange(len(tags))
    quads = []
    for s in surfaces:
        types, _, nodes = gmsh.model.mesh.getElements(2, s)
        for t, n in zip(types, nodes, strict=True):
            if t != _GMSH_QUAD:
                raise MeshBuildError(f"disk mesh produced element type {t}, expected quads")
            quads.append(index[n.astype(np.int64)].reshape(-1, 4))
    edges = []
    for arc in arcs:
        _, _, nodes = gmsh.model.mesh.getElements(1, arc)
        edges.append(index[nodes[0].astype(np.int64)].reshape(-1, 2))
    gmsh.model.remove()
    quads_arr, edges_arr = np.vstack(quads), np.vstack(edges)
    # keep only nodes used by quads (the arcs' centre point is a mesh node of its own)
    used = np.unique(quads_arr)
    renumber = np.full(len(coords), -1, dtype=np.int64)
    renumber[used] = np.arange(len(used))
    return coords[used, :2].copy(), renumber[quads_arr], renumber[edges_arr]


def build_3d(
    stack: Stack,
    comm: Any = None,
    *,
    shape: str = "disk",
    radius: Any = None,
    size: Any = None,
    cells_per_radius: int = 8,
    cells_per_side: int | tuple[int, int] = 8,
    air_above: Any = None,
    air_below: Any = None,
    max_cell_size: Any = "1 nm",
    min_cells_per_layer: int = 4,
    substrate_growth: float = 1.3,
    substrate_max_cell: Any = None,
    air_growth: float = 1.3,
    air_max_cell: Any = None,
    quadrature_degree: int = 2,
    msh_file: str | Path | None = None,
    force: bool = False,
    grading: dict[str, tuple[float, float]] | None = None,
    grading_growth: float = GRADING_GROWTH,
) -> Any:
    """3D slab of hexahedra (x[2] = z): a disk (structured O-grid) or a box, extruded through z.

    Args:
        stack: the layers, substrate and ambient.
        comm: MPI communicator (default ``MPI.COMM_WORLD``).
        shape: ``"disk"`` (needs ``radius``) or ``"box"`` (needs ``size``).
        radius: disk radius, with unit.
        size: box lateral size, with unit: one value (square) or a pair (Lx, Ly); centred at 0.
        cells_per_radius: lateral resolution of the disk (cells from the centre to the rim).
        cells_per_side: cells along each box side (int or (nx, ny)).
        air_above, air_below, max_cell_size, min_cells_per_layer, substrate_growth,
            substrate_max_cell, air_growth, air_max_cell: see :func:`thickness_grid`.
        quadrature_degree: the Domain's quadrature degree.
        msh_file: also write the gmsh model to this .msh file (rank 0).
        force: build even beyond the cell-count guard (:data:`MAX_CELLS_ACROSS` across the stack).
        grading: cells graded toward every interface and the free surface, ``{layer: (edge
            cell, largest cell)}`` [m], e.g. from :func:`physical_grading` (what
            ``Simulation(accuracy=...)`` passes); see :func:`thickness_grid`.
        grading_growth: ratio of neighbouring cells in the graded layers.

    Returns:
        A :class:`~femmag.geometry.domain.Domain` of kind ``"3d"``. The disk's lateral boundary is
        a polygon (its area is slightly below πR²).
    """
    _check_stack(stack)
    comm = _default_comm(comm)
    if shape == "disk":
        if radius is None:
            raise ValueError("shape='disk' needs radius=, e.g. radius='2 um'")
        R = _length(radius, "radius")
        if R <= 0:
            raise ValueError(f"radius = {radius!r} must be positive")
    elif shape == "box":
        if size is None:
            raise ValueError("shape='box' needs size=, e.g. size='2 um' or ('4 um', '2 um')")
        sizes = size if isinstance(size, tuple | list) else (size, size)
        Lx, Ly = (_length(s, "size") for s in sizes)
        nx, ny = (cells_per_side if isinstance(cells_per_side, tuple | list)
                  else (cells_per_side, cells_per_side))
    else:
        raise ValueError(f"shape = {shape!r}: use 'disk' or 'box'")
    grid = thickness_grid(stack, force=force, max_cell_size=max_cell_size, grading=grading,
                          grading_growth=grading_growth,
                          min_cells_per_layer=min_cells_per_layer,
                          substrate_growth=substrate_growth, substrate_max_cell=substrate_max_cell,
                          air_above=air_above, air_below=air_below, air_growth=air_growth,
                          air_max_cell=air_max_cell)
    info: dict[str, Any] = {"z_cells": grid.num_cells, "shape": shape}

    def make() -> _DiscreteMesh:
        import gmsh

        if shape == "disk":
            current = gmsh.model.getCurrent()
            points, quads, edges = _disk_plane(gmsh, R, int(cells_per_radius))
            gmsh.model.setCurrent(current)
        else:
            points, quads, edges = _box_plane(Lx, Ly, int(nx), int(ny))
        n_p = len(points)
        nz = len(grid.z)
        nodes = np.column_stack([np.tile(points, (nz, 1)), np.repeat(grid.z, n_p)])
        cells = []
        for slab in grid.slabs:
            k = np.arange(slab.first, slab.last)
            # bottom face (level k+1) first, then the top face (level k)
            lower = (quads[None, :, :] + ((k + 1) * n_p)[:, None, None]).reshape(-1, 4)
            upper = (quads[None, :, :] + (k * n_p)[:, None, None]).reshape(-1, 4)
            cells.append((slab.region, np.hstack([lower, upper])))
        facets = []
        for level, name in sorted(grid.level_names.items()):
            facets.append((name, quads + level * n_p))
        for slab in grid.slabs:
            k = np.arange(slab.first, slab.last)
            e0 = edges[None, :, 0] + (k * n_p)[:, None]
            e1 = edges[None, :, 1] + (k * n_p)[:, None]
            side = np.stack([e0, e1, e1 + n_p, e0 + n_p], axis=-1).reshape(-1, 4)
            facets.append(("air_boundary" if slab.region == "air" else "outer", side))
        info["plane_cells"] = len(quads)
        info["cells"] = len(quads) * grid.num_cells
        return _DiscreteMesh(nodes, _GMSH_HEX, _GMSH_QUAD, cells, facets)

    data, timings = _distribute(comm, make, 3, msh_file)
    info = comm.bcast(info if comm.rank == 0 else None, root=0)
    return _finish(data, "3d", stack, comm, timings, quadrature_degree, info)
