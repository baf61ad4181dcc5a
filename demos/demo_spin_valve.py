# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: light
# ---

# # Spin accumulation and remagnetization-driven switching in a Co/Pt / Cu / Co/Pt spin valve
#
# This demo reproduces, in a 1D model, the chain of seed 000 (Ta/Pt/[Co/Pt]₃/Co/Cu(80)/[Co/Pt]₂/Ta
# on glass): ultrafast demagnetization → spin accumulation that crosses the Cu spacer →
# remagnetization-driven reversal of the free layer, and the Kerr signals an experimenter measures.
# Three parts (physics-spec §6-§9.2, targets U5-U10):
#
# - **(a) Fig. 2-style spin diffusion** on the simplified Co(3.2)/Cu(80)/Co(7) stack, sources from
#   dM/dt of synthetic traces shaped like seed Fig. 1b/1c, Kerr-weighted read-out from both sides,
#   P/AP decomposition, arrival times, and the free-interface conductance ÷3 (U5-U7);
# - **(b) Fig. 3-style s-d simulation** of the full spin valve: 1D two-temperature model (Cu
#   electron transport heats the ref layer) → s-d model of both layers with ballistic (delayed)
#   spin transfer, P and AP starts, m_d and m_tot (U8); plus the diffusive-transport variant;
# - **(c) Fig. 4 control**: FM/Cu(100 nm), Kerr signal on the Cu side for pumping the FM or the Cu
#   side (U10).
#
# Sign conventions: lab frame (+z), Beens convention for the s-d μ_s (μ_s < 0 while m_d > 0
# demagnetizes); the spin-diffusion part (a) uses the §7.1 convention S = −(2/Nμ_B) dM/dt in the
# free layer's frame. Everything runs on one rank's private 1D meshes (``MPI.COMM_SELF``); under
# ``mpiexec -n 2`` every rank computes the same numbers and rank 0 writes.
#
# Run: ``python demos/demo_spin_valve.py [--out DIR] [--fast]`` (``FEMMAG_FAST=1`` = ``--fast``).

# +
import argparse
import os
import time
from pathlib import Path

import femmag  # noqa: F401  (must come before dolfinx)

from mpi4py import MPI

import numpy as np

from femmag.kernels.sd import SdParameters
from femmag.physics.optics.kerr import KerrSynthesizer, pap_decompose, switching_time
from femmag.physics.optics.planar import PlanarOptics
from femmag.physics.spin.diffusion import MagnetizationRateSource, SpinDiffusion1D, SpinLayer
from femmag.units import Q
from femmag.models.spin_valve import MagneticLayer, SpinValveModel
from femmag.studies.seed000 import FM_CU_CONTROL_LAYERS, SEED000_OPTICS, seed000_temperatures

parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
parser.add_argument("--out", default="out/demo_spin_valve", help="output folder")
parser.add_argument("--fast", action="store_true", default=os.environ.get("FEMMAG_FAST") == "1",
                    help="short runs (CI)")
args, _ = parser.parse_known_args()
comm = MPI.COMM_WORLD
rank0 = comm.rank == 0
out = Path(args.out)
if rank0:
    out.mkdir(parents=True, exist_ok=True)
PS, NM, EV = 1e-12, 1e-9, 1.602176634e-19
clock = time.perf_counter()
summary: list[str] = []


def note(line: str) -> None:
    summary.append(line)
    if rank0:
        print(line, flush=True)
# -

# ## (a) Fig. 2: spin diffusion with sources from dM/dt
#
# The 8-parameter Co/Cu/Co set of physics-spec §7.3 (σ, λ_sf, N of Co and Cu; G_s = 1.96×10¹⁵ S/m²
# for the ref Co/Cu interface and G_ref/3 for the free one). Outer faces are spin sinks (the Pt/Ta
# cap and seed layers, §7.2 [ASSUMP]). Synthetic magnetization traces shaped like seed Fig. 1b/1c:
# the free layer demagnetizes to 0.3 within 0.1 ps and then creeps through zero at 1.5 ps (P) or
# recovers (AP); the ref layer demagnetizes by 18% with the peak at 0.3 ps, the same for P and AP.
# The ref source changes sign with the state in the free layer's frame (§7.1).
#
# Read-out: only the Cu spin accumulation is MO-active here (U7: the signal is dominated by Cu); the
# probe (800 nm) comes from the free side (air) or the ref side (through the glass), and the
# depth weight w(ζ) of each case weights μ_s(ζ) in Cu. The probed spin signal is the Cu term of
# Eq. 1, Δθ̄ − Δε̄ = Re Θ^Cu/θ^Ms − Im Θ^Cu/ε^Ms, normalized by the near FM layer's static signal.

