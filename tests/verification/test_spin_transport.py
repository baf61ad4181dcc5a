"""s-d model at the quadrature points inside Simulation, coupled to spin transport (spec §6).

femmag.physics.spin.module.SpinTransport against the lumped SpinValveModel, the M3TM, spin
conservation, rank independence and bad input. Stack: the simplified seed-000 Co(3.2)/Cu(80)/Co(7)
on 1 µm glass, 1D mesh (1 nm cells: the same transport mesh as SpinValveModel(cell_size=1 nm)).
"""

from __future__ import annotations

import femmag  # noqa: F401  (dolfinx_solver before dolfinx)
import numpy as np
import pytest
from mpi4py import MPI
from scipy.integrate import solve_ivp

from femmag.geometry.stack import Layer, Stack
from femmag.studies.seed000 import seed000_spin_valve
from femmag.kernels.sd import SdParameters, m3tm_rhs
from femmag.models.spin_valve import MagneticLayer, SpinValveModel, TemperatureTraces
from femmag.physics.base import PhysicsModule
from femmag.physics.spin.diffusion import SpinLayer
from femmag.units import Q
from femmag.physics.spin.module import spin_transport
from femmag.pulse import Pulse
from femmag.simulation import Simulation, TimeStepping
from femmag.studies.seed000.groups import seed000_groups

PS, NM, EV = 1e-12, 1e-9, 1.602176634e-19
N_CO, N_CU, G_REF = 1.13e48, 1.558e47, 1.96e15
GS = [Q(G_REF / 3, "S/m^2"), Q(G_REF, "S/m^2")]  # free, ref interfaces (with units)
D_FREE, D_REF = 3.2 * NM, 7 * NM
DT = 5e-15
CAL = {"free": SdParameters(550.0, 0.5 * EV, 0.05 * PS, tau_sd=0.1 * PS),
       "ref": SdParameters(700.0, 0.5 * EV, 0.05 * PS, tau_sd=0.1 * PS)}


def stack():
    return seed000_spin_valve(simplified=True, substrate_thickness="1 um")


def spin_layers(tau_fm=0.05 * PS, tau_cu=None, cu_name="spacer_Cu"):
    cu = (SpinLayer.from_si(cu_name, 80 * NM, 3.5e7, N_CU, spin_diffusion_length=350 * NM)
          if tau_cu is None
          else SpinLayer.from_si(cu_name, 80 * NM, 3.5e7, N_CU, spin_relaxation_time=tau_cu))
    return [SpinLayer.from_si("free", D_FREE, 5e6, N_CO, spin_relaxation_time=tau_fm,
                              is_ferromagnet=True),
            cu,
            SpinLayer.from_si("ref", D_REF, 5e6, N_CO, spin_relaxation_time=tau_fm,
                              is_ferromagnet=True)]


def transport_options(transport, coupling="pointwise", sd=None, tau_fm=0.05 * PS, tau_cu=None):
    opts = {"ferromagnets": seed000_groups(stack()), "sd": sd or CAL, "transport": transport}
    if transport == "diffusive":
        opts.update(spin_layers=spin_layers(tau_fm, tau_cu), coupling=coupling,
                    interface_conductances=GS)
    elif transport == "ballistic":
        opts.update(efficiency=0.5, delay="70 fs")
    return opts


def simulate(t_end="1 ps", fluence="12 mJ/cm^2", comm=MPI.COMM_WORLD, dt_max="5 fs",
             initial_temperature="300 K", mesh="1d", **options):
    pulse = Pulse(fluence, "50 fs", "10 um", arrival="0.1 ps")
    mesh_options = {"radius": "2 um", "cells_per_beam_radius": 2, "max_cell_size": "4 nm"} \
        if mesh == "rz" else {}
    sim = Simulation(stack(), pulse, mesh=mesh, mesh_options=mesh_options, magnetization=False,
                     comm=comm, accuracy=None,  # 1D and r-z alike (r-z's default)
                     initial_temperature=initial_temperature,
                     modules=[spin_transport(**options)], verbose=False,
                     time_stepping=TimeStepping(dt_pulse="5 fs", dt_max=dt_max))
    traces = sim.run(t_end, progress=False)
    module = sim.extra_modules[0]
    return traces, module


