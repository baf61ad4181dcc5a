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

Checkpoints (``run(checkpoint_every=...)``, ``resume=True``) hold m_d, μ_s and the committed
T_e, T_l at the points (keyed by the global point ids), the module's time and the strategy's own
state: the diffusion solver's committed μ on its mesh, the ballistic emission record.

Each transport × mesh is a strategy of :mod:`femmag.physics.spin.transports`, chosen when the
module is built (:attr:`SpinTransport.transport_model`).

Limits: diffusive and ballistic transports on ``"1d"`` and ``"rz"`` meshes only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, Protocol

import numpy as np

import femmag  # noqa: F401  (dolfinx_solver before dolfinx)
from dolfinx import fem
from mpi4py import MPI

from femmag.kernels.sd import SdParameters, equilibrium_magnetization, sd_advance
from femmag.physics.base import OutputField, PhysicsModule, StepFailure
from femmag.physics.spin.diffusion import SpinLayer
from femmag.physics.spin.transports import TRANSPORTS, DiffusiveRZ, Transport, make_transport
from femmag.units import EV, to_si

__all__ = ["LayerTemperatures", "SpinTransport", "spin_transport"]


def spin_transport(**options: Any) -> Callable[[Any], SpinTransport]:
    """A factory for ``Simulation(modules=[spin_transport(...)])`` (options of SpinTransport)."""
    return lambda simulation: SpinTransport(simulation, **options)