# +
N_CO, N_CU, MS_CO = 1.13e48, 1.558e47, 1.4e6  # §7.3 [DER]; M_s of Co [LIT]
G_REF = 1.96e15  # S/m² [LIT: Bass & Pratt 2007]
D_FREE, D_CU, D_REF = 3.2 * NM, 80 * NM, 7 * NM
Q_COPT = 0.036 + 0.008j  # Voigt parameter [ASSUMP], only sets θ^Ms/ε^Ms of the normalization
CO_SPIN = {"conductivity": "1e7 S/m", "dos": "1.13e48 1/(J*m^3)",
           "spin_diffusion_length": "40 nm", "is_ferromagnet": True}  # spec §7.3
fig2_layers = [
    SpinLayer("free", "3.2 nm", **CO_SPIN),
    SpinLayer("Cu", "80 nm", "3.5e7 S/m", dos="1.558e47 1/(J*m^3)", spin_diffusion_length="350 nm"),
    SpinLayer("ref", "7 nm", **CO_SPIN)]
optics_stack = [("free", SEED000_OPTICS["Co"], D_FREE), ("Cu", SEED000_OPTICS["Cu"], D_CU),
                ("ref", SEED000_OPTICS["Co"], D_REF)]
probes = {side: KerrSynthesizer(
    PlanarOptics.from_si(optics_stack, 800e-9, n_substrate=SEED000_OPTICS["glass"],
                         comm=MPI.COMM_SELF, from_substrate_side=(side == "ref side")),
    voigt={"free": Q_COPT, "ref": Q_COPT}, spin_mo={"Cu": 1.0 / EV}, points_per_layer=12)
    for side in ("free side", "ref side")}
near_layer = {"free side": "free", "ref side": "ref"}

t_trace = np.linspace(0.0, 3 * PS, 3001)
drift = 0.3 * (1 + np.tanh((t_trace - 1.5 * PS) / (0.6 * PS)))
drift -= drift[0]
demag = 0.7 * (1 - np.exp(-t_trace / (0.1 * PS)))
traces = {"free P": 1 - demag - drift, "free AP": 1 - demag + drift,
          "ref": 1 - 0.18 * (t_trace / (0.3 * PS)) * np.exp(1 - t_trace / (0.3 * PS))}
depths = [(-z, "Cu") for z in probes["free side"].depth_points("Cu")]  # same ζ on both sides


def diffusion_signals(free_conductance: float, dt: float = 10e-15) -> dict[str, np.ndarray]:
    """Cu spin accumulation at the Kerr points for the three separate sources (linearity)."""
    runs = {}
    for key, layer in (("free P", "free"), ("free AP", "free"), ("ref", "ref")):
        sd = SpinDiffusion1D(fig2_layers, [Q(free_conductance, "S/m^2"), Q(G_REF, "S/m^2")],
                             MPI.COMM_SELF, cell_size="1 nm", outer="sink")
        sd.set_layer_source(layer, MagnetizationRateSource(Q(t_trace, "s"), traces[key],
                                                           Q(MS_CO, "A/m"),
                                                           Q(N_CO, "1/(J*m^3)")))
        hist = sd.run(Q(t_trace[-1], "s"), Q(dt, "s"), depths=depths)
        sd.destroy()
        runs[key] = hist["probes"]
    runs["time"] = hist["time"]
    return runs


def probed(runs: dict[str, np.ndarray], side: str) -> dict[str, np.ndarray]:
    """Kerr spin signals (Eq. 1 Cu term) on one side: P, AP, and the true partial responses."""
    syn = probes[side]
    static = syn.magnetization_vector(near_layer[side])

    def eq1(mu_at_points: np.ndarray) -> np.ndarray:
        theta = syn.synthesize(spin_profiles={"Cu": mu_at_points})
        return theta.real / static.real - theta.imag / static.imag

    free_p, free_ap, ref = eq1(runs["free P"]), eq1(runs["free AP"]), eq1(runs["ref"])
    p_signal, ap_signal = free_p + ref, free_ap - ref  # ref source flips sign in AP
    half_sum, half_diff = pap_decompose(p_signal, ap_signal)
    return {"P": p_signal, "AP": ap_signal, "free": half_sum, "ref": half_diff,
            "free only": 0.5 * (free_p + free_ap), "ref only": ref}