def lumped(transport, temps, t_end, initial, sd=None, tau_fm=0.05 * PS, rtol=1e-6):
    sd = sd or CAL
    layers = [MagneticLayer("free", D_FREE, sd["free"]), MagneticLayer("ref", D_REF, sd["ref"])]
    if transport == "diffusive":
        model = SpinValveModel(layers, temps, transport="diffusive",
                               spin_layers=spin_layers(tau_fm, cu_name="Cu"),
                               interface_conductances=[G_REF / 3, G_REF], cell_size=1 * NM)
    elif transport == "ballistic":
        model = SpinValveModel(layers, temps, transport="ballistic", efficiency=0.5,
                               delay=70e-15)
    else:
        model = SpinValveModel(layers, temps, transport="none", rtol=rtol)
    result = model.run(t_end, DT, initial)
    model.destroy()
    return result


def synthetic_temperatures(t_end=1 * PS):
    """Uniform-per-layer T_e, T_l traces [K] on the 5 fs grid (free hot, ref heated later)."""
    t = np.linspace(0.0, t_end, int(round(t_end / DT)) + 1)
    te, tl = {}, {}
    for name, peak, delay in (("free", 1800.0, 0.1), ("ref", 650.0, 0.4)):
        rise = 0.5 * (1 + np.tanh((t - delay * PS) / (0.05 * PS)))
        decay = np.exp(-np.clip(t - delay * PS, 0, None) / (0.8 * PS))
        te[name] = 300 + (peak - 300) * rise * decay
        tl[name] = 300 + 0.2 * (peak - 300) * rise * (1 - decay)
    return TemperatureTraces(t, te, tl)


def column(traces, name):
    return np.asarray(traces.column(name))


# --------------------------------------------------------------------------------------------
# (a) no transport, ρ → 0: the M3TM and the lumped model at uniform temperature
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("transport,rho,mesh", [("none", 0.0, "1d"), ("none", 1e-9 * EV, "1d"),
                                                ("diffusive", 0.0, "1d"), ("none", 0.0, "rz")])
def test_uniform_temperature_reproduces_m3tm(transport, rho, mesh):
    rate = {"free": 20e12, "ref": 25e12}
    sd = {g: SdParameters(CAL[g].curie_temperature, rho, 0.05 * PS, m3tm_rate=rate[g])
          for g in CAL}
    initial = {"free": 0.3, "ref": -0.5}  # far from m_e(450 K): remagnetization at uniform T
    opts = transport_options(transport, sd=sd)
    traces, module = simulate("0.3 ps" if mesh == "rz" else "0.6 ps", fluence="1e-9 mJ/cm^2",
                              initial=initial, rtol=1e-8, initial_temperature="450 K",
                              mesh=mesh, dt_max="20 fs" if mesh == "rz" else "5 fs", **opts)
    t = column(traces, "time") * PS
    for g in ("free", "ref"):
        assert np.max(column(traces, f"electron_temperature_spread_{g}")) < 1e-6
        ref = solve_ivp(lambda _, y, g=g: m3tm_rhs(y, 450.0, 450.0, sd[g].curie_temperature,
                                                   rate[g]),
                        (0, t[-1]), [initial[g]], t_eval=t, rtol=1e-11, atol=1e-13,
                        method="Radau")
        err = np.max(np.abs(column(traces, f"m_d_{g}") - ref.y[0]))
        assert err < 1e-6, (g, err)
    if mesh == "rz":  # adaptive steps: no fixed-step lumped run to compare with
        module.destroy()
        return
    temps = TemperatureTraces.constant(["free", "ref"], 450.0, t_end=1 * PS)
    res = lumped("none", temps, t[-1], initial, sd=sd, rtol=1e-8)
    for k, g in enumerate(("free", "ref")):
        err = np.max(np.abs(column(traces, f"m_d_{g}") - res.m_d[:, k]))
        assert err < 1e-9, (g, err)
    module.destroy()


# --------------------------------------------------------------------------------------------
# (b) the in-Simulation module vs SpinValveModel
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("transport", ["ballistic", "diffusive"])
def test_uniform_layer_temperatures_identical_to_lumped_model(transport):
    """Same layer temperatures, layer coupling: the module *is* the lumped model (round-off)."""
    temps = synthetic_temperatures()
    traces, module = simulate("1 ps", initial="AP", temperatures=temps,
                              **transport_options(transport, coupling="layer"))
    res = lumped(transport, temps, 1 * PS, "AP")
    for k, g in enumerate(("free", "ref")):
        assert np.max(np.abs(column(traces, f"m_d_{g}") - res.m_d[:, k])) < 1e-10
        assert np.max(np.abs(column(traces, f"mu_s_{g}") - res.mu_s[:, k])) < 1e-10 * EV
    ledger = column(traces, "spin_ledger")
    assert np.max(np.abs(ledger - res.ledger)) < 1e-9 * module.spin_scale()
    module.destroy()


