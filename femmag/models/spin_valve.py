"""1D coupled s-d + spin-transport model of a spin valve (seed 000, physics-spec §6).

The chain demagnetization → spin accumulation → transport → switching, with layer-lumped
ferromagnets:

* **Temperatures** T_e, T_l(t) of every ferromagnetic (FM) layer come from a
  :class:`TemperatureTraces` object: precomputed traces, e.g. from the 1D finite-volume 2TM
  reference (:mod:`femmag.models.two_temperature_1d` through :func:`layer_temperatures`; for
  seed 000 :func:`femmag.studies.seed000.seed000_temperatures`, with Cu electron transport
  heating the reference layer, §6.3). The 2TM does not depend on the
  magnetization, so it is solved once, before the spin dynamics. The FEM heat module
  (:mod:`femmag.physics.heat.module`) can replace it: anything that gives layer-averaged T_e(t), T_l(t)
  on a time grid fits :class:`TemperatureTraces`.
* **Local s-d model** (§6.1, :mod:`femmag.kernels.sd`) per FM layer: one d magnetization m_d and the
  layer-averaged spin accumulation μ_s (the FM layers are 3-7 nm thick, below the spin-diffusion
  length of the transport model; a per-z-point version would carry one m_d per DG node).
* **Transport** of μ_s (§6.2), one of

  - ``"diffusive"``: μ_s(z, t) lives in :class:`~femmag.physics.spin.diffusion.SpinDiffusion1D`
    (DG in z, interface conductances, relaxation τ_s per layer). Each time step is split
    (Lie splitting, first order in dt):
    (1) *local s-d step*: every FM layer advances (m_d, μ_s) with :func:`sd_advance` from the
    transported layer average μ̄_s, without relaxation (relaxation belongs to the transport
    operator) — the kernel's μ_s therefore *is* the transported one at the start of the step, and
    the s-d feedback of μ_s on m_d is implicit within the step;
    (2) *transport step*: the diffusion solver advances μ_s(z) with the source ρ Δm_d/Δt, uniform
    in the FM layer and constant over the step (the kernel's local μ_s increment ρ Δm_d is thus
    handed to the transport, which spreads and relaxes it).
    With reflecting outer faces and no relaxation the discrete ledger
    ∫(N/2) μ_s dz − Σ_FM (N/2) d ρ m_d (s spins + d spins, per area) is conserved to round-off.
  - ``"ballistic"`` (seed 000's Fig. 3 simplification, §6.2): two lumped FM layers, no spin in
    the spacer; the spin generated in layer i reaches layer j after t_d and is injected as
    S_{j←i}(t) = η_{i→j} (d_i/d_j) ρ_i ṁ_{d,i}(t − t_d), the emitted part being removed from
    layer i (local source (1 − η_{i→j}) ρ_i ṁ_{d,i}). Every layer keeps its own relaxation τ_s.
    Σ_i d_i (μ_i − ρ_i m_i) + (spin in flight) is conserved without relaxation.
  - ``"none"``: each FM layer evolves alone (ballistic with η = 0).

Frames. Everything is in the lab frame: m_d ∈ [−1, 1] along +z, the AP state has the reference
layer at m_d < 0. The s-d equations are odd under (m_d, μ_s) → (−m_d, −μ_s), so the polarity
factor p_ij = ±1 of §6.2 (written in the receiving layer's frame) is automatic. Beens sign
convention: μ_s < 0 while a layer with m_d > 0 demagnetizes; m_tot = m_d − μ_s/ρ.

Parallel use: the 1D model is tiny; by default the diffusion mesh lives on ``MPI.COMM_SELF`` (a
private copy per rank, identical results on every rank).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

import femmag  # noqa: F401  (dolfinx_solver before dolfinx)
from mpi4py import MPI

from femmag.kernels.sd import SdParameters, equilibrium_magnetization, sd_advance
from femmag.physics.spin.diffusion import SpinDiffusion1D, SpinLayer, with_unit

__all__ = [
    "MagneticLayer",
    "SpinValveModel",
    "SpinValveResult",
    "TemperatureTraces",
    "initial_magnetization",
    "layer_temperatures",
]

NM = 1e-9

# ------------------------------------------------------------------------------------------------
# temperatures
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TemperatureTraces:
    """Layer-averaged electron and lattice temperatures of the FM layers on a time grid.

    Attributes:
        time: increasing times [s].
        electron: FM layer name → T_e(t) [K] (same length as ``time``).
        lattice: FM layer name → T_l(t) [K].
    """

    time: np.ndarray
    electron: Mapping[str, np.ndarray]
    lattice: Mapping[str, np.ndarray]

    def __post_init__(self) -> None:
        t = np.asarray(self.time, dtype=float)
        if t.ndim != 1 or t.size < 2 or np.any(np.diff(t) <= 0):
            raise ValueError("TemperatureTraces: time must be a strictly increasing 1D array "
                             "with at least 2 entries [s]")
        for bath in (self.electron, self.lattice):
            for name, trace in bath.items():
                if np.shape(trace) != t.shape or np.any(~(np.asarray(trace) > 0)):
                    raise ValueError(f"TemperatureTraces: trace of layer {name!r} must have "
                                     f"{t.size} positive values [K], got shape "
                                     f"{np.shape(trace)}")

    @classmethod
    def constant(cls, layers: Sequence[str], electron: float, lattice: float | None = None,
                 t_end: float = 1.0) -> TemperatureTraces:
        """Constant temperatures [K] for ``layers`` on [0, t_end] s (tests, cold references)."""
        lattice = electron if lattice is None else lattice
        t = np.array([0.0, t_end])
        return cls(t, {n: np.full(2, float(electron)) for n in layers},
                   {n: np.full(2, float(lattice)) for n in layers})

    def at(self, layer: str, t: float) -> tuple[float, float]:
        """(T_e, T_l) [K] of ``layer`` at time t [s] (linear interpolation, held at the ends)."""
        if layer not in self.electron:
            raise ValueError(f"TemperatureTraces: no temperatures for layer {layer!r}; have "
                             f"{sorted(self.electron)}")
        return (float(np.interp(t, self.time, self.electron[layer])),
                float(np.interp(t, self.time, self.lattice[layer])))


def layer_temperatures(result: Any, labels: Mapping[str, str]) -> TemperatureTraces:
    """Thickness-averaged T_e, T_l of groups of 2TM layers → :class:`TemperatureTraces`.

    Args:
        result: a :class:`femmag.models.two_temperature_1d.TwoTemperature1DResult`.
        labels: FM layer name of the spin model → prefix of the 2TM layer names it averages
            (e.g. ``{"free": "free_"}`` averages all layers whose name starts with "free_").

    Returns:
        The traces on the 2TM output times.
    """
    grid = result.grid
    electron, lattice = {}, {}
    for name, prefix in labels.items():
        members = [n for n in grid.layer_names if n.startswith(prefix)]
        if not members:
            raise ValueError(f"layer_temperatures: no 2TM layer starts with {prefix!r} (for "
                             f"{name!r}); layers are {list(grid.layer_names)}")
        cells = np.concatenate([grid.cells_of(n) for n in members])
        w = grid.widths[cells] / grid.widths[cells].sum()
        electron[name] = result.electron_temperature[:, cells] @ w
        lattice[name] = result.lattice_temperature[:, cells] @ w
    return TemperatureTraces(np.asarray(result.times, dtype=float), electron, lattice)


# ------------------------------------------------------------------------------------------------
# model
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MagneticLayer:
    """A ferromagnetic layer of the spin model.

    Attributes:
        name: layer name (in diffusive transport, the name of a ferromagnetic
            :class:`SpinLayer`; the temperature traces use the same name).
        thickness: [m].
        sd: local s-d parameters (ρ, τ_sd or M3TM rate, T_c; τ_s is used by the ballistic and
            "none" transports — in diffusive transport the :class:`SpinLayer` τ_s relaxes μ_s).
    """

    name: str
    thickness: float
    sd: SdParameters


def initial_magnetization(state: Literal["P", "AP"], layers: Sequence[MagneticLayer],
                          temperature: float = 300.0, reversed_layer: str | None = None
                          ) -> dict[str, float]:
    """Equilibrium m_d = ±m_e(T) of every layer: all +1 (P) or ``reversed_layer`` at −m_e (AP).

    Args:
        state: "P" or "AP".
        layers: the FM layers.
        temperature: initial temperature [K].
        reversed_layer: the layer reversed in AP (default: the last layer, the reference).
    """
    if state not in ("P", "AP"):
        raise ValueError(f"initial_magnetization: state must be 'P' or 'AP', got {state!r}")
    flip = layers[-1].name if reversed_layer is None else reversed_layer
    out = {}
    for la in layers:
        m_e = float(equilibrium_magnetization(temperature, la.sd.curie_temperature))
        out[la.name] = -m_e if (state == "AP" and la.name == flip) else m_e
    return out


@dataclass
class SpinValveResult:
    """Time histories of a :class:`SpinValveModel` run (lab frame, Beens sign convention).

    Attributes:
        time: [s] (n_t).
        names: FM layer names (n_fm).
        m_d: d magnetization (n_t, n_fm).
        mu_s: layer-averaged spin accumulation in the FM layers [J] (n_t, n_fm).
        m_tot: m_d − μ_s/ρ (n_t, n_fm).
        ledger: conserved spin bookkeeping (n_t): diffusive ∫(N/2)μ dz − Σ(N/2)dρ m_d [1/m²];
            ballistic Σ d(μ − ρ m_d) + in flight [J m]. Constant without relaxation.
        layer_mu: diffusive: layer averages of μ_s of all transport layers [J] (n_t, n_layers).
        layer_names: names of the transport layers (diffusive).
        probes: μ_s at the probe points [J] (n_t, n_probes) (diffusive).
        probe_points: the (z [m], layer) probes.
    """

    time: np.ndarray
    names: list[str]
    m_d: np.ndarray
    mu_s: np.ndarray
    m_tot: np.ndarray
    ledger: np.ndarray
    layer_mu: np.ndarray | None = None
    layer_names: list[str] = field(default_factory=list)
    probes: np.ndarray | None = None
    probe_points: list[tuple[float, str]] = field(default_factory=list)

    def layer(self, name: str) -> dict[str, np.ndarray]:
        """{"m_d", "mu_s", "m_tot"} traces of one FM layer."""
        if name not in self.names:
            raise ValueError(f"SpinValveResult: no FM layer {name!r}; have {self.names}")
        i = self.names.index(name)
        return {"m_d": self.m_d[:, i], "mu_s": self.mu_s[:, i], "m_tot": self.m_tot[:, i]}


class SpinValveModel:
    """Coupled s-d + spin transport of FM layers separated by non-magnetic spacers (§6).

    Args:
        magnetic: the FM layers (ballistic transport: exactly two).
        temperatures: T_e, T_l traces of every FM layer.
        transport: "diffusive", "ballistic" or "none" (see the module docstring).
        spin_layers: diffusive: the full transport stack (top first); FM entries must carry the
            names of ``magnetic``.
        interface_conductances: diffusive: G_s [S/m²] of the interfaces, top first (SI numbers
            or quantities with units, e.g. ``"6.5e14 S/m^2"``).
        efficiency: ballistic: η (both directions) or (η_{0→1}, η_{1→0}), 0 ≤ η ≤ 1.
        delay: ballistic: t_d [s] (a multiple of the time step, ≥ one step when η > 0).
        comm: communicator of the diffusion mesh (default COMM_SELF: private per rank).
        cell_size: diffusive: largest DG cell [m].
        degree: diffusive: DG degree.
        theta: diffusive: θ of the time scheme.
        outer: diffusive: outer faces, "reflecting" or "sink" (or a pair).
        rtol: tolerance of the local s-d integrator.
    """

    def __init__(self, magnetic: Sequence[MagneticLayer], temperatures: TemperatureTraces, *,
                 transport: Literal["diffusive", "ballistic", "none"] = "diffusive",
                 spin_layers: Sequence[SpinLayer] | None = None,
                 interface_conductances: Sequence[float] | None = None,
                 efficiency: float | tuple[float, float] = 1.0, delay: float = 70e-15,
                 comm: MPI.Comm = MPI.COMM_SELF, cell_size: float = 2 * NM, degree: int = 1,
                 theta: float = 0.5, outer: str | tuple[str, str] = "reflecting",
                 rtol: float = 1e-6) -> None:
        self.magnetic = list(magnetic)
        self.names = [la.name for la in self.magnetic]
        if not self.magnetic:
            raise ValueError("SpinValveModel: give at least one MagneticLayer")
        if transport not in ("diffusive", "ballistic", "none"):
            raise ValueError(f"SpinValveModel: transport must be 'diffusive', 'ballistic' or "
                             f"'none', got {transport!r}")
        for name in self.names:
            if name not in temperatures.electron or name not in temperatures.lattice:
                raise ValueError(f"SpinValveModel: no temperature trace for FM layer {name!r}; "
                                 f"the traces have {sorted(temperatures.electron)}")
        self.temperatures = temperatures
        self.transport = transport
        self.rtol = float(rtol)
        self.diffusion: SpinDiffusion1D | None = None
        if transport == "diffusive":
            if spin_layers is None or interface_conductances is None:
                raise ValueError("SpinValveModel: diffusive transport needs spin_layers and "
                                 "interface_conductances (the SpinDiffusion1D stack)")
            by_name = {la.name: la for la in spin_layers}
            for fm in self.magnetic:
                la = by_name.get(fm.name)
                if la is None or not la.is_ferromagnet:
                    raise ValueError(f"SpinValveModel: FM layer {fm.name!r} needs a SpinLayer of "
                                     f"the same name with is_ferromagnet=True")
                if abs(la.thickness - fm.thickness) > 1e-9 * fm.thickness:
                    raise ValueError(f"SpinValveModel: thickness of {fm.name!r} differs between "
                                     f"MagneticLayer ({fm.thickness}) and SpinLayer "
                                     f"({la.thickness})")
            # this model works in SI: bare numbers are G_s [S/m²] and the cell size [m]
            conductances = [with_unit(g, "S/m^2") for g in interface_conductances]
            self.diffusion = SpinDiffusion1D(spin_layers, conductances, comm,
                                             cell_size=with_unit(cell_size, "m"), degree=degree,
                                             theta=theta, outer=outer, min_cells=2)
            self._fm_index = [self.diffusion.layer_index[n] for n in self.names]
            self._capacity = np.array([0.5 * by_name[n].dos * by_name[n].thickness
                                       for n in self.names])  # ∫_FM (N/2) dz [1/(J m²)]
            # local step without relaxation: μ_s relaxes in the transport operator
            self._local = [dataclasses.replace(la.sd, tau_s=np.inf) if la.sd.rho > 0 else la.sd
                           for la in self.magnetic]
            self._rates = np.zeros(len(self.magnetic))
            for k, name in enumerate(self.names):
                self.diffusion.set_layer_source(name, lambda t, k=k: self._rates[k])
        else:
            if transport == "ballistic" and len(self.magnetic) != 2:
                raise ValueError(f"SpinValveModel: ballistic transport couples exactly two FM "
                                 f"layers, got {len(self.magnetic)}")
            eta = (0.0, 0.0) if transport == "none" else (
                (float(efficiency),) * 2 if np.isscalar(efficiency) else tuple(efficiency))
            if len(eta) != 2 or not all(0.0 <= e <= 1.0 for e in eta):
                raise ValueError(f"SpinValveModel: efficiency must be in [0, 1] (or a pair), got "
                                 f"{efficiency!r}")
            if any(e > 0 for e in eta) and not delay > 0:
                raise ValueError(f"SpinValveModel: ballistic delay must be > 0 s (at least one "
                                 f"time step), got {delay!r}")
            self.efficiency = eta if len(self.magnetic) == 2 else (0.0,)
            self.delay = float(delay)
            # layer i emits η_i of its local source (η_0: 0→1, η_1: 1→0)
            self._local = [dataclasses.replace(la.sd, rho=(1.0 - self.efficiency[i]) * la.sd.rho)
                           if la.sd.rho > 0 else la.sd for i, la in enumerate(self.magnetic)]

    # ------------------------------------------------------------------ run
    def run(self, t_end: float, dt: float, initial: Mapping[str, float] | str = "P",
            t_start: float = 0.0, probes: Sequence[tuple[float, str]] = (),
            initial_temperature: float = 300.0) -> SpinValveResult:
        """Integrate from ``t_start`` to ``t_end`` with a fixed step.

        Args:
            t_end: final time [s].
            dt: step [s].
            initial: "P", "AP" (equilibrium at ``initial_temperature``, last layer reversed) or
                a mapping layer → m_d(t_start); μ_s starts at 0.
            t_start: start time [s].
            probes: diffusive: (z [m], layer name) points where μ_s is recorded every step.
            initial_temperature: T [K] for "P"/"AP".

        Returns:
            :class:`SpinValveResult` with every step recorded.
        """
        if not dt > 0 or not t_end > t_start:
            raise ValueError(f"SpinValveModel.run: need dt > 0 and t_end > t_start, got dt={dt}, "
                             f"t_start={t_start}, t_end={t_end}")
        if isinstance(initial, str):
            initial = initial_magnetization(initial, self.magnetic, initial_temperature)
        missing = set(self.names) - set(initial)
        if missing:
            raise ValueError(f"SpinValveModel.run: initial m_d missing for {sorted(missing)}")
        n_steps = int(np.ceil((t_end - t_start) / dt - 1e-9))
        m = np.array([float(initial[n]) for n in self.names])
        if self.transport == "diffusive":
            return self._run_diffusive(m, t_start, dt, n_steps, probes)
        return self._run_lumped(m, t_start, dt, n_steps)

    def _temps(self, k: int, t0: float, t1: float) -> tuple[tuple, tuple]:
        name = self.names[k]
        te0, tl0 = self.temperatures.at(name, t0)
        te1, tl1 = self.temperatures.at(name, t1)
        return (te0, te1), (tl0, tl1)

    def _local_step(self, k: int, m: float, mu: float, t: float, dt: float,
                    source: float = 0.0) -> tuple[float, float]:
        te, tl = self._temps(k, t, t + dt)
        m_new, mu_new = sd_advance(np.array([m]), np.array([mu]), te, tl, dt, self._local[k],
                                   mu_source=source, rtol=self.rtol)
        return float(m_new[0]), float(mu_new[0])

    def _rho(self) -> np.ndarray:
        return np.array([la.sd.rho for la in self.magnetic])

    def _m_total(self, m_d: np.ndarray, mu: np.ndarray) -> np.ndarray:
        rho = self._rho()
        safe = np.where(rho > 0, rho, 1.0)
        return np.where(rho > 0, m_d - mu / safe, m_d)

    def _run_diffusive(self, m: np.ndarray, t0: float, dt: float, n_steps: int,
                       probes: Sequence[tuple[float, str]]) -> SpinValveResult:
        sd = self.diffusion
        sd.t = t0
        sd.set_initial(0.0)
        rho = self._rho()
        times, ms, mus, ledger, layer_mu, probe_vals = [], [], [], [], [], []

        def record(t: float) -> None:
            avg = sd.layer_averages()
            times.append(t)
            ms.append(m.copy())
            mus.append(avg[self._fm_index])
            layer_mu.append(avg)
            ledger.append(sd.total_spin() - float(np.sum(self._capacity * rho * m)))
            probe_vals.append(sd.values_at(probes) if probes else np.zeros(0))

        record(t0)
        t = t0
        for step in range(n_steps):
            mu_bar = sd.layer_averages()[self._fm_index]
            m_new = np.array([self._local_step(k, m[k], mu_bar[k], t, dt)[0]
                              for k in range(len(m))])  # a loop over ≤ 3 layers
            self._rates[:] = rho * (m_new - m) / dt  # the kernel's μ_s increment, per second
            sd.advance(dt)
            m = m_new
            t = t0 + (step + 1) * dt  # no accumulated round-off in the clock
            record(t)
        mu_arr = np.array(mus)
        m_arr = np.array(ms)
        return SpinValveResult(np.array(times), list(self.names), m_arr, mu_arr,
                               self._m_total(m_arr, mu_arr), np.array(ledger),
                               np.array(layer_mu), [la.name for la in sd.layers],
                               np.array(probe_vals), list(probes))

    def _run_lumped(self, m: np.ndarray, t0: float, dt: float, n_steps: int) -> SpinValveResult:
        n = len(m)
        rho = self._rho()
        d = np.array([la.thickness for la in self.magnetic])
        eta = np.asarray(self.efficiency, dtype=float)
        lag = 0
        if n == 2 and np.any(eta > 0):
            lag = int(round(self.delay / dt))
            if lag < 1 or abs(lag * dt - self.delay) > 1e-6 * dt:
                raise ValueError(f"SpinValveModel: the ballistic delay {self.delay:.6g} s must be "
                                 f"a multiple (≥ 1) of the time step {dt:.6g} s; choose "
                                 f"dt = delay/k")
        history = np.zeros((max(lag, 1), n))  # ring buffer of Δm_d of the last ``lag`` steps
        mu = np.zeros(n)
        times, ms, mus, ledger = [t0], [m.copy()], [mu.copy()], []

        def in_flight() -> float:
            return float(np.sum(eta * d * rho * history.sum(axis=0))) if lag else 0.0

        ledger.append(float(np.sum(d * (mu - rho * m))) + in_flight())
        t = t0
        for step in range(n_steps):
            source = np.zeros(n)
            if lag:
                arriving = history[step % lag]  # Δm emitted ``lag`` steps ago
                source[1] = eta[0] * d[0] / d[1] * rho[0] * arriving[0] / dt
                source[0] = eta[1] * d[1] / d[0] * rho[1] * arriving[1] / dt
            new = [self._local_step(k, m[k], mu[k], t, dt, source[k]) for k in range(n)]
            m_new = np.array([v[0] for v in new])
            mu = np.array([v[1] for v in new])
            if lag:
                history[step % lag] = m_new - m
            m = m_new
            t = t0 + (step + 1) * dt
            times.append(t)
            ms.append(m.copy())
            mus.append(mu.copy())
            ledger.append(float(np.sum(d * (mu - rho * m))) + in_flight())
        m_arr, mu_arr = np.array(ms), np.array(mus)
        return SpinValveResult(np.array(times), list(self.names), m_arr, mu_arr,
                               self._m_total(m_arr, mu_arr), np.array(ledger))

    def destroy(self) -> None:
        """Free the PETSc objects of the diffusion solver."""
        if self.diffusion is not None:
            self.diffusion.destroy()