def arrival(t: np.ndarray, s: np.ndarray) -> float:
    """Time [s] at which |s| first reaches half of its first-lobe extremum."""
    sign = np.sign(s[np.argmax(np.abs(s))])
    lobe = np.flatnonzero(sign * s < 0)
    lobe = lobe[lobe > np.argmax(sign * s > 0)] if lobe.size else lobe
    end = lobe[0] if lobe.size else s.size
    peak = np.max(sign * s[:end])
    return float(t[np.argmax(sign * s >= 0.5 * peak)])


def sign_changes(s: np.ndarray, fraction: float = 0.05) -> int:
    """Number of sign changes of s among samples above ``fraction`` of max |s|."""
    big = s[np.abs(s) > fraction * np.max(np.abs(s))]
    return int(np.sum(np.diff(np.sign(big)) != 0))


runs = diffusion_signals(G_REF / 3)
t_a = runs["time"]
fig2 = {side: probed(runs, side) for side in probes}
for side in probes:
    s = fig2[side]
    note(f"(a) {side}: sign changes free part {sign_changes(s['free'])}, ref part "
         f"{sign_changes(s['ref'])} (true ref response {sign_changes(s['ref only'])})")
arrivals = {(src, side): arrival(t_a, fig2[side][src]) for src in ("free", "ref")
            for side in probes}
for (src, side), value in arrivals.items():
    note(f"(a) {src}-layer spin probed on the {side}: half-rise at {value / PS:.3f} ps")
# -

# U5: the free part is unipolar; the ref part is bipolar (remagnetization gives the opposite
# accumulation). U6: arrival-time ordering. Asserted on the decomposed signals.

# +
for side in probes:
    assert sign_changes(fig2[side]["free"]) == 0, "U5: Δμ_s^Free must be unipolar"
    assert sign_changes(fig2[side]["ref only"]) >= 1, "U5: Δμ_s^Ref must be bipolar"
    assert np.min(fig2[side]["ref"]) < -0.05 * np.max(np.abs(fig2[side]["ref"])), \
        "U5: the decomposed ref part must have a negative (remagnetization) lobe"
a = {k: v / PS for k, v in arrivals.items()}
assert a[("free", "free side")] < a[("free", "ref side")], "U6: free spin reaches the ref side late"
assert a[("ref", "ref side")] < a[("ref", "free side")], "U6: ref spin reaches the free side late"
assert a[("ref", "free side")] == max(a.values()), "U6: ref spin on the free side arrives last"
assert a[("free", "free side")] == min(a.values()), "U6: free spin on the free side is first"
# -

# ### The free-interface conductance ÷3 (U7) — what "improves" can mean here
#
# Seed 000 fits *measured* traces; it reports that all eight parameters are literature values
# except the free Co/Cu interface conductance, reduced ×3. We have no measured Fig. 2 data, so we
# cannot test that claim. What we can test is the fitting machinery and the identifiability of
# that factor: pseudo-data are generated with G_free = G_ref/3 plus 3% noise, and the model is
# fitted with a free amplitude (the MO coefficient c_μ and η_s are degenerate, §7.1) for several
# G_free/G_ref. "Improves" then means a lower residual than with the literature value G_free =
# G_ref; the fit recovering ≈ 1/3 shows the factor is constrained by the four traces (P/AP × two
# sides), i.e. that a ×3 change is detectable at this noise level — not that it is right.

# +
rng = np.random.default_rng(2025)


def stacked(signals: dict[str, dict[str, np.ndarray]]) -> np.ndarray:
    return np.concatenate([signals[side][k] for side in probes for k in ("P", "AP")])


truth = stacked(fig2)
noise = 0.03 * np.max(np.abs(truth))
pseudo_data = truth + noise * rng.normal(size=truth.size)


def residual(factor: float) -> tuple[float, float]:
    """(relative rms residual, best amplitude) of the fit with G_free = factor × G_ref."""
    model = stacked({side: probed(diffusion_signals(factor * G_REF), side) for side in probes})
    amplitude = float(model @ pseudo_data / (model @ model))
    return float(np.sqrt(np.mean((amplitude * model - pseudo_data) ** 2)) / noise), amplitude