@pytest.mark.parametrize("transport,coupling", [("ballistic", "pointwise"),
                                                ("diffusive", "layer"),
                                                ("diffusive", "pointwise")])
def test_fem_heat_close_to_lumped_model_with_fem_layer_averages(transport, coupling):
    """FEM T_e, T_l at the points vs the lumped model fed with their layer averages.

    They differ only through the spread of T (and, pointwise, of μ_s) inside a layer; measured
    (0-1.5 ps, 12 mJ/cm²): |Δm_d| ≤ 3.5e-3 with T_e spreads of ~100 K (free) and ~20 K (ref).
    """
    traces, module = simulate("1.2 ps", initial="P", **transport_options(transport, coupling))
    t = column(traces, "time") * PS
    temps = TemperatureTraces(t, {g: column(traces, f"electron_temperature_{g}")
                                  for g in ("free", "ref")},
                              {g: column(traces, f"lattice_temperature_{g}")
                               for g in ("free", "ref")})
    res = lumped(transport, temps, t[-1], "P")
    errors = {g: np.max(np.abs(column(traces, f"m_d_{g}") - res.m_d[:, k]))
              for k, g in enumerate(("free", "ref"))}
    spread = {g: np.max(column(traces, f"electron_temperature_spread_{g}"))
              for g in ("free", "ref")}
    assert spread["free"] > 1.0 and spread["ref"] > 1.0  # the FEM T does vary inside a layer
    for g in ("free", "ref"):
        assert errors[g] < 5e-3, (errors, spread)
    module.destroy()


# --------------------------------------------------------------------------------------------
# (c) spin conservation without relaxation
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("transport", ["diffusive", "ballistic"])
def test_spin_conserved_without_relaxation(transport):
    sd = {g: SdParameters(p.curie_temperature, p.rho, np.inf, tau_sd=p.tau_sd)
          for g, p in CAL.items()}
    opts = transport_options(transport, sd=sd, tau_fm=1.0, tau_cu=1.0)  # τ_s = 1 s: none in 1 ps
    # adaptive steps (5 fs in the pulse, growing to 50 fs): the ballistic delay works with any Δt
    traces, module = simulate("1 ps", initial="AP", dt_max="50 fs", **opts)
    ledger = column(traces, "spin_ledger")
    moved = np.max(np.abs(column(traces, "m_d_free") - column(traces, "m_d_free")[0]))
    assert moved > 0.3  # a real transient
    drift = np.max(np.abs(ledger - ledger[0])) / module.spin_scale()
    assert drift < 1e-8, drift
    module.destroy()


# --------------------------------------------------------------------------------------------
# (d) 1 vs all ranks
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("transport", ["diffusive", "ballistic"])
def test_rank_independent_traces(transport):
    runs = []
    for comm in (MPI.COMM_WORLD, MPI.COMM_SELF):
        traces, module = simulate("0.5 ps", comm=comm, initial="AP",
                                  **transport_options(transport))
        runs.append(np.array(traces.rows))
        module.destroy()
    everywhere, alone = runs
    assert everywhere.shape == alone.shape
    scale = np.maximum(np.abs(alone), np.abs(alone).max(axis=0) * 1e-3)
    rel = np.max(np.abs(everywhere - alone) / np.where(scale > 0, scale, 1.0))
    assert rel < 1e-8, rel


# --------------------------------------------------------------------------------------------
# (e) bad input
# --------------------------------------------------------------------------------------------
def _sim(stack_, **options):
    return Simulation(stack_, Pulse("1 mJ/cm^2", "50 fs", "10 um"), mesh="1d",
                      magnetization=False, modules=[spin_transport(**options)], verbose=False)


def test_stack_without_ferromagnet_is_rejected():
    nonmagnetic = Stack([Layer("cap", "Pt", "3 nm"), Layer("spacer", "Cu", "20 nm")],
                        substrate=Layer("substrate", "glass", "1 um"))
    with pytest.raises(ValueError, match="no ferromagnetic layer"):
        _sim(nonmagnetic, transport="none").setup()


