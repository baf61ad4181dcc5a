"""Meshes of the optics solvers: the depth ζ (1D) and the (x, ζ) plane (2D) in segments.

The optics solvers mesh their own computational box, which extends beyond the sample into the
incidence medium, the substrate and the perfectly matched layers, in the optics coordinate
ζ = −z (depth below the stack top, increasing into the stack). The solver decides the segment
boundaries (interfaces, buffers, PML starts, pattern edges) and the cell size in each segment
from the wavelength and the skin depths; the functions here turn those into nodes and meshes.

* :func:`segment_cell_counts`, :func:`segment_nodes`: cells per segment, uniform nodes;
* :func:`interval_mesh`: a 1D interval mesh through given nodes (every rank builds its own copy
  on ``MPI.COMM_SELF`` by default: a few hundred cells);
* :func:`structured_quadrilateral_mesh`: a tensor-product quadrilateral mesh of a rectangle cut
  into segments in x and ζ (gmsh transfinite surfaces on rank 0, distributed by
  :func:`dolfinx.io.gmsh.model_to_mesh`, ghosted by shared facet).

They return the DOLFINx mesh itself: the solvers locate their media by the cell midpoints, and
their boxes (buffers, PMLs) are not regions of a :class:`~femmag.geometry.domain.Domain` stack.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from femmag.geometry.gmsh_io import gmsh_session

__all__ = ["interval_mesh", "segment_cell_counts", "segment_nodes",
           "structured_quadrilateral_mesh"]


def segment_cell_counts(edges: Sequence[float], sizes: Sequence[float],
                        min_cells: int = 1) -> np.ndarray:
    """Cells in each segment [edges[j], edges[j+1]] so that none is larger than ``sizes[j]``.

    Args:
        edges: segment boundaries [m], increasing.
        sizes: largest cell size of each segment [m] (one fewer than ``edges``).
        min_cells: fewest cells per segment.

    Returns:
        The number of cells of each segment (integers ≥ ``min_cells``).
    """
    return np.array([max(min_cells, math.ceil((b - a) / h - 1e-9))
                     for a, b, h in zip(edges[:-1], edges[1:], sizes, strict=True)])


def segment_nodes(edges: Sequence[float], sizes: Sequence[float], min_cells: int = 1
                  ) -> np.ndarray:
    """Nodes [m] through every segment boundary, uniform inside each segment.

    Args:
        edges: segment boundaries [m], increasing.
        sizes: largest cell size of each segment [m].
        min_cells: fewest cells per segment.

    Returns:
        The increasing node coordinates, ``edges[0]`` first and ``edges[-1]`` last.
    """
    counts = segment_cell_counts(edges, sizes, min_cells)
    nodes = [np.array([edges[0]])]
    for a, b, n in zip(edges[:-1], edges[1:], counts, strict=True):
        nodes.append(np.linspace(a, b, n + 1)[1:])
    return np.concatenate(nodes)


def interval_mesh(nodes: np.ndarray, comm: Any = None) -> Any:
    """A P1 interval mesh with the given nodes (x[0] = the node coordinate).

    Args:
        nodes: node coordinates [m], increasing.
        comm: communicator (default ``MPI.COMM_SELF``: the whole mesh on every rank).

    Returns:
        The :class:`dolfinx.mesh.Mesh`.
    """
    from mpi4py import MPI

    import basix.ufl
    import dolfinx.mesh

    comm = MPI.COMM_SELF if comm is None else comm
    x = np.asarray(nodes, dtype=float)
    cells = np.stack([np.arange(x.size - 1), np.arange(1, x.size)], axis=1).astype(np.int64)
    coord_el = basix.ufl.element("Lagrange", "interval", 1, shape=(1,))
    return dolfinx.mesh.create_mesh(comm, cells, coord_el, x.reshape(-1, 1))


def structured_quadrilateral_mesh(
    x_edges: np.ndarray,
    x_cells: np.ndarray,
    z_edges: np.ndarray,
    z_cells: np.ndarray,
    comm: Any,
    z_progression: np.ndarray | None = None,
    name: str = "optics2d",
) -> Any:
    """Quadrilaterals on the rectangle [x_edges[0], x_edges[-1]] × [z_edges[0], z_edges[-1]].

    Every segment pair (i, j) is a transfinite, recombined gmsh surface with ``x_cells[i]`` ×
    ``z_cells[j]`` cells, so nodes lie on every segment boundary. gmsh runs on rank 0 and the
    mesh is distributed over ``comm`` with ghost cells across shared facets.

    Args:
        x_edges, z_edges: segment boundaries [m], increasing (the second coordinate is ζ for the
            optics).
        x_cells, z_cells: cells per segment.
        comm: MPI communicator the mesh is distributed on.
        z_progression: per ζ segment, the geometric ratio of neighbouring cells along +ζ (1:
            uniform; default all uniform).
        name: gmsh model name (its single physical surface group has this name too).

    Returns:
        The :class:`dolfinx.mesh.Mesh` (x[0] = x, x[1] = the second coordinate).
    """
    import dolfinx.io.gmsh as gmshio
    import dolfinx.mesh

    xe, ze = np.asarray(x_edges, dtype=float), np.asarray(z_edges, dtype=float)
    nxc, nzc = np.asarray(x_cells), np.asarray(z_cells)
    if z_progression is None:
        z_progression = np.ones(nzc.size)
    partitioner = dolfinx.mesh.create_cell_partitioner(dolfinx.mesh.GhostMode.shared_facet, 2)
    if comm.rank != 0:
        return gmshio.model_to_mesh(None, comm, 0, gdim=2, partitioner=partitioner).mesh
    with gmsh_session(name) as gmsh:
        geo = gmsh.model.geo
        P = [[geo.addPoint(x, z, 0.0) for z in ze] for x in xe]
        H = [[geo.addLine(P[i][j], P[i + 1][j]) for j in range(ze.size)]
             for i in range(xe.size - 1)]
        V = [[geo.addLine(P[i][j], P[i][j + 1]) for j in range(ze.size - 1)]
             for i in range(xe.size)]
        surfaces = []
        for i in range(xe.size - 1):
            for j in range(ze.size - 1):
                loop = geo.addCurveLoop([H[i][j], V[i + 1][j], -H[i][j + 1], -V[i][j]])
                surfaces.append(geo.addPlaneSurface([loop]))
        geo.synchronize()
        for i in range(xe.size - 1):
            for j in range(ze.size):
                gmsh.model.mesh.setTransfiniteCurve(H[i][j], int(nxc[i]) + 1)
        for i in range(xe.size):
            for j in range(ze.size - 1):
                if z_progression[j] != 1.0:
                    gmsh.model.mesh.setTransfiniteCurve(V[i][j], int(nzc[j]) + 1,
                                                        "Progression", z_progression[j])
                else:
                    gmsh.model.mesh.setTransfiniteCurve(V[i][j], int(nzc[j]) + 1)
        for s in surfaces:
            gmsh.model.mesh.setTransfiniteSurface(s)
            gmsh.model.mesh.setRecombine(2, s)
        gmsh.model.addPhysicalGroup(2, surfaces, 1, name=name)
        gmsh.model.mesh.generate(2)
        return gmshio.model_to_mesh(gmsh.model, comm, 0, gdim=2, partitioner=partitioner).mesh