factors = [1.0, 0.5, 1 / 3, 0.25] if args.fast else [1.0, 0.7, 0.5, 0.4, 1 / 3, 0.28, 0.25, 0.2]
fit = {f: residual(f) for f in factors}
best = min(fit, key=lambda f: fit[f][0])
for f, (res, amp) in fit.items():
    note(f"(a) fit G_free/G_ref = {f:.3f}: rms residual / noise = {res:.2f}, amplitude {amp:.3f}")
note(f"(a) best G_free/G_ref = {best:.3f} (pseudo-data made with 1/3)")
assert abs(best - 1 / 3) < 0.1, "the fit must recover the ÷3 factor it was generated with"
assert fit[1.0][0] > 1.5 * fit[best][0], "G_free = G_ref must fit the ÷3 pseudo-data clearly worse"
# -

# ## (b) Fig. 3: s-d model of the full spin valve at 20 mJ/cm²
#
# Temperatures: the 1D finite-volume 2TM of the seed-000 stack (§4, §6.3; bench_2tm_1d parameters),
# 800 nm, 50 fs FWHM, pulse peak at 0.1 ps, free side pumped; the ref layer is heated only by Cu
# electron transport. The 2TM does not depend on m, so it is solved first (the FEM heat module can
# replace it: anything that gives layer-averaged T_e, T_l traces).
#
# s-d model (§6.1) per layer, ballistic transfer (§6.2, seed 000's simplification): spin generated
# in one layer reaches the other after t_d and is injected with
# S_{j←i} = η (d_i/d_j) ρ ṁ_{d,i}(t − t_d).
# Layer thicknesses 3.2 nm (free, [Co(0.6)/Pt(1)]₂) and 7 nm (ref).
#
# Calibration within the §6.4 ranges, by a scan (324 + 288 combinations of T_c,free ∈ {500, 550} K,
# T_c,ref ∈ {650, 700} K, τ_sd ∈ {0.1, 0.15, 0.2, 0.3} ps, ρ ∈ {0.5, 1, 2, 4} eV, η ∈ {0.2 … 1},
# fluence, Cu κ_e) against: ref demagnetization ≈ 18% (U2), P → AP reversal of the free layer near
# 1 ps after the ref starts remagnetizing and no reversal from AP (U1, U8). Result:

# +
CAL = {"T_c free [K]": 550.0, "T_c ref [K]": 700.0, "tau_sd [ps]": 0.10, "tau_s [ps]": 0.05,
       "rho [eV]": 0.5, "eta": 0.5, "t_d [fs]": 70.0, "absorption scale": 0.6}
SOURCES = {"T_c free [K]": "[ASSUMP] §6.4 450-550 (top of the range)",
           "T_c ref [K]": "[ASSUMP] §6.4 600-700 (top of the range)",
           "tau_sd [ps]": "[ASSUMP] §6.4 0.1-0.5 (bottom: fastest ref response)",
           "tau_s [ps]": "[ASSUMP] §6.4 0.02-0.1 (Pt-dominated), library CoPt_multilayer",
           "rho [eV]": "[DER/ASSUMP] §6.4 0.5-7 (bottom)",
           "eta": "[ASSUMP] §6.4 0.1-1",
           "t_d [fs]": "[ASSUMP] §6.2 80 nm / (0.5-0.7 v_F,Cu) = 50-100 fs",
           "absorption scale": "[calibrated] 20 mJ/cm² x 0.6 = 12 mJ/cm² effective; at the full "
                               "TMM absorption the 2TM overheats the ref (44% demag)"}
t_end_b = 3 * PS if args.fast else 5 * PS
dt_b = 10e-15 if args.fast else 5e-15


def sd_layers(cal: dict) -> list[MagneticLayer]:
    params = {name: SdParameters(cal[f"T_c {name} [K]"], cal["rho [eV]"] * EV,
                                 cal["tau_s [ps]"] * PS, tau_sd=cal["tau_sd [ps]"] * PS)
              for name in ("free", "ref")}
    return [MagneticLayer("free", D_FREE, params["free"]),
            MagneticLayer("ref", D_REF, params["ref"])]