class LayerTemperatures(Protocol):
    """Prescribed temperatures per FM group, e.g. a
    :class:`femmag.models.spin_valve.TemperatureTraces`."""

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
            every region whose material has a ``curie_temperature`` is its own group.
            Non-magnetic regions inside a group (the Pt of [Co/Pt]ₙ) are part of the effective
            magnetic medium.
        sd: group name → :class:`SdParameters` (T_c, ρ [J], τ_s [s], τ_sd [s] or M3TM rate).
            Groups not given take them from the library material of their magnetic region(s):
            ``curie_temperature``, ``sd_rho``, ``spin_relaxation_time`` and ``sd_coupling_time``
            (or ``m3tm_demagnetization_rate``).
        transport: ``"diffusive"``, ``"ballistic"`` or ``"none"`` (module docstring).
        spin_layers: diffusive: the transport stack top → bottom; FM entries carry the group
            names (``is_ferromagnet=True``, thickness of the group), the others the names of the
            stack regions between the groups.
        interface_conductances: diffusive: G_s of the transport-stack interfaces, top first, with
            units (``["2.2e14 S/m^2", "6.5e14 S/m^2"]`` or pint quantities).
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
            :class:`LayerTemperatures`: T_e(t), T_l(t) per group, uniform over the group (e.g.
            the finite-volume reference of :func:`~femmag.models.spin_valve.seed000_temperatures`):
            separates the effect of the heat model from that of the pointwise s-d state.
        rtol: tolerance of the pointwise s-d integrator.
        lateral_spin_diffusion: diffusive on r-z: False switches the radial spin transport off
            (every radius an independent 1D column; a reference for the lateral spreading).
    """

    name = "spin_transport"
    reads = ("temperatures",)
    writes = ("d_magnetization",)
    checkpointable = True

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
        dt_max = getattr(getattr(simulation, "time_stepping", None), "dt_max_s", 0.0)
        self.transport_model: Transport = make_transport(
            self, transport, coupling=coupling, spin_layers=spin_layers,
            interface_conductances=interface_conductances, outer=outer, degree=degree,
            theta=theta, efficiency=efficiency, delay=delay, dt_max=dt_max,
            lateral_diffusion=self.lateral_spin_diffusion)

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
        # local s-d parameters of each group as the transport needs them
        self._local = {g: self.transport_model.local_parameters(k, self.params[g])
                       for k, g in enumerate(self.names)}
        self.transport_model.setup()
        self.t = 0.0
        # output: DG0 cell averages of m_d on the simulation mesh
        self.V0 = fem.functionspace(mesh, ("DG", 0))
        self.d_magnetization = fem.Function(self.V0, name="d_magnetization")
        self._update_output()
        fields.declare("d_magnetization", "1", "d magnetization m_d of the s-d model (DG0 cell "
                       "averages of the quadrature state)", self.name, self.d_magnetization)
        fields.add_output(OutputField(self.d_magnetization, "1", "d magnetization m_d of the s-d "
                                      "model (cell averages)"), self.name)

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
        self.m_trial, self.mu_trial = self.transport_model.step(t, dt)
        self._trial_dt = dt
        self._update_output(self.m_trial)

    def commit(self) -> None:
        self.transport_model.commit(self.t, self._trial_dt)
        self.t += self._trial_dt
        self.m_d, self.mu_s = self.m_trial.copy(), self.mu_trial.copy()
        self.Te_committed, self.Tl_committed = self.Te_trial.copy(), self.Tl_trial.copy()

    def reject(self) -> None:
        self.m_trial, self.mu_trial = self.m_d.copy(), self.mu_s.copy()
        self._update_output(self.m_d)

    # -- checkpoints ------------------------------------------------------------------------------
    #: the committed arrays at the points: m_d, μ_s and the temperatures the next step starts from
    _POINT_ARRAYS = ("m_d", "mu_s", "Te_committed", "Tl_committed")

    def _point_state(self, attribute: str) -> Any:
        from femmag.io.checkpoint import PointState

        def assign(values: np.ndarray) -> None:
            setattr(self, attribute, np.asarray(values, dtype=float).copy())

        return PointState(lambda: getattr(self, attribute), assign, self.global_ids, self.owned)

    def state(self) -> dict[str, Any]:
        """The committed s-d state at the points (keyed by the Domain's global point ids), the
        module's time and the transport's own state (entries ``transport_*``)."""
        entries: dict[str, Any] = {name: self._point_state(name) for name in self._POINT_ARRAYS}
        entries["t"] = self.t
        entries.update({f"transport_{k}": v for k, v in self.transport_model.state().items()})
        return entries

    def restore(self, entries: dict[str, Any]) -> None:
        for name in self._POINT_ARRAYS:
            self._point_state(name).assign(*entries[name])
        self.t = float(entries["t"])
        self.m_trial, self.mu_trial = self.m_d.copy(), self.mu_s.copy()
        self.Te_trial, self.Tl_trial = self.Te_committed.copy(), self.Tl_committed.copy()
        prefix = "transport_"
        self.transport_model.restore({k[len(prefix):]: v for k, v in entries.items()
                                      if k.startswith(prefix)})
        self._update_output()

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
        mu = self.transport_model.group_mu(sums[1] / vol)
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
        return self.transport_model.spin_ledger()

    def cell_d_spins(self) -> np.ndarray:
        """Diffusive on r-z: d spins Σ_{p∈c} w_p (N/2) ρ m_{d,p} [1] of every owned cell (the
        counterpart of :meth:`SpinDiffusionRZ.cell_spins`)."""
        if not isinstance(self.transport_model, DiffusiveRZ):
            raise ValueError("SpinTransport.cell_d_spins: only for transport='diffusive' on r-z")
        return self.transport_model.cell_d_spins()

    def spin_scale(self) -> float:
        """A scale of :meth:`spin_ledger` (the d-spin capacity Σ_g ρ d_g, × N_FM/2 if diffusive)."""
        factor = self.transport_model.spin_factor
        if self.domain.kind == "rz":  # spins [1] (diffusive) or J m³: × the group volumes
            volume = self._group_sums([np.ones(self.num_points)])[0]
            return float(sum(factor(g) * max(self.params[g].rho, 1e-30) * volume[k]
                             for k, g in enumerate(self.names)))
        scale = 0.0
        for g in self.names:
            scale += factor(g) * max(self.params[g].rho, 1e-30) * self.thickness[g]
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
        traces.add("spin_ledger", self.transport_model.ledger_unit(self.domain.kind),
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
                         f"{p.curie_temperature:g} K, ρ = {p.rho / EV:.3g} eV, τ_s = "
                         f"{p.tau_s * 1e12:.3g} ps, {rate}, m_d(0) = {self._initial[g]:+.4f}")
        lines += ["  " + line for line in self.transport_model.summary_lines()]
        return "\n".join(lines)

    @property
    def diffusion(self) -> Any:
        """The spin-diffusion solver of a diffusive transport (None otherwise)."""
        return self.transport_model.solver

    def destroy(self) -> None:
        """Free the PETSc objects of the diffusion solver."""
        self.transport_model.destroy()
