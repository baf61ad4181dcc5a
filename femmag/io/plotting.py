"""Figures: matplotlib traces and pyvista pictures of fields (off screen, rank 0 writes the PNG)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from mpi4py import MPI


def gather_cells(u) -> tuple[np.ndarray, np.ndarray, int] | None:
    """Gather owned cells of a scalar P1 (or DG0) function on rank 0.

    Returns ``(coordinates (n_cells, n_vertices, 3), values (n_cells, n_vertices), cell_type_vtk)``
    on rank 0 (points duplicated per cell; fine for pictures), ``None`` elsewhere.
    """
    V = u.function_space
    mesh = V.mesh
    tdim = mesh.topology.dim
    n_owned = mesh.topology.index_map(tdim).size_local
    x = mesh.geometry.x
    geo = mesh.geometry.dofmaps[0][:n_owned]
    coords = x[geo]
    dofs = V.dofmap.list[:n_owned]
    if dofs.shape[1] == 1:  # DG0: repeat the cell value on its vertices
        vals = np.repeat(u.x.array[dofs], geo.shape[1], axis=1)
    else:
        vals = u.x.array[dofs]
    all_coords = mesh.comm.gather(coords, root=0)
    all_vals = mesh.comm.gather(vals, root=0)
    if mesh.comm.rank != 0:
        return None
    import basix

    cell = mesh.basix_cell()
    vtk = {basix.CellType.interval: 3, basix.CellType.triangle: 5,
           basix.CellType.quadrilateral: 9, basix.CellType.tetrahedron: 10,
           basix.CellType.hexahedron: 12}[cell]
    return np.concatenate(all_coords), np.concatenate(all_vals), vtk


def field_picture(u, path: str | Path, *, title: str = "", scale: tuple[float, float] = (1e6, 1e9),
                  unit_labels: tuple[str, str] = ("r [µm]", "z [nm]"), cmap: str = "inferno",
                  clim: tuple[float, float] | None = None, zlim: tuple[float, float] | None = None,
                  comm=MPI.COMM_WORLD) -> None:
    """Picture of a scalar field on a 2D (r-z or x-y) mesh, anisotropically scaled for thin films.

    Uses matplotlib's ``tripcolor`` (robust off screen); pyvista is used for 3D meshes (see
    :func:`pyvista_picture`). ``scale`` multiplies (x, y) so that a 10 nm film and a 20 µm beam are
    both visible (µm laterally, nm vertically).
    """
    gathered = gather_cells(u)
    if gathered is None:
        return
    coords, vals, vtk = gathered
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.tri as mtri

    if vtk == 9:  # quads → two triangles each
        tri_idx = np.array([[0, 1, 3], [0, 3, 2]])
        coords = coords[:, tri_idx].reshape(-1, 3, 3)
        vals = vals[:, tri_idx].reshape(-1, 3)
    pts = coords.reshape(-1, 3)
    tris = np.arange(len(pts)).reshape(-1, 3)
    triang = mtri.Triangulation(pts[:, 0] * scale[0], pts[:, 1] * scale[1], tris)
    fig, ax = plt.subplots(figsize=(7, 3.2))
    tpc = ax.tripcolor(triang, vals.reshape(-1), shading="gouraud", cmap=cmap,
                       vmin=None if clim is None else clim[0], vmax=None if clim is None else clim[1])
    fig.colorbar(tpc, ax=ax, label=getattr(u, "name", ""))
    ax.set_xlabel(unit_labels[0])
    ax.set_ylabel(unit_labels[1])
    if zlim is not None:
        ax.set_ylim(*zlim)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def pyvista_picture(u, path: str | Path, *, title: str = "", comm=MPI.COMM_WORLD) -> None:
    """Off-screen pyvista screenshot of a scalar field (any mesh dimension)."""
    gathered = gather_cells(u)
    if gathered is None:
        return
    coords, vals, vtk = gathered
    os.environ.setdefault("PYVISTA_OFF_SCREEN", "true")
    import pyvista

    pyvista.OFF_SCREEN = True
    n_cells, nv, _ = coords.shape
    cells = np.hstack([np.full((n_cells, 1), nv), np.arange(n_cells * nv).reshape(n_cells, nv)])
    grid = pyvista.UnstructuredGrid(cells.ravel(), np.full(n_cells, vtk), coords.reshape(-1, 3))
    grid.point_data[getattr(u, "name", "u")] = vals.reshape(-1)
    plotter = pyvista.Plotter(off_screen=True, window_size=(900, 600))
    plotter.add_mesh(grid, show_edges=False, cmap="inferno")
    plotter.add_title(title, font_size=10)
    plotter.view_isometric()
    plotter.screenshot(str(path))
    plotter.close()


def trace_figure(traces: dict[str, tuple[np.ndarray, np.ndarray, str]], path: str | Path, *,
                 title: str = "", xlabel: str = "time [ps]", xlog: bool = False) -> None:
    """Stacked panels of time traces: ``{label: (t, y, axis_label)}``; rank 0 only."""
    if MPI.COMM_WORLD.rank != 0:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups: dict[str, list[tuple[str, np.ndarray, np.ndarray]]] = {}
    for label, (t, y, axis) in traces.items():
        groups.setdefault(axis, []).append((label, t, y))
    fig, axes = plt.subplots(len(groups), 1, figsize=(7, 2.3 * len(groups)), sharex=True)
    axes = np.atleast_1d(axes)
    for ax, (axis, items) in zip(axes, groups.items(), strict=True):
        for label, t, y in items:
            ax.plot(t, y, label=label)
        ax.set_ylabel(axis)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        if xlog:
            ax.set_xscale("symlog", linthresh=1.0)
    axes[-1].set_xlabel(xlabel)
    axes[0].set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
