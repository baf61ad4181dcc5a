"""Checkpoints that read back on any number of ranks.

Format (one NumPy archive, ``checkpoint.npz``, written by rank 0): every array is stored with the
rank-independent *keys* of its entries, ``<name>.keys`` (int64) beside ``<name>.values``:

- a finite-element function: key = original (input) cell index × dofs per cell + local dof, value
  the dof value seen from that cell (shared dofs appear once per cell, with equal values). The
  cell-local dof layout follows the input cell's vertex order, which does not depend on the
  partition, so a checkpoint written on n ranks restores on m ranks (Lagrange and DG spaces;
  edge-element signs may follow the partition, so N1curl states are restored on the same rank
  count only);
- a quadrature-point array: key = original cell index × points per cell + q (the ids of
  :class:`femmag.fields.QuadratureField`);
- scalars and small replicated arrays: stored as they are (``<name>.replicated``).

Why not adios4dolfinx (the FEniCSx checkpoint library): its 0.11 release needs ADIOS2 built with
MPI, and the PyPI ``adios2`` wheel is serial ("ADIOS2 must be built with MPI support" on one rank);
building ADIOS2 in ``make setup`` would add many minutes to every fresh clone and CI run. The state
of a femmag run is small (a few P1/DG fields and quadrature arrays), so gathering it on rank 0
into one NumPy archive is simple, portable and fast.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from mpi4py import MPI

FORMAT_VERSION = 1


def _cell_keys(V: Any, ghosts: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(keys, unrolled local dof indices) for the owned cells of space ``V`` (and the ghost
    cells with ``ghosts``: a restore sets every local dof, so no scatter is needed)."""
    mesh = V.mesh
    tdim = mesh.topology.dim
    index_map = mesh.topology.index_map(tdim)
    n_cells = index_map.size_local + (index_map.num_ghosts if ghosts else 0)
    original = np.asarray(mesh.topology.original_cell_index, dtype=np.int64)[:n_cells]
    dofs = np.asarray(V.dofmap.list[:n_cells], dtype=np.int64)
    bs = V.dofmap.bs
    per_cell = dofs.shape[1] * bs
    unrolled = (bs * np.repeat(dofs, bs, axis=1) + np.tile(np.arange(bs), dofs.shape[1]))
    keys = original[:, None] * per_cell + np.arange(per_cell)[None, :]
    return keys.ravel(), unrolled.ravel()


class FunctionState:
    """The values of a ``dolfinx.fem.Function`` (or of a dof array on its space, through
    ``array``) keyed by original cell and local dof."""

    def __init__(self, function: Any, array: Any = None) -> None:
        self.function = function
        self.space = function.function_space
        self.array = array  # a callable returning the dof array (owned + ghosts), or None

    def _target(self) -> np.ndarray:
        return self.function.x.array if self.array is None else self.array()

    def collect(self) -> tuple[np.ndarray, np.ndarray]:
        keys, dofs = _cell_keys(self.space)
        return keys, self._target()[dofs].copy()

    def assign(self, keys: np.ndarray, values: np.ndarray) -> None:
        mine, dofs = _cell_keys(self.space, ghosts=True)
        target = self._target()
        target[dofs] = _lookup(keys, values, mine, f"function '{self.function.name}'")


class PointState:
    """A quadrature-point array (n_points, ...) keyed by rank-independent point ids; only the
    points of owned cells are written, all (ghosts included) are restored."""

    def __init__(self, array_getter: Any, array_setter: Any, ids: np.ndarray,
                 owned: np.ndarray) -> None:
        self.get, self.set = array_getter, array_setter
        self.ids = np.asarray(ids, dtype=np.int64)
        self.owned = np.asarray(owned, dtype=bool)

    def collect(self) -> tuple[np.ndarray, np.ndarray]:
        return self.ids[self.owned], np.asarray(self.get())[self.owned].copy()

    def assign(self, keys: np.ndarray, values: np.ndarray) -> None:
        self.set(_lookup(keys, values, self.ids, "quadrature-point state"))


def _lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray, what: str) -> np.ndarray:
    if len(wanted) == 0:
        return values[:0]
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    pos = np.searchsorted(sorted_keys, wanted)
    pos = np.clip(pos, 0, len(sorted_keys) - 1)
    if not np.array_equal(sorted_keys[pos], wanted):
        raise CheckpointError(f"the checkpoint does not match this mesh ({what}): some entries "
                              f"are missing; resume with the same case and mesh options")
    return values[order[pos]]


class CheckpointError(RuntimeError):
    """A checkpoint cannot be written or does not fit the simulation it is restored into."""


def write_checkpoint(path: str | Path, comm: MPI.Comm, distributed: dict[str, Any],
                     replicated: dict[str, Any]) -> None:
    """Gather the distributed states on rank 0 and write ``path`` atomically (collective).

    Args:
        distributed: name → :class:`FunctionState` or :class:`PointState`.
        replicated: name → value identical on every rank (scalars, small arrays, strings).
    """
    arrays: dict[str, np.ndarray] = {}
    for name, state in distributed.items():
        keys, values = state.collect()
        all_keys = comm.gather(keys, root=0)
        all_values = comm.gather(values, root=0)
        if comm.rank == 0:
            arrays[f"{name}.keys"] = np.concatenate(all_keys)
            arrays[f"{name}.values"] = np.concatenate(all_values)
    if comm.rank == 0:
        for name, value in replicated.items():
            arrays[f"{name}.replicated"] = np.asarray(value)
        arrays["format_version.replicated"] = np.asarray(FORMAT_VERSION)
        arrays["mpi_size.replicated"] = np.asarray(comm.size)
        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, path)  # a checkpoint is either complete or absent
    comm.Barrier()


def read_checkpoint(path: str | Path, comm: MPI.Comm) -> dict[str, Any]:
    """Every rank reads the archive (name → (keys, values) or replicated value)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at '{path}'")
    with np.load(path, allow_pickle=False) as data:
        entries: dict[str, Any] = {}
        for key in data.files:
            name, _, kind = key.rpartition(".")
            if kind == "replicated":
                value = data[key]
                entries[name] = value.item() if value.ndim == 0 else value
            elif kind == "keys":
                entries[name] = (data[key], data[f"{name}.values"])
    if entries.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"'{path}' has checkpoint format {entries.get('format_version')}, "
                              f"this femmag reads format {FORMAT_VERSION}")
    return entries
