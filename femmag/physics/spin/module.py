"""s-d model at the quadrature points of the ferromagnetic layers, coupled to spin transport.

A physics module for :class:`femmag.simulation.Simulation` (``modules=[spin_transport(...)]``):
the chain of seed 000 (physics-spec §6) with the temperatures of the FEM two-temperature model
instead of precomputed layer traces.

* **State.** Every *ferromagnet* (FM) of the spin model — a named group of contiguous stack
  regions, e.g. ``"free"`` = the four layers of [Pt(1)/Co(0.6)]₂ treated as one effective
  [Co/Pt] medium, as the lumped :class:`~femmag.models.spin_valve.SpinValveModel` does — carries
  a d magnetization m_d and an s spin accumulation μ_s at each quadrature point of its cells
  (the Domain's rule, the points of :mod:`femmag.physics.magnetization.module`; ids
  :meth:`~femmag.geometry.domain.Domain.global_point_ids`).
* **Temperatures.** T_e, T_l at the points are the FEM heat functions evaluated with
  ``fem.Expression``: the committed state at t and the trial state at t + Δt (heat is stepped
  before this module, :mod:`femmag.step`), interpolated linearly across the step by the s-d
  integrator (:func:`femmag.kernels.sd.sd_advance`, §6.1, Beens sign convention:
  μ_s < 0 while m_d > 0 demagnetizes).
* **Transport** (§6.2), one of

  - ``"diffusive"``: μ_s(z, t) in :class:`~femmag.physics.spin.diffusion.SpinDiffusion1D` on a
    private 1D mesh (``MPI.COMM_SELF``, identical on every rank) whose vertices are the heat
    mesh's vertices across the transport stack, so each heat cell is one diffusion cell. The FM
    groups are single :class:`SpinLayer` entries (σ, N, τ_s of the effective medium), the
    spacers are the stack regions between them. Lie splitting per step, as in
    :class:`SpinValveModel`: (1) local s-d step at every point from the transported μ_s, without
    relaxation (it belongs to the transport operator); (2) transport step with the source
    ρ Δm_d/Δt. With ``coupling="pointwise"`` (default) the source is the cell sum
    Σ_p w_p ρ Δm_{d,p}/Δt / h_cell of the points of each diffusion cell (rank-reduced) and the
    feedback is μ_s(z_p) of the DG solution at each point; with ``coupling="layer"`` the source
    is uniform over the FM layer (ρ × the change of the layer-averaged m_d) and every point sees
    the layer average μ̄_s — exactly the lumped model except that T_e, T_l vary inside the layer.
    Without relaxation and with reflecting ends, ∫(N/2) μ_s dz − Σ_p w_p (N_FM/2) ρ m_{d,p}
    is conserved to round-off (:meth:`SpinTransport.spin_ledger`).
  - ``"ballistic"`` (seed 000's Fig. 3 simplification): two FM groups; the spin that the s-d
    scattering of group i generates, η_i ρ_i ∫_i Δm_d dz, reaches group j after t_d and is
    injected uniformly there (per unit thickness of j); the emitted part is removed from the local
    source (local ρ → (1 − η) ρ). Each point keeps its own μ_s with relaxation τ_s of the
    :class:`SdParameters`. The delay works with any (adaptive) Δt: the cumulative emitted spin
    E_i(t) is recorded at the step times and the arrival over [t, t+Δt] is
    E_i(t + Δt − t_d) − E_i(t − t_d) (linear in time between records), so the spin in flight is
    exactly E_i(t) − E_i(t − t_d) and Σ_i ∫_i (μ_s − ρ m_d) dz + in flight is conserved.
  - ``"none"``: every point evolves alone (the M3TM when ρ = 0).

* **P/AP.** ``initial="P"`` starts every group at +m_e(T_0) (S = ½ mean field at the initial
  temperature), ``"AP"`` reverses ``reversed_layer`` (default: the lowest group, the reference
  layer), or a mapping group → ±m_d.

Traces (``add_traces``): per group ``m_d_<g>``, ``mu_s_<g>`` [J], ``m_tot_<g>`` = m_d − μ_s/ρ,
``electron_temperature_<g>``, ``lattice_temperature_<g>`` (volume averages over the owned points,
reduced over ranks; μ_s is the transport layer average in diffusive mode), and ``spin_ledger``.

On r-z meshes (``mesh="rz"``, a laterally Gaussian beam) every radius has its own state:

  - ``"diffusive"`` runs :class:`~femmag.physics.spin.diffusion_rz.SpinDiffusionRZ` on the
    Domain's own mesh (the builders ghost the shared facets, so no redistribution): heat cell c
    *is* diffusion cell c on every rank and the coupling is local, without a cell map. Source:
    S_c = Σ_{p∈c} w_p ρ Δm_{d,p}/Δt / V_c (V_c = 2π∫_c r dA); feedback: the DG μ_s at the
    points of each cell (one ``fem.Expression`` evaluation). The FM groups are the transport
    layers of their regions (no interface resistance inside a group); the spacers are regions.
    Only ``coupling="pointwise"`` (a layer average over the whole disc is not meaningful).
  - ``"ballistic"`` works per radius: the points of the structured r-z mesh form columns of
    equal r, and what group i emits in a column arrives in the same column of group j.

Limits: diffusive and ballistic transports on ``"1d"`` and ``"rz"`` meshes only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, Protocol

import numpy as np

import femmag  # noqa: F401  (dolfinx_solver before dolfinx)
import dolfinx
import dolfinx.fem.petsc
import ufl
from dolfinx import fem
from mpi4py import MPI

from femmag.kernels.sd import SdParameters, equilibrium_magnetization, sd_advance
from femmag.physics.base import OutputField, PhysicsModule, StepFailure
from femmag.physics.spin.diffusion import (TAG_BOTTOM, TAG_BULK_FACET, TAG_INTERFACE0, TAG_TOP,
                                           LayeredMesh, SpinDiffusion1D, SpinLayer)
from femmag.solvers import SolverDivergedError
from femmag.units import to_si

__all__ = ["LayerTemperatures", "SpinTransport", "spin_transport"]

TRANSPORTS = ("diffusive", "ballistic", "none")


def spin_transport(**options: Any) -> Callable[[Any], SpinTransport]:
    """A factory for ``Simulation(modules=[spin_transport(...)])`` (options of SpinTransport)."""
    return lambda simulation: SpinTransport(simulation, **options)


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


class LayerTemperatures(Protocol):
    """Prescribed temperatures per FM group (e.g. :class:`femmag.models.spin_valve.TemperatureTraces`)."""

    def at(self, layer: str, t: float) -> tuple[float, float]:
        """(T_e, T_l) [K] of group ``layer`` at time t [s]; raises for an unknown group."""


class SpinTransport(PhysicsModule):
    """s-d state at the quadrature points of the FM layers + spin transport, in a Simulation.

    Args:
        simulation: the :class:`~femmag.simulation.Simulation` (its ``domain``, ``stack``,
            ``library``, ``initial_temperature`` and ``time_stepping`` are used; build it with
            ``modules=[spin_transport(...)]``). T_e, T_l come from the registry field
            ``"temperatures"``.
        ferromagnets: FM group name → stack regions (contiguous, top → bottom) sharing one set of
            s-d parameters, e.g. :func:`femmag.studies.seed000.groups.seed000_groups`. Default:
            every region whose material has a ``curie_temperature`` is its own group. Non-magnetic regions inside a group
            (the Pt of [Co/Pt]ₙ) are part of the effective magnetic medium.
        sd: group name → :class:`SdParameters` (T_c, ρ [J], τ_s [s], τ_sd [s] or M3TM rate).
            Groups not given take them from the library material of their magnetic region(s):
            ``curie_temperature``, ``sd_rho``, ``spin_relaxation_time`` and ``sd_coupling_time``
            (or ``m3tm_demagnetization_rate``).
        transport: ``"diffusive"``, ``"ballistic"`` or ``"none"`` (module docstring).
        spin_layers: diffusive: the transport stack top → bottom; FM entries carry the group
            names (``is_ferromagnet=True``, thickness of the group), the others the names of the
            stack regions between the groups.
        interface_conductances: diffusive: G_s [S/m²] of the transport-stack interfaces.
        coupling: diffusive: ``"pointwise"`` (source and μ_s feedback per diffusion cell / point)
            or ``"layer"`` (uniform source, layer-averaged feedback; the lumped model's coupling).
        outer: diffusive: outer faces of the transport stack, ``"reflecting"`` or ``"sink"``
            (or a (top, bottom) pair).
        degree, theta: diffusive: DG degree and θ of the time scheme.
        efficiency: ballistic: η (both directions) or (η_{0→1}, η_{1→0}).
        delay: ballistic: t_d, e.g. ``"70 fs"``.
        initial: ``"P"``, ``"AP"`` or group → m_d(0).
        reversed_layer: the group reversed in AP (default: the lowest group).
        temperatures: ``None`` (default: the FEM heat solution at the points) or
            :class:`LayerTemperatures` T_e(t), T_l(t) per group, uniform over the group (e.g. the finite-volume reference of
            :func:`~femmag.models.spin_valve.seed000_temperatures`): separates the effect of the
            heat model from that of the pointwise s-d state.
        rtol: tolerance of the pointwise s-d integrator.
        lateral_spin_diffusion: diffusive on r-z: False switches the radial spin transport off
            (every radius an independent 1D column; a reference for the lateral spreading).
    """

    name = "spin_transport"
    reads = ("temperatures",)
    writes = ("d_magnetization",)

    def __init__(self, simulation: Any, *, ferromagnets: Mapping[str, Sequence[str]] | None = None,
                 sd: Mapping[str, SdParameters] | None = None,
                 transport: Literal["diffusive", "ballistic", "none"] = "diffusive",
                 spin_layers: Sequence[SpinLayer] | None = None,
                 interface_conductances: Sequence[float] | None = None,
                 coupling: Literal["pointwise", "layer"] = "pointwise",
                 outer: str | tuple[str, str] = "reflecting", degree: int = 1,
                 theta: float = 0.5, efficiency: float | tuple[float, float] = 1.0,
                 delay: Any = "70 fs", initial: str | Mapping[str, float] = "P",
                 reversed_layer: str | None = None,
                 temperatures: LayerTemperatures | None = None,
                 rtol: float = 1e-6, lateral_spin_diffusion: bool = True) -> None:
        self.domain = simulation.domain
        self.library = simulation.library
        self.stack = simulation.stack
        where = "SpinTransport"
        if transport not in TRANSPORTS:
            raise ValueError(f"{where}: transport must be one of {TRANSPORTS}, got {transport!r}")
        if coupling not in ("pointwise", "layer"):
            raise ValueError(f"{where}: coupling must be 'pointwise' or 'layer', got {coupling!r}")
        if self.domain.kind not in ("1d", "rz") and transport != "none":
            raise ValueError(f"{where}: transport={transport!r} needs a 1D or r-z mesh (mesh='1d' "
                             f"or 'rz'); on '{self.domain.kind}' meshes only transport='none' is "
                             f"available")
        if self.domain.kind == "rz" and transport == "diffusive" and coupling == "layer":
            raise ValueError(f"{where}: coupling='layer' would average the source and μ_s over "
                             f"the whole disc of the r-z mesh; use coupling='pointwise' on "
                             f"mesh='rz'")
        self.transport = transport
        self.coupling = coupling
        self.rtol = float(rtol)
        self.lateral_spin_diffusion = bool(lateral_spin_diffusion)
        self.T0 = to_si(simulation.initial_temperature, "temperature", "initial_temperature")
        self.groups = self._resolve_groups(ferromagnets)
        self.names = list(self.groups)
        self.params = self._resolve_parameters(dict(sd or {}))
        self.thickness = {g: self._group_bounds(g)[0] - self._group_bounds(g)[1]
                          for g in self.names}
        self._initial = self._resolve_initial(initial, reversed_layer)
        self._traces = temperatures
        if temperatures is not None:
            if not callable(getattr(temperatures, "at", None)):
                raise ValueError(f"{where}: temperatures must have a method at(group, t) -> "
                                 f"(T_e, T_l), got {type(temperatures).__name__}")
            for g in self.names:
                temperatures.at(g, 0.0)  # raises for a group the traces do not have
        self._spin_layers = list(spin_layers) if spin_layers is not None else None
        self._conductances = interface_conductances
        self._outer, self._degree, self._theta = outer, degree, theta
        if transport == "diffusive":
            self._check_spin_layers()
        if transport == "ballistic":
            if len(self.names) != 2:
                raise ValueError(f"{where}: ballistic transport couples exactly two FM groups, "
                                 f"got {self.names}")
            eta = (float(efficiency),) * 2 if np.isscalar(efficiency) else tuple(efficiency)
            if len(eta) != 2 or not all(0.0 <= e <= 1.0 for e in eta):
                raise ValueError(f"{where}: efficiency must be in [0, 1] (or a pair), got "
                                 f"{efficiency!r}")
            self.efficiency = eta
            self.delay = to_si(delay, "time", "SpinTransport.delay")
            if any(e > 0 for e in eta) and not self.delay > 0:
                raise ValueError(f"{where}: the ballistic delay must be > 0 s, got {delay!r}")
            dt_max = getattr(getattr(simulation, "time_stepping", None), "dt_max_s", 0.0)
            if any(e > 0 for e in eta) and dt_max > self.delay * (1 + 1e-9):
                raise ValueError(f"{where}: the largest time step ({dt_max * 1e15:.4g} fs) must "
                                 f"not exceed the ballistic delay ({self.delay * 1e15:.4g} fs); "
                                 f"use TimeStepping(dt_max=...) <= delay")
        else:
            self.efficiency = (0.0, 0.0)
            self.delay = 0.0

    # -- input resolution -------------------------------------------------------------------------
    def _resolve_groups(self, ferromagnets: Mapping[str, Sequence[str]] | None
                        ) -> dict[str, list[str]]:
        regions = self.domain.layer_regions()
        if ferromagnets is None:
            magnetic = [r for r in regions
                        if self.library.get(self.domain.material_of(r)).has("curie_temperature")]
            if not magnetic:
                raise ValueError(
                    "SpinTransport: the stack has no ferromagnetic layer (no layer material has a "
                    f"curie_temperature) and no ferromagnets= were given; layers: {regions}. Give "
                    "ferromagnets={'free': ['free_Co', ...]} or use magnetic materials")
            return {r: [r] for r in magnetic}
        if not ferromagnets:
            raise ValueError("SpinTransport: ferromagnets= is empty; give at least one FM group "
                             "{name: [stack regions]}")
        out, used = {}, set()
        for g, members in ferromagnets.items():
            members = [members] if isinstance(members, str) else list(members)
            unknown = [m for m in members if m not in regions]
            if not members or unknown:
                raise ValueError(f"SpinTransport: FM group '{g}' names regions {unknown or members}"
                                 f" that are not stack layers; layers: {regions}")
            index = sorted(regions.index(m) for m in members)
            if index != list(range(index[0], index[0] + len(index))):
                raise ValueError(f"SpinTransport: the regions of FM group '{g}' must be "
                                 f"contiguous in the stack, got {members}")
            if used & set(members):
                raise ValueError(f"SpinTransport: regions {sorted(used & set(members))} belong "
                                 f"to two FM groups")
            used |= set(members)
            out[g] = [regions[i] for i in index]
        # top → bottom order of the groups
        return dict(sorted(out.items(), key=lambda kv: regions.index(kv[1][0])))

    def _resolve_parameters(self, sd: Mapping[str, SdParameters]) -> dict[str, SdParameters]:
        unknown = set(sd) - set(self.groups)
        if unknown:
            raise ValueError(f"SpinTransport: s-d parameters given for {sorted(unknown)}, which "
                             f"are not FM groups ({self.names})")
        params = {}
        for g, regions in self.groups.items():
            if g in sd:
                if not isinstance(sd[g], SdParameters):
                    raise ValueError(f"SpinTransport: sd['{g}'] must be an SdParameters, got "
                                     f"{type(sd[g]).__name__}")
                params[g] = sd[g]
                continue
            mats = sorted({self.domain.material_of(r) for r in regions
                           if self.library.get(self.domain.material_of(r)).has(
                               "curie_temperature")})
            hint = (f"give sd={{'{g}': SdParameters(curie_temperature=..., rho=..., tau_s=..., "
                    f"tau_sd=...)}}")
            if len(mats) != 1:
                raise ValueError(f"SpinTransport: no s-d parameters for FM group '{g}' (regions "
                                 f"{regions}, magnetic materials {mats}); {hint}")
            mat = self.library.get(mats[0])
            rate_key = "sd_coupling_time" if mat.has("sd_coupling_time") else \
                "m3tm_demagnetization_rate"
            missing = [p for p in ("curie_temperature", "sd_rho", "spin_relaxation_time",
                                   rate_key) if not mat.has(p)]
            if missing:
                raise ValueError(f"SpinTransport: missing s-d parameters for FM group '{g}' "
                                 f"(material '{mat.name}' lacks {missing}); {hint}, or add them "
                                 f"to the material in the library")
            value = {p: mat.prop(p).value for p in ("curie_temperature", "sd_rho",
                                                   "spin_relaxation_time", rate_key)}
            params[g] = SdParameters(
                value["curie_temperature"], value["sd_rho"], value["spin_relaxation_time"],
                tau_sd=value.get("sd_coupling_time"),
                m3tm_rate=value.get("m3tm_demagnetization_rate"))
        return params

    def _resolve_initial(self, initial: str | Mapping[str, float], reversed_layer: str | None
                         ) -> dict[str, float]:
        if isinstance(initial, str):
            if initial not in ("P", "AP"):
                raise ValueError(f"SpinTransport: initial must be 'P', 'AP' or a mapping group → "
                                 f"m_d, got {initial!r}")
            flip = self.names[-1] if reversed_layer is None else reversed_layer
            if flip not in self.groups:
                raise ValueError(f"SpinTransport: reversed_layer {flip!r} is not an FM group "
                                 f"({self.names})")
            out = {}
            for g in self.names:
                m_e = float(equilibrium_magnetization(self.T0, self.params[g].curie_temperature))
                out[g] = -m_e if (initial == "AP" and g == flip) else m_e
            return out
        missing = set(self.names) - set(initial)
        if missing:
            raise ValueError(f"SpinTransport: initial m_d missing for groups {sorted(missing)}")
        return {g: float(initial[g]) for g in self.names}

    def _group_bounds(self, g: str) -> tuple[float, float]:
        regions = self.groups[g]  # Stack.bounds gives (bottom, top)
        return self.stack.bounds(regions[0])[1], self.stack.bounds(regions[-1])[0]

    def _check_spin_layers(self) -> None:
        where = "SpinTransport (diffusive)"
        if self._spin_layers is None or self._conductances is None:
            raise ValueError(f"{where}: give spin_layers (the SpinDiffusion1D stack, FM entries "
                             f"named like the groups {self.names}) and interface_conductances")
        regions = self.domain.layer_regions()
        spans = []
        for la in self._spin_layers:
            if la.name in self.groups:
                if not la.is_ferromagnet:
                    raise ValueError(f"{where}: spin layer '{la.name}' is an FM group: set "
                                     f"is_ferromagnet=True")
                top, bottom = self._group_bounds(la.name)
            elif la.name in regions:
                if la.is_ferromagnet:
                    raise ValueError(f"{where}: spin layer '{la.name}' is not an FM group "
                                     f"({self.names}) but has is_ferromagnet=True")
                bottom, top = self.stack.bounds(la.name)
            else:
                raise ValueError(f"{where}: spin layer '{la.name}' is neither an FM group "
                                 f"({self.names}) nor a stack layer ({regions})")
            if abs((top - bottom) - la.thickness) > 1e-6 * la.thickness:
                raise ValueError(f"{where}: spin layer '{la.name}' is {la.thickness:.6g} m thick "
                                 f"but spans {top - bottom:.6g} m in the stack")
            spans.append((top, bottom))
        for (_, b), (t, _), la in zip(spans[:-1], spans[1:], self._spin_layers[1:], strict=True):
            if abs(b - t) > 1e-15:
                raise ValueError(f"{where}: spin layers must be contiguous in the stack; a gap "
                                 f"before '{la.name}'")
        missing = [g for g in self.names if g not in {la.name for la in self._spin_layers}]
        if missing:
            raise ValueError(f"{where}: FM groups {missing} are not in spin_layers")
        self._faces = np.array([spans[0][0]] + [b for _, b in spans])

    # -- setup ------------------------------------------------------------------------------------
    def setup(self, fields: Any) -> None:
        domain = self.domain
        mesh = domain.mesh
        self.comm = mesh.comm
        nq = domain.points_per_cell
        cells, points, weights, group_of, owned = [], [], [], [], []
        for k, g in enumerate(self.names):
            c, p, w = domain.quadrature_points(self.groups[g], include_ghosts=True)
            cells.append(c)
            points.append(p)
            weights.append(w)
            group_of.append(np.full(len(w), k, dtype=np.int64))
            owned.append(np.repeat(c < domain.num_owned_cells, nq))
        self.cells = [c.astype(np.int32) for c in cells]
        self.points = np.concatenate(points) if points else np.zeros((0, 3))
        self.weights = np.concatenate(weights)
        self.group_of = np.concatenate(group_of)
        self.owned = np.concatenate(owned)
        self.num_points = self.weights.size
        self.global_ids = np.concatenate([domain.global_point_ids(self.groups[g],
                                                                  include_ghosts=True)
                                          for g in self.names])
        self._slices = []
        start = 0
        for c in self.cells:
            self._slices.append(slice(start, start + len(c) * nq))
            start += len(c) * nq
        X, _ = domain.reference_quadrature()
        temps = fields["temperatures"]
        fields.read("temperatures", self.name)
        self._T_expr = fem.Expression(temps, X)
        self._all_cells = np.concatenate(self.cells).astype(np.int32)
        self.rho = np.array([self.params[g].rho for g in self.names])[self.group_of]

        self.m_d = np.array([self._initial[g] for g in self.names])[self.group_of]
        self.mu_s = np.zeros(self.num_points)
        self.m_trial, self.mu_trial = self.m_d.copy(), self.mu_s.copy()
        self.Te_committed = np.full(self.num_points, self.T0)
        self.Tl_committed = np.full(self.num_points, self.T0)
        if self._traces is not None:
            self.Te_committed, self.Tl_committed = self._temperatures_at_points(0.0)
        self.Te_trial, self.Tl_trial = self.Te_committed.copy(), self.Tl_committed.copy()
        # local s-d parameters: relaxation in the transport (diffusive); emitted part removed
        # from the local source (ballistic)
        self._local = {}
        for k, g in enumerate(self.names):
            p = self.params[g]
            if self.transport == "diffusive" and p.rho > 0:
                p = dataclasses.replace(p, tau_s=np.inf)
            elif self.transport == "ballistic" and p.rho > 0:
                p = dataclasses.replace(p, rho=(1.0 - self.efficiency[k]) * p.rho)
            self._local[g] = p
        self.diffusion = None
        if self.transport == "diffusive":
            if domain.kind == "rz":
                self._setup_diffusion_rz()
            else:
                self._setup_diffusion()
        self._setup_columns()
        # ballistic: cumulative emitted spin E_k(t) [J m] (per column on r-z) at the step times
        self._emit_t = [0.0]
        self._emit = [np.zeros((len(self.names), self._n_columns))]
        self.t = 0.0
        # output: DG0 cell averages of m_d on the simulation mesh
        self.V0 = fem.functionspace(mesh, ("DG", 0))
        self.d_magnetization = fem.Function(self.V0, name="d_magnetization")
        self._update_output()
        fields.declare("d_magnetization", "1", "d magnetization m_d of the s-d model (DG0 cell "
                       "averages of the quadrature state)", self.name, self.d_magnetization)
        fields.add_output(OutputField(self.d_magnetization, "1", "d magnetization m_d of the s-d "
                                      "model (cell averages)"), self.name)

    def _setup_diffusion(self) -> None:
        # transport mesh vertices = heat mesh vertices across the transport stack (all ranks)
        z_local = self.domain.mesh.geometry.x[:, 0]
        z_all = np.concatenate(self.comm.allgather(z_local))
        top, bottom = self._faces[0], self._faces[-1]
        h_min = float(np.min(np.diff(np.unique(np.round(z_all, 15)))))
        inside = z_all[(z_all <= top + 1e-3 * h_min) & (z_all >= bottom - 1e-3 * h_min)]
        z = np.unique(np.round(inside / (1e-4 * h_min)).astype(np.int64))[::-1]
        z_vertices = z * (1e-4 * h_min)
        z_vertices[0], z_vertices[-1] = top, bottom
        for f in self._faces:  # the layer faces are heat-mesh vertices (builders put them there)
            nearest = int(np.argmin(np.abs(z_vertices - f)))
            if abs(z_vertices[nearest] - f) > 1e-3 * h_min:
                raise RuntimeError(f"SpinTransport: transport face z = {f:.6g} m is not a "
                                   f"vertex of the heat mesh")
            # exactly on the face: the rounding above is coarser than the facet-tag tolerance,
            # and an untagged face would lose its interface conductance
            z_vertices[nearest] = f
        layered = _layered_mesh_from_vertices(z_vertices, self._faces)
        sd = SpinDiffusion1D(self._spin_layers, self._conductances, MPI.COMM_SELF,
                             outer=self._outer, degree=self._degree, theta=self._theta,
                             layered_mesh=layered)
        self.diffusion = sd
        self._fm_index = [sd.layer_index[g] for g in self.names]
        # diffusion cell of each point: position along z → dolfinx cell index
        msh = sd.mesh
        n_cells = msh.topology.index_map(1).size_local
        mid = dolfinx.mesh.compute_midpoints(msh, 1, np.arange(n_cells, dtype=np.int32))[:, 0]
        order = np.argsort(-mid)  # top first: position k ↔ cell order[k]
        position = np.searchsorted(-z_vertices, -self.points[:, 0]) - 1
        position = np.clip(position, 0, n_cells - 1)
        self._point_cell = order[position].astype(np.int32)
        self._cell_length = np.abs(np.diff(z_vertices))[np.argsort(order)]  # by dolfinx cell
        self._dg0_dofs = sd.V0.dofmap.list[:, 0]
        self._eval_points = np.zeros((self.num_points, 3))
        self._eval_points[:, 0] = self.points[:, 0]
        self._half_dos = np.array([0.5 * sd.layers[i].dos for i in self._fm_index])[self.group_of]
        self._rates = np.zeros(len(self.names))
        if self.coupling == "layer":
            for k, g in enumerate(self.names):
                sd.set_layer_source(g, lambda t, k=k: self._rates[k])
        sd.set_initial(0.0)

    def _setup_diffusion_rz(self) -> None:
        """SpinDiffusionRZ on the Domain's mesh: identity cell map (see the module docstring)."""
        from femmag.physics.spin.diffusion_rz import SpinDiffusionRZ

        outer = self._outer
        if not isinstance(outer, str):
            if len(set(outer)) != 1:
                raise ValueError(f"SpinTransport (diffusive, r-z): outer faces must be both "
                                 f"'reflecting' or both 'sink' on r-z meshes, got {outer!r}")
            outer = outer[0]
        layers = {la.name: la for la in self._spin_layers}
        regions = {la.name: (self.groups[la.name] if la.name in self.groups else [la.name])
                   for la in self._spin_layers}
        conductances = {}
        for upper, lower, G in zip(self._spin_layers[:-1], self._spin_layers[1:],
                                   self._conductances, strict=True):
            conductances[f"{regions[upper.name][-1]}|{regions[lower.name][0]}"] = float(G)
        sd = SpinDiffusionRZ(self.domain, layers, conductances, outer=outer,
                             degree=self._degree, theta=self._theta, regions=regions,
                             lateral_diffusion=self.lateral_spin_diffusion)
        if sd.mesh is not self.domain.mesh:
            raise RuntimeError("SpinTransport: SpinDiffusionRZ redistributed the mesh (no ghost "
                               "cells across ranks); build it with femmag.geometry builders, "
                               "which ghost the shared facets")
        self.diffusion = sd
        n_owned = self.domain.num_owned_cells
        # V_c = 2π∫_c r dA (the diffusion solver's own integration: exact spin hand-over)
        v0 = ufl.TestFunction(sd.V0)
        vol = dolfinx.fem.petsc.assemble_vector(fem.form(
            v0 * sd._r * ufl.dx(domain=sd.mesh, metadata={"quadrature_degree": 4})))
        self._cell_volume_rz = 2 * np.pi * vol.array[:n_owned].copy()
        vol.destroy()
        self._dg0_dofs_rz = sd.V0.dofmap.list[:n_owned, 0]
        nq = self.domain.points_per_cell
        self._point_cell = np.repeat(self._all_cells, nq)
        X, _ = self.domain.reference_quadrature()
        self._mu_expr = fem.Expression(sd.mu, X)
        self._half_dos = np.array([0.5 * sd.props[g]["dos"] for g in self.names])[self.group_of]
        sd.set_initial(0.0)

    def _setup_columns(self) -> None:
        """Ballistic columns: points of equal r (r-z), or one column (1D); global numbering."""
        self._n_columns = 1
        self._column_of = np.zeros(self.num_points, dtype=np.int64)
        if self.domain.kind != "rz" or self.transport != "ballistic":
            return
        r = self.points[:, 0]
        scale = self.comm.allreduce(float(np.max(np.abs(r))) if r.size else 0.0, op=MPI.MAX)
        key = np.round(r / (1e-9 * scale)).astype(np.int64)
        columns = np.unique(np.concatenate(self.comm.allgather(np.unique(key))))
        self._n_columns = columns.size
        self._column_of = np.searchsorted(columns, key)
        weight = self._column_sums(np.ones(self.num_points))
        bare = (weight[0] > 0) != (weight[1] > 0)
        if np.any(bare):
            raise ValueError(f"SpinTransport (ballistic, r-z): the two FM groups have "
                             f"quadrature points at different radii ({int(bare.sum())} columns "
                             f"in one group only); the per-radius transfer needs the "
                             f"structured mesh of build_axisymmetric (quadrilateral cells)")
        self._column_weight = weight

    def _column_sums(self, values: np.ndarray) -> np.ndarray:
        """Σ_owned w·v per (group, column), reduced over ranks → (n_groups, n_columns)."""
        w = np.where(self.owned, self.weights, 0.0)
        n_g = len(self.names)
        flat = self.group_of * self._n_columns + self._column_of
        local = np.bincount(flat, weights=w * values, minlength=n_g * self._n_columns) \
            if self.num_points else np.zeros(n_g * self._n_columns)
        return self.comm.allreduce(local, op=MPI.SUM).reshape(n_g, self._n_columns)

    # -- stepping ---------------------------------------------------------------------------------
    def _temperatures_at_points(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """(T_e, T_l) [K] at the points at time t: the trial heat state, or the traces."""
        if self._traces is not None:
            pairs = np.array([self._traces.at(g, t) for g in self.names]).reshape(-1, 2)
            return pairs[self.group_of, 0].copy(), pairs[self.group_of, 1].copy()
        if self.num_points == 0:
            return np.zeros(0), np.zeros(0)
        # one evaluation of the blocked (T_e, T_l) P1 function at all points: (cells, nq, 2)
        values = self._T_expr.eval(self.domain.mesh, self._all_cells).reshape(-1, 2)
        return values[:, 0].copy(), values[:, 1].copy()

    def _group_sums(self, values: Sequence[np.ndarray]) -> np.ndarray:
        """Σ_owned w·v per group for each array in ``values``, reduced over ranks → (n_v, n_g)."""
        w = np.where(self.owned, self.weights, 0.0)
        local = np.array([np.bincount(self.group_of, weights=w * v, minlength=len(self.names))
                          for v in values]) if self.num_points else \
            np.zeros((len(values), len(self.names)))
        return self.comm.allreduce(local, op=MPI.SUM)

    def _transported_mu(self) -> np.ndarray:
        """μ_s at the points from the diffusion solution (trial state of the last solve)."""
        sd = self.diffusion
        if self.coupling == "layer":
            return sd.layer_averages()[self._fm_index][self.group_of]
        if self.num_points == 0:
            return np.zeros(0)
        if self.domain.kind == "rz":  # same mesh: the DG μ at the points of each cell
            return np.asarray(self._mu_expr.eval(self.domain.mesh, self._all_cells)).reshape(-1)
        return np.asarray(sd.mu.eval(self._eval_points, self._point_cell)).reshape(-1)

    def _advance_points(self, dt: float, mu_start: np.ndarray, source: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
        """s-d step at every point; :class:`StepFailure` on every rank if one rank fails (the
        transport solve after it is collective)."""
        m_new, mu_new = self.m_d.copy(), mu_start.copy()
        error = ""
        if not (np.all(self.Te_trial > 0) and np.all(self.Tl_trial > 0)):
            error = (f"trial temperatures not positive (min T_e = {np.min(self.Te_trial):.4g} K, "
                     f"min T_l = {np.min(self.Tl_trial):.4g} K)")
        for k, g in enumerate(self.names):
            s = self._slices[k]
            if s.stop == s.start or error:
                continue
            try:
                m_new[s], mu_new[s] = sd_advance(
                    self.m_d[s], mu_start[s], (self.Te_committed[s], self.Te_trial[s]),
                    (self.Tl_committed[s], self.Tl_trial[s]), dt, self._local[g],
                    mu_source=source[s], rtol=self.rtol)
            except RuntimeError as err:  # the s-d integrator's sub-step limit
                error = str(err)
        if self.comm.allreduce(int(bool(error)), op=MPI.MAX):
            raise StepFailure(f"spin transport: s-d step of {dt:.4g} s failed: "
                              f"{error or 'on another rank'}")
        return m_new, mu_new

    def step(self, t: float, dt: float) -> None:
        """Trial (m_d, μ_s) at t + dt from the committed state and the trial temperatures."""
        self.Te_trial, self.Tl_trial = self._temperatures_at_points(t + dt)
        if self.transport == "diffusive":
            sd = self.diffusion
            # μ_s(t) at the points = the transported state committed at t
            m_new, _ = self._advance_points(dt, self.mu_s, np.zeros(self.num_points))
            dm = m_new - self.m_d
            if self.coupling == "layer":
                sums = self._group_sums([dm])[0]
                self._rates[:] = np.array([self.params[g].rho for g in self.names]) * \
                    sums / np.array([self.thickness[g] for g in self.names]) / dt
            elif self.domain.kind == "rz":
                # the points of an owned cell are all on this rank: a local cell sum
                w = np.where(self.owned, self.weights, 0.0)
                n_owned = self._cell_volume_rz.size
                per_cell = np.bincount(self._point_cell, weights=w * self.rho * dm / dt,
                                       minlength=n_owned)[:n_owned] / self._cell_volume_rz
                values = np.zeros(n_owned)
                values[self._dg0_dofs_rz] = per_cell
                sd.set_cell_source(values)
            else:
                w = np.where(self.owned, self.weights, 0.0)
                per_cell = np.bincount(self._point_cell, weights=w * self.rho * dm / dt,
                                       minlength=self._cell_length.size)
                per_cell = self.comm.allreduce(per_cell, op=MPI.SUM) / self._cell_length
                values = np.zeros(sd.V0.dofmap.index_map.size_local)
                values[self._dg0_dofs] = per_cell
                sd.set_cell_source(values)
            try:
                sd.step(t, dt)
            except SolverDivergedError as err:
                raise StepFailure(f"spin transport: {err}") from err
            self.m_trial = m_new
            self.mu_trial = self._transported_mu()
        else:
            source = np.zeros(self.num_points)
            if self.transport == "ballistic" and any(e > 0 for e in self.efficiency):
                if dt > self.delay * (1 + 1e-9):
                    raise StepFailure(f"SpinTransport: step {dt:.4g} s longer than the ballistic "
                                     f"delay {self.delay:.4g} s")
                arrived = self._emitted_between(t - self.delay, t + dt - self.delay)
                # group j receives what group 1 − j emitted (in its column), per volume, over dt
                if self.domain.kind == "rz":
                    incoming = arrived[::-1] / np.where(self._column_weight > 0,
                                                        self._column_weight, 1.0) / dt
                    source = incoming[self.group_of, self._column_of]
                else:
                    incoming = arrived[::-1, 0] / np.array([self.thickness[g]
                                                            for g in self.names]) / dt
                    source = incoming[self.group_of]
            self.m_trial, self.mu_trial = self._advance_points(dt, self.mu_s, source)
        self._trial_dt = dt
        self._update_output(self.m_trial)

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

    def commit(self) -> None:
        if self.transport == "diffusive":
            self.diffusion.commit()
        if self.transport == "ballistic":
            rho = np.array([self.params[g].rho for g in self.names])
            dm_int = self._column_sums(self.m_trial - self.m_d)  # ∫_i Δm_d dV per column
            emitted = (np.asarray(self.efficiency) * rho)[:, None] * dm_int
            self._emit_t.append(self.t + self._trial_dt)
            self._emit.append(self._emit[-1] + emitted)
            # keep the history that a later arrival can still need
            while len(self._emit_t) > 2 and self._emit_t[1] < self._emit_t[-1] - self.delay - \
                    10 * self._trial_dt:
                self._emit_t.pop(0)
                self._emit.pop(0)
        self.t += self._trial_dt
        self.m_d, self.mu_s = self.m_trial.copy(), self.mu_trial.copy()
        self.Te_committed, self.Tl_committed = self.Te_trial.copy(), self.Tl_trial.copy()

    def reject(self) -> None:
        self.m_trial, self.mu_trial = self.m_d.copy(), self.mu_s.copy()
        self._update_output(self.m_d)

    def _update_output(self, m: np.ndarray | None = None) -> None:
        m = self.m_d if m is None else m
        arr = self.d_magnetization.x.array
        arr[:] = 0.0
        nq = self.domain.points_per_cell
        for k, c in enumerate(self.cells):
            s = self._slices[k]
            w = self.weights[s].reshape(len(c), nq)
            vals = (w * m[s].reshape(len(c), nq)).sum(axis=1) / np.maximum(w.sum(axis=1), 1e-300)
            arr[self.V0.dofmap.list[c, 0]] = vals

    # -- diagnostics ------------------------------------------------------------------------------
    def layer_averages(self) -> dict[str, dict[str, float]]:
        """Per group: m_d, μ_s [J], m_tot, T_e, T_l [K] (committed state; same on all ranks)."""
        sums = self._group_sums([self.m_d, self.mu_s, self.Te_committed, self.Tl_committed,
                                 np.ones(self.num_points)])
        vol = sums[4]
        mu = sums[1] / vol
        if self.transport == "diffusive" and self.domain.kind == "rz":
            averages = self.diffusion.layer_averages()  # over the whole disc, like m_d
            mu = np.array([averages[g] for g in self.names])
        elif self.transport == "diffusive":
            mu = self.diffusion.layer_averages()[self._fm_index]
        out = {}
        for k, g in enumerate(self.names):
            rho = self.params[g].rho
            m = sums[0, k] / vol[k]
            out[g] = {"m_d": m, "mu_s": mu[k], "m_tot": m - mu[k] / rho if rho > 0 else m,
                      "electron_temperature": sums[2, k] / vol[k],
                      "lattice_temperature": sums[3, k] / vol[k]}
        return out

    def temperature_spread(self) -> dict[str, tuple[float, float]]:
        """Per group: (max − min) of T_e and of T_l over its points [K] (committed, all ranks)."""
        n = len(self.names)
        local = np.full(4 * n, -np.inf)  # [max T_e, −min T_e, max T_l, −min T_l] per group
        for k in range(n):
            s = self._slices[k]
            if s.stop > s.start:
                te, tl = self.Te_committed[s], self.Tl_committed[s]
                local[4 * k: 4 * k + 4] = (te.max(), -te.min(), tl.max(), -tl.min())
        glob = np.empty_like(local)
        self.comm.Allreduce(local, glob, op=MPI.MAX)
        return {g: (glob[4 * k] + glob[4 * k + 1], glob[4 * k + 2] + glob[4 * k + 3])
                for k, g in enumerate(self.names)}

    def spin_ledger(self) -> float:
        """The conserved spin (without relaxation and surface sinks).

        Diffusive: ∫(N/2) μ_s dz − Σ_p w_p (N_FM/2) ρ m_{d,p} [1/m²]. Ballistic / none:
        Σ_p w_p (μ_s − ρ m_d) + spin in flight [J m].
        """
        if self.transport == "diffusive":
            w = np.where(self.owned, self.weights, 0.0)
            d_spins = self.comm.allreduce(float(np.sum(w * self._half_dos * self.rho * self.m_d)),
                                          op=MPI.SUM)
            return self.diffusion.total_spin() - d_spins
        sums = self._group_sums([self.mu_s - self.rho * self.m_d])[0]
        flight = 0.0
        if self.transport == "ballistic" and self.delay > 0:
            flight = float(np.sum(self._emitted_between(self.t - self.delay, self.t)))
        return float(np.sum(sums)) + flight

    def cell_d_spins(self) -> np.ndarray:
        """Diffusive on r-z: d spins Σ_{p∈c} w_p (N/2) ρ m_{d,p} [1] of every owned cell (the
        counterpart of :meth:`SpinDiffusionRZ.cell_spins`)."""
        if self.transport != "diffusive" or self.domain.kind != "rz":
            raise ValueError("SpinTransport.cell_d_spins: only for transport='diffusive' on r-z")
        w = np.where(self.owned, self.weights, 0.0)
        n_owned = self._cell_volume_rz.size
        return np.bincount(self._point_cell, weights=w * self._half_dos * self.rho * self.m_d,
                           minlength=n_owned)[:n_owned]

    def spin_scale(self) -> float:
        """A scale of :meth:`spin_ledger` (the d-spin capacity Σ_g ρ d_g, × N_FM/2 if diffusive)."""
        if self.domain.kind == "rz":  # spins [1] (diffusive) or J m³: × the group volumes
            volume = self._group_sums([np.ones(self.num_points)])[0]
            return float(sum(
                (0.5 * self.diffusion.props[g]["dos"] if self.transport == "diffusive" else 1.0)
                * max(self.params[g].rho, 1e-30) * volume[k] for k, g in enumerate(self.names)))
        scale = 0.0
        for k, g in enumerate(self.names):
            factor = 0.5 * self.diffusion.layers[self._fm_index[k]].dos \
                if self.transport == "diffusive" else 1.0
            scale += factor * max(self.params[g].rho, 1e-30) * self.thickness[g]
        return scale

    def add_traces(self, traces: Any) -> None:
        """Per-group m_d, μ_s, m_tot, T_e, T_l, T_e spread (max − min over the group's points)
        columns and the spin ledger."""
        cache: dict[str, Any] = {"t": None, "ts": None}

        def averages() -> dict:
            if cache["t"] != self.t:  # one reduction per sample for all columns
                cache["t"], cache["v"] = self.t, self.layer_averages()
            return cache["v"]

        def spread() -> dict:
            if cache["ts"] != self.t:
                cache["ts"], cache["s"] = self.t, self.temperature_spread()
            return cache["s"]

        for g in self.names:
            for key, unit in (("m_d", "1"), ("mu_s", "J"), ("m_tot", "1"),
                              ("electron_temperature", "K"), ("lattice_temperature", "K")):
                traces.add(f"{key}_{g}", unit, lambda g=g, key=key: averages()[g][key])
            traces.add(f"electron_temperature_spread_{g}", "K",
                       lambda g=g: spread()[g][0])
        unit = {"1d": ("1/m^2", "J m"), "rz": ("1", "J m^3")}.get(self.domain.kind,
                                                                    ("1/m^2", "J m"))
        traces.add("spin_ledger", unit[0] if self.transport == "diffusive" else unit[1],
                   self.spin_ledger)

    def profile(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(z [m], m_d, μ_s [J]) at all owned points, gathered on every rank, sorted by z."""
        sel = self.owned
        z, m, mu = (np.concatenate(self.comm.allgather(a[sel]))
                    for a in (self.points[:, 0], self.m_d, self.mu_s))
        order = np.argsort(-z)
        return z[order], m[order], mu[order]

    def summary(self) -> str:
        n = self.comm.allreduce(int(self.owned.sum()), op=MPI.SUM)
        lines = [f"spin transport: s-d at {n} quadrature points, transport = {self.transport}"
                 + (f" ({self.coupling} coupling)" if self.transport == "diffusive" else "")]
        for g in self.names:
            p = self.params[g]
            rate = (f"τ_sd = {p.tau_sd * 1e12:.3g} ps" if p.tau_sd is not None
                    else f"R = {p.m3tm_rate * 1e-12:.3g}/ps")
            lines.append(f"  {g}: {self.groups[g]} ({self.thickness[g] * 1e9:.4g} nm), T_c = "
                         f"{p.curie_temperature:g} K, ρ = {p.rho / 1.602176634e-19:.3g} eV, τ_s = "
                         f"{p.tau_s * 1e12:.3g} ps, {rate}, m_d(0) = {self._initial[g]:+.4f}")
        if self.transport == "ballistic":
            lines.append(f"  ballistic: η = {self.efficiency}, t_d = {self.delay * 1e15:.4g} fs")
        if self.diffusion is not None:
            lines.append("  " + self.diffusion.summary().replace("\n", "\n  "))
        return "\n".join(lines)

    def destroy(self) -> None:
        """Free the PETSc objects of the diffusion solver."""
        if self.diffusion is not None:
            self.diffusion.destroy()
            self.diffusion = None
