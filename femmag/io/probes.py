"""Point values of finite-element functions in parallel (the owning rank evaluates, all receive)."""

from __future__ import annotations

import numpy as np

from mpi4py import MPI

from dolfinx import fem, geometry


class PointProbe:
    """Evaluate functions at one fixed point; the value is the same on every rank.

    The cell containing the point is located once (bounding-box tree); among the ranks that own such
    a cell the lowest rank evaluates, and the value is shared with ``allreduce``.
    """

    def __init__(self, mesh, point) -> None:
        self.mesh = mesh
        p = np.zeros(3)
        p[: len(point)] = point
        self.point = p
        tdim = mesh.topology.dim
        n_owned = mesh.topology.index_map(tdim).size_local
        tree = geometry.bb_tree(mesh, tdim, entities=np.arange(n_owned, dtype=np.int32))
        candidates = geometry.compute_collisions_points(tree, p.reshape(1, 3))
        colliding = geometry.compute_colliding_cells(mesh, candidates, p.reshape(1, 3))
        cells = colliding.links(0)
        have = len(cells) > 0
        ranks = mesh.comm.allgather(mesh.comm.rank if have else mesh.comm.size)
        self.owner = min(ranks)
        if self.owner == mesh.comm.size:
            raise ValueError(f"probe point {tuple(p)} lies outside the mesh")
        self.cell = int(cells[0]) if mesh.comm.rank == self.owner else -1

        # per function space: the point value is a fixed linear combination of the cell's dofs
        self._weights: dict[int, tuple] = {}

    def _weights_of(self, V: fem.FunctionSpace, size: int) -> tuple[np.ndarray, np.ndarray]:
        """(unrolled dofs of the probe cell, weights [size × dofs]) on the owning rank: found once
        per space by probing each basis function (Function.eval is linear in the coefficients).
        Called on every rank (creating a Function is collective)."""
        key = id(V)
        if key not in self._weights:
            basis = fem.Function(V)
            dofs = np.zeros(0, dtype=np.int32)
            weights = np.zeros((size, 0))
            if self.mesh.comm.rank == self.owner:
                bs = V.dofmap.bs
                cell_dofs = V.dofmap.cell_dofs(self.cell)
                dofs = (bs * np.repeat(cell_dofs, bs)
                        + np.tile(np.arange(bs), len(cell_dofs))).astype(np.int32)
                weights = np.zeros((size, len(dofs)))
                for j, dof in enumerate(dofs):
                    basis.x.array[:] = 0.0
                    basis.x.array[dof] = 1.0
                    weights[:, j] = basis.eval(self.point.reshape(1, 3),
                                               np.array([self.cell], dtype=np.int32))
            del basis  # free its vector (and scatter communicators) now
            self._weights[key] = (V, dofs, weights)  # V kept alive: its id stays valid
        return self._weights[key][1:]

    def __call__(self, u: fem.Function) -> np.ndarray:
        """Value(s) of ``u`` at the point (array of the value size), identical on all ranks."""
        V = u.function_space
        entry = self._weights.get(id(V))
        if entry is None:
            size = int(np.prod(u.ufl_shape)) if u.ufl_shape else 1
            self._weights_of(V, size)
            entry = self._weights[id(V)]
        _, dofs, weights = entry
        comm = self.mesh.comm
        if comm.size == 1:  # a trace sample per step: no reduction to wait for
            return weights @ u.x.array[dofs]
        local = np.zeros(weights.shape[0])
        if comm.rank == self.owner:
            local[:] = weights @ u.x.array[dofs]
        comm.Allreduce(MPI.IN_PLACE, local, op=MPI.SUM)  # buffer, no pickling
        return local