def fig3_runs(fluence: float, cal: dict) -> dict[str, object]:
    temps = seed000_temperatures(fluence=fluence, duration=50e-15, arrival=0.1 * PS,
                                 t_end=t_end_b)
    model = SpinValveModel(sd_layers(cal), temps, transport="ballistic", efficiency=cal["eta"],
                           delay=cal["t_d [fs]"] * 1e-15)
    return {"temps": temps, "P": model.run(t_end_b, dt_b, "P"),
            "AP": model.run(t_end_b, dt_b, "AP")}


fig3 = fig3_runs(200.0 * CAL["absorption scale"], CAL)
fig3_nominal = fig3_runs(200.0, CAL)
for label, runs_b in (("calibrated", fig3), ("20 mJ/cm² at full absorption", fig3_nominal)):
    p, ap = runs_b["P"], runs_b["AP"]
    ref_abs = np.abs(p.m_d[:, 1])
    i_min = int(np.argmin(ref_abs))
    try:
        t_sw = switching_time(p.time, p.m_d[:, 0])
    except ValueError:
        t_sw = float("nan")
    runs_b["summary"] = {"t_switch": t_sw, "t_ref_min": p.time[i_min],
                         "ref_demag": 1 - ref_abs[i_min] / ref_abs[0],
                         "free_end_P": p.m_d[-1, 0], "free_end_AP": ap.m_d[-1, 0],
                         "free_min_AP": ap.m_d[:, 0].min()}
    s = runs_b["summary"]
    note(f"(b) {label}: ref demag {s['ref_demag']:.2f} at {s['t_ref_min'] / PS:.2f} ps; free "
         f"P crosses 0 at {s['t_switch'] / PS:.2f} ps, ends {s['free_end_P']:+.2f}; AP ends "
         f"{s['free_end_AP']:+.2f} (min {s['free_min_AP']:+.2f})")
cal_sum = fig3["summary"]
# -

# Early P/AP differences (U8): before the ref layer heats (~0.3 ps), the free layer's
# demagnetization sends spin to the ref layer after t_d: in P it is parallel to the ref
# magnetization (m_ref and especially m_tot,ref increase), in AP antiparallel (|m_ref| decreases).
# The free layer feels the back-transfer after 2 t_d.

# +
p, ap = fig3["P"], fig3["AP"]
window = p.time <= 0.1 * PS + 2 * CAL["t_d [fs]"] * 1e-15 + 100e-15  # first ~100 fs of transfer
d_ref_md = (np.abs(p.m_d[window, 1]) - np.abs(ap.m_d[window, 1])).max()
d_ref_mtot = (np.abs(p.m_tot[window, 1]) - np.abs(ap.m_tot[window, 1])).max()
d_free = (np.abs(p.m_d[window, 0]) - np.abs(ap.m_d[window, 0])).max()
rise_P = (p.m_tot[window, 1] - p.m_tot[0, 1]).max()
note(f"(b) first ~100 fs of transfer: |m_ref|(P) − |m_ref|(AP) up to {d_ref_md:.4f} (m_d), "
     f"{d_ref_mtot:.4f} (m_tot); m_tot,ref(P) rises by {rise_P:.4f}; free |m|(P) − |m|(AP) "
     f"up to {d_free:.4f}")
assert 0.1 < cal_sum["ref_demag"] < 0.3, "U2: ref demagnetization should be ~18%"
assert 0.8 * PS < cal_sum["t_switch"] < 2.0 * PS, "U8: free reversal from P after ~0.8-1.5 ps"
assert cal_sum["t_switch"] > cal_sum["t_ref_min"], "U8: reversal after the ref starts remagnetizing"
assert cal_sum["free_end_P"] < -0.1 and cal_sum["free_end_AP"] > 0.1, "U1: only P reverses"
assert rise_P > 0 and d_ref_mtot > d_ref_md > 0, "U8: ref increase (P) larger in m_tot than m_d"
assert d_free > 0, "U8: reduced free-layer demagnetization for P vs AP"
# -

# Diffusive transport instead of the ballistic delay (§6.2): the same s-d parameters, μ_s(z, t)
# in SpinDiffusion1D with the Co/Pt layers as spin sinks (τ_s = 0.05 ps) and the §7.3 Cu and
# interface values. Reported, not asserted (not calibrated).

# +
def copt_spin_layer(name: str, thickness: float) -> SpinLayer:
    return SpinLayer.from_si(name, thickness, 5e6, N_CO,
                             spin_relaxation_time=CAL["tau_s [ps]"] * PS, is_ferromagnet=True)


