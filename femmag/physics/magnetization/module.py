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

from femmag.fields import QuadratureField
from femmag.kernels import llb
from femmag.units import to_si

FieldProvider = Callable[[np.ndarray, float], np.ndarray]

#: pointwise models the module can run (per magnetic region)
MODELS = ("llb", "llb-quantum", "llb-stochastic", "m3tm")


def _subset(params: llb.LLBParameters, idx: np.ndarray) -> llb.LLBParameters:
    """The per-point LLB parameters of a subset of points."""
    return llb.LLBParameters(curie_temperature=params.curie_temperature[idx],
                             atomic_moment=params.atomic_moment[idx],
                             coupling=params.coupling[idx])


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
        model: the pointwise model, one for all magnetic layers or ``{region: model}``:
            ``"llb"`` (classical Garanin LLB, default), ``"llb-quantum"`` (spin S from the
            material's ``spin_quantum_number``, default 1/2), ``"llb-stochastic"`` (Evans et al.
            2012 thermal noise; needs ``seed``), ``"m3tm"`` (Koopmans 2010, material's
            ``m3tm_demagnetization_rate``).
        seed: integer seed of the stochastic noise (same on all ranks). The noise of a point is
            keyed by its global id (original cell index × points per cell + point), so a run is
            identical on any number of ranks.
        lateral_area: for 1D meshes only, the film area one point column stands for [m²] (the
            stochastic cell moment is M_s0 × weight × area); default (10 nm)².
    """

    name = "magnetization"
    reads = ("temperatures",)
    writes = ("magnetization",)

    def __init__(self, domain: Any, library: Any = None, *, initial: Any = "+z",
                 initial_temperature: Any = "300 K", applied_field: Any = "0 T",
                 quadrature_degree: int | None = None, max_substep: float | None = None,
                 model: str | dict = "llb", seed: int | None = None,
                 lateral_area: float = 1e-16) -> None:
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
        models = model if isinstance(model, dict) else {r: model for r in self.magnetic_regions}
        unknown = set(models) - set(self.magnetic_regions)
        if unknown:
            raise ValueError(f"model given for {sorted(unknown)}, which are not magnetic regions "
                             f"({self.magnetic_regions})")
        self.models = {r: models.get(r, "llb") for r in self.magnetic_regions}
        for r, mdl in self.models.items():
            if mdl not in MODELS:
                raise ValueError(f"region '{r}': model {mdl!r} is not one of {MODELS}")
        if "llb-stochastic" in self.models.values() and seed is None:
            raise ValueError("model 'llb-stochastic' needs an integer seed (e.g. seed=1) so that "
                             "runs are reproducible")
        self.seed = seed
        self.lateral_area = lateral_area
        self.step_index = 0
        for r in self.magnetic_regions:
            mat = library.get(domain.material_of(r))
            needed = ("curie_temperature", "m3tm_demagnetization_rate") \
                if self.models[r] == "m3tm" else ("atomic_moment", "llb_coupling",
                                                  "saturation_magnetization")
            missing = [p for p in needed if not mat.has(p)]
            if missing:
                raise ValueError(f"magnetic region '{r}' (material '{mat.name}') lacks {missing} "
                                 f"needed by the {self.models[r]} model; add them to the "
                                 f"materials library")

    def add_field(self, name: str, provider: FieldProvider) -> None:
        """Add a field provider ``(points (n,3) [m], t [s]) -> B (n,3) [T]`` (IFE, induced, noise).

        A provider with ``set_global_ids`` (e.g. :class:`femmag.kernels.disturbance.
        RandomDisturbance`) gets the rank-independent ids of the points (after setup).
        """
        self.field_providers.append((name, provider))
        if hasattr(provider, "set_global_ids") and hasattr(self, "global_ids"):
            provider.set_global_ids(self.global_ids)

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
        def per_point(prop: str, default: float = np.nan) -> np.ndarray:
            mats = [self.library.get(self.domain.material_of(r)) for r in self.magnetic_regions]
            vals = np.array([m.prop(prop).value if m.has(prop) else default for m in mats])
            return np.repeat(vals[region_of_cell], nq)

        region_index = np.repeat(region_of_cell, nq)
        self.groups = {mdl: np.flatnonzero(np.isin(region_index, [
            i for i, r in enumerate(self.magnetic_regions) if self.models[r] == mdl]))
            for mdl in set(self.models.values())}

        self.params = llb.LLBParameters(
            curie_temperature=per_point("curie_temperature"),
            atomic_moment=per_point("atomic_moment", 9.2740100783e-24),  # unused by m3tm
            coupling=per_point("llb_coupling", 0.01),
        )
        self.saturation_magnetization = per_point("saturation_magnetization", 0.0)
        self.spin = per_point("spin_quantum_number", 0.5)
        self.m3tm_rate = per_point("m3tm_demagnetization_rate")
        original = np.asarray(mesh.topology.original_cell_index, dtype=np.int64)[self.cells]
        self.global_ids = (original[:, None] * nq + np.arange(nq)[None, :]).ravel()
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
        volume = self.volume_weights * (self.lateral_area if self.domain.kind == "1d" else 1.0)
        self.cell_moment = self.saturation_magnetization * volume  # M_s0 V [J/T]

        temps = fields["temperatures"] if fields is not None else None
        if fields is not None:
            fields.read("temperatures", self.name)
        self._Te_expr = fem.Expression(temps[0], self.points_ref) if temps is not None else None
        self._Tl_expr = fem.Expression(temps[1], self.points_ref) if temps is not None else None
        for _, provider in self.field_providers:
            if hasattr(provider, "set_global_ids"):
                provider.set_global_ids(self.global_ids)

        Te0 = np.full(self.num_points, self.T0)
        me = llb.equilibrium_magnetization(Te0, self.params.curie_temperature)
        for mdl, idx in self.groups.items():
            if mdl == "llb-quantum" and len(idx):
                from femmag.kernels.brillouin import quantum_equilibrium_magnetization

                me[idx] = quantum_equilibrium_magnetization(
                    Te0[idx], self.params.curie_temperature[idx], float(self.spin[idx][0]))
            elif mdl == "m3tm" and len(idx):
                from femmag.kernels.m3tm import m3tm_equilibrium

                me[idx] = m3tm_equilibrium(Te0[idx], self.params.curie_temperature[idx])
        self.m_committed = me[:, None] * self.direction[None, :]
        self.m = self.m_committed.copy()
        self.last_substeps = 0

        # DG0 vector field for output (cell averages of the quadrature state)
        self.V0 = fem.functionspace(mesh, ("DG", 0, (3,)))
        self.magnetization = fem.Function(self.V0, name="magnetization")
        self._cell_w = w / np.maximum(w.sum(axis=1, keepdims=True), 1e-300)
        self._update_output()
        self.field = QuadratureField(values=lambda: self.m, points=self.points, cells=self.cells, points_ref=self.points_ref, volume_weights=self.volume_weights, owned=self._owned, global_ids=self.global_ids, parameters={"saturation_magnetization": self.saturation_magnetization})
        if fields is not None:
            fields.declare("magnetization", "1", "reduced magnetization m = M/M_s(0 K) "
                           "(quadrature state; DG0 cell averages for output)", self.name,
                           self.field)

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
        m_new = self.m_committed.copy()
        substeps = 0
        for mdl, idx in self.groups.items():
            if len(idx) == 0:
                continue
            sub = _subset(self.params, idx)
            m0 = self.m_committed[idx]
            if mdl == "llb":
                m_new[idx], n = llb.llb_advance(m0, B[idx], Te[idx], dt, sub,
                                                max_substep=self.max_substep)
                substeps = max(substeps, n)
            elif mdl == "llb-stochastic":
                from femmag.kernels.stochastic import stochastic_llb_advance

                m_new[idx] = stochastic_llb_advance(m0, B[idx], Te[idx], dt, sub,
                                                    self.cell_moment[idx], self.global_ids[idx],
                                                    self.seed, self.step_index)
            elif mdl == "llb-quantum":
                from femmag.kernels.brillouin import QuantumLLBParameters, quantum_llb_advance

                qp = QuantumLLBParameters(sub.curie_temperature, sub.atomic_moment, sub.coupling,
                                          spin=float(self.spin[idx][0]))
                m_new[idx], n = quantum_llb_advance(m0, B[idx], Te[idx], dt, qp,
                                                    max_substep=self.max_substep)
                substeps = max(substeps, n)
            else:  # m3tm: driven by T_e and T_l, no field
                from femmag.kernels.m3tm import M3TMParameters, m3tm_advance

                Tl = self._Tl_expr.eval(self.domain.mesh, self.cells).reshape(-1)[idx] \
                    if self._Tl_expr is not None else Te[idx]
                m_new[idx] = m3tm_advance(m0, Te[idx], Tl, dt, M3TMParameters(
                    sub.curie_temperature, self.m3tm_rate[idx]))
        self.m, self.last_substeps = m_new, substeps
        self._update_output()
        return self.last_substeps

    def commit(self) -> None:
        self.m_committed = self.m.copy()
        self.step_index += 1  # the stochastic noise of the next step is a new draw

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
        models = ", ".join(f"{r}: {m}" for r, m in self.models.items())
        return (f"magnetization: {models}; {n} quadrature points (degree "
                f"{self.quadrature_degree}) in {self.magnetic_regions}; initial "
                f"{self.direction} × m_e({self.T0:g} K); applied {self.applied_field} T; "
                f"field providers: {fields}")