def test_missing_sd_parameters_are_reported():
    # Co layers are magnetic, but Co has no sd_rho in the library and only "free" is given
    with pytest.raises(ValueError, match=r"missing s-d parameters for FM group 'ref_Co'.*sd_rho"):
        _sim(stack(), transport="none", sd={"free_Co": CAL["free"]}).setup()
    # a group of Pt only has no magnetic material to take parameters from
    full = seed000_spin_valve(ref_material="Pt")
    with pytest.raises(ValueError, match="no s-d parameters for FM group 'ref'"):
        _sim(full, transport="none", ferromagnets=seed000_groups(full),
             sd={"free": CAL["free"]}).setup()


@pytest.mark.parametrize("options,message", [
    ({"transport": "diffuse"}, "transport must be one of"),
    ({"transport": "diffusive"}, "give spin_layers"),
    ({"transport": "none", "ferromagnets": {"free": ["free_Co", "ref_Co"]}}, "contiguous"),
    ({"transport": "none", "ferromagnets": {"free": ["nowhere"]}}, "not stack layers"),
    ({"transport": "ballistic", "ferromagnets": {"free": ["free_Co"]}}, "exactly two"),
    ({"transport": "none", "initial": "PA"}, "initial must be 'P', 'AP'"),
    ({"transport": "ballistic"}, "must not exceed the ballistic delay"),  # default dt_max 1 ps
    ({"transport": "none", "sd": {"cap": CAL["free"]}}, "not FM groups"),
])
def test_bad_options_are_reported(options, message):
    base = {"ferromagnets": seed000_groups(stack()), "sd": CAL}
    if "ferromagnets" in options and "sd" not in options:
        base["sd"] = {g: CAL["free"] for g in options["ferromagnets"]}
    with pytest.raises(ValueError, match=message):
        _sim(stack(), **{**base, **options}).setup()


# --------------------------------------------------------------------------------------------
# (f) r-z meshes: diffusive (SpinDiffusionRZ on the heat mesh) and per-radius ballistic transport
# --------------------------------------------------------------------------------------------
def simulate_rz(transport, t_end="0.5 ps", comm=MPI.COMM_WORLD, mesh="rz", diameter="20 mm",
                radius="2 um", beam_radius="1 um", cells_per_beam_radius=2, max_cell="1 nm",
                extra=(), **options):
    """A Simulation of the simplified seed-000 stack; `diameter` of the pump (20 mm: uniform)."""
    pulse = Pulse("12 mJ/cm^2", "50 fs", diameter, arrival="0.1 ps")
    mesh_options = {"max_cell_size": max_cell}
    if mesh == "rz":
        mesh_options.update(radius=radius, beam_radius=beam_radius,
                            cells_per_beam_radius=cells_per_beam_radius)
    opts = {**transport_options(transport), "initial": "AP", **options}
    sim = Simulation(stack(), pulse, mesh=mesh, mesh_options=mesh_options, magnetization=False,
                     comm=comm, modules=[spin_transport(**opts), *extra], verbose=False,
                     time_stepping=TimeStepping(dt_pulse="5 fs", dt_max="5 fs"),
                     accuracy=None)  # 1D and r-z alike (r-z's default)
    traces = sim.run(t_end, progress=False)
    return traces, sim.extra_modules[0]


RZ_COLUMNS = ("m_d_free", "m_d_ref", "mu_s_free", "mu_s_ref")


@pytest.mark.parametrize("transport", ["diffusive", "ballistic"])
def test_rz_laterally_uniform_equals_1d(transport):
    """A pump 10^4 × wider than the 2-µm disc: the r-z traces are the 1D module's (4 radial cells,
    the same z grid). Measured: |Δm_d| ≤ 5e-9 (diffusive), μ_s to 1e-8 of its peak."""
    one_d, m1 = simulate_rz(transport, mesh="1d")
    rz, m2 = simulate_rz(transport)
    for name in RZ_COLUMNS:
        a, b = column(one_d, name), column(rz, name)
        assert np.max(np.abs(a - b)) < 1e-6 * np.max(np.abs(a)), (name, np.max(np.abs(a - b)))
    assert np.max(np.abs(column(rz, "m_d_free") - column(rz, "m_d_free")[0])) > 0.3
    m1.destroy()
    m2.destroy()


