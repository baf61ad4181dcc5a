"""A triangle mesh of the film plane (x, y), for the film-plane magnetization maps.

Lengths in m; the film normal (z) is not meshed: the film is a 2D sheet of thickness d that the
model carries as a number (:class:`femmag.models.film_plane.FilmPlaneMagnetization`).
"""

from __future__ import annotations

import numpy as np

from mpi4py import MPI

import dolfinx

__all__ = ["film_plane_mesh"]


def film_plane_mesh(comm: MPI.Comm, half_width: float, cell_size: float, *,
                    half_height: float | None = None,
                    diagonal: str = "right") -> dolfinx.mesh.Mesh:
    """A triangle mesh of the film plane [-a, a] × [-b, b] (lengths in m).

    Args:
        comm: MPI communicator.
        half_width: a [m] (e.g. 18e-6 for a 20 µm beam).
        cell_size: target cell side [m] (cells are squares split into two triangles).
        half_height: b [m] (default a).
        diagonal: ``"right"``, ``"left"``, ``"crossed"`` ... (dolfinx DiagonalType name).

    Raises:
        ValueError: non-positive sizes or more than ~4e6 cells.
    """
    b = half_width if half_height is None else half_height
    if not (half_width > 0 and b > 0 and cell_size > 0):
        raise ValueError(f"film_plane_mesh: half_width={half_width!r}, half_height={b!r} and "
                         f"cell_size={cell_size!r} must be > 0 (in m, e.g. 18e-6 and 0.4e-6).")
    nx = max(1, int(round(2 * half_width / cell_size)))
    ny = max(1, int(round(2 * b / cell_size)))
    if nx * ny > 2_000_000:
        raise ValueError(f"film_plane_mesh: {nx}×{ny} cells is too many; increase cell_size "
                         f"({cell_size!r} m) or shrink the domain.")
    return dolfinx.mesh.create_rectangle(
        comm, [np.array([-half_width, -b]), np.array([half_width, b])], [nx, ny],
        dolfinx.mesh.CellType.triangle, diagonal=getattr(dolfinx.mesh.DiagonalType, diagonal))
