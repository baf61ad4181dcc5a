"""How the s spin accumulation moves between the quadrature points of :class:`SpinTransport`.

One strategy per transport (and mesh), chosen once when the module is built
(:func:`make_transport`); the module keeps the s-d state at the points and calls it at each hook:

* :class:`LocalTransport` (``"none"``): every point evolves alone.
* :class:`BallisticTransport` (``"ballistic"``): what the s-d scattering of one FM group emits
  reaches the other group after a delay t_d, per radius column on r-z meshes.
* :class:`Diffusive1D` (``"diffusive"`` on ``"1d"``): μ_s(z, t) in a private
  :class:`~femmag.physics.spin.diffusion.SpinDiffusion1D` whose cells are the heat mesh's cells,
  coupled pointwise or by layer averages.
* :class:`DiffusiveRZ` (``"diffusive"`` on ``"rz"``): μ_s(r, z, t) in
  :class:`~femmag.physics.spin.diffusion_rz.SpinDiffusionRZ` on the Domain's own mesh.

The physics of each is in the docstring of :mod:`femmag.physics.spin.module`. A strategy reads
the module's point arrays (``points``, ``weights``, ``owned``, ``group_of``, ``m_d``, ``mu_s``...)
and integrates the points with the module's ``_advance_points``.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

import femmag  # noqa: F401  (dolfinx_solver before dolfinx)
import dolfinx
import dolfinx.fem.petsc
import ufl
from dolfinx import fem
from mpi4py import MPI

from femmag.kernels.sd import SdParameters
from femmag.physics.base import StepFailure
from femmag.physics.spin.diffusion import (TAG_BOTTOM, TAG_BULK_FACET, TAG_INTERFACE0, TAG_TOP,
                                           LayeredMesh, SpinDiffusion1D, SpinLayer)
from femmag.solvers import SolverDivergedError
from femmag.units import to_si

if TYPE_CHECKING:  # pragma: no cover
    from femmag.physics.spin.module import SpinTransport

__all__ = ["BallisticTransport", "Diffusive1D", "DiffusiveRZ", "LocalTransport", "Transport",
           "make_transport"]

TRANSPORTS = ("diffusive", "ballistic", "none")


class Transport(ABC):
    """A spin transport between the s-d points of a :class:`SpinTransport` module.

    Attributes:
        kind: the ``transport=`` option it implements.
        solver: the spin-diffusion solver (diffusive transports), else None.
    """

    kind = ""
    solver: Any = None

    def __init__(self, spin: SpinTransport) -> None:
        self.spin = spin

    def local_parameters(self, k: int, params: SdParameters) -> SdParameters:
        """The s-d parameters of the local point integration of group ``k``."""
        return params

    def setup(self) -> None:  # noqa: B027 - optional hook
        """Build solvers and maps once the module's points exist."""

    @abstractmethod
    def step(self, t: float, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """Trial (m_d, μ_s) at the points at t + dt (module state: committed at t)."""

    def commit(self, t: float, dt: float) -> None:  # noqa: B027 - optional hook
        """Accept the trial of the step t → t + dt (before the module takes its trial state)."""

    def state(self) -> dict[str, Any]:
        """The committed transport state for a checkpoint (entries as in
        :meth:`femmag.physics.base.PhysicsModule.state`). Default: none."""
        return {}

    def restore(self, entries: dict[str, Any]) -> None:  # noqa: B027 - optional hook
        """Set the committed state from the checkpoint entries of :meth:`state`."""

    def group_mu(self, mean_mu: np.ndarray) -> np.ndarray:
        """μ_s per group for the traces, given the volume average of the points' μ_s."""
        return mean_mu

    @abstractmethod
    def spin_ledger(self) -> float:
        """The conserved spin (see :meth:`SpinTransport.spin_ledger`)."""

    def spin_factor(self, group: str) -> float:
        """Factor of ρ × volume in :meth:`SpinTransport.spin_scale`."""
        return 1.0

    def ledger_unit(self, mesh_kind: str) -> str:
        return "J m^3" if mesh_kind == "rz" else "J m"

    def summary_lines(self) -> list[str]:
        return []

    def destroy(self) -> None:  # noqa: B027 - optional hook
        """Free PETSc objects (collective)."""


class LocalTransport(Transport):
    """No transport: each point keeps its own μ_s, relaxed with τ_s (the M3TM when ρ = 0)."""

    kind = "none"

    def _source(self, t: float, dt: float) -> np.ndarray:
        """μ_s source at the points [J/s] over the step."""
        return np.zeros(self.spin.num_points)

    def step(self, t: float, dt: float) -> tuple[np.ndarray, np.ndarray]:
        source = self._source(t, dt)
        return self.spin._advance_points(dt, self.spin.mu_s, source)

    def _in_flight(self) -> float:
        return 0.0

    def spin_ledger(self) -> float:
        """Σ_p w_p (μ_s − ρ m_d) [J m] (+ the spin in flight)."""
        spin = self.spin
        sums = spin._group_sums([spin.mu_s - spin.rho * spin.m_d])[0]
        return float(np.sum(sums)) + self._in_flight()


class BallisticTransport(LocalTransport):
    """Delayed transfer between two FM groups (per radius column on r-z meshes).

    Args:
        spin: the module.
        efficiency: η (both directions) or (η_{0→1}, η_{1→0}).
        delay: t_d (a quantity or seconds).
        dt_max: the simulation's largest step [s]; it must not exceed t_d.
    """

    kind = "ballistic"

    def __init__(self, spin: SpinTransport, efficiency: float | tuple[float, float],
                 delay: Any, dt_max: float) -> None:
        super().__init__(spin)
        where = "SpinTransport"
        if len(spin.names) != 2:
            raise ValueError(f"{where}: ballistic transport couples exactly two FM groups, "
                             f"got {spin.names}")
        eta = (float(efficiency),) * 2 if np.isscalar(efficiency) else tuple(efficiency)
        if len(eta) != 2 or not all(0.0 <= e <= 1.0 for e in eta):
            raise ValueError(f"{where}: efficiency must be in [0, 1] (or a pair), got "
                             f"{efficiency!r}")
        self.efficiency = eta
        self.delay = to_si(delay, "time", "SpinTransport.delay")
        if any(e > 0 for e in eta) and not self.delay > 0:
            raise ValueError(f"{where}: the ballistic delay must be > 0 s, got {delay!r}")
        if any(e > 0 for e in eta) and dt_max > self.delay * (1 + 1e-9):
            raise ValueError(f"{where}: the largest time step ({dt_max * 1e15:.4g} fs) must "
                             f"not exceed the ballistic delay ({self.delay * 1e15:.4g} fs); "
                             f"use TimeStepping(dt_max=...) <= delay")

    def local_parameters(self, k: int, params: SdParameters) -> SdParameters:
        # the emitted part leaves the local source
        if params.rho > 0:
            return dataclasses.replace(params, rho=(1.0 - self.efficiency[k]) * params.rho)
        return params

    def setup(self) -> None:
        """Columns (points of equal r on r-z, one column in 1D) and the emission record."""
        spin = self.spin
        self._n_columns = 1
        self._column_of = np.zeros(spin.num_points, dtype=np.int64)
        if spin.domain.kind == "rz":
            r = spin.points[:, 0]
            scale = spin.comm.allreduce(float(np.max(np.abs(r))) if r.size else 0.0, op=MPI.MAX)
            key = np.round(r / (1e-9 * scale)).astype(np.int64)
            columns = np.unique(np.concatenate(spin.comm.allgather(np.unique(key))))
            self._n_columns = columns.size
            self._column_of = np.searchsorted(columns, key)
            weight = self._column_sums(np.ones(spin.num_points))
            bare = (weight[0] > 0) != (weight[1] > 0)
            if np.any(bare):
                raise ValueError(f"SpinTransport (ballistic, r-z): the two FM groups have "
                                 f"quadrature points at different radii ({int(bare.sum())} "
                                 f"columns in one group only); the per-radius transfer needs "
                                 f"the structured mesh of build_axisymmetric (quadrilateral "
                                 f"cells)")
            self._column_volume = np.where(weight > 0, weight, 1.0)
        else:  # per unit area: the group thickness
            self._column_volume = np.array([spin.thickness[g] for g in spin.names])[:, None]
        # cumulative emitted spin E_k(t) [J m] (per column on r-z) at the step times
        self._emit_t = [0.0]
        self._emit = [np.zeros((len(spin.names), self._n_columns))]

    def _column_sums(self, values: np.ndarray) -> np.ndarray:
        """Σ_owned w·v per (group, column), reduced over ranks → (n_groups, n_columns)."""
        spin = self.spin
        w = np.where(spin.owned, spin.weights, 0.0)
        n_g = len(spin.names)
        flat = spin.group_of * self._n_columns + self._column_of
        local = np.bincount(flat, weights=w * values, minlength=n_g * self._n_columns) \
            if spin.num_points else np.zeros(n_g * self._n_columns)
        return spin.comm.allreduce(local, op=MPI.SUM).reshape(n_g, self._n_columns)

    def _source(self, t: float, dt: float) -> np.ndarray:
        if not any(e > 0 for e in self.efficiency):
            return super()._source(t, dt)
        if dt > self.delay * (1 + 1e-9):
            raise StepFailure(f"SpinTransport: step {dt:.4g} s longer than the ballistic "
                              f"delay {self.delay:.4g} s")
        arrived = self._emitted_between(t - self.delay, t + dt - self.delay)
        # group j receives what group 1 − j emitted (in its column), per volume, over dt
        incoming = arrived[::-1] / self._column_volume / dt
        return incoming[self.spin.group_of, self._column_of]

    def _emitted_at(self, t: float) -> np.ndarray:
        """Cumulative emitted spin E(t) (groups × columns), linear between the records."""
        times = self._emit_t
        if t <= times[0]:
            return np.zeros_like(self._emit[0]) if times[0] == 0.0 or t < times[0] \
                else self._emit[0].copy()
        if t >= times[-1]:
            return self._emit[-1].copy()
        i = int(np.searchsorted(times, t)) - 1
        f = (t - times[i]) / (times[i + 1] - times[i])
        return (1.0 - f) * self._emit[i] + f * self._emit[i + 1]

    def _emitted_between(self, a: float, b: float) -> np.ndarray:
        return self._emitted_at(b) - self._emitted_at(a)

    def commit(self, t: float, dt: float) -> None:
        spin = self.spin
        rho = np.array([spin.params[g].rho for g in spin.names])
        dm_int = self._column_sums(spin.m_trial - spin.m_d)  # ∫_i Δm_d dV per column
        emitted = (np.asarray(self.efficiency) * rho)[:, None] * dm_int
        self._emit_t.append(t + dt)
        self._emit.append(self._emit[-1] + emitted)
        # keep the history that a later arrival can still need
        while len(self._emit_t) > 2 and self._emit_t[1] < self._emit_t[-1] - self.delay - \
                10 * dt:
            self._emit_t.pop(0)
            self._emit.pop(0)

    def state(self) -> dict[str, Any]:
        """The emission record (same on every rank: the column sums are reduced)."""
        return {"emission_times": np.array(self._emit_t), "emitted": np.array(self._emit)}

    def restore(self, entries: dict[str, Any]) -> None:
        times = np.atleast_1d(np.asarray(entries["emission_times"], dtype=float))
        emitted = np.asarray(entries["emitted"], dtype=float)
        shape = (len(self.spin.names), self._n_columns)
        if emitted.shape != (times.size, *shape):
            raise ValueError(f"SpinTransport (ballistic): the checkpoint's emission record has "
                             f"shape {emitted.shape}, this mesh needs ({times.size}, {shape[0]}, "
                             f"{shape[1]}): resume with the same case and mesh options")
        self._emit_t = [float(t) for t in times]
        self._emit = [e.copy() for e in emitted]

    def _in_flight(self) -> float:
        if self.delay > 0:
            t = self.spin.t
            return float(np.sum(self._emitted_between(t - self.delay, t)))
        return 0.0

    def summary_lines(self) -> list[str]:
        return [f"ballistic: η = {self.efficiency}, t_d = {self.delay * 1e15:.4g} fs"]


class DiffusiveTransport(Transport):
    """Lie splitting per step: the local s-d step from the transported μ_s (relaxation off: it
    belongs to the transport operator), then the diffusion step with the source ρ Δm_d/Δt.

    Args:
        spin: the module.
        spin_layers: the transport stack top → bottom (FM entries named like the groups, the
            others like the stack regions between them).
        interface_conductances: G_s [S/m²] of its interfaces.
        outer, degree, theta: the diffusion solver's outer faces, DG degree and θ.
    """

    kind = "diffusive"

    def __init__(self, spin: SpinTransport, spin_layers: Sequence[SpinLayer] | None,
                 interface_conductances: Sequence[float] | None, outer: str | tuple[str, str],
                 degree: int, theta: float) -> None:
        super().__init__(spin)
        self.spin_layers = list(spin_layers) if spin_layers is not None else None
        self.conductances = interface_conductances
        self.outer, self.degree, self.theta = outer, degree, theta
        self._check_spin_layers()

    def _check_spin_layers(self) -> None:
        spin = self.spin
        where = "SpinTransport (diffusive)"
        if self.spin_layers is None or self.conductances is None:
            raise ValueError(f"{where}: give spin_layers (the SpinDiffusion1D stack, FM entries "
                             f"named like the groups {spin.names}) and interface_conductances")
        regions = spin.domain.layer_regions()
        spans = []
        for la in self.spin_layers:
            if la.name in spin.groups:
                if not la.is_ferromagnet:
                    raise ValueError(f"{where}: spin layer '{la.name}' is an FM group: set "
                                     f"is_ferromagnet=True")
                top, bottom = spin._group_bounds(la.name)
            elif la.name in regions:
                if la.is_ferromagnet:
                    raise ValueError(f"{where}: spin layer '{la.name}' is not an FM group "
                                     f"({spin.names}) but has is_ferromagnet=True")
                bottom, top = spin.stack.bounds(la.name)
            else:
                raise ValueError(f"{where}: spin layer '{la.name}' is neither an FM group "
                                 f"({spin.names}) nor a stack layer ({regions})")
            if abs((top - bottom) - la.thickness) > 1e-6 * la.thickness:
                raise ValueError(f"{where}: spin layer '{la.name}' is {la.thickness:.6g} m thick "
                                 f"but spans {top - bottom:.6g} m in the stack")
            spans.append((top, bottom))
        for (_, b), (t, _), la in zip(spans[:-1], spans[1:], self.spin_layers[1:], strict=True):
            if abs(b - t) > 1e-15:
                raise ValueError(f"{where}: spin layers must be contiguous in the stack; a gap "
                                 f"before '{la.name}'")
        missing = [g for g in spin.names if g not in {la.name for la in self.spin_layers}]
        if missing:
            raise ValueError(f"{where}: FM groups {missing} are not in spin_layers")
        self.faces = np.array([spans[0][0]] + [b for _, b in spans])

    def local_parameters(self, k: int, params: SdParameters) -> SdParameters:
        if params.rho > 0:
            return dataclasses.replace(params, tau_s=np.inf)
        return params

    def setup(self) -> None:
        self._build_solver()
        spin = self.spin
        self._half_dos = np.array([self.spin_factor(g) for g in spin.names])[spin.group_of]
        self.solver.set_initial(0.0)

    @abstractmethod
    def _build_solver(self) -> None:
        """Create :attr:`solver` and the point ↔ diffusion-cell maps."""

    @abstractmethod
    def _set_source(self, dm: np.ndarray, dt: float) -> None:
        """Hand the s-d change Δm_d of the points over to the solver as its source."""

    @abstractmethod
    def _transported_mu(self) -> np.ndarray:
        """μ_s at the points from the diffusion solution (trial state of the last solve)."""

    def step(self, t: float, dt: float) -> tuple[np.ndarray, np.ndarray]:
        spin = self.spin
        # μ_s(t) at the points = the transported state committed at t
        m_new, _ = spin._advance_points(dt, spin.mu_s, np.zeros(spin.num_points))
        self._set_source(m_new - spin.m_d, dt)
        try:
            self.solver.step(t, dt)
        except SolverDivergedError as err:
            raise StepFailure(f"spin transport: {err}") from err
        return m_new, self._transported_mu()

    def commit(self, t: float, dt: float) -> None:
        self.solver.commit()

    def state(self) -> dict[str, Any]:
        """The diffusion solver's committed μ on its own mesh and its time (the cell sources
        are set anew before every solve)."""
        return {"mu": self.solver.committed_state(), "t": self.solver.t}

    def restore(self, entries: dict[str, Any]) -> None:
        self.solver.restore_committed(*entries["mu"], t=entries["t"])

    def spin_ledger(self) -> float:
        """∫(N/2) μ_s dV − Σ_p w_p (N_FM/2) ρ m_{d,p}."""
        spin = self.spin
        w = np.where(spin.owned, spin.weights, 0.0)
        d_spins = spin.comm.allreduce(float(np.sum(w * self._half_dos * spin.rho * spin.m_d)),
                                      op=MPI.SUM)
        return self.solver.total_spin() - d_spins

    def ledger_unit(self, mesh_kind: str) -> str:
        return "1" if mesh_kind == "rz" else "1/m^2"

    def summary_lines(self) -> list[str]:
        return [self.solver.summary().replace("\n", "\n  ")]

    def destroy(self) -> None:
        if self.solver is not None:
            self.solver.destroy()
            self.solver = None


class _WrittenByRoot:
    """A checkpoint state of a mesh that every rank holds whole (``MPI.COMM_SELF``, the same on
    every rank): written once, from rank 0 of ``comm``; restored on every rank."""

    def __init__(self, state: Any, comm: MPI.Comm) -> None:
        self.state, self.comm = state, comm

    def collect(self) -> tuple[np.ndarray, np.ndarray]:
        keys, values = self.state.collect()
        return (keys, values) if self.comm.rank == 0 else (keys[:0], values[:0])

    def assign(self, keys: np.ndarray, values: np.ndarray) -> None:
        self.state.assign(keys, values)


def _layered_mesh_from_vertices(z_vertices: np.ndarray, faces: np.ndarray) -> LayeredMesh:
    """A COMM_SELF interval mesh with the given vertices (top first) and the tags of
    :func:`femmag.physics.spin.diffusion.build_layered_interval_mesh`."""
    n = z_vertices.size - 1
    msh = dolfinx.mesh.create_interval(MPI.COMM_SELF, n, [0.0, float(n)])
    x = msh.geometry.x
    x[:, 0] = np.interp(x[:, 0], np.arange(n + 1, dtype=float), z_vertices)
    tdim = msh.topology.dim
    msh.topology.create_connectivity(tdim - 1, tdim)
    n_cells = msh.topology.index_map(tdim).size_local
    cells = np.arange(n_cells, dtype=np.int32)
    mid = dolfinx.mesh.compute_midpoints(msh, tdim, cells)[:, 0]
    n_layers = faces.size - 1
    layer_of_cell = np.clip(np.searchsorted(-faces, -mid) - 1, 0, n_layers - 1)
    cell_tags = dolfinx.mesh.meshtags(msh, tdim, cells, (layer_of_cell + 1).astype(np.int32))
    n_facets = msh.topology.index_map(tdim - 1).size_local
    facets = np.arange(n_facets, dtype=np.int32)
    zf = dolfinx.mesh.compute_midpoints(msh, tdim - 1, facets)[:, 0]
    tol = 1e-6 * float(np.min(np.abs(np.diff(z_vertices))))
    values = np.full(n_facets, TAG_BULK_FACET, dtype=np.int32)
    for k, zk in enumerate(faces[1:-1]):
        values[np.abs(zf - zk) < tol] = TAG_INTERFACE0 + k
    values[np.abs(zf - faces[0]) < tol] = TAG_TOP
    values[np.abs(zf - faces[-1]) < tol] = TAG_BOTTOM
    facet_tags = dolfinx.mesh.meshtags(msh, tdim - 1, facets, values)
    return LayeredMesh(msh, cell_tags, facet_tags, faces)


class Diffusive1D(DiffusiveTransport):
    """μ_s(z, t) on a private 1D mesh (``MPI.COMM_SELF``, identical on every rank) whose vertices
    are the heat mesh's vertices across the transport stack: each heat cell is one diffusion cell.

    Args:
        coupling: ``"pointwise"`` (source per diffusion cell, μ_s(z_p) back at each point) or
            ``"layer"`` (uniform source per FM layer, layer-averaged μ_s back).
        (others: :class:`DiffusiveTransport`)
    """

    def __init__(self, spin: SpinTransport, spin_layers: Sequence[SpinLayer] | None,
                 interface_conductances: Sequence[float] | None, outer: str | tuple[str, str],
                 degree: int, theta: float, coupling: str) -> None:
        super().__init__(spin, spin_layers, interface_conductances, outer, degree, theta)
        self.coupling = coupling

    def _build_solver(self) -> None:
        spin = self.spin
        # transport mesh vertices = heat mesh vertices across the transport stack (all ranks)
        z_local = spin.domain.mesh.geometry.x[:, 0]
        z_all = np.concatenate(spin.comm.allgather(z_local))
        top, bottom = self.faces[0], self.faces[-1]
        h_min = float(np.min(np.diff(np.unique(np.round(z_all, 15)))))
        inside = z_all[(z_all <= top + 1e-3 * h_min) & (z_all >= bottom - 1e-3 * h_min)]
        z = np.unique(np.round(inside / (1e-4 * h_min)).astype(np.int64))[::-1]
        z_vertices = z * (1e-4 * h_min)
        z_vertices[0], z_vertices[-1] = top, bottom
        for f in self.faces:  # the layer faces are heat-mesh vertices (builders put them there)
            nearest = int(np.argmin(np.abs(z_vertices - f)))
            if abs(z_vertices[nearest] - f) > 1e-3 * h_min:
                raise RuntimeError(f"SpinTransport: transport face z = {f:.6g} m is not a "
                                   f"vertex of the heat mesh")
            # exactly on the face: the rounding above is coarser than the facet-tag tolerance,
            # and an untagged face would lose its interface conductance
            z_vertices[nearest] = f
        layered = _layered_mesh_from_vertices(z_vertices, self.faces)
        sd = SpinDiffusion1D(self.spin_layers, self.conductances, MPI.COMM_SELF,
                             outer=self.outer, degree=self.degree, theta=self.theta,
                             layered_mesh=layered)
        self.solver = sd
        self._fm_index = [sd.layer_index[g] for g in spin.names]
        # diffusion cell of each point: position along z → dolfinx cell index
        msh = sd.mesh
        n_cells = msh.topology.index_map(1).size_local
        mid = dolfinx.mesh.compute_midpoints(msh, 1, np.arange(n_cells, dtype=np.int32))[:, 0]
        order = np.argsort(-mid)  # top first: position k ↔ cell order[k]
        position = np.searchsorted(-z_vertices, -spin.points[:, 0]) - 1
        position = np.clip(position, 0, n_cells - 1)
        self._point_cell = order[position].astype(np.int32)
        self._cell_length = np.abs(np.diff(z_vertices))[np.argsort(order)]  # by dolfinx cell
        self._dg0_dofs = sd.V0.dofmap.list[:, 0]
        self._eval_points = np.zeros((spin.num_points, 3))
        self._eval_points[:, 0] = spin.points[:, 0]
        self._rates = np.zeros(len(spin.names))
        if self.coupling == "layer":
            for k, g in enumerate(spin.names):
                sd.set_layer_source(g, lambda t, k=k: self._rates[k])

    def state(self) -> dict[str, Any]:
        entries = super().state()
        entries["mu"] = _WrittenByRoot(entries["mu"], self.spin.comm)
        return entries

    def spin_factor(self, group: str) -> float:
        return 0.5 * self.solver.layers[self.solver.layer_index[group]].dos

    def _set_source(self, dm: np.ndarray, dt: float) -> None:
        spin = self.spin
        if self.coupling == "layer":
            sums = spin._group_sums([dm])[0]
            self._rates[:] = np.array([spin.params[g].rho for g in spin.names]) * \
                sums / np.array([spin.thickness[g] for g in spin.names]) / dt
            return
        w = np.where(spin.owned, spin.weights, 0.0)
        per_cell = np.bincount(self._point_cell, weights=w * spin.rho * dm / dt,
                               minlength=self._cell_length.size)
        per_cell = spin.comm.allreduce(per_cell, op=MPI.SUM) / self._cell_length
        values = np.zeros(self.solver.V0.dofmap.index_map.size_local)
        values[self._dg0_dofs] = per_cell
        self.solver.set_cell_source(values)

    def _transported_mu(self) -> np.ndarray:
        spin = self.spin
        if self.coupling == "layer":
            return self.solver.layer_averages()[self._fm_index][spin.group_of]
        if spin.num_points == 0:
            return np.zeros(0)
        return np.asarray(self.solver.mu.eval(self._eval_points, self._point_cell)).reshape(-1)

    def group_mu(self, mean_mu: np.ndarray) -> np.ndarray:
        return self.solver.layer_averages()[self._fm_index]


class DiffusiveRZ(DiffusiveTransport):
    """μ_s(r, z, t) in :class:`~femmag.physics.spin.diffusion_rz.SpinDiffusionRZ` on the Domain's
    own mesh: heat cell c *is* diffusion cell c on every rank (no cell map).

    Args:
        lateral_diffusion: False switches the radial spin transport off.
        (others: :class:`DiffusiveTransport`)
    """

    def __init__(self, spin: SpinTransport, spin_layers: Sequence[SpinLayer] | None,
                 interface_conductances: Sequence[float] | None, outer: str | tuple[str, str],
                 degree: int, theta: float, lateral_diffusion: bool) -> None:
        super().__init__(spin, spin_layers, interface_conductances, outer, degree, theta)
        self.lateral_diffusion = lateral_diffusion

    def _build_solver(self) -> None:
        from femmag.physics.spin.diffusion_rz import SpinDiffusionRZ

        spin = self.spin
        outer = self.outer
        if not isinstance(outer, str):
            if len(set(outer)) != 1:
                raise ValueError(f"SpinTransport (diffusive, r-z): outer faces must be both "
                                 f"'reflecting' or both 'sink' on r-z meshes, got {outer!r}")
            outer = outer[0]
        layers = {la.name: la for la in self.spin_layers}
        regions = {la.name: (spin.groups[la.name] if la.name in spin.groups else [la.name])
                   for la in self.spin_layers}
        conductances = {}
        for upper, lower, G in zip(self.spin_layers[:-1], self.spin_layers[1:],
                                   self.conductances, strict=True):
            conductances[f"{regions[upper.name][-1]}|{regions[lower.name][0]}"] = G
        sd = SpinDiffusionRZ(spin.domain, layers, conductances, outer=outer,
                             degree=self.degree, theta=self.theta, regions=regions,
                             lateral_diffusion=self.lateral_diffusion)
        if sd.mesh is not spin.domain.mesh:
            raise RuntimeError("SpinTransport: SpinDiffusionRZ redistributed the mesh (no ghost "
                               "cells across ranks); build it with femmag.geometry builders, "
                               "which ghost the shared facets")
        self.solver = sd
        n_owned = spin.domain.num_owned_cells
        # V_c = 2π∫_c r dA (the diffusion solver's own integration: exact spin hand-over)
        v0 = ufl.TestFunction(sd.V0)
        vol = dolfinx.fem.petsc.assemble_vector(fem.form(
            v0 * sd._r * ufl.dx(domain=sd.mesh, metadata={"quadrature_degree": 4})))
        self._cell_volume = 2 * np.pi * vol.array[:n_owned].copy()
        vol.destroy()
        self._dg0_dofs = sd.V0.dofmap.list[:n_owned, 0]
        nq = spin.domain.points_per_cell
        self._point_cell = np.repeat(spin._all_cells, nq)
        X, _ = spin.domain.reference_quadrature()
        self._mu_expr = fem.Expression(sd.mu, X)

    def spin_factor(self, group: str) -> float:
        return 0.5 * self.solver.props[group]["dos"]

    def _set_source(self, dm: np.ndarray, dt: float) -> None:
        # the points of an owned cell are all on this rank: a local cell sum
        spin = self.spin
        w = np.where(spin.owned, spin.weights, 0.0)
        n_owned = self._cell_volume.size
        per_cell = np.bincount(self._point_cell, weights=w * spin.rho * dm / dt,
                               minlength=n_owned)[:n_owned] / self._cell_volume
        values = np.zeros(n_owned)
        values[self._dg0_dofs] = per_cell
        self.solver.set_cell_source(values)

    def _transported_mu(self) -> np.ndarray:
        spin = self.spin
        if spin.num_points == 0:
            return np.zeros(0)
        # same mesh: the DG μ at the points of each cell
        return np.asarray(self._mu_expr.eval(spin.domain.mesh, spin._all_cells)).reshape(-1)

    def group_mu(self, mean_mu: np.ndarray) -> np.ndarray:
        averages = self.solver.layer_averages()  # over the whole disc, like m_d
        return np.array([averages[g] for g in self.spin.names])

    def cell_d_spins(self) -> np.ndarray:
        """d spins Σ_{p∈c} w_p (N/2) ρ m_{d,p} [1] of every owned cell."""
        spin = self.spin
        w = np.where(spin.owned, spin.weights, 0.0)
        n_owned = self._cell_volume.size
        return np.bincount(self._point_cell, weights=w * self._half_dos * spin.rho * spin.m_d,
                           minlength=n_owned)[:n_owned]


def make_transport(spin: SpinTransport, transport: str, *, coupling: str,
                   spin_layers: Sequence[SpinLayer] | None,
                   interface_conductances: Sequence[float] | None,
                   outer: str | tuple[str, str], degree: int, theta: float,
                   efficiency: float | tuple[float, float], delay: Any, dt_max: float,
                   lateral_diffusion: bool) -> Transport:
    """The strategy for ``transport`` on the module's mesh (options validated here)."""
    if transport == "ballistic":
        return BallisticTransport(spin, efficiency, delay, dt_max)
    if transport == "diffusive" and spin.domain.kind == "rz":
        return DiffusiveRZ(spin, spin_layers, interface_conductances, outer, degree, theta,
                           lateral_diffusion)
    if transport == "diffusive":
        return Diffusive1D(spin, spin_layers, interface_conductances, outer, degree, theta,
                           coupling)
    return LocalTransport(spin)