def test_rz_full_seed000_stack_equals_1d():
    """The full seed-000 stack: FM groups of 4 and 7 Pt/Co regions (one transport layer each,
    SIPG inside, G_s only at the group faces), 0.25-nm cells, a uniform pump: r-z = 1D.

    Regression: the 1D transport mesh used to miss the interface facet tags on this stack (vertex
    rounding coarser than the tag tolerance), dropping G_s: |Δm_d| was 0.032. Measured 1.2e-8.
    """
    full = seed000_spin_valve(substrate_thickness="1 um")
    pulse = Pulse("12 mJ/cm^2", "50 fs", "20 mm", arrival="0.1 ps")
    opts = {"ferromagnets": seed000_groups(full), "sd": CAL, "transport": "diffusive",
            "initial": "AP", "spin_layers": spin_layers(), "interface_conductances":
            GS}
    runs = {}
    for mesh, mesh_options in (("1d", {}), ("rz", {"radius": "2 um", "beam_radius": "1 um",
                                                   "cells_per_beam_radius": 2})):
        sim = Simulation(full, pulse, mesh=mesh, mesh_options=mesh_options,
                         magnetization=False, modules=[spin_transport(**opts)], verbose=False,
                         time_stepping=TimeStepping(dt_pulse="10 fs", dt_max="10 fs"),
                         accuracy=None)  # 1D and r-z alike (r-z's default)
        traces = sim.run("0.6 ps", progress=False)
        runs[mesh] = np.column_stack([column(traces, name) for name in RZ_COLUMNS])
        sim.extra_modules[0].destroy()
    scale = np.max(np.abs(runs["1d"]), axis=0)
    assert np.max(np.abs(runs["1d"] - runs["rz"]) / scale) < 1e-6


NO_RELAXATION = {g: SdParameters(p.curie_temperature, p.rho, np.inf, tau_sd=p.tau_sd)
                 for g, p in CAL.items()}


@pytest.mark.parametrize("transport", ["diffusive", "ballistic"])
def test_rz_spin_conserved_without_relaxation(transport):
    """Gaussian pump (r0 = 1 µm on a 2-µm disc): the r-z spin ledger is constant to 1e-8."""
    opts = transport_options(transport, sd=NO_RELAXATION, tau_fm=1.0, tau_cu=1.0)
    traces, module = simulate_rz(transport, t_end="0.4 ps", diameter="2 um", max_cell="2 nm",
                                 **{k: v for k, v in opts.items() if k != "transport"})
    ledger = column(traces, "spin_ledger")
    moved = np.max(np.abs(column(traces, "m_d_free") - column(traces, "m_d_free")[0]))
    assert moved > 0.1
    drift = np.max(np.abs(ledger - ledger[0])) / module.spin_scale()
    assert drift < 1e-8, drift
    module.destroy()


@pytest.mark.parametrize("transport", ["diffusive", "ballistic"])
def test_rz_rank_independent_traces(transport):
    runs = []
    for comm in (MPI.COMM_WORLD, MPI.COMM_SELF):
        traces, module = simulate_rz(transport, t_end="0.3 ps", comm=comm, diameter="2 um",
                                     max_cell="2 nm")
        runs.append(np.array(traces.rows))
        module.destroy()
    everywhere, alone = runs
    assert everywhere.shape == alone.shape
    scale = np.maximum(np.abs(alone), np.abs(alone).max(axis=0) * 1e-3)
    rel = np.max(np.abs(everywhere - alone) / np.where(scale > 0, scale, 1.0))
    assert rel < 1e-8, rel