diff_model = SpinValveModel(
    sd_layers(CAL), fig3["temps"], transport="diffusive",
    spin_layers=[copt_spin_layer("free", D_FREE),
                 SpinLayer.from_si("Cu", D_CU, 3.5e7, N_CU, spin_diffusion_length=350 * NM),
                 copt_spin_layer("ref", D_REF)],
    interface_conductances=[G_REF / 3, G_REF], cell_size=2 * NM)
diffusive = {st: diff_model.run(t_end_b, dt_b, st) for st in ("P", "AP")}
diff_model.destroy()
note(f"(b) diffusive: free m_d at the end P {diffusive['P'].m_d[-1, 0]:+.3f}, AP "
     f"{diffusive['AP'].m_d[-1, 0]:+.3f}; ref demag "
     f"{1 - np.abs(diffusive['P'].m_d[:, 1]).min() / abs(diffusive['P'].m_d[0, 1]):.2f}")
# -

# ## (c) Fig. 4 control: FM/Cu(100 nm), probe on the Cu side
#
# Glass / [Co(0.8)/Pt(1)]₃ / Cu(100) / air. Pumping the FM (through the glass) heats it directly;
# pumping the Cu side deposits a little energy in Cu whose hot electrons heat the FM. In our model
# the only spin source is the FM's dM/dt (no STT-like reflection), so the Cu-side Kerr signal should
# have the same sign and, up to a delay, the same shape in both cases — the seed's observation
# (U10). Fluences are chosen to give comparable FM demagnetization.

# +
D_FM = 5.4 * NM
control_layers = [SpinLayer.from_si("Cu", 100 * NM, 3.5e7, N_CU,
                                    spin_diffusion_length=350 * NM),
                  copt_spin_layer("fm", D_FM)]
fm_sd = MagneticLayer("fm", D_FM, SdParameters(600.0, CAL["rho [eV]"] * EV, CAL["tau_s [ps]"] * PS,
                                               tau_sd=CAL["tau_sd [ps]"] * PS))
control_optics = KerrSynthesizer(
    PlanarOptics.from_si([("Cu", SEED000_OPTICS["Cu"], 100 * NM),
                          ("fm", SEED000_OPTICS["Co"], D_FM)],
                         800e-9, n_substrate=SEED000_OPTICS["glass"], comm=MPI.COMM_SELF),
    voigt={"fm": Q_COPT}, spin_mo={"Cu": 1.0 / EV}, points_per_layer=12)
cu_points = [(-z, "Cu") for z in control_optics.depth_points("Cu")]
t_end_c = 3 * PS
control = {}
for label, fluence, backside in (("FM pumped", 40.0, True), ("Cu pumped", 400.0, False)):
    temps = seed000_temperatures(fluence=fluence, duration=50e-15, arrival=0.1 * PS,
                                 t_end=t_end_c, layers=FM_CU_CONTROL_LAYERS,
                                 groups={"fm": "fm_"}, from_substrate=backside)
    model = SpinValveModel([fm_sd], temps, transport="diffusive", spin_layers=control_layers,
                           interface_conductances=[G_REF], cell_size=2 * NM, outer="sink")
    res = model.run(t_end_c, 10e-15, "P", probes=cu_points)
    model.destroy()
    static = control_optics.magnetization_vector("fm")
    theta = control_optics.synthesize(spin_profiles={"Cu": res.probes})
    control[label] = {"time": res.time, "rotation": theta.real / static.real,
                      "m": res.m_d[:, 0], "Te_peak": float(temps.electron["fm"].max())}
sig_fm, sig_cu = control["FM pumped"]["rotation"], control["Cu pumped"]["rotation"]
t_c = control["FM pumped"]["time"]
lag = int(np.argmax(np.abs(sig_cu))) - int(np.argmax(np.abs(sig_fm)))
shifted = np.roll(sig_cu, -lag)[: sig_cu.size - max(lag, 0)]
ref_part = sig_fm[: shifted.size]
corr = float(shifted @ ref_part / np.sqrt((shifted @ shifted) * (ref_part @ ref_part)))
same_sign = np.sign(sig_fm[np.argmax(np.abs(sig_fm))]) == np.sign(sig_cu[np.argmax(np.abs(sig_cu))])
for label, c in control.items():
    demag_fm = 1 - c["m"].min() / c["m"][0]
    note(f"(c) {label}: FM T_e peak {c['Te_peak']:.0f} K, FM demag {demag_fm:.2f}, "
         f"Cu-side rotation peak {np.max(np.abs(c['rotation'])):.3e} at "
         f"{c['time'][np.argmax(np.abs(c['rotation']))] / PS:.2f} ps")
