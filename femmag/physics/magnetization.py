r"""Magnetization at the quadrature points of the magnetic layers (Landau–Lifshitz–Bloch).

The reduced magnetization :math:`\mathbf m = \mathbf M/M_s(0\,\mathrm K)` is a pointwise state on the
quadrature points of every layer whose material has a Curie temperature. Each step it is advanced by
the pure array kernel :func:`femmag.kernels.llb.llb_advance` (classical Garanin LLB, physics-spec
§5.1-5.2; stiff-safe, sub-stepped inside the heat step), driven by the electron temperature evaluated
at the same points and by a field in tesla:

.. math::  \mathbf B = \mathbf B_{applied} + \sum_k \mathbf B_k(\mathbf x, t)

where the :math:`\mathbf B_k` are *field providers* (the inverse-Faraday field, the induced field of
the induction solver, disturbance fields), each a callable ``(points (n, 3), t) -> (n, 3)`` [T].

Lie splitting (see :mod:`femmag.step`): the LLB step from t to t+Δt uses T_e(t+Δt) of the heat
step just solved and the fields at t+Δt. Trial and committed state are kept apart: ``step`` writes the
trial state, ``commit`` accepts it.

For viewing, the state is averaged per cell into a DG0 vector field ``magnetization`` (written by
:mod:`femmag.io`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mpi4py import MPI

import basix
import basix.ufl
import ufl
from dolfinx import fem

from femmag.kernels import llb
from femmag.units import to_si

FieldProvider = Callable[[np.ndarray, float], np.ndarray]


def _direction(initial: Any) -> np.ndarray:
    if isinstance(initial, str):
        table = {"+z": (0, 0, 1), "-z": (0, 0, -1), "+x": (1, 0, 0), "-x": (-1, 0, 0),
                 "+y": (0, 1, 0), "-y": (0, -1, 0)}
        if initial not in table:
            raise ValueError(f"initial magnetization {initial!r}: use one of {list(table)} or a "
                             f"3-vector")
        return np.array(table[initial], dtype=float)
    v = np.asarray(initial, dtype=float)
    if v.shape != (3,) or not np.isfinite(v).all() or np.linalg.norm(v) == 0:
        raise ValueError(f"initial magnetization {initial!r}: need a non-zero 3-vector")
    return v / np.linalg.norm(v)


class Magnetization:
    """LLB magnetization on the quadrature points of the magnetic layers.

    Args:
        domain: the simulation domain.
        library: materials library (curie_temperature, atomic_moment, llb_coupling,
            saturation_magnetization per magnetic material).
        initial: ``"+z"``, ``"-z"`` or a 3-vector: the direction of the initial state; the initial
            length is m_e(T0) (equilibrium at the initial temperature).
        initial_temperature: ``"300 K"``.
        applied_field: constant applied field, e.g. ``("0 T", "0 T", "0.1 T")`` or ``"0.1 T"``
            (along z).
        quadrature_degree: degree of the quadrature rule carrying the state (default: the
            Domain's one rule, ``domain.quadrature_degree``).
        max_substep: largest LLB sub-step [s] (None: the kernel's own choice).
    """

    name = "magnetization"
    reads = ("temperatures",)
    writes = ("magnetization",)

    def __init__(self, domain: Any, library: Any = None, *, initial: Any = "+z",
                 initial_temperature: Any = "300 K", applied_field: Any = "0 T",
                 quadrature_degree: int | None = None, max_substep: float | None = None) -> None:
        if library is None:
            from femmag.materials import Library

            library = Library.default()
        self.domain = domain
        self.library = library
        self.direction = _direction(initial)
        self.T0 = to_si(initial_temperature, "temperature", "initial_temperature")
        if isinstance(applied_field, str | tuple) and not (
                isinstance(applied_field, tuple) and len(applied_field) == 3):
            self.applied_field = np.array([0.0, 0.0, to_si(applied_field, "field",
                                                           "applied_field")])
        else:
            self.applied_field = np.array([to_si(b, "field", "applied_field") for b in
                                           applied_field])
        self.quadrature_degree = (getattr(domain, "quadrature_degree", 2)
                                  if quadrature_degree is None else quadrature_degree)
        self.max_substep = max_substep
        self.field_providers: list[tuple[str, FieldProvider]] = []
        self.magnetic_regions = [r for r in domain.regions
                                 if library.get(domain.material_of(r)).has("curie_temperature")]
        if not self.magnetic_regions:
            raise ValueError("Magnetization: no magnetic layer in the domain (no region's material "
                             f"has a curie_temperature); regions: {list(domain.regions)}")
        for r in self.magnetic_regions:
            mat = library.get(domain.material_of(r))
            missing = [p for p in ("atomic_moment", "llb_coupling", "saturation_magnetization")
                       if not mat.has(p)]
            if missing:
                raise ValueError(f"magnetic region '{r}' (material '{mat.name}') lacks {missing} "
                                 f"needed by the LLB model; add them to the materials library")

    def add_field(self, name: str, provider: FieldProvider) -> None:
        """Add a field provider ``(points (n,3) [m], t [s]) -> B (n,3) [T]`` (IFE, induced, noise)."""
        self.field_providers.append((name, provider))

    # -- setup -----------------------------------------------------------------------------------
    def setup(self, fields: Any) -> None:
        mesh = self.domain.mesh
        tdim = mesh.topology.dim
        cell = mesh.basix_cell()
        self.points_ref, weights_ref = basix.make_quadrature(cell, self.quadrature_degree)
        nq = len(self.points_ref)
        cells, tags = [], []
        for r in self.magnetic_regions:
            c = self.domain.cells(r)
            cells.append(c)
            tags.append(np.full(len(c), len(tags), dtype=np.int32))
        self.cells = np.concatenate(cells).astype(np.int32)
        region_of_cell = np.concatenate(tags)
        self.num_points = len(self.cells) * nq
        n_owned = mesh.topology.index_map(tdim).size_local
        self._owned = np.repeat(self.cells < n_owned, nq)  # ghost cells: computed, not counted

        # per-point parameters
        def per_point(prop: str) -> np.ndarray:
            vals = np.array([self.library.get(self.domain.material_of(r)).prop(prop).value
                             for r in self.magnetic_regions])
            return np.repeat(vals[region_of_cell], nq)

        self.params = llb.LLBParameters(
            curie_temperature=per_point("curie_temperature"),
            atomic_moment=per_point("atomic_moment"),
            coupling=per_point("llb_coupling"),
        )
        self.saturation_magnetization = per_point("saturation_magnetization")
        x = ufl.SpatialCoordinate(mesh)
        xq = fem.Expression(x, self.points_ref).eval(mesh, self.cells)
        self.points = np.zeros((self.num_points, 3))
        # (a rank may hold no magnetic cell: every array below must also work with 0 points)
        self.points[:, : mesh.geometry.dim] = np.asarray(xq).reshape(self.num_points,
                                                                     mesh.geometry.dim)
        # quadrature weights × |det J| × radial weight (for averages)
        detJ = np.asarray(fem.Expression(ufl.JacobianDeterminant(mesh),
                                         self.points_ref).eval(mesh, self.cells))
        w = np.abs(detJ.reshape(len(self.cells), nq)) * weights_ref[None, :]
        if self.domain.kind == "rz":
            w = w * 2 * np.pi * self.points[:, 0].reshape(len(self.cells), nq)
        self.volume_weights = w.ravel()

        temps = fields["temperatures"] if fields is not None else None
        if fields is not None:
            fields.read("temperatures", self.name)
        self._Te_expr = fem.Expression(temps[0], self.points_ref) if temps is not None else None

        Te0 = np.full(self.num_points, self.T0)
        me = llb.equilibrium_magnetization(Te0, self.params.curie_temperature)
        self.m_committed = me[:, None] * self.direction[None, :]
        self.m = self.m_committed.copy()
        self.last_substeps = 0

        # DG0 vector field for output (cell averages of the quadrature state)
        self.V0 = fem.functionspace(mesh, ("DG", 0, (3,)))
        self.magnetization = fem.Function(self.V0, name="magnetization")
        self._cell_w = w / np.maximum(w.sum(axis=1, keepdims=True), 1e-300)
        self._update_output()
        if fields is not None:
            fields.declare("magnetization", "1", "reduced magnetization m = M/M_s(0 K) "
                           "(quadrature state; DG0 cell averages for output)", self.name, self)

    # -- stepping --------------------------------------------------------------------------------
    def electron_temperature_at_points(self) -> np.ndarray:
        """T_e at the quadrature points (trial state of the heat module) [K]."""
        if self._Te_expr is None:
            return np.full(self.num_points, self.T0)
        if self.num_points == 0:
            return np.zeros(0)
        return self._Te_expr.eval(self.domain.mesh, self.cells).reshape(-1)

    def field_at_points(self, t: float) -> np.ndarray:
        """Total field B (applied + providers) at the quadrature points at time t [T]."""
        B = np.broadcast_to(self.applied_field, (self.num_points, 3)).copy()
        for _, provider in self.field_providers:
            B += provider(self.points, t)
        return B

    def step(self, t: float, dt: float) -> int:
        """Advance the trial state from the committed one over [t, t+dt]; returns sub-steps."""
        Te = self.electron_temperature_at_points()
        B = self.field_at_points(t + dt)
        if self.num_points == 0:
            self.m, self.last_substeps = self.m_committed.copy(), 0
            return 0
        self.m, self.last_substeps = llb.llb_advance(self.m_committed, B, Te, dt, self.params,
                                                     max_substep=self.max_substep)
        self._update_output()
        return self.last_substeps

    def commit(self) -> None:
        self.m_committed = self.m.copy()

    def reject(self) -> None:
        self.m = self.m_committed.copy()
        self._update_output()

    def _update_output(self) -> None:
        nq = len(self.points_ref)
        m_cells = np.einsum("cq,cqi->ci", self._cell_w, self.m.reshape(len(self.cells), nq, 3))
        arr = self.magnetization.x.array.reshape(-1, 3)
        arr[:] = 0.0
        dofs = self.V0.dofmap.list[self.cells][:, 0]
        arr[dofs] = m_cells

    # -- diagnostics -----------------------------------------------------------------------------
    def average(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Volume average of m over the owned points selected by ``mask`` (all ranks)."""
        sel = self._owned if mask is None else (self._owned & mask)
        w = self.volume_weights[sel]
        local = np.concatenate([(w[:, None] * self.m[sel]).sum(axis=0), [w.sum()]])
        total = self.domain.mesh.comm.allreduce(local, op=MPI.SUM)
        return total[:3] / total[3] if total[3] > 0 else np.full(3, np.nan)

    def summary(self) -> str:
        n = self.domain.mesh.comm.allreduce(int(self._owned.sum()), op=MPI.SUM)
        fields = ", ".join(n for n, _ in self.field_providers) or "none"
        return (f"magnetization: classical LLB at {n} quadrature points (degree "
                f"{self.quadrature_degree}) in {self.magnetic_regions}; initial "
                f"{self.direction} × m_e({self.T0:g} K); applied {self.applied_field} T; "
                f"field providers: {fields}")
