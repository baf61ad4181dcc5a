# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: light
# ---

# # Seed 000 Fig. 3: a parameter set calibrated on the timing
#
# Seed 000 (Fig. 3 text): at 20 mJ/cm² the free layer reverses only from P, "after 800 fs, just
# after the reference layer starts remagnetizing"; the measured ref layer demagnetizes by ~18 % and
# peaks at ~0.3 ps (Fig. 1c). The uncalibrated set (`demo_spin_valve.py`) reproduces the chain but
# puts the ref peak 0.635 ps and the free crossing 1.121 ps after the pump peak.
#
# `femmag.studies.seed000.calibration.SEED000_CALIBRATED` holds a set calibrated against both
# times within the ranges of physics-spec §4.4, §6.2, §6.4 (each value with its source). This demo
# (1) shows the one-at-a-time effect of every lever on the two times (lumped s-d model, FV 2TM),
# (2) compares the calibrated Fig. 3 with the uncalibrated one, (3) confirms the set with FEM heat
# through `Simulation` (s-d at the quadrature points, `spin_transport`).
#
# Run: ``python demos/demo_spin_valve_calibrated.py [--out DIR] [--fast]`` (also under mpiexec).

# +
import argparse
import os
import time
from pathlib import Path

from mpi4py import MPI

import numpy as np

import femmag  # noqa: F401  (must come before dolfinx)
from femmag.studies.seed000 import seed000_spin_valve
from femmag.physics.optics.kerr import switching_time
from femmag.studies.seed000.calibration import (
    SEED000_CALIBRATED,
    UNCALIBRATED_SET,
    plain,
    run_fig3,
    simulation_inputs,
)
from femmag.physics.spin.module import spin_transport
from femmag.studies.seed000.groups import seed000_groups
from femmag.pulse import Pulse
from femmag.simulation import Simulation, TimeStepping

parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
parser.add_argument("--out", default="out/demo_spin_valve_calibrated", help="output folder")
parser.add_argument("--fast", action="store_true", default=os.environ.get("FEMMAG_FAST") == "1",
                    help="short runs (CI)")
args, _ = parser.parse_known_args()
comm = MPI.COMM_WORLD
rank0 = comm.rank == 0
out = Path(args.out)
if rank0:
    out.mkdir(parents=True, exist_ok=True)
PS, FS = 1e-12, 1e-15
clock = time.perf_counter()
summary: list[str] = []


def note(line: str) -> None:
    summary.append(line)
    if rank0:
        print(line, flush=True)


CAL = plain()
T_END, DT = (2.5 * PS, 10 * FS) if args.fast else (3 * PS, 5 * FS)
for key, item in SEED000_CALIBRATED.items():
    note(f"{key:>18s} = {item.value:<9g} {item.unit:<10s} allowed {item.allowed}  "
         f"(uncalibrated: {UNCALIBRATED_SET[key]:g})  {item.source}")
# -

# ## 1. What each lever does (one at a time, from the calibrated set)
#
# Lumped model, FV temperatures. Times after the pump peak; "cross" is the first zero of the free
# m_d from P. In the fast mode a subset of the levers.

# +
LEVERS = {"tau_sd_ref": [0.2], "tau_sd_free": [0.2], "tau_s": [0.05], "efficiency": [0.4, 0.8],
          "delay": [50.0, 100.0], "rho_free": [1.0], "T_c_free": [550.0], "T_c_ref": [650.0],
          "absorption_scale": [0.45], "G_Co_ref": [1.2e19], "kappa_e_Cu": [245.0, 395.0],
          "ballistic_range_Cu": [0.0, 70.0]}
#: outside the allowed ranges: which constraint binds (diagnostic, not a calibration)
OUTSIDE = {"tau_sd_ref": 0.05, "kappa_e_Cu": 150.0, "ballistic_range_Cu": 250.0}
if args.fast:
    LEVERS = {k: LEVERS[k][:1] for k in ("tau_s", "efficiency", "kappa_e_Cu", "ballistic_range_Cu")}
    OUTSIDE = {"kappa_e_Cu": 150.0}
timing, cal_runs, cal_temps = run_fig3(CAL, t_end=T_END, dt=DT)
old, old_runs, old_temps = run_fig3(UNCALIBRATED_SET, t_end=T_END, dt=DT)


