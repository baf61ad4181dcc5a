"""Values of finite-element functions at fixed points, in parallel (the induction solvers' probes).

A point is evaluated on the lowest rank that owns a cell containing it; the values are summed over
the ranks (the others contribute zeros), so every rank gets the same, partition-independent value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from mpi4py import MPI

import dolfinx

__all__ = ["FieldProbe"]


class FieldProbe:
    """Values of Functions at fixed points, located once (collective construction and evaluation).

    Args:
        mesh: the mesh of the functions.
        points: (n, 3) [m]: the same points on every rank, or, with ``local=True``, this rank's
            own points (they are gathered and located on the whole mesh, and each rank gets the
            values of its own points back; the heat and induction meshes are distributed
            independently).
        local: see ``points``.
        allow_outside: points in no cell get the value 0 (listed by :attr:`outside`) instead of
            an error.

    Attributes:
        points: all points (n_all, 3) [m] (with ``local=True``: those of every rank).
        found: indices of the points this rank evaluates.
        cells: the cell of each of them.
    """

    def __init__(self, mesh: dolfinx.mesh.Mesh, points: Any, *, local: bool = False,
                 allow_outside: bool = False) -> None:
        self.comm = comm = mesh.comm
        points = np.asarray(points, dtype=float).reshape(-1, 3)
        if local:
            counts = comm.allgather(len(points))
            start = int(np.sum(counts[:comm.rank]))
            self._mine = slice(start, start + len(points))
            points = np.concatenate(comm.allgather(points)) if sum(counts) else np.zeros((0, 3))
        else:
            self._mine = slice(None)
        self.points = points
        tdim = mesh.topology.dim
        n_owned = mesh.topology.index_map(tdim).size_local
        tree = dolfinx.geometry.bb_tree(mesh, tdim, entities=np.arange(n_owned, dtype=np.int32))
        candidates = dolfinx.geometry.compute_collisions_points(tree, points)
        colliding = dolfinx.geometry.compute_colliding_cells(mesh, candidates, points)
        found = np.flatnonzero(np.diff(colliding.offsets) > 0)
        hit = np.zeros(len(points), dtype=np.int32)
        hit[found] = comm.rank + 1
        # every point from the lowest rank that owns a cell containing it
        owner = np.where(hit > 0, hit, comm.size + 1).astype(np.int32)
        comm.Allreduce(MPI.IN_PLACE, owner, op=MPI.MIN)
        self._outside = owner > comm.size
        if np.any(self._outside) and not allow_outside:
            raise ValueError(f"probe points {points[self._outside]} lie outside the mesh; give "
                             f"points inside the box [m].")
        self.found = found[owner[found] == comm.rank + 1]
        self.cells = np.array([self._choose_cell(i, colliding.links(i)) for i in self.found],
                              dtype=np.int32)

    def _choose_cell(self, index: int, cells: np.ndarray) -> int:
        """The cell, among the owned ``cells`` containing point ``index``, that evaluates it."""
        return int(cells[0])

    @property
    def outside(self) -> np.ndarray:
        """Which of this rank's points lie in no cell of the mesh (bool)."""
        return self._outside[self._mine]

    def reduce(self, local: np.ndarray) -> np.ndarray:
        """Sum per-rank values (n_all, ...) over the ranks; this rank's points' rows."""
        local = np.ascontiguousarray(local)
        self.comm.Allreduce(MPI.IN_PLACE, local, op=MPI.SUM)
        return local[self._mine]

    def evaluate(self, function: Any) -> np.ndarray:
        """Values (n, value size) of ``function`` at the points. Collective."""
        size = int(np.prod(function.ufl_shape)) if function.ufl_shape else 1
        local = np.zeros((len(self.points), size))
        if len(self.found):
            local[self.found] = np.asarray(function.eval(self.points[self.found],
                                                         self.cells)).reshape(-1, size)
        return self.reduce(local)