class RadialMoment(PhysicsModule):
    """A recorder module: the radial second moment X₂ = Σ_c r_c² (spins_μ − spins_d)_c of the
    total spin (cell-wise r_c² at the cell midpoints) and ∫ 4·2π∫(σ/2e²) μ r dA dt (trapezoid)."""

    name = "radial_moment"

    def __init__(self, simulation):
        self.simulation = simulation

    def setup(self, fields):
        import dolfinx

        self.spin = self.simulation.extra_modules[0]
        msh = self.spin.domain.mesh
        n = self.spin.domain.num_owned_cells
        r = dolfinx.mesh.compute_midpoints(msh, 2, np.arange(n, dtype=np.int32))[:, 0]
        self.r2 = r**2
        self.integral, self.rate = 0.0, self.spin.diffusion.radial_moment_rate()
        self.x2_0 = self.moment()

    def moment(self):
        cells = self.spin.diffusion.cell_spins() - self.spin.cell_d_spins()
        return self.spin.comm.allreduce(float(np.sum(self.r2 * cells)), op=MPI.SUM)

    def step(self, t, dt):
        self.trial_rate = self.spin.diffusion.radial_moment_rate()
        self.trial = self.integral + 0.5 * dt * (self.rate + self.trial_rate)

    def commit(self):
        self.integral, self.rate = self.trial, self.trial_rate

    def reject(self):
        pass  # the trial is recomputed from the committed integral

    def summary(self):
        return "radial moment recorder"


def test_rz_gaussian_beam_centre_demagnetizes_more_and_spins_spread_laterally():
    """r0 = 200 nm pump on an 800-nm disc (25-nm radial cells), no spin relaxation, 0.4 ps.

    (1) m_d of the free layer drops more on the axis than at r = r0 (fluence e⁻¹ there).
    (2) Without lateral spin diffusion every radius is a closed column: the radial moment X₂ of
    the total spin (μ spins − d spins) stays constant (exact discrete identity, 1e-8).
    (3) With it, X₂ changes by ∫ 4∫(σ/2e²) μ dV dt (continuum: ∇²r² = 4, the √(D_Cu t) ≈ 60-nm
    spreading); the cell-midpoint moment reproduces it to 15 % (25-nm cells; 9 % at 12.5 nm).
    Measured: Δm_d = 0.372 on the axis vs 0.219 at r0; ΔX₂ off / X₂ = 1.5e-15.
    """
    opts = transport_options("diffusive", sd=NO_RELAXATION, tau_fm=1.0, tau_cu=1.0)
    opts = {k: v for k, v in opts.items() if k != "transport"}
    results = {}
    for lateral in (True, False):
        moment = []
        _, module = simulate_rz(
            "diffusive", t_end="0.4 ps", diameter="400 nm", radius="800 nm",
            beam_radius="200 nm", cells_per_beam_radius=8, max_cell="2 nm",
            lateral_spin_diffusion=lateral,
            extra=[lambda sim: moment.append(RadialMoment(sim)) or moment[0]], **opts)
        rec = moment[0]
        results[lateral] = (rec.moment() - rec.x2_0, rec.integral, rec.x2_0)
        if lateral:
            points = module.points[module.owned]
            r_all = np.concatenate(module.comm.allgather(points[:, 0]))
            z_all = np.concatenate(module.comm.allgather(points[:, 1]))
            m_all = np.concatenate(module.comm.allgather(module.m_d[module.owned]))
            top = z_all > -3.2 * NM
            m0 = module._initial["free"]
            centre = m0 - np.mean(m_all[top & (r_all < 20 * NM)])
            edge = m0 - np.mean(m_all[top & (np.abs(r_all - 200 * NM) < 20 * NM)])
            results["demag"] = (centre, edge)
        module.destroy()
    centre, edge = results["demag"]
    assert centre > 0.3 and edge > 0
    assert centre > 1.5 * edge, (centre, edge)
    change_off, integral_off, x2 = results[False]
    assert integral_off == 0.0
    assert abs(change_off) < 1e-8 * abs(x2) + 1e-12, (change_off, x2)
    change_on, integral_on, _ = results[True]
    assert abs(integral_on) > 1e-4 * abs(x2)  # a real lateral redistribution (measured 4e-4)
    # the cell-midpoint moment misses the redistribution inside a cell: first order in h,
    # measured ratio 1.153 (25-nm cells), 1.092 (12.5 nm)
    assert change_on == pytest.approx(integral_on, rel=0.2), (change_on, integral_on)


def test_rz_layer_coupling_is_rejected():
    sim = Simulation(stack(), Pulse("1 mJ/cm^2", "50 fs", "10 um"), mesh="rz",
                     mesh_options={"radius": "2 um", "cells_per_beam_radius": 2,
                                   "max_cell_size": "4 nm"}, magnetization=False,
                     modules=[spin_transport(**transport_options("diffusive", "layer"))],
                     verbose=False)
    with pytest.raises(ValueError, match="use coupling='pointwise' on mesh='rz'"):
        sim.setup()