def row(label: str, f) -> str:
    return (f"{label:<34s} ref peak P/AP {f.ref_peak / PS:5.3f}/{f.ref_peak_ap / PS:5.3f} ps  "
            f"demag {f.ref_demag:5.3f}/{f.ref_demag_ap:5.3f}  cross {f.free_crossing / PS:5.3f} ps"
            f"  free end P {f.free_end_p:+.2f} AP {f.free_end_ap:+.2f}")


note(row("calibrated", timing))
note(row("uncalibrated", old))
scan = {}
for key, values in LEVERS.items():
    for value in values:
        f, _, _ = run_fig3(dict(CAL, **{key: value}), t_end=T_END, dt=DT)
        scan[(key, value)] = f
        note(row(f"{key} = {value:g}", f))
outside = {}
for key, value in OUTSIDE.items():
    outside[key], _, _ = run_fig3(dict(CAL, **{key: value}), t_end=T_END, dt=DT)
    note(row(f"{key} = {value:g} (outside)", outside[key]))
no_transfer, _, _ = run_fig3(dict(CAL, efficiency=0.0), t_end=T_END, dt=DT)
note(row("efficiency = 0 (no spin transfer)", no_transfer))
# -

# Reading of the scan (full mode, 5 fs; ref peak and demag from P / from AP):
#
# | change from the calibrated set | ref peak P/AP [ps] | ref demag P/AP | free crossing [ps] |
# |---|---|---|---|
# | calibrated | 0.385 / 0.270 | 0.134 / 0.202 | 0.811 |
# | uncalibrated set | 0.635 / 0.545 | 0.195 / 0.246 | 1.121 |
# | τ_sd,ref 0.1 → 0.2 ps | 0.485 / 0.380 | 0.114 / 0.148 | 1.041 |
# | τ_sd,free 0.1 → 0.2 ps | 0.365 / 0.295 | 0.134 / 0.193 | none (P ends +0.14) |
# | τ_s 0.02 → 0.05 ps | 0.440 / 0.330 | 0.108 / 0.253 | 1.474 |
# | η 0.6 → 0.4 / 0.8 | 0.370 / 0.295 ; 0.400 / 0.265 | ≈ | 1.082 ; 0.715 |
# | t_d 70 → 50 / 100 fs | 0.380 / 0.255 ; 0.365 / 0.290 | ≈ | 0.784 ; 0.853 |
# | ρ 0.5 → 1 eV | 0.425 / 0.280 | 0.118 / 0.253 | 1.638 |
# | T_c,free 500 → 550 K | ≈ | ≈ | 1.026 |
# | T_c,ref 700 → 650 K | 0.410 / 0.295 | 0.170 / 0.256 | 0.828 |
# | absorption 0.35 → 0.45 | 0.430 / 0.305 | 0.202 / 0.282 | 0.730 |
# | G_Co,ref 4e18 → 1.2e19 W/m³K | 0.440 / 0.225 | 0.076 / 0.122 | 1.288 |
# | κ_e,Cu 300 → 245 W/mK | 0.370 / 0.245 | 0.118 / 0.186 | 0.788 |
# | κ_e,Cu 300 → 395 W/mK | 0.390 / 0.300 | 0.158 / 0.227 | 0.841 |
# | δ_b(Cu) 150 → 0 nm | 0.485 / 0.425 | 0.109 / 0.127 | 0.915 |
# | δ_b(Cu) 150 → 70 nm | 0.425 / 0.310 | 0.123 / 0.171 | 0.856 |
# | *outside:* τ_sd,ref 0.05 ps | 0.335 / 0.215 | 0.143 / 0.262 | 0.702 |
# | *outside:* κ_e,Cu 150 W/mK | 0.090 / 0.195 | 0.097 / 0.166 | 0.705 |
# | *outside:* δ_b(Cu) 250 nm | 0.360 / 0.260 | 0.141 / 0.218 | 0.789 |
# | η = 0 (no spin transfer) | 0.350 / 0.350 | 0.149 / 0.149 | none |
#
# - the **free crossing** is set by the spin the free layer receives from the remagnetizing ref
#   layer and by how fast it relaxes: η ↑, τ_s ↓, T_c,free ↓, τ_sd,free ↓, ρ ↓ and a larger
#   absorption make it earlier; 0.8 ps is reached inside the ranges (τ_s = 0.02 ps, η = 0.6,
#   T_c,free = 500 K). Near zero the free m_d creeps (it sits at ≈ 0.1 from 0.3 ps on), so the
#   crossing time is sensitive: ±50 K in T_c,free moves it by 0.2 ps.
# - the **ref peak**: without spin transfer (η = 0) the ref's own heating puts it at 0.35 ps; the
#   spin from the free layer shifts it later from P and earlier from AP (0.385 / 0.270 ps, mean
#   0.33 ps; the seed measures the same ~0.3 ps for both, Fig. 1c). What binds is the heat the ref
#   keeps receiving after the ballistic kick: ballistic hot electrons heat it within the pulse
#   (T_e,ref peaks 30 fs after the pump at 600 K), but the 1300 K free layer feeds it by electron
#   diffusion through Cu (T_e,ref 500 K at 0.3 ps, 460 K at 0.5 ps), and the s-d magnetization
#   follows the cooling T_e down. κ_e,Cu is bounded below by the film value (245 W/mK, §4.4): at
#   150 W/mK (outside) the P peak moves to 0.09 ps (the ref then only feels the ballistic kick);
#   τ_sd,ref sits at the bottom of its range (0.1 ps): 0.05 ps (outside) gives 0.335 / 0.215 ps.
#   A larger ref e-ph coupling does not help (the ref lattice heats, T_e cannot fall below it,
#   and the demagnetization drops to 8-12 %); δ_b(Cu) beyond 150 nm gains ~25 fs.
# - the calibrated set thus reaches (b) and (c) and puts (a) at 0.385 ps from P (0.33 ps P/AP
#   mean), with the ref demagnetization 13 % / 20 % (P / AP; seed ~18 % for both) and a
#   quasi-total free demagnetization (free m_d reaches −0.01 from AP, then recovers).

