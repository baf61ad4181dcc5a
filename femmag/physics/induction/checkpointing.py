"""Rank-independent checkpoint entries for the induction solvers' dof arrays.

Lagrange spaces (the r-z A_φ, E_φ, M) are keyed by :class:`femmag.io.checkpoint.FunctionState`
as they are. A degree-1 N1curl dof is the line integral of A along its edge, oriented from the
lower to the higher *global vertex number* of the edge; that numbering follows the partition, so
the same edge can carry the opposite sign on another rank count. :class:`EdgeFunctionState` stores
the values oriented by the input (original) vertex numbers instead, which do not depend on the
partition, so a 3D state written on n ranks restores exactly on m ranks. Higher-degree N1curl
spaces (several dofs per edge and interior face dofs) are restored on the same rank count only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from femmag.io.checkpoint import CheckpointError, FunctionState, _cell_keys, _lookup

__all__ = ["EdgeFunctionState", "check_rank_count", "dof_state", "same_partition_only"]


def _is_edge_space(V: Any) -> bool:
    return V.ufl_element().basix_element.family.name == "N1E"


def same_partition_only(V: Any) -> bool:
    """True if the dof values of ``V`` restore on the rank count they were written on only."""
    return _is_edge_space(V) and V.ufl_element().basix_element.degree > 1


class EdgeFunctionState(FunctionState):
    """A degree-1 N1curl Function keyed by original cell and local edge, its values oriented by
    the input vertex numbers (partition-independent)."""

    def _orientation(self) -> np.ndarray:
        """±1 per (owned cell, local edge), in the order of the keys: +1 where the global
        (partition) and the input vertex numbers order the edge's ends alike."""
        import basix

        mesh = self.space.mesh
        topology = mesh.topology
        tdim = topology.dim
        topology.create_connectivity(tdim, 0)
        n_owned = topology.index_map(tdim).size_local
        n_vertices = len(basix.topology(mesh.basix_cell())[0])
        cell_vertices = topology.connectivity(tdim, 0).array.reshape(-1, n_vertices)[:n_owned]
        vertex_map = topology.index_map(0)
        global_number = vertex_map.local_to_global(
            np.arange(vertex_map.size_local + vertex_map.num_ghosts, dtype=np.int32))[cell_vertices]
        # the cell's vertices come first among its geometry nodes, in the same local order
        nodes = mesh.geometry.dofmaps[0][:n_owned, :n_vertices]
        input_number = np.asarray(mesh.geometry.input_global_indices, dtype=np.int64)[nodes]
        edges = basix.topology(mesh.basix_cell())[1]
        sign = np.empty((n_owned, len(edges)))
        for i, (a, b) in enumerate(edges):
            agree = (global_number[:, a] < global_number[:, b]) == \
                (input_number[:, a] < input_number[:, b])
            sign[:, i] = np.where(agree, 1.0, -1.0)
        return sign.ravel()

    def collect(self) -> tuple[np.ndarray, np.ndarray]:
        keys, values = super().collect()
        return keys, values * self._orientation()

    def assign(self, keys: np.ndarray, values: np.ndarray) -> None:
        mine, dofs = _cell_keys(self.space)
        oriented = _lookup(keys, values, mine, f"function '{self.function.name}'")
        # back to this partition's edge orientation (each shared dof gets the same value from
        # every cell: its sign depends on the edge's two vertices only)
        self._target()[dofs] = oriented * self._orientation()


def dof_state(function: Any, array: Any = None) -> FunctionState:
    """The checkpoint entry of a Function (or of a dof array on its space): oriented edge values
    for degree-1 N1curl, plain cell-keyed values otherwise."""
    V = function.function_space
    if _is_edge_space(V) and V.ufl_element().basix_element.degree == 1:
        return EdgeFunctionState(function, array)
    return FunctionState(function, array)


def check_rank_count(V: Any, written_on: int, comm: Any, what: str) -> None:
    """Refuse a restore that cannot be exact: a higher-degree N1curl state on another rank
    count."""
    if same_partition_only(V) and int(written_on) != comm.size:
        raise CheckpointError(
            f"{what}: the checkpoint was written on {int(written_on)} MPI ranks; a degree-"
            f"{V.ufl_element().basix_element.degree} N1curl state (edge-dof signs follow the "
            f"partition) restores on the same rank count only: resume with mpiexec -n "
            f"{int(written_on)}")