note(f"(c) same sign: {bool(same_sign)}; shape correlation after a {lag * 10} fs shift: {corr:.3f}")
assert same_sign, "U10: the Cu-side signal has the same sign for FM and Cu pumping"
assert corr > 0.9, "U10: the Cu-side signal has the same shape (up to a delay)"
# -

# ## Figures and tables (rank 0)

# +
if rank0:
    import csv

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(14, 7.5))
    ax = axes[0, 0]
    ax.plot(t_trace / PS, traces["free P"], "k", label="free P")
    ax.plot(t_trace / PS, traces["free AP"], "r", label="free AP")
    ax.plot(t_trace / PS, traces["ref"], "b", label="ref (P and AP)")
    ax.set(xlabel="t [ps]", ylabel="M/M_s", title="(a) synthetic traces (Fig. 1b/c-like)")
    ax.legend()
    for ax, side in zip(axes[0, 1:], probes, strict=True):
        s = fig2[side]
        scale = np.max(np.abs(s["P"]))
        ax.plot(t_a / PS, s["P"] / scale, "k", lw=1, label="P")
        ax.plot(t_a / PS, s["AP"] / scale, "r", lw=1, label="AP")
        ax.plot(t_a / PS, s["free"] / scale, "g--", label="½(P+AP): free")
        ax.plot(t_a / PS, s["ref"] / scale, "m--", label="½(P−AP): ref")
        ax.axhline(0, color="0.7", lw=0.5)
        ax.set(xlabel="t [ps]", ylabel="Δθ̄ − Δε̄ (norm.)", title=f"(a) probed on the {side}")
        ax.legend(fontsize=8)
    ax = axes[1, 0]
    for st, color in (("P", "k"), ("AP", "r")):
        r = fig3[st]
        ax.plot(r.time / PS, r.m_d[:, 0], color, label=f"free m_d {st}")
        ax.plot(r.time / PS, r.m_tot[:, 0], color + "--", lw=1, label=f"free m_tot {st}")
    ax.axhline(0, color="0.7", lw=0.5)
    ax.set(xlabel="t [ps]", ylabel="m", title="(b) free layer (s-d, ballistic)")
    ax.legend(fontsize=8)
    ax = axes[1, 1]
    for st, color in (("P", "k"), ("AP", "r")):
        r = fig3[st]
        ax.plot(r.time / PS, np.abs(r.m_d[:, 1]), color, label=f"|ref m_d| {st}")
        ax.plot(r.time / PS, np.abs(r.m_tot[:, 1]), color + "--", lw=1, label=f"|ref m_tot| {st}")
    ax.set(xlabel="t [ps]", ylabel="|m|", title="(b) ref layer")
    ax.legend(fontsize=8)
    ax = axes[1, 2]
    for label, c in control.items():
        ax.plot(c["time"] / PS, c["rotation"] / np.max(np.abs(c["rotation"])), label=label)
    ax.set(xlabel="t [ps]", ylabel="Cu-side Δθ̄ (norm.)", title="(c) FM/Cu(100) control")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "spin_valve.png", dpi=110)
    with (out / "fig3_traces.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["time [ps]", "free m_d P", "free m_tot P", "ref m_d P", "ref m_tot P",
                    "free m_d AP", "free m_tot AP", "ref m_d AP", "ref m_tot AP"])
        for k in range(fig3["P"].time.size):
            w.writerow([f"{fig3['P'].time[k] / PS:.4f}",
                        *(f"{v:.6f}" for st in ("P", "AP")
                          for v in (fig3[st].m_d[k, 0], fig3[st].m_tot[k, 0],
                                    fig3[st].m_d[k, 1], fig3[st].m_tot[k, 1]))])
    with (out / "calibration.txt").open("w") as fh:
        for key, value in CAL.items():
            fh.write(f"{key:>18s} = {value:<8g} {SOURCES[key]}\n")
        fh.write("\n" + "\n".join(summary) + "\n")
    print(f"wrote {out}/spin_valve.png, fig3_traces.csv, calibration.txt "
          f"({time.perf_counter() - clock:.1f} s)")
# -