# +
assert abs(timing.free_crossing - 0.8 * PS) < 50 * FS, "free crossing near 0.8 ps (seed Fig. 3)"
assert timing.ref_peak < old.ref_peak - 0.15 * PS, "ref peak much earlier than the uncalibrated set"
assert 0.12 < timing.ref_demag < 0.24 and 0.12 < timing.ref_demag_ap < 0.24, \
    "ref demagnetization ~18 % (Fig. 1c)"
assert timing.only_p_reverses and not np.isnan(timing.free_crossing), "only P reverses"
assert timing.free_crossing > timing.ref_peak, "reversal after the ref starts remagnetizing"
assert abs(0.5 * (timing.ref_peak + timing.ref_peak_ap) - 0.3 * PS) < 0.05 * PS, \
    "P/AP-mean ref peak near the seed's 0.3 ps"
assert timing.ref_peak > 0.35 * PS, "from P the ref peak stays later than 0.3 ps (cooling-bound)"
for (key, value), f in scan.items():  # inside the ranges no single lever gets the P peak to 0.3 ps
    assert f.ref_peak > 0.33 * PS, f"{key} = {value}: ref peak from P at 0.3 ps inside the ranges?"
assert outside["kappa_e_Cu"].ref_peak < timing.ref_peak - 0.1 * PS, \
    "the lower bound of the Cu electron conductivity binds"
# -

# ## 2. FEM confirmation: the calibrated set through `Simulation`
#
# FEM 2TM of the full stack with the FV thermal set (Cu κ_e0 from the calibrated set), ballistic
# energy transport through `ballistic_absorption` (δ_b(Cu) and the absorption scale of the set) and
# s-d at the quadrature points with ballistic spin transfer; same fixed step as the lumped runs.

# +
inputs = simulation_inputs(CAL)
stack = seed000_spin_valve(substrate_thickness="1 um")
pulse = Pulse("20 mJ/cm^2", "50 fs", "10 um", arrival="0.1 ps")
fem = {}
for state in ("P", "AP"):
    start = time.perf_counter()
    sim = Simulation(stack, pulse, mesh="1d", magnetization=False, library=inputs["library"],
                     absorption=inputs["absorption"],
                     modules=[spin_transport(ferromagnets=seed000_groups(stack), initial=state,
                                             **inputs["spin_transport"])],
                     verbose=False, time_stepping=TimeStepping(dt_pulse=f"{DT} s",
                                                               dt_max=f"{DT} s"))
    tr = sim.run(f"{T_END} s", progress=False)
    sim.extra_modules[0].destroy()
    fem[state] = {"time": tr.column("time") * PS,
                  "m_d": np.column_stack([tr.column(f"m_d_{g}") for g in ("free", "ref")]),
                  "wall": time.perf_counter() - start}
ref_fem = np.abs(fem["P"]["m_d"][:, 1])
fem_peak = fem["P"]["time"][int(np.argmin(ref_fem))] - 0.1 * PS
fem_cross = switching_time(fem["P"]["time"], fem["P"]["m_d"][:, 0]) - 0.1 * PS
fem_demag = 1 - ref_fem.min() / ref_fem[0]
note(f"FEM: ref peak {fem_peak / PS:.3f} ps (lumped {timing.ref_peak / PS:.3f}), demag "
     f"{fem_demag:.3f} ({timing.ref_demag:.3f}), cross {fem_cross / PS:.3f} ps "
     f"({timing.free_crossing / PS:.3f}); free end P {fem['P']['m_d'][-1, 0]:+.2f} AP "
     f"{fem['AP']['m_d'][-1, 0]:+.2f}; wall {fem['P']['wall']:.1f}+{fem['AP']['wall']:.1f} s")
assert fem["P"]["m_d"][-1, 0] < -0.1 and fem["AP"]["m_d"][-1, 0] > 0.1, "FEM: only P reverses"
assert abs(fem_cross - 0.8 * PS) < 0.1 * PS, "FEM: free crossing near 0.8 ps"
assert abs(fem_peak - timing.ref_peak) < 0.06 * PS, "FEM and lumped: same ref peak"
assert 0.12 < fem_demag < 0.28, "FEM: ref demagnetization ~18 %"
# -

# ## Figure (rank 0): calibrated vs uncalibrated Fig. 3

# +
if rank0:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    for runs_, temps_, ls, label in ((old_runs, old_temps, ":", "uncalibrated"),
                                     (cal_runs, cal_temps, "-", "calibrated")):
        for state, color in (("P", "k"), ("AP", "r")):
            r = runs_[state]
            t = (r.time - 0.1 * PS) / PS
            axes[0].plot(t, r.m_d[:, 0], color=color, ls=ls, label=f"{label} {state}")
            axes[1].plot(t, np.abs(r.m_d[:, 1]), color=color, ls=ls, label=f"{label} {state}")
        axes[2].plot((temps_.time - 0.1 * PS) / PS, temps_.electron["ref"], ls=ls, color="b",
                     label=f"{label} ref T_e")
    for state, color in (("P", "g"), ("AP", "m")):
        t = (fem[state]["time"] - 0.1 * PS) / PS
        axes[0].plot(t, fem[state]["m_d"][:, 0], color=color, ls="--", label=f"FEM {state}")
        axes[1].plot(t, np.abs(fem[state]["m_d"][:, 1]), color=color, ls="--", label=f"FEM {state}")
    axes[0].axhline(0, color="0.7", lw=0.5)
    axes[0].axvline(0.8, color="0.6", lw=0.8)
    axes[1].axvline(0.3, color="0.6", lw=0.8)
    axes[0].set(xlabel="t − t_pump [ps]", ylabel="free m_d", title="free layer (seed: 0.8 ps)")
    axes[1].set(xlabel="t − t_pump [ps]", ylabel="|ref m_d|", title="ref layer (seed: 0.3 ps)")
    axes[2].set(xlabel="t − t_pump [ps]", ylabel="T_e [K]", title="ref electron temperature")
    for ax in axes:
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "spin_valve_calibrated.png", dpi=110)
    (out / "summary.txt").write_text("\n".join(summary) + "\n")
    print(f"wrote {out}/spin_valve_calibrated.png, summary.txt "
          f"({time.perf_counter() - clock:.1f} s)")
# -
